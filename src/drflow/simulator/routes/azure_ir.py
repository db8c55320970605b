"""``/api/v1/restore/instantRecovery/azure/vm``: instant recovery to Microsoft Azure."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query

from drflow.vbr.models import (
    AzureInstantRecoveryMountState,
    AzureInstantVMRecoveryMigrationSpec,
    AzureInstantVMRecoveryMount,
    AzureInstantVMRecoveryMountsOrderColumn,
    AzureInstantVMRecoveryMountsResult,
    AzureInstantVMRecoverySpec,
    AzureInstantVMRecoverySwitchoverSettingsModel,
    SessionResult,
    SessionsResult,
    SessionState,
)
from drflow.vbr.models.sessions import SessionModel, SessionsOrderColumn

from .. import azure
from ..auth import Principal
from ..errors import bad_request, reject_unknown_enums
from ..listing import aware, known, known_all, paginate, sort_items
from ..sessions import ALL_SESSION_TYPES, SessionRecord
from ..state import Simulator
from ._common import answer, caller, errors, sim_of

router = APIRouter(tags=["Restore"])
PATH = azure.MOUNT_PATH

Sim = Annotated[Simulator, Depends(sim_of)]
Caller = Annotated[Principal, Depends(caller)]
Settings = AzureInstantVMRecoverySwitchoverSettingsModel

_SORT = {
    "State": lambda pair: pair[1].state.value,
    "Name": lambda pair: pair[0].vm_name.lower(),
}
_SESSION_SORT = {
    "Name": lambda m: m.name.lower(),
    "SessionType": lambda m: m.session_type.value,
    "CreationTime": lambda m: m.creation_time,
    "EndTime": lambda m: m.end_time,
    "State": lambda m: m.state.value,
    "Result": lambda m: m.result.result.value if m.result else None,
    "InitiatedBy": lambda m: (m.initiated_by or "").lower() or None,
}


@router.get(
    PATH,
    operation_id="GetAllAzureInstantVMRecoveryMounts",
    summary="Get all instant recovery mount points of machines recovered to Microsoft Azure",
    response_model=AzureInstantVMRecoveryMountsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_all_mounts(
    sim: Sim,
    skip: Annotated[int | None, Query()] = None,
    limit: Annotated[int | None, Query()] = 200,
    order_column: Annotated[
        AzureInstantVMRecoveryMountsOrderColumn | None, Query(alias="orderColumn")
    ] = None,
    order_asc: Annotated[bool | None, Query(alias="orderAsc")] = None,
    state_filter: Annotated[
        AzureInstantRecoveryMountState | None, Query(alias="stateFilter")
    ] = None,
):
    known(order_column, "orderColumn")
    known(state_filter, "stateFilter")
    now = sim.now()
    with sim.lock:
        pairs = [(mount, mount.to_model(now)) for mount in azure.list_mounts(sim)]
    selected = [p for p in pairs if state_filter is None or p[1].state == state_filter]
    if order_column is not None:
        selected = sort_items(selected, _SORT[order_column.value], order_asc is not False)
    page, pagination = paginate([model for _, model in selected], skip, limit)
    return answer(AzureInstantVMRecoveryMountsResult(data=page, pagination=pagination))


@router.post(
    PATH,
    operation_id="AzureInstantVMRecoveryMount",
    summary="Start instant recovery of a machine to Microsoft Azure",
    status_code=201,
    response_model=AzureInstantVMRecoveryMount,
    responses=errors(400, 401, 403, 404, 500),
)
async def start_instant_recovery(
    spec: Annotated[AzureInstantVMRecoverySpec, Body()], sim: Sim, who: Caller
):
    reject_unknown_enums(spec)
    mount = azure.start(sim, spec, who)
    return answer(mount.to_model(sim.now()), status=201)


@router.get(
    PATH + "/{mountId}",
    operation_id="GetAzureInstantVMRecoveryMount",
    summary="Get an instant recovery mount point of a machine recovered to Microsoft Azure",
    response_model=AzureInstantVMRecoveryMount,
    responses=errors(401, 403, 404, 500),
)
async def get_mount(mountId: UUID, sim: Sim):
    now = sim.now()
    with sim.lock:
        return answer(azure.get_mount(sim, mountId).to_model(now))


@router.get(
    PATH + "/{mountId}/sessions",
    operation_id="GetAllAzureInstantVMRecoveryMountSessions",
    summary="Get the sessions of an instant recovery mount point in Microsoft Azure",
    response_model=SessionsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_mount_sessions(
    mountId: UUID,
    sim: Sim,
    skip: Annotated[int | None, Query()] = None,
    limit: Annotated[int | None, Query()] = 200,
    order_column: Annotated[SessionsOrderColumn | None, Query(alias="orderColumn")] = None,
    order_asc: Annotated[bool | None, Query(alias="orderAsc")] = None,
    created_after: Annotated[datetime | None, Query(alias="createdAfterFilter")] = None,
    created_before: Annotated[datetime | None, Query(alias="createdBeforeFilter")] = None,
    ended_after: Annotated[datetime | None, Query(alias="endedAfterFilter")] = None,
    ended_before: Annotated[datetime | None, Query(alias="endedBeforeFilter")] = None,
    type_filter: Annotated[str | None, Query(alias="typeFilter")] = None,
    state_filter: Annotated[SessionState | None, Query(alias="stateFilter")] = None,
    result_filter: Annotated[list[SessionResult] | None, Query(alias="resultFilter")] = None,
):
    known(order_column, "orderColumn")
    known(state_filter, "stateFilter")
    results = {r.value for r in known_all(result_filter, "resultFilter")}
    if type_filter is not None and type_filter not in ALL_SESSION_TYPES:
        raise bad_request(f"typeFilter: unsupported value {type_filter!r}")
    created_after, created_before = aware(created_after), aware(created_before)
    ended_after, ended_before = aware(ended_after), aware(ended_before)
    now = sim.now()
    with sim.lock:
        records: list[SessionRecord] = azure.get_mount(sim, mountId).sessions()
        models = [record.to_model(now) for record in records]

    def keep(m: SessionModel) -> bool:
        return (
            (created_after is None or m.creation_time > created_after)
            and (created_before is None or m.creation_time < created_before)
            and (ended_after is None or (m.end_time is not None and m.end_time > ended_after))
            and (ended_before is None or (m.end_time is not None and m.end_time < ended_before))
            and (type_filter is None or m.session_type.value == type_filter)
            and (state_filter is None or m.state == state_filter)
            and (not results or (m.result is not None and m.result.result.value in results))
        )

    selected = [m for m in models if keep(m)]
    if order_column is None:  # newest first, as /api/v1/sessions
        selected = sort_items(selected, _SESSION_SORT["CreationTime"], ascending=False)
    else:
        selected = sort_items(selected, _SESSION_SORT[order_column.value], order_asc is not False)
    page, pagination = paginate(selected, skip, limit)
    return answer(SessionsResult(data=page, pagination=pagination))


@router.post(
    PATH + "/{mountId}/unmount",
    operation_id="AzureInstantVMRecoveryUnmount",
    summary="Stop a machine recovered to Microsoft Azure",
    status_code=201,
    response_model=AzureInstantVMRecoveryMount,
    responses=errors(400, 401, 403, 404, 500),
)
async def unmount(mountId: UUID, sim: Sim, who: Caller):
    mount = azure.unmount(sim, mountId, who)
    return answer(mount.to_model(sim.now()), status=201)


@router.post(
    PATH + "/{mountId}/migrate",
    operation_id="AzureInstantVMRecoveryMigrate",
    summary="Start migrating a machine recovered to Microsoft Azure to Azure storage",
    status_code=201,
    response_model=AzureInstantVMRecoveryMount,
    responses=errors(400, 401, 403, 404, 500),
)
async def migrate(
    mountId: UUID,
    spec: Annotated[AzureInstantVMRecoveryMigrationSpec, Body()],
    sim: Sim,
    who: Caller,
):
    reject_unknown_enums(spec)
    mount = azure.migrate(sim, mountId, spec, who)
    return answer(mount.to_model(sim.now()), status=201)


@router.get(
    PATH + "/{mountId}/switchoverSettings",
    operation_id="GetAzureInstantVMRecoverySwitchoverSettings",
    summary="Get the switchover settings of a mount point in Microsoft Azure",
    response_model=Settings,
    responses=errors(401, 403, 404, 500),
)
async def get_switchover_settings(mountId: UUID, sim: Sim):
    return answer(azure.get_settings(sim, mountId))


@router.put(
    PATH + "/{mountId}/switchoverSettings",
    operation_id="UpdateAzureInstantVMRecoverySwitchoverSettings",
    summary="Change the switchover settings of a mount point in Microsoft Azure",
    status_code=201,
    response_model=Settings,
    responses=errors(401, 403, 404, 500),
)
async def update_switchover_settings(
    mountId: UUID, settings: Annotated[Settings, Body()], sim: Sim
):
    reject_unknown_enums(settings)
    return answer(azure.update_settings(sim, mountId, settings), status=201)


@router.post(
    PATH + "/{mountId}/switchover",
    operation_id="AzureInstantVMRecoverySwitchover",
    summary="Switch a migrated machine in Microsoft Azure over to Azure storage",
    status_code=201,
    response_model=AzureInstantVMRecoveryMount,
    responses=errors(401, 403, 404, 500),
)
async def switchover(mountId: UUID, sim: Sim, who: Caller):
    mount = azure.switchover(sim, mountId, who)
    return answer(mount.to_model(sim.now()), status=201)
