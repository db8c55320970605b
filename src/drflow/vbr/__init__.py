"""A typed client for the Veeam Backup & Replication REST API 1.3-rev1.

No Prefect here: :class:`VBRClient` can be used from any Python code.
"""

from ._client import VBRClient
from ._exceptions import (
    BadRequest,
    Forbidden,
    MountFailed,
    NoRestorePoint,
    NotFound,
    RateLimited,
    ServerError,
    SessionFailed,
    Unauthorized,
    UnexpectedResponse,
    VBRAPIError,
    VBRConfigError,
    VBRConnectError,
    VBRError,
    VBRTimeoutError,
    VBRTLSError,
    VBRTransportError,
    WaitTimeout,
)
from ._pagination import paginate
from ._retry import RetryPolicy
from ._settings import VBRSettings, normalize_fingerprint, normalize_url
from ._tls import fingerprint_of
from ._waiting import Backoff

__all__ = [
    "Backoff",
    "BadRequest",
    "Forbidden",
    "MountFailed",
    "NoRestorePoint",
    "NotFound",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "SessionFailed",
    "Unauthorized",
    "UnexpectedResponse",
    "VBRAPIError",
    "VBRClient",
    "VBRConfigError",
    "VBRConnectError",
    "VBRError",
    "VBRSettings",
    "VBRTLSError",
    "VBRTimeoutError",
    "VBRTransportError",
    "WaitTimeout",
    "fingerprint_of",
    "normalize_fingerprint",
    "normalize_url",
    "paginate",
]
