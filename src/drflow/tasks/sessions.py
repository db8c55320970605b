"""Tasks over VBR sessions."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import waiting
from drflow.vbr.models import SessionLogResult, SessionModel, SessionsResult
from drflow.vbr.stops import SESSION

from ._common import stop_logged, vbr_task
from ._connection import VBRConnection, get_client


@vbr_task("get-session", run_name="get-session[{session_id}]")
def get_session(connection: VBRConnection, session_id: UUID) -> SessionModel:
    """Read one session as VBR sees it now."""
    return get_client(connection).sessions.get(session_id)


@vbr_task("list-sessions")
def list_sessions(connection: VBRConnection, **filters: object) -> SessionsResult:
    """One page of sessions (filters are the client's ``sessions.list_page`` arguments)."""
    return get_client(connection).sessions.list_page(**filters)


@vbr_task("get-session-logs", run_name="get-session-logs[{session_id}]")
def get_session_logs(connection: VBRConnection, session_id: UUID) -> SessionLogResult:
    """The log records of a session."""
    return get_client(connection).sessions.logs(session_id)


@vbr_task("stop-session", run_name="stop-session[{session_id}]")
def stop_session(connection: VBRConnection, session_id: UUID) -> None:
    """Ask VBR to stop a running session, through outages; one stopping or stopped already
    counts as done."""
    stop_logged(connection, SESSION, session_id, f"session {session_id}", wait=False)


@vbr_task("wait-for-session", run_name="wait-for-session[{label}]")
def wait_for_session(
    connection: VBRConnection,
    session_id: UUID,
    *,
    label: str = "",
    timeout: float = 3600.0,
    on_poll: Callable[[SessionModel], None] | None = None,
) -> SessionModel:
    """Poll a session until it stops, inside this one task (never a task per poll).

    Raises ``SessionFailed`` when it failed; a ``Warning`` result is returned and logged.
    """
    logger = get_run_logger()
    last: list[str] = []

    def report(session: SessionModel) -> None:
        progress = f"{session.state} {session.progress_percent or 0}%"
        if not last or last[-1] != progress:
            logger.info("session %s: %s", session.name, progress)
            last.append(progress)
        if on_poll is not None:
            on_poll(session)

    return waiting.wait_for_session(
        get_client(connection), session_id, timeout=timeout, on_poll=report
    )


@vbr_task("wait-for-session-ready", run_name="wait-for-session-ready[{label}]")
def wait_for_session_ready(
    connection: VBRConnection,
    session_id: UUID,
    *,
    label: str = "",
    timeout: float = 3600.0,
) -> SessionModel:
    """Poll until a session has a result (a holding session: what it holds is ready), inside
    this one task. Raises ``SessionFailed`` when it failed; check ``state`` for ``Stopped``."""
    session = waiting.wait_for_session_ready(get_client(connection), session_id, timeout=timeout)
    get_run_logger().info(
        "session %s: %s, %s", session.name, session.state, session.result and session.result.result
    )
    return session
