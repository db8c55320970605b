"""The ``drflow`` command."""

from __future__ import annotations

import getpass
import sys

import typer
from rich.console import Console

app = typer.Typer(
    name="drflow",
    help="Disaster-recovery orchestration for Veeam Backup & Replication, on Prefect.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)

USAGE_ERROR = 2


def fail(message: str, code: int = USAGE_ERROR) -> typer.Exit:
    """Print a user mistake plainly (no traceback) and give the exit to raise."""
    err.print(f"[red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@app.command()
def demo(
    speed: float = typer.Option(20.0, min=1.0, help="How much faster than real VBR to simulate."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the flow runs' logs."),
) -> None:
    """Recover several VMs from the embedded VBR simulator and print the evidence."""
    from drflow.demo import run_demo

    raise typer.Exit(run_demo(speed=speed, verbose=verbose))


def _flow_list() -> str:
    from drflow.flows import FLOWS

    lines = [f"{name}: {entry.flow.description.splitlines()[0]}" for name, entry in FLOWS.items()]
    return "Flows:\n\n" + "\n\n".join(lines)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    epilog=_flow_list() + "\n\nRun `drflow run FLOW --help-params` for a flow's parameters.",
)
def run(
    ctx: typer.Context,
    flow_name: str = typer.Argument(
        ..., metavar="FLOW", help="Flow name, e.g. vsphere-instant-recovery."
    ),
    help_params: bool = typer.Option(False, "--help-params", help="List FLOW's parameters."),
) -> None:
    """Run a recovery flow: drflow run FLOW [--PARAM VALUE ...] [--params @file.json].

    The VBR connection comes from the DRFLOW_VBR_* environment. Exit 0 when the recovery
    passed, 1 when it failed, 2 for a mistake in the command.
    """
    from drflow.flows import FLOWS

    entry = FLOWS.get(flow_name)
    if entry is None:
        raise fail(f"no flow called {flow_name!r}. " + _flow_list())
    if help_params:
        _print_params(entry.params)
        return
    from drflow.cli_args import UsageError, parse_params
    from drflow.live import run_with_live_view

    try:
        params = parse_params(list(ctx.args), entry.params)
    except UsageError as exc:
        raise fail(f"{flow_name}: {exc}") from None
    raise typer.Exit(run_with_live_view(entry.flow, params, Console()))


def _print_params(model: type, prefix: str = "") -> None:
    import json

    from pydantic import BaseModel

    console = Console()
    for name, field in model.model_fields.items():
        flag = f"--{prefix}{name.replace('_', '-')}"
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            _print_params(nested, prefix=f"{flag[2:]}.")
            continue
        if field.is_required():
            default = "required"
        else:
            value = field.get_default(call_default_factory=True)
            value = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
            default = f"default: {json.dumps(value, default=str)}"
        console.print(f"  {flag:<34} {field.description or ''} ({default})", highlight=False)


@app.command()
def resume(
    flow_run_id: str = typer.Argument(..., help="The paused flow run's id."),
    choice: str = typer.Argument(..., help="unmount, migrate or keep."),
    note: str = typer.Option("", help="Why (kept in the evidence)."),
) -> None:
    """Answer a recovery paused with then=ask (the Prefect UI's Resume form does the same)."""
    from uuid import UUID

    from prefect.flow_runs import resume_flow_run

    if choice not in ("unmount", "migrate", "keep"):
        raise fail(f"choice must be unmount, migrate or keep, not {choice!r}")
    try:
        run_id = UUID(flow_run_id)
    except ValueError:
        raise fail(f"{flow_run_id!r} is not a flow run id (a UUID)") from None
    try:
        resume_flow_run(
            run_id, run_input={"choice": choice, "approver": getpass.getuser(), "note": note}
        )
    except Exception as exc:  # the API's words are the useful part
        raise fail(f"could not resume {run_id}: {exc}", 1) from None
    Console().print(f"resumed {run_id} with {choice}")


def _register_subcommands() -> None:
    from drflow.cli_plan import drill, history, plan_app
    from drflow.simulator.cli import simulator_command

    app.command(name="simulator")(simulator_command)
    app.add_typer(plan_app, name="plan")
    app.command(name="drill")(drill)
    app.command(name="history")(history)


_register_subcommands()


@app.command()
def janitor(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be removed."),
) -> None:
    """Remove mounts left by drflow runs that are no longer running (VBR from DRFLOW_VBR_*)."""
    from drflow.flows.janitor import janitor as janitor_flow

    report = janitor_flow(dry_run=dry_run)
    console = Console()
    for title, items in (
        ("removed", report.removed),
        ("kept", report.kept),
        ("failed", report.failed),
    ):
        for item in items:
            console.print(f"{title}: {item}", highlight=False)
    if not (report.removed or report.kept or report.failed):
        console.print("nothing left behind by drflow")
    raise typer.Exit(1 if report.failed else 0)


@app.command()
def up(
    port: int = typer.Option(4200, help="Port of the local Prefect server (when none is set)."),
    speed: float = typer.Option(
        10.0, min=1.0, help="Simulator speed (when DRFLOW_VBR_URL is unset)."
    ),
    notify_block: str | None = typer.Option(
        None, help="Notification block to tell when a drill fails (creates the automation)."
    ),
) -> None:
    """Start a local Prefect server (unless PREFECT_API_URL is set) and the simulator (unless
    DRFLOW_VBR_URL is set), then serve every deployment of prefect.yaml. Ctrl-C stops it all."""
    from drflow.deployments.up import up as run_up

    try:
        run_up(port=port, speed=speed, notify_block=notify_block)
    except RuntimeError as exc:
        raise fail(str(exc), 1) from None


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
