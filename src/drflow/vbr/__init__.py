"""A typed client for the Veeam Backup & Replication REST API 1.3-rev1.

No Prefect here: :class:`VBRClient` can be used from any Python code.

- ``VBRClient`` (``client.vsphere``, ``client.sessions``, ...): one method per operation
  (:mod:`drflow.vbr.api`), retried through outages (:class:`RetryPolicy`, :func:`budget`),
  outages recorded (``client.outages``: :class:`Outages`);
- :mod:`drflow.vbr.waiting`: waits on sessions and mounts of every kind
  (:mod:`drflow.vbr.mounts`), their reads shared (:mod:`drflow.vbr.shared_reads`);
- :mod:`drflow.vbr.adoption`: starts that adopt what a lost answer started, never a repeat;
- :mod:`drflow.vbr.stops`: stops that persist through outages until the target is gone;
- :mod:`drflow.vbr.selection`: the restore point to recover from;
- :mod:`drflow.vbr.marks`: what a drflow run left in VBR.
"""

from ._client import VBRClient
from ._exceptions import (
    AmbiguousAdoption,
    BadRequest,
    Forbidden,
    MountFailed,
    MountGone,
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
from .adoption import Started, start_or_adopt
from .budgets import Budget, budget
from .mounts import MountKind
from .outages import Outage, Outages
from .polling import Backoff
from .selection import latest_restore_point, newest_restore_points, select_restore_point
from .stops import HeldBySession, Stopped, stop
from .waiting import (
    wait_for_device_code,
    wait_for_mount,
    wait_for_session,
    wait_for_session_ready,
    wait_until_gone,
)

__all__ = [
    "AmbiguousAdoption",
    "Backoff",
    "BadRequest",
    "Budget",
    "Forbidden",
    "HeldBySession",
    "MountFailed",
    "MountGone",
    "MountKind",
    "NoRestorePoint",
    "NotFound",
    "Outage",
    "Outages",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "SessionFailed",
    "Started",
    "Stopped",
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
    "latest_restore_point",
    "may_resend",
    "newest_restore_points",
    "normalize_fingerprint",
    "normalize_url",
    "paginate",
    "parse_duration",
    "select_restore_point",
    "start_or_adopt",
    "stop",
    "wait_for_device_code",
    "wait_for_mount",
    "wait_for_session",
    "wait_for_session_ready",
    "wait_until_gone",
]
