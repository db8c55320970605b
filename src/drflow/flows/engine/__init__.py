"""The one recovery engine and what workloads plug into it.

:func:`run_recovery` carries out a recovery described by a :class:`Strategy`; :mod:`.ownership`
says what becomes of what it started in VBR; the rest is what every recovery shares: its
parameters, decision, evidence, clean-up hooks, and the switchover of a migration.
"""

from . import client_busy, client_retries, client_tls, heartbeats
from .decision import OperatorDecision, decide, wait_for_input
from .errors import RecoveryProblem, Unverified
from .evidence import Progress, publish, watching
from .handoff import Handoff, handed_over, vbr_work
from .handover import HandoverParams, HandoverStrategy, OperatorDone
from .hooks import (
    CLEANUP_HOOKS,
    REMOVERS,
    release_for_run,
    remove_recorded,
    remove_what_the_children_started,
)
from .mount import InstantVM, MountStrategy
from .ownership import (
    PROTECTED,
    Disposition,
    DispositionRecord,
    Judgement,
    OwnedObject,
    OwnerRun,
    judge,
)
from .params import AskOptions, Choice, RecoveryParams, RestorePointPolicy, Then
from .report import RecoveryFailed, RecoveryReport, VBRServer, artifact_key, human_duration
from .restore import RestoreStrategy
from .run import describe_failure, record_restore_point, run_recovery
from .sessions import result_note, stop_and_wait, wait_until_stopped
from .strategy import Strategy, mount_problems, reason, started_as_drill

heartbeats.install()
client_tls.install()
client_retries.install()
client_busy.install()

__all__ = [
    "CLEANUP_HOOKS",
    "PROTECTED",
    "REMOVERS",
    "AskOptions",
    "Choice",
    "Disposition",
    "DispositionRecord",
    "Handoff",
    "HandoverParams",
    "HandoverStrategy",
    "InstantVM",
    "Judgement",
    "MountStrategy",
    "OperatorDecision",
    "OperatorDone",
    "OwnedObject",
    "OwnerRun",
    "Progress",
    "RecoveryFailed",
    "RecoveryParams",
    "RecoveryProblem",
    "RecoveryReport",
    "RestorePointPolicy",
    "RestoreStrategy",
    "Strategy",
    "Then",
    "Unverified",
    "VBRServer",
    "artifact_key",
    "decide",
    "describe_failure",
    "handed_over",
    "human_duration",
    "judge",
    "mount_problems",
    "publish",
    "reason",
    "record_restore_point",
    "release_for_run",
    "remove_recorded",
    "remove_what_the_children_started",
    "result_note",
    "run_recovery",
    "started_as_drill",
    "stop_and_wait",
    "vbr_work",
    "wait_for_input",
    "wait_until_stopped",
    "watching",
]
