"""The ``drflow`` command: its commands, from the modules that hold them."""

from __future__ import annotations

import sys

import typer

from drflow.deployments.up import up as run_up
from drflow.simulator.cli import simulator_command

from . import azure, drill, janitor, readiness, report, run
from .common import err, fail
from .demo import run_demo
from .plan import plan_app

app = typer.Typer(
    name="drflow",
    help="Disaster-recovery orchestration for Veeam Backup & Replication, on Prefect.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    epilog=run.flow_list() + "\n\nRun `drflow run FLOW --help-params` for a flow's parameters.",
)(run.run)
app.command()(run.resume)
app.add_typer(plan_app, name="plan")
app.command()(drill.drill)
app.command()(drill.recover)
app.command()(drill.history)
app.command()(readiness.readiness)
app.command()(report.report)
app.command()(janitor.janitor)
app.command()(janitor.release)
app.add_typer(azure.azure_app, name="azure")
app.command(name="simulator")(simulator_command)


@app.command()
def demo(
    speed: float = typer.Option(20.0, min=1.0, help="How much faster than real VBR to simulate."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the flow runs' logs."),
) -> None:
    """Recover several VMs from the embedded VBR simulator and print the evidence."""
    raise typer.Exit(run_demo(speed=speed, verbose=verbose))


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
