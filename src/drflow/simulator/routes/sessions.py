"""``/api/v1/sessions``: list, get, logs, stop."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from drflow.vbr.models import EmptySuccessResponse, SessionLogResult, SessionsResult
from drflow.vbr.models.sessions import (
    SessionModel,
    SessionResult,
    SessionsOrderColumn,
    SessionState,
    TaskLogRecordStatus,
)

from .. import azure, entra_id, fcd, flr, hyperv, unstructured, vm_restore, vsphere
from ..auth import Principal
from ..errors import bad_request, not_found
from ..listing import aware, known, known_all, name_matches, paginate, sort_items, split_multi
from ..sessions import ALL_SESSION_TYPES, SessionRecord
from ..state import Simulator
from ._common import answer, caller, errors, sim_of

router = APIRouter(tags=["Sessions"])

_SORT_KEYS = {
    "Name": lambda m: m.name.lower(),
    "SessionType": lambda m: m.session_type.value,
    "CreationTime": lambda m: m.creation_time,
    "EndTime": lambda m: m.end_time,
    "State": lambda m: m.state.value,
    "Result": lambda m: m.result.result.value if m.result else None,
    "InitiatedBy": lambda m: (m.initiated_by or "").lower() or None,
}


def _session(sim: Simulator, session_id: UUID) -> SessionRecord:
    record = sim.sessions.get(session_id)
    if record is None:
        raise not_found("Session", session_id)
    return record


@router.get(
    "/api/v1/sessions",
    operation_id="GetAllSessions",
    summary="Get all sessions",
    response_model=SessionsResult,
    responses=errors(401, 403, 500),
)
async def get_all_sessions(
    sim: Annotated[Simulator, Depends(sim_of)],
    skip: Annotated[int | None, Query()] = None,
    limit: Annotated[int | None, Query()] = 200,
    order_column: Annotated[SessionsOrderColumn | None, Query(alias="orderColumn")] = None,
    order_asc: Annotated[bool | None, Query(alias="orderAsc")] = None,
    name_filter: Annotated[str | None, Query(alias="nameFilter")] = None,
    created_after: Annotated[datetime | None, Query(alias="createdAfterFilter")] = None,
    created_before: Annotated[datetime | None, Query(alias="createdBeforeFilter")] = None,
    ended_after: Annotated[datetime | None, Query(alias="endedAfterFilter")] = None,
    ended_before: Annotated[datetime | None, Query(alias="endedBeforeFilter")] = None,
    type_filter: Annotated[list[str] | None, Query(alias="typeFilter")] = None,
    state_filter: Annotated[SessionState | None, Query(alias="stateFilter")] = None,
    result_filter: Annotated[list[SessionResult] | None, Query(alias="resultFilter")] = None,
    job_id_filter: Annotated[UUID | None, Query(alias="jobIdFilter")] = None,
):
    known(order_column, "orderColumn")
    known(state_filter, "stateFilter")
    results = {r.value for r in known_all(result_filter, "resultFilter")}
    types = set(split_multi(type_filter))
    for value in types - ALL_SESSION_TYPES:
        raise bad_request(f"typeFilter: unsupported value {value!r}")
    created_after, created_before = aware(created_after), aware(created_before)
    ended_after, ended_before = aware(ended_after), aware(ended_before)
    now = sim.now()
    with sim.lock:
        models = [record.to_model(now) for record in sim.sessions.values()]

    def keep(m: SessionModel) -> bool:
        return (
            name_matches(name_filter, m.name)
            and (created_after is None or m.creation_time > created_after)
            and (created_before is None or m.creation_time < created_before)
            and (ended_after is None or (m.end_time is not None and m.end_time > ended_after))
            and (ended_before is None or (m.end_time is not None and m.end_time < ended_before))
            and (not types or m.session_type.value in types)
            and (state_filter is None or m.state == state_filter)
            and (not results or (m.result is not None and m.result.result.value in results))
            and (job_id_filter is None or m.job_id == job_id_filter)
        )

    selected = [m for m in models if keep(m)]
    if order_column is None:  # newest first
        selected = sort_items(selected, _SORT_KEYS["CreationTime"], ascending=False)
    else:
        selected = sort_items(selected, _SORT_KEYS[order_column.value], order_asc is not False)
    page, pagination = paginate(selected, skip, limit)
    return answer(SessionsResult(data=page, pagination=pagination))


@router.get(
    "/api/v1/sessions/{id}",
    operation_id="GetSession",
    summary="Get a session",
    response_model=SessionModel,
    responses=errors(401, 403, 404, 500),
)
async def get_session(id: UUID, sim: Annotated[Simulator, Depends(sim_of)]):
    now = sim.now()
    with sim.lock:
        return answer(_session(sim, id).to_model(now))


@router.get(
    "/api/v1/sessions/{id}/logs",
    operation_id="GetSessionLogs",
    summary="Get the log of a session",
    response_model=SessionLogResult,
    responses=errors(401, 403, 404, 500),
)
async def get_session_logs(
    id: UUID,
    sim: Annotated[Simulator, Depends(sim_of)],
    status_filter: Annotated[TaskLogRecordStatus | None, Query(alias="statusFilter")] = None,
):
    known(status_filter, "statusFilter")
    now = sim.now()
    with sim.lock:
        records = _session(sim, id).log_records(now)
    if status_filter is not None:
        records = [r for r in records if r.status == status_filter]
    return answer(SessionLogResult(total_records=len(records), records=records))


@router.post(
    "/api/v1/sessions/{id}/stop",
    operation_id="StopSession",
    summary="Stop a session",
    response_model=EmptySuccessResponse,
    responses=errors(401, 403, 404, 500),
)
async def stop_session(
    id: UUID,
    sim: Annotated[Simulator, Depends(sim_of)],
    who: Annotated[Principal, Depends(caller)],
):
    with sim.lock:
        record = _session(sim, id)
        vsphere.stop_session(sim, record, who)
        for stop in (
            hyperv.stop_session,
            vm_restore.stop_session,
            fcd.stop_session,
            flr.stop_session,
            azure.stop_session,
            unstructured.stop_session,
            entra_id.stop_session,
        ):
            if stop(sim, record, who):
                break
    return answer(EmptySuccessResponse())
