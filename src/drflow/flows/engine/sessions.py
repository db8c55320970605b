"""What the strategies that hold a VBR session share: is it over, stop it, its result."""

from __future__ import annotations

import contextlib
from uuid import UUID

from drflow.tasks import VBRConnection, get_client, wait_for_session
from drflow.vbr import SessionFailed, stop
from drflow.vbr.models import SessionModel, SessionState
from drflow.vbr.stops import SESSION


def session_over(connection: VBRConnection, session_id: UUID | str) -> bool:
    """Whether VBR has ended the session (nothing is held by it any more)."""
    return get_client(connection).sessions.get(session_id).state == SessionState.STOPPED


def stop_and_wait(connection: VBRConnection, session_id: UUID) -> None:
    """Stop a running session and wait until it is ``Stopped`` (stopped already is fine),
    through outages for the cleanup budget."""
    stop(get_client(connection), SESSION, session_id)


def wait_until_stopped(
    connection: VBRConnection, session_id: UUID, *, label: str, timeout: float = 600
) -> None:
    """Wait until a session being stopped is ``Stopped``, whatever its result: a session
    stopped before it finished ends ``Failed`` (canceled), which is the point."""
    with contextlib.suppress(SessionFailed):
        wait_for_session(connection, session_id, label=label, timeout=timeout)


def result_note(session: SessionModel) -> str | None:
    """``"Warning: <message>"`` for a session that did not end plainly ``Success``."""
    result = session.result
    if result is None or result.result == "Success":
        return None
    return f"{result.result}: {result.message or ''}".rstrip(": ")
