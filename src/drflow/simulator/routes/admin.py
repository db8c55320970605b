"""``/_sim``: the simulator's own admin API and the workload probe (no auth, no version)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from .. import guests
from ..faults import FaultRule
from ..outage import OutageRefused, OutageSpec
from ..state import Simulator
from ._common import sim_of

router = APIRouter(prefix="/_sim", tags=["Simulator"])
Sim = Annotated[Simulator, Depends(sim_of)]


class FaultRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[FaultRule]


class ConfigChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token_ttl: int | None = Field(default=None, gt=0)
    refresh_token_ttl: int | None = Field(default=None, gt=0)
    speed: float | None = Field(default=None, gt=0)
    password: str | None = Field(default=None, min_length=1)


def _runtime_config(sim: Simulator) -> dict[str, Any]:
    cfg = sim.config
    return {
        "token_ttl": cfg.token_ttl,
        "refresh_token_ttl": cfg.refresh_token_ttl,
        "speed": cfg.speed,
        "api_versions": cfg.api_versions,
        "users": {name: role.value for name, role in cfg.users.items()},
        "estate": str(cfg.estate),
        "seed": cfg.seed,
    }


@router.get("/guests/{vmName}/health", summary="Probe the workload of a VM")
async def guest_health(vmName: str, sim: Sim):
    healthy, reason = guests.guest_health(sim, vmName)
    body = {"vm": vmName, "healthy": healthy, "reason": reason}
    return JSONResponse(body, status_code=200 if healthy else 503)


@router.get("/faults", summary="Fault rules and how often each fired")
async def get_faults(sim: Sim):
    return {"rules": sim.faults.rules()}


@router.put("/faults", summary='Replace the fault rules: {"rules": [...]} or a bare list of rules')
async def put_faults(body: Annotated[FaultRules | list[FaultRule], Body()], sim: Sim):
    sim.faults.replace(body.rules if isinstance(body, FaultRules) else body)
    return {"rules": sim.faults.rules()}


@router.delete("/faults", summary="Remove every fault rule")
async def delete_faults(sim: Sim):
    sim.faults.clear()
    return {"rules": []}


@router.get("/config", summary="Run-time settings")
async def get_config(sim: Sim):
    return _runtime_config(sim)


@router.put("/config", summary="Change run-time settings")
async def put_config(body: Annotated[ConfigChange, Body()], sim: Sim):
    sim.update_config(body.model_dump(exclude_none=True))
    return _runtime_config(sim)


@router.post("/outage", summary="Go dark for a while: refuse connections, or answer 503")
async def start_outage(body: Annotated[OutageSpec, Body()], sim: Sim):
    try:
        outage = sim.outages.start(body, sim.config.speed)
    except OutageRefused as exc:
        return JSONResponse({"error": str(exc)}, status_code=409)
    return {"outage": outage.describe()}


@router.get("/outage", summary="The outage on now, if any")
async def get_outage(sim: Sim):
    on = sim.outages.current()
    return {"outage": on.describe() if on else None}


@router.post("/reset", summary="Start afresh: estate reloaded; tokens, sessions, mounts cleared")
async def reset(sim: Sim):
    sim.reset()
    return {"reset": True}


@router.post("/tokens/revoke", summary="Invalidate every access and refresh token")
async def revoke_tokens(sim: Sim):
    return {"revoked": sim.tokens.revoke_all()}


@router.post("/tokens/refuse-refresh", summary="Refuse the next refresh of a token (401)")
async def refuse_refresh(sim: Sim):
    sim.tokens.refuse_next_refresh()
    return {"refused_next": True}


@router.get("/stats", summary="Request counts, injected faults, restore concurrency, tokens")
async def stats(sim: Sim):
    return sim.stats()


@router.get("/mounts", summary="Every mount with its reason and state")
async def mounts(sim: Sim, include_gone: bool = False):
    return {"mounts": sim.mounts(include_gone=include_gone)}
