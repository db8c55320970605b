"""``/api/v1/restore/flr``: file-level restore mounts and guest credential checks."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends

from drflow.vbr.models import SessionModel
from drflow.vbr.models.flr import (
    FlrBrowseMountModel,
    FlrMountSpec,
    FlrRestoreCredentialsValidationResult,
    FlrRestoreCredentialsValidationSpec,
)

from .. import flr
from ..auth import Principal
from ..errors import reject_unknown_enums
from ..state import Simulator
from ._common import answer, caller, errors, sim_of

router = APIRouter(tags=["Restore"])
PATH = "/api/v1/restore/flr"

Sim = Annotated[Simulator, Depends(sim_of)]
Caller = Annotated[Principal, Depends(caller)]


@router.post(
    PATH,
    operation_id="StartFlrMount",
    summary="Start file-level restore (mount a restore point's file systems)",
    status_code=201,
    response_model=FlrBrowseMountModel,
    responses=errors(400, 401, 403, 500),
)
async def start_mount(spec: Annotated[FlrMountSpec, Body()], sim: Sim, who: Caller):
    reject_unknown_enums(spec)
    mount = flr.start(sim, spec, who)
    return answer(mount.to_model(), status=201)


@router.post(
    PATH + "/{sessionId}/unmount",
    operation_id="StopFlrMount",
    summary="Unmount the file systems and stop the file-level restore session",
    status_code=201,
    response_model=SessionModel,
    responses=errors(401, 403, 404, 500),
)
async def stop_mount(sessionId: UUID, sim: Sim, who: Caller):
    session = flr.unmount(sim, sessionId, who)
    return answer(session.to_model(sim.now()), status=201)


@router.post(
    PATH + "/{sessionId}/validateCredentials",
    operation_id="FlrRestoreValidateCredentials",
    summary="Validate guest OS credentials of the restore target",
    response_model=FlrRestoreCredentialsValidationResult,
    responses=errors(400, 401, 403, 500),
)
async def validate_credentials(
    sessionId: UUID,
    spec: Annotated[FlrRestoreCredentialsValidationSpec, Body()],
    sim: Sim,
):
    reject_unknown_enums(spec)
    return answer(flr.validate_credentials(sim, sessionId, spec))
