"""``/api/v1/restore/instantRecovery/vSphere/fcd``: instant recovery of First Class Disks."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query

from drflow.vbr.models import SessionModel
from drflow.vbr.models.fcd import (
    VmwareFcdInstantRecoveryMount,
    VmwareFcdInstantRecoveryMountsOrderColumn,
    VmwareFcdInstantRecoveryMountsResult,
    VmwareFcdInstantRecoverySpec,
    VmwareFcdQuickMigrationSpec,
)
from drflow.vbr.models.restore_common import InstantRecoveryMountState

from .. import fcd
from ..auth import Principal
from ..errors import reject_unknown_enums
from ..listing import known, paginate, sort_items
from ..state import Simulator
from ._common import answer, caller, errors, sim_of

router = APIRouter(tags=["Restore"])
PATH = fcd.MOUNT_PATH

Sim = Annotated[Simulator, Depends(sim_of)]
Caller = Annotated[Principal, Depends(caller)]

# "Name" sorts by the source machine's name, then by the first registered FCD name (the mount
# itself has no name).
_SORT = {
    "State": lambda pair: pair[1].state.value,
    "Name": lambda pair: (
        pair[0].vm.name.lower(),
        pair[1].spec.disks_mapping[0].registered_fcd_name.lower(),
    ),
}


@router.get(
    PATH,
    operation_id="GetAllVmwareFcdInstantRecoveryMountModels",
    summary="Get all FCD instant recovery mount points",
    response_model=VmwareFcdInstantRecoveryMountsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_all_mounts(
    sim: Sim,
    skip: Annotated[int | None, Query()] = None,
    limit: Annotated[int | None, Query()] = 200,
    order_column: Annotated[
        VmwareFcdInstantRecoveryMountsOrderColumn | None, Query(alias="orderColumn")
    ] = None,
    order_asc: Annotated[bool | None, Query(alias="orderAsc")] = None,
    state_filter: Annotated[InstantRecoveryMountState | None, Query(alias="stateFilter")] = None,
):
    known(order_column, "orderColumn")
    known(state_filter, "stateFilter")
    now = sim.now()
    pairs = sorted(fcd.list_mounts(sim, now), key=lambda pair: pair[0].session.created)
    selected = [pair for pair in pairs if state_filter is None or pair[1].state == state_filter]
    if order_column is not None:
        selected = sort_items(selected, _SORT[order_column.value], order_asc is not False)
    page, pagination = paginate([model for _, model in selected], skip, limit)
    return answer(VmwareFcdInstantRecoveryMountsResult(data=page, pagination=pagination))


@router.post(
    PATH,
    operation_id="InstantRecoveryVmwareFcdMountWithSession",
    summary="Start Instant FCD Recovery",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def start_instant_recovery(
    spec: Annotated[VmwareFcdInstantRecoverySpec, Body()], sim: Sim, who: Caller
):
    reject_unknown_enums(spec)
    session = fcd.start(sim, spec, who)
    return answer(session.to_model(sim.now()), status=201)


@router.get(
    PATH + "/{mountId}",
    operation_id="GetVmwareFcdInstantRecoveryMountModel",
    summary="Get an FCD instant recovery mount point",
    response_model=VmwareFcdInstantRecoveryMount,
    responses=errors(401, 403, 404, 500),
)
async def get_mount(mountId: UUID, sim: Sim):
    now = sim.now()
    with sim.lock:
        return answer(fcd.get_mount(sim, mountId, now).to_model(now))


@router.post(
    PATH + "/{mountId}/dismount",
    operation_id="InstantRecoveryVmwareFcdDismountWithSession",
    summary="Stop publishing recovered FCDs",
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def dismount(mountId: UUID, sim: Sim, who: Caller):
    session = fcd.dismount(sim, mountId, who)
    return answer(session.to_model(sim.now()))


@router.post(
    PATH + "/{mountId}/migrate",
    operation_id="InstantRecoveryVmwareFcdMigrateWithSession",
    summary="Start migrating recovered FCDs to production",
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def migrate(
    mountId: UUID,
    spec: Annotated[VmwareFcdQuickMigrationSpec, Body()],
    sim: Sim,
    who: Caller,
):
    reject_unknown_enums(spec)
    session = fcd.migrate(sim, mountId, spec, who)
    return answer(session.to_model(sim.now()))
