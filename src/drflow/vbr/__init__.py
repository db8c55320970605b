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
from ._retry import RetryPolicy, answer_lost, is_transient, may_resend
from ._settings import VBRSettings, normalize_fingerprint, normalize_url, parse_duration
from ._tls import fingerprint_of
from ._waiting import Backoff
from .budgets import Budget, budget
from .outages import Outage, Outages

__all__ = [
    "Backoff",
    "BadRequest",
    "Budget",
    "Forbidden",
    "MountFailed",
    "NoRestorePoint",
    "NotFound",
    "Outage",
    "Outages",
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
    "answer_lost",
    "budget",
    "fingerprint_of",
    "is_transient",
    "may_resend",
    "normalize_fingerprint",
    "normalize_url",
    "paginate",
    "parse_duration",
]
