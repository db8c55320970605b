"""The ``drflow`` command."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="drflow",
    help="Disaster-recovery orchestration for Veeam Backup & Replication, on Prefect.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command()
def demo(
    speed: float = typer.Option(20.0, min=1.0, help="How much faster than real VBR to simulate."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show the flow runs' logs."),
) -> None:
    """Recover several VMs from the embedded VBR simulator and print the evidence."""
    from drflow.demo import run_demo

    raise typer.Exit(run_demo(speed=speed, verbose=verbose))


def _register_simulator() -> None:
    from drflow.simulator.cli import simulator_command

    app.command(name="simulator")(simulator_command)


_register_simulator()


def main() -> None:
    """Entry point of the console script."""
    app()
