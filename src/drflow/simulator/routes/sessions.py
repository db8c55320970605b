"""``/api/v1/sessions``: list, get, logs, stop (stopping asks each workload kind in turn)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from drflow.vbr.models import EmptySuccessResponse, SessionLogResult, SessionsResult
from drflow.vbr.models.sessions import (
    SessionModel,
    SessionsOrderColumn,
    TaskLogRecordStatus,
)

from ..auth import Principal
from ..errors import not_found
from ..listing import known, split_multi
from ..sessions import SessionRecord
from ..state import Simulator
from ._common import OrderBy, Page, answer, caller, errors, sim_of
from .session_list import SessionFilter, sessions_page

router = APIRouter(tags=["Sessions"])
Sim = Annotated[Simulator, Depends(sim_of)]


def _read(sim: Simulator) -> tuple[datetime, dict[UUID, SessionRecord]]:
    """Now, and the sessions as they are now (what was planned for earlier has come)."""
    now = sim.now()
    sim.settle(now)
    return now, sim.sessions


def _session(sim: Simulator, session_id: UUID) -> tuple[datetime, SessionRecord]:
    now, sessions = _read(sim)
    record = sessions.get(session_id)
    if record is None:
        raise not_found("Session", session_id)
    return now, record


@router.get(
    "/api/v1/sessions",
    operation_id="GetAllSessions",
    summary="Get all sessions",
    response_model=SessionsResult,
    responses=errors(401, 403, 500),
)
async def get_all_sessions(
    sim: Sim,
    paging: Page,
    where: Annotated[SessionFilter, Depends()],
    order: OrderBy[SessionsOrderColumn] = None,
    name_filter: Annotated[str | None, Query(alias="nameFilter")] = None,
    type_filter: Annotated[list[str] | None, Query(alias="typeFilter")] = None,
    job_id_filter: Annotated[UUID | None, Query(alias="jobIdFilter")] = None,
):
    where.narrow(split_multi(type_filter), name_filter, job_id_filter)
    now, records = _read(sim)
    return sessions_page(records.values(), now, where, paging, order)


@router.get(
    "/api/v1/sessions/{id}",
    operation_id="GetSession",
    summary="Get a session",
    response_model=SessionModel,
    responses=errors(401, 403, 404, 500),
)
async def get_session(id: UUID, sim: Sim):
    with sim.lock:
        now, record = _session(sim, id)
        return answer(record.to_model(now))


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
    with sim.lock:
        now, record = _session(sim, id)
        records = record.log_records(now)
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
        _, record = _session(sim, id)
        for workload in sim.workloads:
            if workload.stop_session(record, who):
                break
    return answer(EmptySuccessResponse())
