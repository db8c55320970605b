"""``/api/v1/sessions``: list, get, logs, stop (stopping asks each workload kind in turn)."""

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

from ..auth import Principal
from ..errors import not_found
from ..listing import known, split_multi
from ..sessions import SessionRecord
from ..state import Simulator
from ._common import answer, caller, errors, sim_of
from .session_list import SessionFilter, sessions_page

router = APIRouter(tags=["Sessions"])
Sim = Annotated[Simulator, Depends(sim_of)]


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
    sim: Sim,
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
    where = SessionFilter.checked(
        types=split_multi(type_filter),
        state=state_filter,
        results=result_filter,
        created_after=created_after,
        created_before=created_before,
        ended_after=ended_after,
        ended_before=ended_before,
        name=name_filter,
        job_id=job_id_filter,
    )
    now = sim.now()
    with sim.lock:
        sim.settle(now)
        return sessions_page(
            sim.sessions.values(),
            now,
            where,
            skip=skip,
            limit=limit,
            order=order_column,
            ascending=order_asc,
        )


@router.get(
    "/api/v1/sessions/{id}",
    operation_id="GetSession",
    summary="Get a session",
    response_model=SessionModel,
    responses=errors(401, 403, 404, 500),
)
async def get_session(id: UUID, sim: Sim):
    now = sim.now()
    with sim.lock:
        sim.settle(now)
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
    sim: Sim,
    status_filter: Annotated[TaskLogRecordStatus | None, Query(alias="statusFilter")] = None,
):
    known(status_filter, "statusFilter")
    now = sim.now()
    with sim.lock:
        sim.settle(now)
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
async def stop_session(id: UUID, sim: Sim, who: Annotated[Principal, Depends(caller)]):
    with sim.lock:
        sim.settle(sim.now())
        record = _session(sim, id)
        for workload in sim.workloads:
            if workload.stop_session(record, who):
                break
    return answer(EmptySuccessResponse())
