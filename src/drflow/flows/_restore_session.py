"""Pieces shared by the flows that track a VBR session they started (a restore, or a mount
handed to the operator): the restore point evidence, and a session the run must not leave
running.

:class:`TrackedSession` remembers the session on the flow run (so the cancellation and crash
hooks of :mod:`._cleanup` stop it: VBR cannot list these sessions by mark), waits for its
result with progress, and, in the flow's ``finally``, stops it when the run leaves it
unfinished; it forgets the session once it is over.
"""

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from prefect import get_run_logger

from drflow.tasks import VBRConnection, stop_session, wait_for_session
from drflow.vbr import SessionFailed
from drflow.vbr.models import ObjectRestorePointModel, SessionModel

from ._cleanup import forget, remember
from ._report import RecoveryReport
from .evidence import Progress


def record_restore_point(report: RecoveryReport, point: ObjectRestorePointModel) -> None:
    """The chosen restore point, its time and its age, as evidence."""
    report.restore_point_id = str(point.id)
    report.restore_point_time = point.creation_time
    report.restore_point_age_seconds = round(
        (datetime.now(UTC) - point.creation_time).total_seconds()
    )


def result_note(session: SessionModel) -> str | None:
    """``"Warning: <message>"`` for a session that did not end plainly ``Success``."""
    result = session.result
    if result is None or result.result == "Success":
        return None
    return f"{result.result}: {result.message or ''}".rstrip(": ")


class TrackedSession:
    """A session this run started and holds until it is over (see the module docstring).

    ``hold_kind`` is the kind it is remembered under (a key of ``_cleanup.REMOVERS``: how the
    hooks end it); ``stop`` ends it from the flow (default: ``POST /sessions/{id}/stop``) and
    must wait until VBR no longer holds it.
    """

    def __init__(
        self,
        connection: VBRConnection,
        session_id: UUID,
        *,
        label: str,
        hold_kind: str = "session",
        stop: Callable[[], object] | None = None,
    ) -> None:
        self.connection = connection
        self.session_id = session_id
        self.label = label
        self.hold_kind = hold_kind
        self._stop = stop or self._stop_session
        self.finished = False
        remember(hold_kind, session_id)

    def wait(
        self,
        timeout: float,
        progress: Progress | None = None,
        *,
        span: tuple[float, float] = (10.0, 80.0),
        phase: str = "",
    ) -> SessionModel:
        """Wait until the session stops; its progress moves ``progress`` across ``span``.

        Returns the session (its result may be ``Warning``); raises ``SessionFailed``.
        """
        low, high = span

        def moved(session: SessionModel) -> None:
            if progress is not None:
                progress.update(low + (high - low) * (session.progress_percent or 0) / 100, phase)

        try:
            done = wait_for_session(
                self.connection, self.session_id, label=self.label, timeout=timeout, on_poll=moved
            )
        except SessionFailed:
            self.finished = True
            raise
        self.finished = True
        return done

    def release(self) -> bool | None:
        """For ``finally``: end the session if it is not over; forget it once it is.

        ``None`` when it had ended by itself, else whether ending it worked (an error is
        logged, never raised: it must not hide the run's own failure).
        """
        if self.finished:
            forget(self.hold_kind, self.session_id)
            return None
        logger = get_run_logger()
        try:
            self._stop()
        except Exception as exc:
            logger.error("could not end session %s (%s): %s", self.session_id, self.label, exc)
            return False
        self.finished = True
        forget(self.hold_kind, self.session_id)
        logger.info("session %s (%s) ended", self.session_id, self.label)
        return True

    def _stop_session(self) -> None:
        stop_session(self.connection, self.session_id)
        wait_until_stopped(self.connection, self.session_id, label=f"stop {self.label}")


def wait_until_stopped(
    connection: VBRConnection, session_id: UUID, *, label: str, timeout: float = 600
) -> None:
    """Wait until a session being stopped is ``Stopped``, whatever its result: a session
    stopped before it finished ends ``Failed`` (canceled), which is the point."""
    with contextlib.suppress(SessionFailed):
        wait_for_session(connection, session_id, label=label, timeout=timeout)
