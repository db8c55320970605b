"""A mount handed to the operator: mount it, publish how to use it, keep it, release it.

select restore point → mount (its session remembered for the hooks) → wait until VBR says it
is ready → prepare (for example the operator's sign-in) → workload checks (optional) →
publish the details (a markdown artifact) → keep it for ``keep_minutes`` or until the
operator says done → release it (unmount / stop), always: also when anything before fails, or
the run is cancelled or crashes (the hooks end the remembered session).

A workload plugs in through :class:`Handover`. ``then`` is always ``unmount`` and ``ask`` does
not apply: the keep time, ended early by the operator, is the decision.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from drflow.tasks import run_mark, verify_workload, wait_for_session_ready
from drflow.vbr import SessionFailed, VBRError
from drflow.vbr.models import ObjectRestorePointModel, SessionState

from ._mount_recovery import Unverified, describe_failure
from ._report import RecoveryFailed, RecoveryReport, artifact_key
from ._restore_session import TrackedSession, record_restore_point
from .decision import wait_for_input
from .evidence import Progress, publish
from .params import RecoveryParams


class HandoverParams(RecoveryParams):
    """Parameters of a mount handed to the operator (``then``/``ask`` do not apply)."""

    keep_minutes: float = Field(
        default=60,
        ge=0,
        description="Minutes the mount stays available unless the operator says done first "
        "(0: release it right after publishing, a drill that the backup can be mounted).",
    )
    then: Literal["unmount"] = Field(
        default="unmount", description="What is handed to the operator is always released."
    )
    ask: SkipJsonSchema[None] = Field(default=None, exclude=True)


class OperatorDone(RunInput):
    """The operator is done: release the mount now."""

    choice: str = Field(
        default="done",
        description="Any answer ends the wait and releases the mount (so `drflow resume <run> "
        "unmount` works too).",
    )
    approver: str = Field(default="", description="Who says done (for the evidence).")
    note: str = Field(default="", description="What was restored, for the evidence.")


class HandoverFailed(Exception):
    """The mount cannot be handed over (the message says why, for the report)."""


@dataclass
class Held:
    """What the run holds for the operator, and what the operator needs to know about it."""

    session: TrackedSession
    details: dict[str, str] = field(default_factory=dict)
    how_to_use: list[str] = field(default_factory=list)


P = TypeVar("P", bound=HandoverParams)


class Handover(ABC, Generic[P]):
    """How one kind of mount is selected, mounted, prepared and released."""

    kind: str = "mount"
    """Artifact keys: ``<kind>-<name>``; also in log lines ("<kind> of <name>")."""
    title: str = "mounted"
    """The artifact's heading: "`<name>` is <title>"."""
    release_phase: str = "unmount"

    def __init__(self, params: P) -> None:
        self.params = params

    @property
    @abstractmethod
    def name(self) -> str:
        """The workload's name (what the report and artifacts are called)."""

    @abstractmethod
    def select_point(self, report: RecoveryReport) -> ObjectRestorePointModel:
        """The restore point (the shared policy); may add details to ``report``."""

    @abstractmethod
    def mount(self, point: ObjectRestorePointModel, mark: str) -> Held:
        """Mount it; the held session is tracked (remembered) from here on."""

    def wait_ready(self, held: Held) -> None:
        """Wait until VBR reports the mount ready (its holding session has a result)."""
        try:
            session = wait_for_session_ready(
                self.params.connection,
                held.session.session_id,
                label=f"{self.kind} of {self.name}",
                timeout=self.params.timeout_seconds,
            )
        except SessionFailed:
            held.session.finished = True  # VBR ended it: nothing left to release
            raise
        if session.state == SessionState.STOPPED:
            held.session.finished = True
            raise HandoverFailed(
                f"the {self.kind} session {session.id} ended before it was ready: "
                f"{session.result.message if session.result else session.state}"
            )

    def prepare(self, held: Held, report: RecoveryReport, progress: Progress) -> None:
        """What has to happen before the operator can use the mount (nothing by default)."""


def run_handover(handover: Handover[Any]) -> RecoveryReport:
    """Mount, prepare, publish, keep, release; the report, or :class:`RecoveryFailed`."""
    params = handover.params
    logger = get_run_logger()
    report = RecoveryReport(
        workload=handover.name, then="unmount", flow_run_id=str(flow_run.get_id() or "") or None
    )
    progress = Progress(handover.name)
    held: Held | None = None
    try:
        phase = report.begin("select restore point")
        point = handover.select_point(report)
        record_restore_point(report, point)
        report.end(phase)
        progress.update(5, "restore point selected")

        phase = report.begin("mount")
        held = handover.mount(point, run_mark())
        report.mount_id = str(held.session.session_id)
        report.session_ids.append(str(held.session.session_id))
        report.details.update(held.details)
        progress.update(15, "mounting")
        handover.wait_ready(held)
        report.end(phase)
        progress.update(40, "mounted")

        handover.prepare(held, report, progress)

        if params.checks:
            phase = report.begin("verify")
            report.checks = verify_workload(handover.name, params.checks)
            report.end(phase)
            failed = [f"{c.check}: {c.detail}" for c in report.checks if not c.passed]
            if failed:
                raise Unverified("; ".join(failed))
        report.verified()
        progress.update(60, "handed to the operator")

        phase = report.begin("keep")
        _publish(handover, held, report)
        answer = _keep(handover, held)
        if answer is not None:
            report.decided_by = answer.approver or "(operator)"
        else:
            report.decided_by = "(keep time elapsed)" if params.keep_minutes else "(keep_minutes 0)"
        if answer and answer.note:
            report.details["operator note"] = answer.note
        report.end(phase)
        progress.update(80, "releasing")
        report.choice = "unmount"
        report.verdict = "passed"
    except (HandoverFailed, Unverified, VBRError) as exc:
        report.reason = str(exc) if isinstance(exc, HandoverFailed) else describe_failure(exc)
        logger.error("%s of %s failed: %s", handover.kind, handover.name, report.reason)
    finally:
        if held is not None:
            phase = report.begin(handover.release_phase)
            released = held.session.release()
            report.cleaned_up = True if released is None else released
            report.end(phase)
            if report.cleaned_up:
                progress.update(100, "released")
        publish(report)
    if report.verdict != "passed":
        raise RecoveryFailed(report)
    return report


def _publish(handover: Handover[Any], held: Held, report: RecoveryReport) -> None:
    """The mount for the operator, as a markdown artifact ``<kind>-<name>``."""
    keep = handover.params.keep_minutes
    until = datetime.now(UTC) + timedelta(minutes=keep)
    lines = [f"# `{handover.name}` is {handover.title}", "", "| | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in report.details.items()]
    if held.how_to_use:
        lines += ["", "## How to use it", ""] + [f"- {step}" for step in held.how_to_use]
    lines += ["", "## When you are done", ""]
    if keep > 0:
        lines.append(
            f"It is released at {until:%Y-%m-%d %H:%M} UTC at the latest. Done earlier? Resume "
            f"this flow run in the Prefect UI (any answer), or run "
            f"`drflow resume {flow_run.get_id()} unmount`."
        )
    else:
        lines.append("keep_minutes is 0: it is released right away (a drill).")
    create_markdown_artifact(
        "\n".join(lines),
        key=artifact_key(handover.kind, handover.name),
        description=f"{handover.name}: {handover.title}",
    )


def _keep(handover: Handover[Any], held: Held) -> OperatorDone | None:
    """Wait until the operator says done (their answer) or the keep time passes (None)."""
    keep = handover.params.keep_minutes
    if keep <= 0:
        return None
    logger = get_run_logger()
    logger.info(
        "%s of %s (session %s): kept up to %g minutes, or until the operator says done",
        handover.kind,
        handover.name,
        held.session.session_id,
        keep,
    )
    form = OperatorDone.with_initial_data(
        description=f"{handover.name} is {handover.title} (session "
        f"{held.session.session_id}); see the {handover.kind} artifact. Submit when you are "
        "done: it is released.",
    )
    answer = wait_for_input(
        form, timeout_seconds=keep * 60, key=artifact_key(handover.kind, "done", handover.name)
    )
    if answer is None:
        logger.info("keep time of %g minutes is over: releasing %s", keep, handover.name)
        return None
    logger.info("operator %s is done with %s", answer.approver or "(unnamed)", handover.name)
    return answer
