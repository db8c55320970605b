"""Unstructured data: instant file share recovery, entire share/bucket restore, browse mounts."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query

from drflow.vbr.models import (
    InstantUnstructuredDataRecoveryMount,
    InstantUnstructuredDataRecoveryMountsOrderColumn,
    InstantUnstructuredDataRecoveryMountsResult,
    InstantUnstructuredDataRestoreMigrationSpec,
    InstantUnstructuredDataRestoreSpec,
    PaginationResult,
    SessionModel,
    SessionsResult,
    UnstructuredDataEntireOSRestoreSpec,
    UnstructuredDataEntireShareRestoreSpec,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
    UnstructuredDataSwitchoverSettingsModel,
)

from .. import unstructured
from ..auth import Principal
from ..errors import bad_request, reject_unknown_enums
from ..listing import known, name_matches, paginate, sort_items
from ..state import Simulator
from ._common import answer, caller, errors, sim_of

router = APIRouter(tags=["Restore"])
IR = unstructured.IR_PATH
RESTORE = unstructured.RESTORE_PATH
FLR = "/api/v1/restore/flr/unstructuredData"

Sim = Annotated[Simulator, Depends(sim_of)]
Caller = Annotated[Principal, Depends(caller)]
Settings = UnstructuredDataSwitchoverSettingsModel

# The contract types ``stateFilter`` with the VM mount states; they map onto publishing states.
# The publishing states themselves are accepted too.
_STATE_FILTER = {
    "Mounting": {"Publishing"},
    "Mounted": {"Published"},
    "Dismounting": {"Unpublishing"},
    "Failed": {"PublishFailed", "UnpublishFailed"},
    **{s: {s} for s in ("Publishing", "PublishFailed", "Published", "Unpublishing",
                        "UnpublishFailed", "Unpublished")},
}  # fmt: skip
_SORT = {
    "State": lambda pair: pair[1].state.value,
    "Name": lambda pair: pair[0].share.name.lower(),
}


@router.get(
    IR,
    operation_id="GetAllInstantUnstructuredDataRecoveryMounts",
    summary="Get all instant file share recovery mount points",
    response_model=InstantUnstructuredDataRecoveryMountsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_all_share_mounts(
    sim: Sim,
    skip: Annotated[int | None, Query()] = None,
    limit: Annotated[int | None, Query()] = 200,
    order_column: Annotated[
        InstantUnstructuredDataRecoveryMountsOrderColumn | None, Query(alias="orderColumn")
    ] = None,
    order_asc: Annotated[bool | None, Query(alias="orderAsc")] = None,
    state_filter: Annotated[str | None, Query(alias="stateFilter")] = None,
    share_name_filter: Annotated[str | None, Query(alias="shareNameFilter")] = None,
):
    known(order_column, "orderColumn")
    states = None
    if state_filter is not None:
        states = _STATE_FILTER.get(state_filter)
        if states is None:
            raise bad_request(f"stateFilter: unsupported value {state_filter!r}")
    now = sim.now()
    with sim.lock:
        pairs = [(m, m.to_model(now)) for m in unstructured.list_share_mounts(sim)]
    selected = [
        p
        for p in pairs
        if (states is None or p[1].state.value in states)
        and name_matches(share_name_filter, p[0].share.name)
    ]
    if order_column is not None:
        selected = sort_items(selected, _SORT[order_column.value], order_asc is not False)
    page, pagination = paginate([model for _, model in selected], skip, limit)
    return answer(InstantUnstructuredDataRecoveryMountsResult(data=page, pagination=pagination))


@router.post(
    IR,
    operation_id="InstantUnstructuredDataRecoveryMount",
    summary="Start instant recovery of file shares",
    status_code=201,
    response_model=SessionsResult,
    responses=errors(400, 401, 403, 404, 500),
)
async def start_share_recovery(
    spec: Annotated[InstantUnstructuredDataRestoreSpec, Body()], sim: Sim, who: Caller
):
    reject_unknown_enums(spec)
    mounts = unstructured.start_share_recovery(sim, spec, who)
    now = sim.now()
    data = [mount.session.to_model(now) for mount in mounts]
    pagination = PaginationResult(total=len(data), count=len(data), skip=0, limit=len(data))
    return answer(SessionsResult(data=data, pagination=pagination), status=201)


@router.get(
    IR + "/{mountId}",
    operation_id="GetInstantUnstructuredDataRecoveryMount",
    summary="Get an instant file share recovery mount point",
    response_model=InstantUnstructuredDataRecoveryMount,
    responses=errors(401, 403, 404, 500),
)
async def get_share_mount(mountId: UUID, sim: Sim):
    now = sim.now()
    with sim.lock:
        return answer(unstructured.get_share_mount(sim, mountId).to_model(now))


@router.post(
    IR + "/{mountId}/unmount",
    operation_id="InstantUnstructuredDataRecoveryUnmount",
    summary="Stop publishing a file share",
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def unmount_share(mountId: UUID, sim: Sim, who: Caller):
    session = unstructured.unmount_share(sim, mountId, who)
    return answer(session.to_model(sim.now()))


@router.post(
    IR + "/{mountId}/migrate",
    operation_id="InstantUnstructuredDataRecoveryMigrate",
    summary="Start migrating a published SMB share to production",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def migrate_share(
    mountId: UUID,
    spec: Annotated[InstantUnstructuredDataRestoreMigrationSpec, Body()],
    sim: Sim,
    who: Caller,
):
    reject_unknown_enums(spec)
    session = unstructured.migrate_share(sim, mountId, spec, who)
    return answer(session.to_model(sim.now()), status=201)


@router.post(
    IR + "/{mountId}/switchover",
    operation_id="InstantUnstructuredDataShareSwitchover",
    summary="Switch a migrated SMB share over",
    status_code=201,
    response_model=SessionModel,
    responses=errors(401, 403, 404, 500),
)
async def switchover_share(mountId: UUID, sim: Sim, who: Caller):
    session = unstructured.switchover_share(sim, mountId, who)
    return answer(session.to_model(sim.now()), status=201)


@router.get(
    IR + "/{mountId}/switchoverSettings",
    operation_id="GetUnstructuredDataShareIRSwitchoverSettings",
    summary="Get the switchover settings of a published SMB share",
    response_model=Settings,
    responses=errors(400, 401, 403, 404, 500),
)
async def get_share_switchover_settings(mountId: UUID, sim: Sim):
    return answer(unstructured.get_settings(sim, mountId))


@router.put(
    IR + "/{mountId}/switchoverSettings",
    operation_id="UpdateUnstructuredDataShareIRSwitchoverSettings",
    summary="Change the switchover settings of a published SMB share",
    response_model=Settings,
    responses=errors(400, 401, 403, 404, 500),
)
async def update_share_switchover_settings(
    mountId: UUID, settings: Annotated[Settings, Body()], sim: Sim
):
    reject_unknown_enums(settings)
    return answer(unstructured.update_settings(sim, mountId, settings))


@router.post(
    RESTORE + "/fileShare",
    operation_id="EntireUnstructuredDataShareRestore",
    summary="Restore an entire file share",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def restore_file_share(
    spec: Annotated[UnstructuredDataEntireShareRestoreSpec, Body()], sim: Sim, who: Caller
):
    reject_unknown_enums(spec)
    session = unstructured.restore(sim, spec, who)
    return answer(session.to_model(sim.now()), status=201)


@router.post(
    RESTORE + "/objectStorage",
    operation_id="EntireUnstructuredDataOSRestore",
    summary="Restore an entire object storage bucket",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def restore_bucket(
    spec: Annotated[UnstructuredDataEntireOSRestoreSpec, Body()], sim: Sim, who: Caller
):
    reject_unknown_enums(spec)
    session = unstructured.restore(sim, spec, who)
    return answer(session.to_model(sim.now()), status=201)


@router.post(
    FLR,
    operation_id="StartUnstructuredDataFlrMount",
    summary="Mount unstructured data backup files for browsing",
    status_code=201,
    response_model=UnstructuredDataFlrBrowseMountModel,
    responses=errors(400, 401, 403, 500),
)
async def start_flr_mount(
    spec: Annotated[UnstructuredDataMountSpec, Body()], sim: Sim, who: Caller
):
    reject_unknown_enums(spec)
    return answer(unstructured.start_flr(sim, spec, who), status=201)


@router.post(
    RESTORE + "/{sessionId}/unmount",
    operation_id="StopUnstructuredDataFLRMount",
    summary="Unmount unstructured data backup files",
    status_code=201,
    response_model=SessionModel,
    responses=errors(401, 403, 404, 500),
)
async def stop_flr_mount(sessionId: UUID, sim: Sim, who: Caller):
    session = unstructured.stop_browse(sim, sessionId, "UnstructuredData", who)
    return answer(session.to_model(sim.now()), status=201)
