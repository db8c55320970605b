"""The shape every mount-based recovery follows, whatever the workload.

select restore point → start (adopting an earlier attempt) → wait until ready → verify (VBR's
view, then the workload checks) → decide (``then``, or ask the operator) → unmount, migrate or
keep. Whatever was mounted is unmounted again if anything fails before the decision is carried
out, unless the decision was to keep it. A workload plugs in through :class:`MountWorkflow`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from prefect import get_run_logger
from prefect.exceptions import Pause
from prefect.runtime import flow_run

from drflow.tasks import run_mark, select_restore_point, verify_workload
from drflow.vbr import MountFailed, SessionFailed, VBRError, WaitTimeout
from drflow.vbr.models import InstantRecoveryMountState, ObjectRestorePointModel
from drflow.vbr.models.backups import PlatformType, RestorePointOperation

from ._report import RecoveryFailed, RecoveryReport, artifact_key
from ._slots import vbr_work
from .decision import decide
from .evidence import Progress, publish
from .params import Choice, RecoveryParams

P = TypeVar("P", bound=RecoveryParams)
M = TypeVar("M")


class Unverified(Exception):
    """The recovered workload did not pass verification."""


class MountWorkflow(ABC, Generic[P, M]):
    """How one kind of workload is mounted, checked, migrated and unmounted."""

    platform: PlatformType | None = None
    operation: RestorePointOperation | None = None

    def __init__(self, params: P) -> None:
        self.params = params

    @property
    @abstractmethod
    def name(self) -> str:
        """The workload's name in its backup (what restore points are called)."""

    @property
    def check_target(self) -> str:
        """What ``{vm}`` means in the workload checks."""
        return self.name

    @abstractmethod
    def start(self, point: ObjectRestorePointModel, mark: str, report: RecoveryReport) -> M:
        """Start (or adopt) the recovery; record its ids in ``report``."""

    @abstractmethod
    def wait_ready(self, mount: M) -> M:
        """Wait until the recovered workload is up; raise when VBR says it failed."""

    @abstractmethod
    def problems(self, mount: M) -> list[str]:
        """What VBR's own view says is wrong with a ready mount (state, errorMessage)."""

    @abstractmethod
    def unmount(self, mount: M) -> None:
        """Stop the recovery and wait until VBR no longer holds it (gone already is fine)."""

    def migrate(self, mount: M, report: RecoveryReport) -> None:
        """Make the recovery permanent; record session ids in ``report``."""
        raise NotImplementedError(f"{type(self).__name__} cannot migrate")

    def allowed(self) -> list[Choice]:
        """What the operator may choose after verification."""
        return ["unmount", "keep"]


def run_mount_recovery(workflow: MountWorkflow[Any, Any]) -> RecoveryReport:
    """Carry out one recovery; return its report, or raise :class:`RecoveryFailed` with it."""
    params = workflow.params
    logger = get_run_logger()
    report = RecoveryReport(
        workload=workflow.name, then=params.then, flow_run_id=str(flow_run.get_id() or "") or None
    )
    progress = Progress(workflow.name)
    mount: Any = None
    kept = False
    suspended = False
    slot = ExitStack()
    try:
        phase = report.begin("select restore point")
        policy = params.restore_point
        point = select_restore_point(
            params.connection,
            workflow.name,
            restore_point_id=policy.restore_point_id,
            before=policy.before,
            max_age_hours=policy.max_age_hours,
            platform=workflow.platform,
            operation=workflow.operation,
        )
        report.restore_point_id = str(point.id)
        report.restore_point_time = point.creation_time
        report.restore_point_age_seconds = round(
            (datetime.now(UTC) - point.creation_time).total_seconds()
        )
        report.end(phase)
        progress.update(5, "restore point selected")
        logger.info("recovering %s from %s (%s)", workflow.name, point.creation_time, point.id)

        if slot.enter_context(vbr_work()):  # a drill's slot: the recovery is requested now
            report.requested_at = datetime.now(UTC)
        phase = report.begin("recover")
        mount = workflow.start(point, run_mark(), report)
        progress.update(15, "waiting for VBR to mount")
        mount = workflow.wait_ready(mount)
        report.end(phase)
        progress.update(60, "verifying")

        phase = report.begin("verify")
        problems = workflow.problems(mount)
        if params.checks:
            report.checks = verify_workload(workflow.check_target, params.checks)
            problems += [f"{c.check}: {c.detail}" for c in report.checks if not c.passed]
        report.end(phase)
        if problems:
            raise Unverified("; ".join(problems))
        report.verified()
        progress.update(80, "verified")
        logger.info("%s verified, RTO %.1fs", workflow.name, report.rto_seconds)

        decision = decide(
            params.then,
            params.ask,
            summary=report.markdown(),
            allowed=workflow.allowed(),
            key=artifact_key("decision", workflow.name),
        )
        report.choice = decision.choice
        report.decided_by = decision.approver or None
        phase = report.begin(decision.choice)
        if decision.choice == "unmount":
            workflow.unmount(mount)
            report.cleaned_up = True
        elif decision.choice == "migrate":
            workflow.migrate(mount, report)
        else:
            kept = True
        report.end(phase)
        report.verdict = "passed"
        progress.update(100, "done")
    except (Unverified, VBRError) as exc:
        report.reason = describe_failure(exc)
        logger.error("recovery of %s failed: %s", workflow.name, report.reason)
    except Pause:
        # suspended until a later step (a scheduled switchover): the resumed run finishes
        # what this one started, so nothing is cleaned up and no final report published yet
        suspended = True
        raise
    finally:
        if mount is not None and report.verdict != "passed" and not kept and not suspended:
            report.cleaned_up = _cleanup(workflow, mount)
        slot.close()
        if not suspended:
            publish(report)
    if report.verdict != "passed":
        raise RecoveryFailed(report)
    return report


def mount_problems(state: object, error_message: str | None) -> list[str]:
    """Problems of a VM or disk mount that should be ``Mounted``."""
    problems = []
    if state != InstantRecoveryMountState.MOUNTED:
        problems.append(f"mount is {state}, not Mounted")
    if error_message:
        problems.append(f"VBR reports: {error_message}")
    return problems


def describe_failure(exc: BaseException) -> str:
    """One line for the report: what failed, in VBR's words where there are some."""
    if isinstance(exc, SessionFailed):
        return f"VBR session failed: {exc.reason or exc}"
    if isinstance(exc, MountFailed):
        return f"mount failed: {exc.error_message or exc}"
    if isinstance(exc, Unverified):
        return f"verification failed: {exc}"
    if isinstance(exc, WaitTimeout):
        return f"timed out: {exc}"
    return str(exc)


def _cleanup(workflow: MountWorkflow[Any, Any], mount: Any) -> bool:
    """Unmount what this run mounted; a clean-up error never hides the original one."""
    logger = get_run_logger()
    try:
        workflow.unmount(mount)
    except Exception as exc:  # the janitor finds the mount by its mark
        logger.error("cleanup of %s failed, leaving it to the janitor: %s", workflow.name, exc)
        return False
    logger.info("cleaned up: %s unmounted", workflow.name)
    return True
