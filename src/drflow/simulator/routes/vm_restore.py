"""``/api/v1/restore/vmRestore/{vSphere,hyperV,cloudDirector}``: entire VM restore."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from drflow.vbr.models import SessionModel
from drflow.vbr.models.vm_restore import (
    EntireCloudDirectorVMRestoreSpec,
    EntireHvVMRestoreSpec,
    EntireViVMRestoreSpec,
)

from .. import vm_restore
from ..auth import Principal
from ..errors import reject_unknown_enums
from ..state import Simulator
from ._common import answer, caller, errors, sim_of

router = APIRouter(tags=["Restore"])
PATH = "/api/v1/restore/vmRestore"

Sim = Annotated[Simulator, Depends(sim_of)]
Caller = Annotated[Principal, Depends(caller)]


@router.post(
    PATH + "/vSphere",
    operation_id="EntireVmRestoreVmware",
    summary="Restore an entire vSphere VM",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def restore_vsphere(spec: Annotated[EntireViVMRestoreSpec, Body()], sim: Sim, who: Caller):
    reject_unknown_enums(spec)
    session = vm_restore.start_vsphere(sim, spec, who)
    return answer(session.to_model(sim.now()), status=201)


@router.post(
    PATH + "/hyperV",
    operation_id="EntireVmRestoreHv",
    summary="Restore an entire Hyper-V VM",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def restore_hyperv(spec: Annotated[EntireHvVMRestoreSpec, Body()], sim: Sim, who: Caller):
    reject_unknown_enums(spec)
    session = vm_restore.start_hyperv(sim, spec, who)
    return answer(session.to_model(sim.now()), status=201)


@router.post(
    PATH + "/cloudDirector",
    operation_id="EntireVmRestoreCloudDirector",
    summary="Restore an entire VMware Cloud Director VM",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def restore_cloud_director(
    spec: Annotated[EntireCloudDirectorVMRestoreSpec, Body()], sim: Sim, who: Caller
):
    reject_unknown_enums(spec)
    session = vm_restore.start_cloud_director(sim, spec, who)
    return answer(session.to_model(sim.now()), status=201)
