"""``drflow run FLOW`` and ``drflow resume``: one recovery from the terminal."""

from __future__ import annotations

import json

import typer
from pydantic import BaseModel

from drflow.console import plain_console
from drflow.flows import FLOWS
from drflow.tasks import VBRConnection

from .args import UsageError, parse_params
from .common import SPEED, check_connection, check_simulator, fail, simulator_flag, vbr_target
from .live import run_with_live_view


def summary(flow: object) -> str:
    """The first paragraph of a flow's description (its docstring), on one line."""
    description = str(getattr(flow, "description", None) or "").strip()
    return " ".join(description.split("\n\n")[0].split())


def flow_list() -> str:
    """Every flow ``drflow run`` can start, with its description."""
    lines = [f"{name}: {summary(entry.flow)}" for name, entry in FLOWS.items()]
    return "Flows:\n\n" + "\n\n".join(lines)


def run(
    ctx: typer.Context,
    flow_name: str = typer.Argument(
        ..., metavar="FLOW", help="Flow name, e.g. vsphere-instant-recovery."
    ),
    help_params: bool = typer.Option(False, "--help-params", help="List FLOW's parameters."),
    simulator: bool = simulator_flag("Run against drflow's embedded VBR simulator (not a VBR)."),
    speed: float = SPEED,
) -> None:
    """Run a recovery flow: drflow run FLOW [--PARAM VALUE ...] [--params @file.json].

    The VBR connection comes from the DRFLOW_VBR_* environment (or --connection.url); a VBR
    simulator only with --simulator (drflow's embedded one when none is configured). Exit 0
    when the recovery passed, 1 when it failed, 2 for a mistake in the command (nothing is
    started).
    """
    entry = FLOWS.get(flow_name)
    if entry is None:
        raise fail(f"no flow called {flow_name!r}. " + flow_list())
    if help_params:
        plain_console().print(
            f"{flow_name}: {entry.flow.description.strip()}\n\nParameters:", highlight=False
        )
        print_params(entry.params)
        return
    try:
        params = parse_params(list(ctx.args), entry.params)
    except UsageError as exc:
        raise fail(f"{flow_name}: {exc}") from None
    connection = getattr(params, "connection", None)
    url = connection.url if isinstance(connection, VBRConnection) else None
    with vbr_target(f"run {flow_name}", url, simulator=simulator, speed=speed):
        check_connection(flow_name, connection)
        if isinstance(connection, VBRConnection):
            check_simulator(f"run {flow_name}", connection, simulator=simulator)
        code = run_with_live_view(entry.flow, params, plain_console())
    raise typer.Exit(code)


def print_params(model: type[BaseModel], prefix: str = "") -> None:
    """One line per parameter of ``model``: its option, description and default."""
    console = plain_console()
    for name, field in model.model_fields.items():
        flag = f"--{prefix}{name.replace('_', '-')}"
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            print_params(nested, prefix=f"{flag[2:]}.")
            continue
        if field.is_required():
            default = "required"
        else:
            value = field.get_default(call_default_factory=True)
            value = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
            default = f"default: {json.dumps(value, default=str)}"
        console.print(f"  {flag:<34} {field.description or ''} ({default})", highlight=False)
