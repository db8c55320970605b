"""What every route module needs: the simulator, the caller, JSON answers, error docs."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import JSONResponse

from drflow.vbr.models import Error, VBRModel

from ..auth import Principal
from ..errors import ApiError
from ..state import Simulator

API_VERSION_HEADER = "x-api-version"

_ERROR_TEXT = {
    400: "Bad request: the body or a parameter is invalid.",
    401: "Unauthorized: missing, invalid or expired token.",
    403: "Forbidden: the user's role may not call this operation.",
    404: "Not found: no object has the given id.",
    500: "Internal server error.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the OpenAPI document: these statuses answer the ``Error`` model."""
    return {code: {"model": Error, "description": _ERROR_TEXT[code]} for code in codes}


def sim_of(request: Request) -> Simulator:
    return request.app.state.sim


def caller(request: Request) -> Principal:
    """The authenticated caller (set by the gate of :mod:`drflow.simulator.app`)."""
    principal = request.scope.get("state", {}).get("principal")
    if principal is None:  # pragma: no cover - the gate always sets it on /api routes
        raise ApiError(401, "InvalidToken", "Authorization header is missing.")
    return principal


def answer(model: VBRModel, status: int = 200) -> JSONResponse:
    return JSONResponse(model.to_api(), status_code=status)
