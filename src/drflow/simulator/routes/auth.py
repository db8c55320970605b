"""``POST /api/oauth2/token`` and ``POST /api/oauth2/logout``."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request

from drflow.vbr.models import EmptySuccessResponse, TokenModel

from ..auth import Principal
from ..errors import ApiError, bad_request
from ..state import Simulator
from ._common import answer, caller, errors, sim_of

router = APIRouter(tags=["Login"])

_GRANTS = {"password": "Password", "refresh_token": "Refresh_token"}
_OTHER_GRANTS = {"authorization_code", "vbr_token"}

_FORM_SCHEMA = {
    "type": "object",
    "required": ["grant_type"],
    "properties": {
        "grant_type": {
            "type": "string",
            "enum": ["Password", "Refresh_token", "Authorization_code", "Vbr_token"],
        },
        "username": {"type": "string"},
        "password": {"type": "string", "format": "password"},
        "refresh_token": {"type": "string"},
        "code": {"type": "string"},
        "use_short_term_refresh": {"type": "boolean"},
    },
}


@router.post(
    "/api/oauth2/token",
    operation_id="CreateToken",
    summary="Get an access token",
    response_model=TokenModel,
    responses=errors(400, 401, 403, 500),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": _FORM_SCHEMA}},
        }
    },
)
async def create_token(request: Request, sim: Annotated[Simulator, Depends(sim_of)]):
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise bad_request(
            "The request body must be form-encoded (application/x-www-form-urlencoded)."
        )
    raw = await request.body()
    try:
        form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
    except UnicodeDecodeError:
        raise bad_request("The request body is not valid UTF-8.") from None
    grant = form.get("grant_type")
    if not grant:
        raise bad_request("grant_type: Field required")
    grant_key = grant.lower()
    if grant_key in _OTHER_GRANTS:
        raise bad_request(f"grant_type: {grant!r} is not supported by this server")
    if grant_key not in _GRANTS:
        raise bad_request(
            f"grant_type: unsupported value {grant!r}, expected Password or Refresh_token"
        )
    short = form.get("use_short_term_refresh", "").strip().lower()
    if short not in ("", "true", "false"):
        raise bad_request("use_short_term_refresh: Input should be a valid boolean")
    now = sim.now()
    cfg = sim.config
    if grant_key == "password":
        for field in ("username", "password"):
            if not form.get(field):
                raise bad_request(f"{field}: Field required")
        username = form["username"]
        role = cfg.users.get(username)
        if role is None:  # user names are case-insensitive on Windows and in VBR
            role = {k.lower(): v for k, v in cfg.users.items()}.get(username.lower())
        if role is None or form["password"] != cfg.password:
            raise ApiError(401, "AccessDenied", "Invalid user name or password.")
    else:
        if not form.get("refresh_token"):
            raise bad_request("refresh_token: Field required")
        username, role = sim.tokens.redeem_refresh(form["refresh_token"], now)
    token = sim.tokens.issue(
        username,
        role,
        now,
        cfg.token_ttl,
        cfg.refresh_token_ttl,
        short_term_refresh=short == "true",
    )
    return answer(token)


@router.post(
    "/api/oauth2/logout",
    operation_id="Logout",
    summary="Log out",
    response_model=EmptySuccessResponse,
    responses=errors(401, 403, 500),
)
async def logout(
    sim: Annotated[Simulator, Depends(sim_of)], who: Annotated[Principal, Depends(caller)]
):
    sim.tokens.logout(who.access_token)
    return answer(EmptySuccessResponse())
