"""Sessions: ``/api/v1/sessions``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from uuid import UUID

from .._pagination import paginate
from ..models import (
    EmptySuccessResponse,
    SessionLogResult,
    SessionModel,
    SessionResult,
    SessionsResult,
    SessionState,
)
from ..models.sessions import SessionsOrderColumn, SessionType, TaskLogRecordStatus
from ._base import API, query


class SessionsAPI(API):
    """Read, list and stop sessions."""

    def get(self, session_id: UUID | str) -> SessionModel:
        """``GetSession``: one session."""
        return self._client.request("GET", f"/api/v1/sessions/{session_id}", model=SessionModel)

    def list_page(
        self,
        *,
        skip: int | None = None,
        limit: int | None = None,
        order_column: SessionsOrderColumn | None = None,
        order_asc: bool | None = None,
        name_filter: str | None = None,
        created_after_filter: datetime | None = None,
        created_before_filter: datetime | None = None,
        ended_after_filter: datetime | None = None,
        ended_before_filter: datetime | None = None,
        type_filter: Sequence[SessionType | str] | None = None,
        state_filter: SessionState | str | None = None,
        result_filter: Sequence[SessionResult | str] | None = None,
        job_id_filter: UUID | None = None,
    ) -> SessionsResult:
        """``GetAllSessions``: one page of sessions, filtered and sorted by the server."""
        return self._page("/api/v1/sessions", SessionsResult, locals())

    def list(self, **filters: object) -> Iterator[SessionModel]:
        """Every session matching ``filters`` (the keyword arguments of :meth:`list_page`)."""
        return paginate(lambda skip, limit: self.list_page(skip=skip, limit=limit, **filters))

    def logs(
        self, session_id: UUID | str, *, status_filter: TaskLogRecordStatus | None = None
    ) -> SessionLogResult:
        """``GetSessionLogs``: the session's log records."""
        return self._client.request(
            "GET",
            f"/api/v1/sessions/{session_id}/logs",
            params=query(status_filter=status_filter),
            model=SessionLogResult,
        )

    def stop(self, session_id: UUID | str) -> None:
        """``StopSession``: ask VBR to stop a running session (safe to repeat)."""
        self._client.request(
            "POST",
            f"/api/v1/sessions/{session_id}/stop",
            model=EmptySuccessResponse,
            idempotent=True,
        )
