"""``/api/v1/restore/instantRecovery/hyperV/vm``: instant recovery of Hyper-V VMs."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query
from starlette.responses import Response

from drflow.vbr.models import SessionModel
from drflow.vbr.models.hyperv import (
    InstantHvVMRecoveryMount,
    InstantHvVMRecoveryMountsOrderColumn,
    InstantHvVMRecoveryMountsResult,
    InstantHvVMRecoverySpec,
)
from drflow.vbr.models.restore_common import InstantRecoveryMountState

from .. import hyperv
from ..auth import Principal
from ..errors import reject_unknown_enums
from ..listing import known, name_matches, paginate, sort_items
from ..state import Simulator
from ._common import answer, caller, errors, sim_of

router = APIRouter(tags=["Restore"])
PATH = hyperv.MOUNT_PATH

Sim = Annotated[Simulator, Depends(sim_of)]
Caller = Annotated[Principal, Depends(caller)]

_SORT = {
    "State": lambda m: m.state.value,
    "VmName": lambda m: m.vm_name.lower(),
    "JobName": lambda m: (m.job_name or "").lower() or None,
    "RestorePointDate": lambda m: m.restore_point_date,
    "HostName": lambda m: (m.host_name or "").lower() or None,
}


@router.get(
    PATH,
    operation_id="GetAllInstantHvVMRecoveryMounts",
    summary="Get all instant recovery mount points of Hyper-V VMs",
    response_model=InstantHvVMRecoveryMountsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_all_mounts(
    sim: Sim,
    skip: Annotated[int | None, Query()] = None,
    limit: Annotated[int | None, Query()] = 200,
    order_column: Annotated[
        InstantHvVMRecoveryMountsOrderColumn | None, Query(alias="orderColumn")
    ] = None,
    order_asc: Annotated[bool | None, Query(alias="orderAsc")] = None,
    state_filter: Annotated[InstantRecoveryMountState | None, Query(alias="stateFilter")] = None,
    vm_name_filter: Annotated[str | None, Query(alias="vmNameFilter")] = None,
):
    known(order_column, "orderColumn")
    known(state_filter, "stateFilter")
    now = sim.now()
    mounts = hyperv.list_mounts(sim, now)
    selected = [
        model
        for mount, model in sorted(mounts, key=lambda pair: pair[0].session.created)
        if (state_filter is None or model.state == state_filter)
        and name_matches(vm_name_filter, model.vm_name)
    ]
    if order_column is not None:
        selected = sort_items(selected, _SORT[order_column.value], order_asc is not False)
    page, pagination = paginate(selected, skip, limit)
    return answer(InstantHvVMRecoveryMountsResult(data=page, pagination=pagination))


@router.post(
    PATH,
    operation_id="InstantHvVMRecoveryMount",
    summary="Start instant recovery of a Hyper-V VM",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def start_instant_recovery(
    spec: Annotated[InstantHvVMRecoverySpec, Body()], sim: Sim, who: Caller
):
    reject_unknown_enums(spec)
    session = hyperv.start(sim, spec, who)
    return answer(session.to_model(sim.now()), status=201)


@router.get(
    PATH + "/{mountId}",
    operation_id="GetInstantHvVMRecoveryMount",
    summary="Get an instant recovery mount point of a Hyper-V VM",
    response_model=InstantHvVMRecoveryMount,
    responses=errors(401, 403, 404, 500),
)
async def get_mount(mountId: UUID, sim: Sim):
    now = sim.now()
    with sim.lock:
        return answer(hyperv.get_mount(sim, mountId, now).to_model(now))


@router.post(
    PATH + "/{mountId}/unmount",
    operation_id="InstantHvVMRecoveryUnmount",
    summary="Stop publishing a Hyper-V VM",
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def unmount(mountId: UUID, sim: Sim, who: Caller):
    session = hyperv.unmount(sim, mountId, who)
    return answer(session.to_model(sim.now()))


@router.post(
    PATH + "/{mountId}/migrate",
    operation_id="InstantHvVMRecoveryMigrate",
    summary="Start migrating a Hyper-V VM to production",
    status_code=204,
    response_class=Response,
    responses={
        204: {"description": "Migration started (no body)."},
        **errors(400, 401, 403, 404, 500),
    },
)
async def migrate(mountId: UUID, sim: Sim, who: Caller):
    hyperv.migrate(sim, mountId, who)
    return Response(status_code=204)
