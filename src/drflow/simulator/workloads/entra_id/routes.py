"""``/api/v1/restore/entraId``: the routes of Entra ID restore, and the simulated sign-in of
the restore operator (``/_sim/entra``: what the operator does in a browser)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Body, Depends
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from drflow.vbr.models import (
    JobStopSpec,
    SessionModel,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
)
from drflow.vbr.models import entra_id as models

from ...routes.operations import Operations
from . import sign_in
from .sign_in import AdminError
from .workload import EntraIdWorkload

router = EntraIdWorkload.router
Entra = Annotated[EntraIdWorkload, Depends(EntraIdWorkload.of)]

api = Operations(EntraIdWorkload, "/api/v1/restore/entraId")
api.start(
    "/tenant/deviceCode",
    "GetEntraIdTenantRestoreDeviceCode",
    sign_in.issue_device_code,
    models.EntraIdTenantRestoreDeviceCodeModel,
    201,
    body=models.EntraIdTenantRestoreDeviceCodeSpec,
)
api.start(
    "/tenant/deviceCode/state",
    "GetEntraIdTenantRestoreDeviceCodeState",
    sign_in.device_code_state,
    models.EntraIdTenantRestoreDeviceCodeStateModel,
    body=models.EntraIdTenantRestoreDeviceCodeStateSpec,
)
api.start(
    "/tenant/authCode/authorize",
    "EntraIdTenantRestoreAuthorize",
    sign_in.authorize,
    models.EntraIdTenantRestoreAuthorizeModel,
    body=models.EntraIdTenantRestoreAuthorizeSpec,
)
api.start(
    "/tenant",
    "StartEntraIDTenantRestore",
    EntraIdWorkload.start_tenant_restore,
    models.EntraIdTenantBrowseMountModel,
    201,
    body=models.EntraIdTenantStartRestoreSpec,
)
api.start(
    "/tenant/fromCopy",
    "StartEntraIDTenantRestoreFromCopy",
    EntraIdWorkload.start_from_copy,
    SessionModel,
    201,
    body=models.EntraIdTenantStartRestoreFromCopySpec,
)
api.post(
    "/tenant/{sessionId}/stop",
    "StopEntraIDTenantRestore",
    EntraIdWorkload.stop_tenant_restore,
    SessionModel,
    201,
    body=JobStopSpec | None,
    codes=(401, 403, 404, 500),
)
api.start(
    "/auditLog",
    "StartEntraIDAuditLogMount",
    EntraIdWorkload.mount_audit_log,
    UnstructuredDataFlrBrowseMountModel,
    201,
    body=UnstructuredDataMountSpec,
)
api.stop(
    "/auditLog/{sessionId}/unmount",
    "StopEntraIDAuditLogMount",
    EntraIdWorkload.unmount_audit_log,
    SessionModel,
    201,
)


api.get(
    "/tenant/{sessionId}/authCode/startAuthorization",
    "StartEntraIdTenantRestoreAuthorization",
    sign_in.start_authorization,
    models.EntraIdTenantRestoreStartAuthorizationModel,
    codes=(400, 401, 403, 500),
    query={"vdcSessionId": str, "redirectUri": str},
)


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
    "/_sim/entra/deviceCodes/{userCode}/{decision}",
    summary="Sign in with an Entra ID device code (confirm), or decline the sign-in (reject)",
    tags=["Simulator"],
)
async def decide_device_code(
    userCode: str,
    decision: Literal["confirm", "reject"],
    entra: Entra,
    body: Annotated[EntraSignIn | None, Body()] = None,
):
    username = body.username if body else None
    confirm = decision == "confirm"
    return _admin(lambda: sign_in.decide_device_code(entra, userCode, confirm, username))


@router.post(
    "/_sim/entra/authCodes/{state}/{decision}",
    summary="Sign in at the Entra ID authorization address (approve) or decline (deny): answers "
    "what the browser brings back to the redirect address",
    tags=["Simulator"],
)
async def decide_authorization(
    state: str,
    decision: Literal["approve", "deny"],
    entra: Entra,
    body: Annotated[EntraSignIn | None, Body()] = None,
):
    username = body.username if body else None
    approve = decision == "approve"
    return _admin(lambda: sign_in.decide_authorization(entra, state, approve, username))
