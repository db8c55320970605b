"""Lists of sessions (``/api/v1/sessions`` and the sessions of an Azure mount): filters, order.

Records are filtered on what they hold before any wire model is built, and only the page
answered is turned into models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from starlette.responses import JSONResponse

from drflow.vbr.models import SessionsResult
from drflow.vbr.models.sessions import SessionResult, SessionsOrderColumn, SessionState

from ..errors import bad_request
from ..listing import aware, known, known_all, name_matches
from ..sessions import ALL_SESSION_TYPES, SessionRecord, SessionView
from ._common import page

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


@dataclass(frozen=True)
class SessionFilter:
    """The filters of a session list (each None or empty: no filter)."""

    name: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    ended_after: datetime | None = None
    ended_before: datetime | None = None
    types: frozenset[str] = frozenset()
    state: SessionState | None = None
    results: frozenset[str] = frozenset()
    job_id: UUID | None = None

    @classmethod
    def checked(
        cls,
        *,
        types: Iterable[str] = (),
        state: SessionState | None = None,
        results: list[SessionResult] | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        ended_after: datetime | None = None,
        ended_before: datetime | None = None,
        name: str | None = None,
        job_id: UUID | None = None,
    ) -> SessionFilter:
        """The filter of a request, its values checked against the contract (else 400)."""
        known(state, "stateFilter")
        wanted = frozenset(types)
        for value in sorted(wanted - ALL_SESSION_TYPES):
            raise bad_request(f"typeFilter: unsupported value {value!r}")
        return cls(
            name=name,
            created_after=aware(created_after),
            created_before=aware(created_before),
            ended_after=aware(ended_after),
            ended_before=aware(ended_before),
            types=wanted,
            state=state,
            results=frozenset(r.value for r in known_all(results, "resultFilter")),
            job_id=job_id,
        )

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
    *,
    skip: int | None,
    limit: int | None,
    order: SessionsOrderColumn | None,
    ascending: bool | None,
) -> JSONResponse:
    """A ``SessionsResult`` answer: newest first unless ``order`` says otherwise."""
    known(order, "orderColumn")
    selected = where.select(records, now)
    if order is None:
        selected.sort(key=SORT["CreationTime"], reverse=True)
    return page(
        SessionsResult,
        selected,
        lambda item: item[0].to_model(now),
        skip=skip,
        limit=limit,
        order=order,
        ascending=ascending,
        keys=SORT,
    )
