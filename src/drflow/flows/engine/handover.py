"""The ``hand over`` ending: a mount published for the operator, kept, then released.

The mount's details and how to use it are published as a markdown artifact ``<kind>-<name>``;
the run then waits ``keep_minutes``, or less when the operator says done (Resume in the Prefect
UI, or ``drflow resume``). Releasing it is the engine's clean-up, which always runs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar
from uuid import UUID

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput
from prefect.runtime import flow_run
from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from drflow.tasks import wait_for_session_ready
from drflow.vbr.models import SessionState

from .decision import wait_for_input
from .errors import RecoveryProblem
from .ownership import OwnedObject
from .params import RecoveryParams
from .report import artifact_key
from .sessions import session_over
from .strategy import Ending, Strategy

if TYPE_CHECKING:
    from .evidence import Progress
    from .report import RecoveryReport


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


P = TypeVar("P", bound=HandoverParams)


class HandoverStrategy(Strategy[P, UUID]):
    """A mount handed to the operator: what a start gives back is the id of the session that
    holds it (VBR cannot list it by mark, so it is recorded as held)."""

    ending: ClassVar[Ending] = "hand over"
    start_phase: ClassVar[str] = "mount"
    listable: ClassVar[bool] = False
    checks_state: ClassVar[bool] = False
    hold_kind: ClassVar[str | None] = None
    """How the run's record names what it holds (a key of the hooks' ``REMOVERS``); by default
    :attr:`handover_key`."""

    def __init__(self, params: P) -> None:
        super().__init__(params)
        self.how_to_use: list[str] = []

    def owned(self, session_id: UUID) -> OwnedObject:
        kind = self.hold_kind or self.handover_key
        return OwnedObject(kind=kind, id=str(session_id), name=self.name)

    def wait_ready(self, session_id: UUID, progress: Progress) -> UUID:
        """Wait until VBR reports the mount ready (its holding session has a result)."""
        session = wait_for_session_ready(
            self.params.connection,
            session_id,
            label=f"{self.handover_key} of {self.name}",
            timeout=self.params.timeout_seconds,
        )
        if session.state == SessionState.STOPPED:
            raise RecoveryProblem(
                f"the {self.handover_key} session {session.id} ended before it was ready: "
                f"{session.result.message if session.result else session.state}"
            )
        progress.update(40, "mounted")
        return session_id

    def finished(self, session_id: UUID) -> bool:
        return session_over(self.params.connection, session_id)

    def hand_over(self, held: UUID, report: RecoveryReport) -> tuple[dict[str, str], list[str]]:
        return {}, self.how_to_use


class OperatorDone(RunInput):
    """The operator is done: release the mount now."""

    choice: str = Field(
        default="done",
        description="Any answer ends the wait and releases the mount (so `drflow resume <run> "
        "unmount` works too).",
    )
    approver: str = Field(default="", description="Who says done (for the evidence).")
    note: str = Field(default="", description="What was restored, for the evidence.")


def publish_handover(
    kind: str, name: str, title: str, details: dict[str, str], how_to_use: list[str], keep: float
) -> None:
    """The mount for the operator, as a markdown artifact ``<kind>-<name>``."""
    until = datetime.now(UTC) + timedelta(minutes=keep)
    lines = [f"# `{name}` is {title}", "", "| | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in details.items()]
    if how_to_use:
        lines += ["", "## How to use it", ""] + [f"- {step}" for step in how_to_use]
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
        "\n".join(lines), key=artifact_key(kind, name), description=f"{name}: {title}"
    )


def keep_for_operator(kind: str, name: str, title: str, keep: float) -> OperatorDone | None:
    """Wait until the operator says done (their answer) or ``keep`` minutes pass (None)."""
    if keep <= 0:
        return None
    logger = get_run_logger()
    logger.info(
        "%s of %s: kept up to %g minutes, or until the operator says done", kind, name, keep
    )
    form = OperatorDone.with_initial_data(
        description=f"{name} is {title}; see the {kind} artifact. Submit when you are done: it "
        "is released.",
    )
    answer = wait_for_input(form, timeout_seconds=keep * 60, key=artifact_key(kind, "done", name))
    if answer is None:
        logger.info("keep time of %g minutes is over: releasing %s", keep, name)
        return None
    logger.info("operator %s is done with %s", answer.approver or "(unnamed)", name)
    return answer
