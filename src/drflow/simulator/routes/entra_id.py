"""``/api/v1/restore/entraId``: Entra ID tenant mounts, the operator's sign-in, audit logs."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query

from drflow.vbr.models import (
    EntraIdTenantBrowseMountModel,
    EntraIdTenantRestoreAuthorizeModel,
    EntraIdTenantRestoreAuthorizeSpec,
    EntraIdTenantRestoreDeviceCodeModel,
    EntraIdTenantRestoreDeviceCodeSpec,
    EntraIdTenantRestoreDeviceCodeStateModel,
    EntraIdTenantRestoreDeviceCodeStateSpec,
    EntraIdTenantRestoreStartAuthorizationModel,
    EntraIdTenantStartRestoreFromCopySpec,
    EntraIdTenantStartRestoreSpec,
    JobStopSpec,
    SessionModel,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
)

from .. import entra_id
from ..auth import Principal
from ..errors import reject_unknown_enums
from ..state import Simulator
from ._common import answer, caller, errors, sim_of

router = APIRouter(tags=["Restore"])
TENANT = entra_id.TENANT_PATH
AUDIT_LOG = entra_id.AUDIT_LOG_PATH

Sim = Annotated[Simulator, Depends(sim_of)]
Caller = Annotated[Principal, Depends(caller)]


@router.post(
    TENANT + "/deviceCode",
    operation_id="GetEntraIdTenantRestoreDeviceCode",
    summary="Get a user code for the restore operator's Entra ID sign-in",
    status_code=201,
    response_model=EntraIdTenantRestoreDeviceCodeModel,
    responses=errors(400, 401, 403, 500),
)
async def get_device_code(spec: Annotated[EntraIdTenantRestoreDeviceCodeSpec, Body()], sim: Sim):
    return answer(entra_id.issue_device_code(sim, spec.session_id), status=201)


@router.post(
    TENANT + "/deviceCode/state",
    operation_id="GetEntraIdTenantRestoreDeviceCodeState",
    summary="Get the state of a device-code sign-in (and its credentials once signed in)",
    response_model=EntraIdTenantRestoreDeviceCodeStateModel,
    responses=errors(400, 401, 403, 500),
)
async def get_device_code_state(
    spec: Annotated[EntraIdTenantRestoreDeviceCodeStateSpec, Body()], sim: Sim
):
    return answer(entra_id.device_code_state(sim, spec.session_id, spec.user_code))


@router.get(
    TENANT + "/{sessionId}/authCode/startAuthorization",
    operation_id="StartEntraIdTenantRestoreAuthorization",
    summary="Get the sign-in address of an authorization-code sign-in",
    response_model=EntraIdTenantRestoreStartAuthorizationModel,
    responses=errors(400, 401, 403, 500),
)
async def start_authorization(
    sessionId: UUID,
    sim: Sim,
    vdc_session_id: Annotated[str, Query(alias="vdcSessionId")],
    redirect_uri: Annotated[str, Query(alias="redirectUri")],
):
    return answer(entra_id.start_authorization(sim, sessionId, vdc_session_id, redirect_uri))


@router.post(
    TENANT + "/authCode/authorize",
    operation_id="EntraIdTenantRestoreAuthorize",
    summary="Exchange the authorization code of a sign-in",
    response_model=EntraIdTenantRestoreAuthorizeModel,
    responses=errors(400, 401, 403, 500),
)
async def authorize(spec: Annotated[EntraIdTenantRestoreAuthorizeSpec, Body()], sim: Sim):
    return answer(entra_id.authorize(sim, spec))


@router.post(
    TENANT,
    operation_id="StartEntraIDTenantRestore",
    summary="Mount a Microsoft Entra ID tenant backup for restore",
    status_code=201,
    response_model=EntraIdTenantBrowseMountModel,
    responses=errors(400, 401, 403, 500),
)
async def start_tenant_restore(
    spec: Annotated[EntraIdTenantStartRestoreSpec, Body()], sim: Sim, who: Caller
):
    return answer(entra_id.start_tenant_restore(sim, spec.backup_id, who), status=201)


@router.post(
    TENANT + "/fromCopy",
    operation_id="StartEntraIDTenantRestoreFromCopy",
    summary="Start restore of a Microsoft Entra ID tenant from a backup copy",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 500),
)
async def start_tenant_restore_from_copy(
    spec: Annotated[EntraIdTenantStartRestoreFromCopySpec, Body()], sim: Sim, who: Caller
):
    session = entra_id.start_from_copy(sim, spec.restore_point_id, who)
    return answer(session.to_model(sim.now()), status=201)


@router.post(
    TENANT + "/{sessionId}/stop",
    operation_id="StopEntraIDTenantRestore",
    summary="Unmount a Microsoft Entra ID tenant and stop its restore session",
    status_code=201,
    response_model=SessionModel,
    responses=errors(401, 403, 404, 500),
)
async def stop_tenant_restore(
    sessionId: UUID,
    sim: Sim,
    who: Caller,
    spec: Annotated[JobStopSpec | None, Body()] = None,
):
    session = entra_id.stop_tenant_restore(sim, sessionId, spec, who)
    return answer(session.to_model(sim.now()), status=201)


@router.post(
    AUDIT_LOG,
    operation_id="StartEntraIDAuditLogMount",
    summary="Mount a Microsoft Entra ID audit log backup for browsing",
    status_code=201,
    response_model=UnstructuredDataFlrBrowseMountModel,
    responses=errors(400, 401, 403, 500),
)
async def mount_audit_log(
    spec: Annotated[UnstructuredDataMountSpec, Body()], sim: Sim, who: Caller
):
    reject_unknown_enums(spec)
    return answer(entra_id.mount_audit_log(sim, spec, who), status=201)


@router.post(
    AUDIT_LOG + "/{sessionId}/unmount",
    operation_id="StopEntraIDAuditLogMount",
    summary="Unmount a Microsoft Entra ID audit log backup",
    status_code=201,
    response_model=SessionModel,
    responses=errors(401, 403, 404, 500),
)
async def unmount_audit_log(sessionId: UUID, sim: Sim, who: Caller):
    session = entra_id.unmount_audit_log(sim, sessionId, who)
    return answer(session.to_model(sim.now()), status=201)
