"""``/api/v1/restore/instantRecovery/azure/vm``: the routes of instant recovery to Azure."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Body, Depends, Query

from drflow.vbr.models import (
    AzureInstantRecoveryMountState,
    AzureInstantVMRecoveryMigrationSpec,
    AzureInstantVMRecoveryMount,
    AzureInstantVMRecoveryMountsOrderColumn,
    AzureInstantVMRecoveryMountsResult,
    AzureInstantVMRecoverySpec,
    SessionResult,
    SessionsResult,
    SessionState,
)
from drflow.vbr.models.sessions import SessionsOrderColumn

from ...auth import Principal
from ...errors import reject_unknown_enums
from ...listing import known
from ...routes._common import answer, caller, errors, page
from ...routes.session_list import SessionFilter, sessions_page
from .mount import Settings
from .workload import MOUNT_PATH, AzureWorkload

router = AzureWorkload.router
PATH = MOUNT_PATH
Azure = Annotated[AzureWorkload, Depends(AzureWorkload.of)]
Caller = Annotated[Principal, Depends(caller)]

_SORT = {
    "State": lambda pair: pair[1],
    "Name": lambda pair: pair[0].vm_name.lower(),
}


@router.get(
    PATH,
    operation_id="GetAllAzureInstantVMRecoveryMounts",
    summary="Get all instant recovery mount points of machines recovered to Microsoft Azure",
    response_model=AzureInstantVMRecoveryMountsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_all_mounts(
    azure: Azure,
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
    now = azure.sim.now()
    with azure.sim.lock:
        pairs = [(mount, mount.state(now)) for mount in azure.state.mounts.values()]
    selected = [p for p in pairs if state_filter is None or p[1] == state_filter.value]
    return page(
        AzureInstantVMRecoveryMountsResult,
        selected,
        lambda pair: pair[0].to_model(now),
        skip=skip,
        limit=limit,
        order=order_column,
        ascending=order_asc,
        keys=_SORT,
    )


@router.post(
    PATH,
    operation_id="AzureInstantVMRecoveryMount",
    summary="Start instant recovery of a machine to Microsoft Azure",
    status_code=201,
    response_model=AzureInstantVMRecoveryMount,
    responses=errors(400, 401, 403, 404, 500),
)
async def start_instant_recovery(
    spec: Annotated[AzureInstantVMRecoverySpec, Body()], azure: Azure, who: Caller
):
    reject_unknown_enums(spec)
    mount = azure.start(spec, who)
    return answer(mount.to_model(azure.sim.now()), status=201)


@router.get(
    PATH + "/{mountId}",
    operation_id="GetAzureInstantVMRecoveryMount",
    summary="Get an instant recovery mount point of a machine recovered to Microsoft Azure",
    response_model=AzureInstantVMRecoveryMount,
    responses=errors(401, 403, 404, 500),
)
async def get_mount(mountId: UUID, azure: Azure):
    now = azure.sim.now()
    with azure.sim.lock:
        return answer(azure.get(mountId).to_model(now))


@router.get(
    PATH + "/{mountId}/sessions",
    operation_id="GetAllAzureInstantVMRecoveryMountSessions",
    summary="Get the sessions of an instant recovery mount point in Microsoft Azure",
    response_model=SessionsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_mount_sessions(
    mountId: UUID,
    azure: Azure,
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
    where = SessionFilter.checked(
        types=[type_filter] if type_filter is not None else [],
        state=state_filter,
        results=result_filter,
        created_after=created_after,
        created_before=created_before,
        ended_after=ended_after,
        ended_before=ended_before,
    )
    now = azure.sim.now()
    with azure.sim.lock:
        azure.settle(now)
        return sessions_page(
            azure.get(mountId).sessions(),
            now,
            where,
            skip=skip,
            limit=limit,
            order=order_column,
            ascending=order_asc,
        )


@router.post(
    PATH + "/{mountId}/unmount",
    operation_id="AzureInstantVMRecoveryUnmount",
    summary="Stop a machine recovered to Microsoft Azure",
    status_code=201,
    response_model=AzureInstantVMRecoveryMount,
    responses=errors(400, 401, 403, 404, 500),
)
async def unmount(mountId: UUID, azure: Azure, who: Caller):
    mount = azure.unmount(mountId, who)
    return answer(mount.to_model(azure.sim.now()), status=201)


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
    azure: Azure,
    who: Caller,
):
    reject_unknown_enums(spec)
    mount = azure.migrate(mountId, spec, who)
    return answer(mount.to_model(azure.sim.now()), status=201)


@router.get(
    PATH + "/{mountId}/switchoverSettings",
    operation_id="GetAzureInstantVMRecoverySwitchoverSettings",
    summary="Get the switchover settings of a mount point in Microsoft Azure",
    response_model=Settings,
    responses=errors(401, 403, 404, 500),
)
async def get_switchover_settings(mountId: UUID, azure: Azure):
    return answer(azure.get_settings(mountId))


@router.put(
    PATH + "/{mountId}/switchoverSettings",
    operation_id="UpdateAzureInstantVMRecoverySwitchoverSettings",
    summary="Change the switchover settings of a mount point in Microsoft Azure",
    status_code=201,
    response_model=Settings,
    responses=errors(401, 403, 404, 500),
)
async def update_switchover_settings(
    mountId: UUID, settings: Annotated[Settings, Body()], azure: Azure
):
    reject_unknown_enums(settings)
    return answer(azure.update_settings(mountId, settings), status=201)


@router.post(
    PATH + "/{mountId}/switchover",
    operation_id="AzureInstantVMRecoverySwitchover",
    summary="Switch a migrated machine in Microsoft Azure over to Azure storage",
    status_code=201,
    response_model=AzureInstantVMRecoveryMount,
    responses=errors(401, 403, 404, 500),
)
async def switchover(mountId: UUID, azure: Azure, who: Caller):
    mount = azure.switchover(mountId, who)
    return answer(mount.to_model(azure.sim.now()), status=201)
