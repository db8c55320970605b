"""The ``final`` ending: a restore whose session's result is final.

Nothing is mounted: the restore session writes the workload to production storage. While it
runs the run holds the session (recorded, since VBR cannot list it by mark), so a run that fails
before it ends (a timeout), is cancelled or crashes stops it; once it has ended, nothing is held.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar
from uuid import UUID

from drflow.tasks import wait_for_session
from drflow.vbr.models import SessionModel, SessionState

from .evidence import Progress
from .ownership import OwnedObject
from .params import RecoveryParams
from .sessions import result_note, session_over, stop_and_wait
from .strategy import Ending, Strategy

if TYPE_CHECKING:
    from .report import RecoveryReport

P = TypeVar("P", bound=RecoveryParams)


class RestoreStrategy(Strategy[P, SessionModel]):
    """A restore tracked to its session's result; subclasses start it."""

    ending: ClassVar[Ending] = "final"
    start_phase: ClassVar[str] = "restore"
    release_phase: ClassVar[str] = "stop"
    listable: ClassVar[bool] = False
    checks_state: ClassVar[bool] = False

    def owned(self, session: SessionModel) -> OwnedObject:
        return OwnedObject(kind="restore-session", id=str(session.id), name=self.name)

    def wait_ready(self, session: SessionModel, progress: Progress) -> SessionModel:
        """Wait until the session ends; its progress moves ``progress`` from 15 to 60."""

        def moved(polled: SessionModel) -> None:
            progress.update(15 + 45 * (polled.progress_percent or 0) / 100, "restoring")

        done = wait_for_session(
            self.params.connection,
            session.id,
            label=f"restore {self.name}",
            timeout=self.params.timeout_seconds,
            on_poll=moved,
        )
        assert self.report is not None
        if done.result is not None:
            self.report.details["VBR result"] = f"{done.result.result}: {done.result.message or ''}"
        warning = result_note(done)
        if warning:
            self.report.details["warning"] = warning
        return done

    def describe_end(self, held: SessionModel, report: RecoveryReport) -> None:
        warning = report.details.get("warning")
        if warning:
            report.reason = f"restored, with a warning from VBR: {warning}"

    def finished(self, session: SessionModel) -> bool:
        return session.state == SessionState.STOPPED or session_over(
            self.params.connection, session.id
        )

    def release(self, session: SessionModel) -> None:
        stop_and_wait(self.params.connection, UUID(str(session.id)))
