"""``/api/v1/restore/entraId``: the routes of Entra ID restore, and the simulated sign-in of
the restore operator (``/_sim/entra``: what the operator does in a browser)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

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

from ...auth import Principal
from ...errors import reject_unknown_enums
from ...routes._common import answer, caller, errors
from . import sign_in
from .sign_in import AdminError
from .workload import AUDIT_LOG_PATH, TENANT_PATH, EntraIdWorkload

router = EntraIdWorkload.router
TENANT = TENANT_PATH
AUDIT_LOG = AUDIT_LOG_PATH
Entra = Annotated[EntraIdWorkload, Depends(EntraIdWorkload.of)]
Caller = Annotated[Principal, Depends(caller)]


@router.post(
    TENANT + "/deviceCode",
    operation_id="GetEntraIdTenantRestoreDeviceCode",
    summary="Get a user code for the restore operator's Entra ID sign-in",
    status_code=201,
    response_model=EntraIdTenantRestoreDeviceCodeModel,
    responses=errors(400, 401, 403, 500),
)
async def get_device_code(
    spec: Annotated[EntraIdTenantRestoreDeviceCodeSpec, Body()], entra: Entra
):
    return answer(sign_in.issue_device_code(entra, spec.session_id), status=201)


@router.post(
    TENANT + "/deviceCode/state",
    operation_id="GetEntraIdTenantRestoreDeviceCodeState",
    summary="Get the state of a device-code sign-in (and its credentials once signed in)",
    response_model=EntraIdTenantRestoreDeviceCodeStateModel,
    responses=errors(400, 401, 403, 500),
)
async def get_device_code_state(
    spec: Annotated[EntraIdTenantRestoreDeviceCodeStateSpec, Body()], entra: Entra
):
    return answer(sign_in.device_code_state(entra, spec.session_id, spec.user_code))


@router.get(
    TENANT + "/{sessionId}/authCode/startAuthorization",
    operation_id="StartEntraIdTenantRestoreAuthorization",
    summary="Get the sign-in address of an authorization-code sign-in",
    response_model=EntraIdTenantRestoreStartAuthorizationModel,
    responses=errors(400, 401, 403, 500),
)
async def start_authorization(
    sessionId: UUID,
    entra: Entra,
    vdc_session_id: Annotated[str, Query(alias="vdcSessionId")],
    redirect_uri: Annotated[str, Query(alias="redirectUri")],
):
    return answer(sign_in.start_authorization(entra, sessionId, vdc_session_id, redirect_uri))


@router.post(
    TENANT + "/authCode/authorize",
    operation_id="EntraIdTenantRestoreAuthorize",
    summary="Exchange the authorization code of a sign-in",
    response_model=EntraIdTenantRestoreAuthorizeModel,
    responses=errors(400, 401, 403, 500),
)
async def authorize(spec: Annotated[EntraIdTenantRestoreAuthorizeSpec, Body()], entra: Entra):
    return answer(sign_in.authorize(entra, spec))


@router.post(
    TENANT,
    operation_id="StartEntraIDTenantRestore",
    summary="Mount a Microsoft Entra ID tenant backup for restore",
    status_code=201,
    response_model=EntraIdTenantBrowseMountModel,
    responses=errors(400, 401, 403, 500),
)
async def start_tenant_restore(
    spec: Annotated[EntraIdTenantStartRestoreSpec, Body()], entra: Entra, who: Caller
):
    return answer(entra.start_tenant_restore(spec.backup_id, who), status=201)


@router.post(
    TENANT + "/fromCopy",
    operation_id="StartEntraIDTenantRestoreFromCopy",
    summary="Start restore of a Microsoft Entra ID tenant from a backup copy",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 500),
)
async def start_tenant_restore_from_copy(
    spec: Annotated[EntraIdTenantStartRestoreFromCopySpec, Body()], entra: Entra, who: Caller
):
    session = entra.start_from_copy(spec.restore_point_id, who)
    return answer(session.to_model(entra.sim.now()), status=201)


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
    entra: Entra,
    who: Caller,
    spec: Annotated[JobStopSpec | None, Body()] = None,
):
    session = entra.stop_tenant_restore(sessionId, spec, who)
    return answer(session.to_model(entra.sim.now()), status=201)


@router.post(
    AUDIT_LOG,
    operation_id="StartEntraIDAuditLogMount",
    summary="Mount a Microsoft Entra ID audit log backup for browsing",
    status_code=201,
    response_model=UnstructuredDataFlrBrowseMountModel,
    responses=errors(400, 401, 403, 500),
)
async def mount_audit_log(
    spec: Annotated[UnstructuredDataMountSpec, Body()], entra: Entra, who: Caller
):
    reject_unknown_enums(spec)
    return answer(entra.mount_audit_log(spec, who), status=201)


@router.post(
    AUDIT_LOG + "/{sessionId}/unmount",
    operation_id="StopEntraIDAuditLogMount",
    summary="Unmount a Microsoft Entra ID audit log backup",
    status_code=201,
    response_model=SessionModel,
    responses=errors(401, 403, 404, 500),
)
async def unmount_audit_log(sessionId: UUID, entra: Entra, who: Caller):
    session = entra.unmount_audit_log(sessionId, who)
    return answer(session.to_model(entra.sim.now()), status=201)


# --- the simulated Entra ID sign-in (what the restore operator does in a browser) ------------


class EntraSignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str | None = Field(default=None, min_length=1)


def _admin(call: Callable[[], dict[str, Any]]) -> JSONResponse:
    try:
        return JSONResponse(call())
    except AdminError as exc:
        return JSONResponse({"error": exc.message}, status_code=exc.status)


@router.post(
    "/_sim/entra/deviceCodes/{userCode}/confirm",
    summary="Sign in with an Entra ID device code (the operator confirms the sign-in)",
    tags=["Simulator"],
)
async def confirm_device_code(
    userCode: str, entra: Entra, body: Annotated[EntraSignIn | None, Body()] = None
):
    username = body.username if body else None
    return _admin(lambda: sign_in.decide_device_code(entra, userCode, True, username))


@router.post(
    "/_sim/entra/deviceCodes/{userCode}/reject",
    summary="Decline the Entra ID sign-in of a device code",
    tags=["Simulator"],
)
async def reject_device_code(userCode: str, entra: Entra):
    return _admin(lambda: sign_in.decide_device_code(entra, userCode, False))


@router.post(
    "/_sim/entra/authCodes/{state}/approve",
    summary="Sign in at the Entra ID authorization address: answers the code and redirect",
    tags=["Simulator"],
)
async def approve_authorization(
    state: str, entra: Entra, body: Annotated[EntraSignIn | None, Body()] = None
):
    username = body.username if body else None
    return _admin(lambda: sign_in.decide_authorization(entra, state, True, username))


@router.post(
    "/_sim/entra/authCodes/{state}/deny",
    summary="Decline the Entra ID authorization-code sign-in: answers the error redirect",
    tags=["Simulator"],
)
async def deny_authorization(state: str, entra: Entra):
    return _admin(lambda: sign_in.decide_authorization(entra, state, False))
