"""Lists of sessions (``/api/v1/sessions`` and the sessions of an Azure mount): filters, order.

Records are filtered on what they hold before any wire model is built, and only the page
answered is turned into models.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query
from starlette.responses import JSONResponse

from drflow.vbr.models import SessionsResult
from drflow.vbr.models.sessions import SessionResult, SessionsOrderColumn, SessionState

from ..errors import bad_request
from ..listing import aware, known, known_all, name_matches
from ..sessions import ALL_SESSION_TYPES, SessionRecord, SessionView
from ._common import Paging, StateFilter, page

Listed = tuple[SessionRecord, SessionView]

SORT = {
    "Name": lambda item: item[0].name.lower(),
    "SessionType": lambda item: item[0].session_type,
    "CreationTime": lambda item: item[0].created,
    "EndTime": lambda item: item[1].end_time,
    "State": lambda item: item[1].state,
    "Result": lambda item: item[1].result,
    "InitiatedBy": lambda item: (item[0].initiated_by or "").lower() or None,
}


class SessionFilter:
    """The filters both session lists take (a FastAPI dependency); :meth:`narrow` adds the
    others (type, name, job) and checks the types against the contract."""

    def __init__(
        self,
        created_after: Annotated[datetime | None, Query(alias="createdAfterFilter")] = None,
        created_before: Annotated[datetime | None, Query(alias="createdBeforeFilter")] = None,
        ended_after: Annotated[datetime | None, Query(alias="endedAfterFilter")] = None,
        ended_before: Annotated[datetime | None, Query(alias="endedBeforeFilter")] = None,
        state: StateFilter[SessionState] = None,
        results: Annotated[list[SessionResult] | None, Query(alias="resultFilter")] = None,
    ) -> None:
        self.created_after, self.created_before = aware(created_after), aware(created_before)
        self.ended_after, self.ended_before = aware(ended_after), aware(ended_before)
        self.state = known(state, "stateFilter")
        self.results = frozenset(r.value for r in known_all(results, "resultFilter"))
        self.types: frozenset[str] = frozenset()
        self.name: str | None = None
        self.job_id: UUID | None = None

    def narrow(
        self, types: Iterable[str] = (), name: str | None = None, job_id: UUID | None = None
    ) -> None:
        """Filter also by session types (checked: else 400), name and job."""
        self.types = frozenset(types)
        for value in sorted(self.types - ALL_SESSION_TYPES):
            raise bad_request(f"typeFilter: unsupported value {value!r}")
        self.name, self.job_id = name, job_id

    def select(self, records: Iterable[SessionRecord], now: datetime) -> list[Listed]:
        """The records that pass, each with its view at ``now``."""
        out = []
        for record in records:
            if not self._keeps_record(record):
                continue
            view = record.view(now)
            if self._keeps_view(view):
                out.append((record, view))
        return out

    def _keeps_record(self, record: SessionRecord) -> bool:
        created = record.created
        return (
            (not self.types or record.session_type in self.types)
            and (self.created_after is None or created > self.created_after)
            and (self.created_before is None or created < self.created_before)
            and (self.job_id is None or record.job_id == self.job_id)
            and name_matches(self.name, record.name)
        )

    def _keeps_view(self, view: SessionView) -> bool:
        end = view.end_time
        return (
            (self.ended_after is None or (end is not None and end > self.ended_after))
            and (self.ended_before is None or (end is not None and end < self.ended_before))
            and (self.state is None or view.state == self.state.value)
            and (not self.results or view.result in self.results)
        )


def sessions_page(
    records: Iterable[SessionRecord],
    now: datetime,
    where: SessionFilter,
    paging: Paging,
    order: SessionsOrderColumn | None,
) -> JSONResponse:
    """A ``SessionsResult`` answer: newest first unless ``order`` says otherwise."""
    known(order, "orderColumn")
    selected = where.select(records, now)
    if order is None:
        selected.sort(key=SORT["CreationTime"], reverse=True)
    return page(
        SessionsResult, selected, lambda item: item[0].to_model(now), paging, order=order, keys=SORT
    )
