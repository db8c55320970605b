"""The ``drflow`` command: its commands, from the modules that hold them."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

from drflow.deployments import SetupError
from drflow.deployments.up import up as run_up
from drflow.env import environment
from drflow.flows.engine.prefect_api import CLIENT_MAX_RETRIES
from drflow.simulator.cli import simulator_command

from . import azure, drill, janitor, readiness, report, resume, run, vbr
from .common import err, fail
from .demo import run_demo
from .plan import plan_app

EXIT_WAIT = 10.0
"""Seconds a command that ends waits for Prefect to take what is left to send."""

TEMPORARY_SERVER = {
    # its telemetry would log an ERROR with a traceback on every command of an offline machine
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # a fresh database takes its migrations past Prefect's 20 s on a busy 2-core machine
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}
"""The settings drflow gives the temporary Prefect server a command starts (without
``PREFECT_API_URL``), unless the environment or the Prefect profile sets them."""

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
app.command()(resume.resume)
app.add_typer(plan_app, name="plan")
app.command()(drill.drill)
app.command()(drill.recover)
app.command()(drill.history)
app.command()(readiness.readiness)
app.command()(report.report)
app.command()(janitor.janitor)
app.command()(janitor.release)
app.add_typer(azure.azure_app, name="azure")
app.add_typer(vbr.vbr_app, name="vbr")
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
        None,
        "--notify",
        "--notify-block",
        metavar="BLOCK",
        help="Notification block to tell when a drill fails or a run waits for a decision "
        "(creates the two automations once).",
    ),
) -> None:
    """Start a local Prefect server (unless PREFECT_API_URL is set) and the simulator (unless
    DRFLOW_VBR_URL is set), then serve every deployment of prefect.yaml. Ctrl-C stops it all."""
    try:
        run_up(port=port, speed=speed, notify_block=notify_block)
    except SetupError as exc:
        raise fail(str(exc), 1) from None


def main() -> None:
    """Entry point of the console script."""
    code: int | str | None = 1
    try:
        with temporary_server_settings(), _prefect_client_retries():
            app()
    except KeyboardInterrupt:
        err.print("interrupted")
        code = 130
    except SystemExit as done:
        code = done.code
    except Exception:  # a bug: its traceback, and an exit that does not wait on Prefect
        traceback.print_exc()
    _let_go_of_prefect(code if isinstance(code, int) else 1)
    sys.exit(code)


def _let_go_of_prefect(code: int) -> None:
    """Send what Prefect still has to send (events, logs) for :data:`EXIT_WAIT` seconds at
    most, then exit with ``code`` whether or not its API answered.

    Prefect drains its events and log workers when the process exits, without a time limit:
    with its API gone, each event waits about 7 s for a websocket that never opens, so a process
    that ran many tasks would hang for minutes. What is left unsent is lost from the UI only:
    the runs' states and drflow's evidence were written or gave up before.
    """
    pending = [
        not_done
        for service in (EventsWorker, APILogWorker)
        for not_done in service.drain_all(timeout=EXIT_WAIT)[1]
    ]
    if pending:
        err.print(
            f"Prefect's API does not answer: {len(pending)} of its workers could not send "
            f"everything within {EXIT_WAIT:g}s (what is unsent is missing from the UI only)",
            highlight=False,
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


@contextmanager
def temporary_server_settings() -> Iterator[None]:
    """:data:`TEMPORARY_SERVER` for the temporary server a command starts, each unless the
    environment or the active Prefect profile sets it: in this process's settings (the startup
    timeout is read here) and environment (the server, and any process started, inherit it)."""
    import prefect.settings

    chosen = prefect.settings.get_current_settings().to_environment_variables(exclude_unset=True)
    defaults = {
        name: value
        for name, value in TEMPORARY_SERVER.items()
        if name not in os.environ and name not in chosen
    }
    updates = {getattr(prefect.settings, name): value for name, value in defaults.items()}
    with environment(defaults), prefect.settings.temporary_settings(updates=updates):
        yield


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
