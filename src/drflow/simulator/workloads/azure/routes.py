"""``/api/v1/restore/instantRecovery/azure/vm``: the routes of instant recovery to Azure."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query
from starlette.responses import JSONResponse

from drflow.vbr.models import SessionsResult
from drflow.vbr.models import azure as models
from drflow.vbr.models.sessions import SessionsOrderColumn

from ...listing import known
from ...routes._common import ListQuery, OrderBy, Page, errors
from ...routes.operations import Operations
from ...routes.session_list import SessionFilter, sessions_page
from .mount import Settings
from .workload import MOUNT_PATH as PATH
from .workload import AzureWorkload

Azure = Annotated[AzureWorkload, Depends(AzureWorkload.of)]

_SORT = {
    "State": lambda pair: pair[1],
    "Name": lambda pair: pair[0].vm_name.lower(),
}

api = Operations(AzureWorkload, PATH)
api.post(
    "",
    "AzureInstantVMRecoveryMount",
    AzureWorkload.start,
    models.AzureInstantVMRecoveryMount,
    201,
    body=models.AzureInstantVMRecoverySpec,
)
api.get(
    "/{mountId}",
    "GetAzureInstantVMRecoveryMount",
    AzureWorkload.get,
    models.AzureInstantVMRecoveryMount,
)
api.post(
    "/{mountId}/unmount",
    "AzureInstantVMRecoveryUnmount",
    AzureWorkload.unmount,
    models.AzureInstantVMRecoveryMount,
    201,
)
api.post(
    "/{mountId}/migrate",
    "AzureInstantVMRecoveryMigrate",
    AzureWorkload.migrate,
    models.AzureInstantVMRecoveryMount,
    201,
    body=models.AzureInstantVMRecoveryMigrationSpec,
)
api.get(
    "/{mountId}/switchoverSettings",
    "GetAzureInstantVMRecoverySwitchoverSettings",
    AzureWorkload.get_settings,
    Settings,
)
api.put(
    "/{mountId}/switchoverSettings",
    "UpdateAzureInstantVMRecoverySwitchoverSettings",
    AzureWorkload.update_settings,
    Settings,
    201,
    body=Settings,
)
api.stop(
    "/{mountId}/switchover",
    "AzureInstantVMRecoverySwitchover",
    AzureWorkload.switchover,
    models.AzureInstantVMRecoveryMount,
    201,
)


def _all_mounts(azure: AzureWorkload, query: ListQuery) -> JSONResponse:
    """Get all instant recovery mount points of machines recovered to Microsoft Azure."""
    known(query.order, "orderColumn")
    known(query.state, "stateFilter")
    now = azure.sim.now()
    with azure.sim.lock:
        pairs = [(mount, mount.state(now)) for mount in azure.state.mounts.values()]
    selected = [pair for pair in pairs if query.state is None or pair[1] == query.state.value]
    return query.page(selected, lambda pair: pair[0].to_model(now), _SORT)


api.list(
    "",
    "GetAllAzureInstantVMRecoveryMounts",
    _all_mounts,
    models.AzureInstantVMRecoveryMountsResult,
    order=models.AzureInstantVMRecoveryMountsOrderColumn,
    state=models.AzureInstantRecoveryMountState,
)


@AzureWorkload.router.get(
    PATH + "/{mountId}/sessions",
    operation_id="GetAllAzureInstantVMRecoveryMountSessions",
    summary="Get the sessions of an instant recovery mount point in Microsoft Azure",
    response_model=SessionsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_mount_sessions(
    mountId: UUID,
    azure: Azure,
    paging: Page,
    where: Annotated[SessionFilter, Depends()],
    order: OrderBy[SessionsOrderColumn] = None,
    type_filter: Annotated[str | None, Query(alias="typeFilter")] = None,
):
    where.narrow([type_filter] if type_filter is not None else [])
    now = azure.sim.now()
    with azure.sim.lock:
        azure.settle(now)
        return sessions_page(azure.get(mountId).sessions(), now, where, paging, order)
