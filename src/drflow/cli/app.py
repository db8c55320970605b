"""The ``drflow`` command: its commands, from the modules that hold them."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

from drflow.deployments.up import up as run_up
from drflow.env import environment
from drflow.flows.engine.prefect_api import CLIENT_MAX_RETRIES
from drflow.simulator.cli import simulator_command

from . import azure, drill, janitor, run
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
        with _prefect_client_retries():
            app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


@contextmanager
def _prefect_client_retries() -> Iterator[None]:
    """Prefect's client retries through a restart of its server (minutes), in this process and
    the ones it starts (``drflow up``'s flow runs), unless the operator chose otherwise
    (``PREFECT_CLIENT_MAX_RETRIES``)."""
    if "PREFECT_CLIENT_MAX_RETRIES" in os.environ:
        yield
        return
    with (
        environment({"PREFECT_CLIENT_MAX_RETRIES": str(CLIENT_MAX_RETRIES)}),
        temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: CLIENT_MAX_RETRIES}),
    ):
        yield
