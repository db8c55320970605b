"""The base of every exception drflow raises on purpose.

Catch :class:`DrflowError` to handle anything drflow reports, and a subclass to handle one kind
of failure. The tree (a leaf module: it imports nothing of drflow, so every package can use it)::

    DrflowError
    ├── VBRError                        drflow.vbr: the VBR server, or talking to it
    │   ├── VBRConfigError                  the connection settings are wrong
    │   ├── VBRTransportError               no answer: request_sent says if it may have arrived
    │   │   ├── VBRConnectError                 no connection (the request never left)
    │   │   │   └── VBRTLSError                     the server's certificate was refused
    │   │   └── VBRTimeoutError                 no answer in time
    │   ├── VBRAPIError                     VBR answered with an error status
    │   │   ├── BadRequest                      400
    │   │   ├── Unauthorized                    401
    │   │   ├── Forbidden                       403, naming the roles the operation needs
    │   │   ├── NotFound                        404
    │   │   ├── RateLimited                     429, with retry_after
    │   │   ├── ServerError                     5xx
    │   │   └── UnexpectedResponse              an answer that breaks the contract
    │   ├── SessionFailed                   a session ended Failed
    │   ├── MountFailed                     a mount reached a failed state
    │   │   └── MountGone                       it disappeared while waited for
    │   ├── NoRestorePoint                  no restore point qualifies
    │   ├── WaitTimeout                     a wait ran past its deadline
    │   └── AmbiguousAdoption               a lost start matches more than one candidate
    ├── PlanError                       drflow.plans: a plan file that cannot be used
    ├── Unverified                      drflow.flows: a recovered workload failed its checks
    ├── RecoveryProblem                 drflow.flows: a recovery cannot go on (the message says why)
    ├── RecoveryFailed                  drflow.flows: a recovery's verdict is not passed
    ├── ReleaseError                    drflow.flows: nothing could be released
    ├── DrillFailed                     drflow.drills: a drill's verdict is failed
    ├── NotReady                        drflow.drills: a readiness check found the plan not ready
    ├── SetupError                      drflow.deployments: `drflow up` cannot set up what it serves
    └── UsageError                      drflow.cli: a mistake on the command line
"""

from __future__ import annotations

__all__ = ["DrflowError"]


class DrflowError(Exception):
    """Base of every exception drflow raises on purpose."""
