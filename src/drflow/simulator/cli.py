"""``drflow simulator``: run the VBR simulator in the foreground.

Register with ``app.command("simulator")(simulator_command)`` on the main typer app, or mount
``app`` (a one-command typer app) with ``add_typer``; ``main(argv)`` runs it standalone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from .config import DEFAULT_ESTATE, SimulatorConfig
from .estate import EstateError
from .faults import FaultRule
from .server import serve

app = typer.Typer(
    name="simulator",
    help="Run a simulator of the VBR REST API 1.3-rev1 (for demos and tests).",
    add_completion=False,
    no_args_is_help=False,
)


def build_config(
    password: str = "simulator",  # noqa: S107 - the documented demo password
    token_ttl: int = 900,
    speed: float = 1.0,
    estate: Path | None = None,
    seed: int = 0,
    error_rate: float = 0.0,
    error_status: int = 503,
    latency: float = 0.0,
    faults: list[str] | None = None,
    vms: int | None = None,
    state_file: Path | None = None,
) -> SimulatorConfig:
    """The configuration the command-line options describe (ValueError when invalid)."""
    rules: list[FaultRule] = []
    if latency > 0:
        rules.append(FaultRule(path="^/api/", latency=latency))
    if error_rate > 0:
        rules.append(FaultRule(path="^/api/", error_rate=error_rate, status=error_status))
    for text in faults or []:
        try:
            rules.append(FaultRule.model_validate(json.loads(text)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise ValueError(f"--fault {text!r}: {exc}") from exc
    if vms is not None and estate is not None:
        raise ValueError("--vms generates an estate: give it or --estate, not both")
    if vms is not None and vms < 1:
        raise ValueError(f"--vms {vms}: the generated estate needs at least one VM")
    return SimulatorConfig(
        password=password,
        token_ttl=token_ttl,
        speed=speed,
        estate=estate or DEFAULT_ESTATE,
        seed=seed,
        faults=rules,
        estate_vms=vms,
        state_file=state_file,
    )


@app.command()
def simulator_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")
    ] = 9419,
    tls: Annotated[bool, typer.Option(help="Serve HTTPS with a generated certificate.")] = False,
    tls_dir: Annotated[
        Path | None, typer.Option(help="Where to write the certificate (default: a temp dir).")
    ] = None,
    speed: Annotated[float, typer.Option(help="Run simulated operations X times faster.")] = 1.0,
    password: Annotated[str, typer.Option(help="Password of every simulated user.")] = "simulator",  # noqa: S107 - the documented demo password
    token_ttl: Annotated[int, typer.Option(help="Access-token lifetime in seconds.")] = 900,
    estate: Annotated[
        Path | None, typer.Option(help="Estate file (default: the packaged demo estate).")
    ] = None,
    vms: Annotated[
        int | None,
        typer.Option(help="Serve a generated estate of N vSphere VMs (vm00001...) instead."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of generated ids and fault decisions.")] = 0,
    error_rate: Annotated[
        float, typer.Option(help="Fail this fraction (0..1) of /api requests.")
    ] = 0.0,
    error_status: Annotated[
        int, typer.Option(help="Status of the failures --error-rate injects.")
    ] = 503,
    latency: Annotated[float, typer.Option(help="Delay every /api request by S seconds.")] = 0.0,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            help='A fault rule as JSON, e.g. \'{"path": "^/api/v1/sessions", '
            '"status": 500, "error_rate": 0.1}\' (repeatable).'
        ),
    ] = None,
    state_file: Annotated[
        Path | None,
        typer.Option(
            help="Keep sessions, mounts and tokens in this file across restarts "
            "(reloaded at start when it exists)."
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the VBR simulator until interrupted."""
    try:
        config = build_config(
            password,
            token_ttl,
            speed,
            estate,
            seed,
            error_rate,
            error_status,
            latency,
            fault,
            vms,
            state_file,
        )
        serve(config, host=host, port=port, tls=tls, tls_dir=tls_dir, log_level=log_level)
    except (ValueError, EstateError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def main(argv: list[str] | None = None) -> None:
    app(args=argv, prog_name="drflow simulator")
