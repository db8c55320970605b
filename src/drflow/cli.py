"""The ``drflow`` command."""

from __future__ import annotations

import getpass
import sys

import typer
from rich.console import Console
from rich.markup import escape

from drflow._console import plain_console

app = typer.Typer(
    name="drflow",
    help="Disaster-recovery orchestration for Veeam Backup & Replication, on Prefect.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = plain_console(stderr=True)

USAGE_ERROR = 2


def fail(message: str, code: int = USAGE_ERROR) -> typer.Exit:
    """Print a user mistake plainly (no traceback) and give the exit to raise."""
    err.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
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
    check_connection(flow_name, getattr(params, "connection", None))
    raise typer.Exit(run_with_live_view(entry.flow, params, plain_console()))


def check_connection(what: str, connection: object) -> None:
    """Refuse bad VBR settings (arguments or DRFLOW_VBR_*) before a flow run is started:
    print them after ``what`` and exit 2."""
    from drflow.tasks import VBRConnection, get_client
    from drflow.vbr import VBRConfigError

    if not isinstance(connection, VBRConnection):
        return
    try:
        get_client(connection)  # checks settings and credentials; talks to nobody yet
    except VBRConfigError as exc:
        raise fail(f"{what}: {exc}") from None


def _print_params(model: type, prefix: str = "") -> None:
    import json

    from pydantic import BaseModel

    console = plain_console()
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
    plain_console().print(f"resumed {run_id} with {choice}")


def _register_subcommands() -> None:
    from drflow.cli_plan import drill, history, plan_app
    from drflow.simulator.cli import simulator_command

    app.command(name="simulator")(simulator_command)
    app.add_typer(plan_app, name="plan")
    app.command(name="drill")(drill)
    app.command(name="history")(history)


_register_subcommands()


azure_app = typer.Typer(
    help="Instant recovery to Microsoft Azure: act on a recovery under way.",
    no_args_is_help=True,
)
app.add_typer(azure_app, name="azure")


@azure_app.command("reschedule")
def azure_reschedule(
    mount_id: str = typer.Argument(..., help="The Azure instant recovery mount's id in VBR."),
    when: str = typer.Argument(
        ...,
        metavar="TIME",
        help="New switchover time, ISO 8601 with a UTC offset: 2025-06-01T22:00:00+02:00.",
    ),
) -> None:
    """Move the scheduled switchover of a VM recovered to Azure (PUTs its switchover settings).

    The VBR connection comes from the DRFLOW_VBR_* environment. A recovery run suspended until
    the switchover follows: its switchover-confirm run is moved to TIME (with PREFECT_API_URL
    set), and a confirm run re-reads the settings when it starts. Exit 0 when rescheduled, 1
    when VBR refused, 2 for a mistake in the command.
    """
    from datetime import UTC, datetime
    from uuid import UUID

    from drflow.tasks import VBRConnection, get_client
    from drflow.vbr import NotFound, VBRConfigError, VBRError
    from drflow.vbr.models import AzureInstantVMRecoverySwitchoverType

    try:
        mount = UUID(mount_id)
    except ValueError:
        raise fail(f"{mount_id!r} is not a mount id (a UUID)") from None
    try:
        new_time = datetime.fromisoformat(when)
    except ValueError:
        raise fail(f"TIME {when!r} is not an ISO 8601 time (2025-06-01T22:00:00+02:00)") from None
    if new_time.tzinfo is None:
        raise fail(f"TIME {when!r} has no UTC offset: add one, e.g. {when}+00:00")
    if new_time <= datetime.now(UTC):
        raise fail(f"TIME {new_time.isoformat()} is in the past: a switchover needs a future time")
    console = plain_console()
    try:
        client = get_client(VBRConnection())
        current = client.azure.get_switchover_settings(mount)
        updated = client.azure.update_switchover_settings(
            mount,
            current.model_copy(
                update={
                    "type": AzureInstantVMRecoverySwitchoverType.SCHEDULED,
                    "schedule_time": new_time,
                }
            ),
        )
    except VBRConfigError as exc:
        raise fail(str(exc)) from None
    except NotFound:
        raise fail(f"VBR has no Azure instant recovery mount {mount}", 1) from None
    except VBRError as exc:
        raise fail(f"VBR refused the new switchover time: {exc}", 1) from None
    before = current.schedule_time.isoformat() if current.schedule_time else str(current.type)
    console.print(
        f"switchover of {mount} scheduled at {updated.schedule_time} (was {before})",
        highlight=False,
    )
    _move_confirm_runs(console, mount, new_time)


def _move_confirm_runs(console: Console, mount: object, new_time: object) -> None:
    from prefect.settings import PREFECT_API_URL

    from drflow.flows._switchover import move_confirm_runs

    if not PREFECT_API_URL.value():
        console.print(
            "PREFECT_API_URL is not set: a suspended recovery's confirm run re-reads the new "
            "time when it starts",
            highlight=False,
        )
        return
    try:
        moved = move_confirm_runs(mount, new_time)  # type: ignore[arg-type]
    except Exception as exc:  # the VBR change is made; the confirm run follows it anyway
        err.print(f"could not move the switchover-confirm run: {exc}", highlight=False)
        return
    for run_id in moved:
        console.print(f"moved switchover-confirm run {run_id} to {new_time}", highlight=False)


@app.command()
def janitor(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be removed."),
    stale_after_minutes: float = typer.Option(
        10.0,
        min=0.0,
        help="A RUNNING run without a Prefect heartbeat for this long is dead: marked Crashed, "
        "what it held removed.",
    ),
) -> None:
    """Remove mounts left by drflow runs that are no longer running (VBR from DRFLOW_VBR_*)."""
    from drflow.flows.janitor import janitor as janitor_flow

    report = janitor_flow(dry_run=dry_run, stale_after_minutes=stale_after_minutes)
    console = plain_console()
    for title, items in (
        ("crashed", report.crashed),
        ("removed", report.removed),
        ("kept", report.kept),
        ("failed", report.failed),
    ):
        for item in items:
            console.print(f"{title}: {item}", highlight=False, markup=False)
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
