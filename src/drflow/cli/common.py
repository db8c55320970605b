"""What the commands share: the consoles, plain errors, and the VBR a command acts on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from drflow.console import plain_console
from drflow.tasks import VBRConnection, get_client
from drflow.vbr import VBRConfigError, VBRError

console = plain_console()
err = plain_console(stderr=True)

USAGE_ERROR = 2
"""Exit code of a mistake in the command, the plan or the settings: nothing was started."""

NO_VBR = (
    "no VBR to {what}: set DRFLOW_VBR_URL (and DRFLOW_VBR_USERNAME, DRFLOW_VBR_PASSWORD) to "
    "your VBR server, or put vbr.url in the plan; to rehearse against drflow's VBR simulator "
    "instead, pass --simulator. Nothing was started."
)

PLAN_FILE: Any = typer.Argument(..., help="The plan file (YAML).")
"""The plan argument of a command over a whole plan."""
SPEED: Any = typer.Option(20.0, min=1.0, help="Simulator speed (with --simulator).")
"""The speed of an embedded VBR simulator."""


def simulator_flag(help: str) -> Any:
    """The ``--simulator`` option; ``help`` says what it does for the command."""
    return typer.Option(False, "--simulator", help=help)


def fail(message: str, code: int = USAGE_ERROR) -> typer.Exit:
    """Print a user mistake plainly (no traceback) and give the exit to raise."""
    err.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def load_plan_or_exit(file: Path, code: int = 1) -> Any:
    """The plan, or every problem printed (no traceback) and exit ``code``."""
    from drflow.plans import PlanError, load_plan

    try:
        return load_plan(file)
    except PlanError as exc:
        # one line each, however narrow the terminal: greppable, and the paths stay whole
        err.print(
            f"[red]{escape(exc.source)}[/]: {len(exc.problems)} problem(s)",
            highlight=False,
            soft_wrap=True,
        )
        for problem in exc.problems:
            err.print(f"  {problem}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(code) from None


def check_connection(what: str, connection: object) -> None:
    """Refuse bad VBR settings (arguments or DRFLOW_VBR_*) before a flow run is started:
    print them after ``what`` and exit 2."""
    if not isinstance(connection, VBRConnection):
        return
    try:
        get_client(connection)  # checks settings and credentials; talks to nobody yet
    except VBRConfigError as exc:
        raise fail(f"{what}: {exc}") from None


@contextmanager
def vbr_target(
    what: str, url: str | None, *, simulator: bool, speed: float, notice: Console = console
) -> Iterator[str | None]:
    """The VBR a drill, recovery or run acts on: the one configured (``url``, else
    ``DRFLOW_VBR_URL``); with ``--simulator`` and nothing configured, drflow's embedded VBR
    simulator, said on ``notice``. Never the simulator silently: without a configured VBR and
    without ``--simulator`` it exits 2, starting nothing (:func:`check_simulator` then holds
    the configured one to what ``--simulator`` says).
    """
    if url is None and "DRFLOW_VBR_URL" not in os.environ:
        if not simulator:
            raise fail(NO_VBR.format(what=what))
        from drflow.embedded import embedded_simulator

        with embedded_simulator(speed) as sim:
            notice.print(
                f"--simulator: {what} against drflow's embedded VBR SIMULATOR at {sim.url}, not "
                "a real VBR (its evidence says so)",
                highlight=False,
            )
            yield sim.url
        return
    yield url or os.environ["DRFLOW_VBR_URL"]  # an unusable value is refused by name after


def check_simulator(what: str, connection: VBRConnection, *, simulator: bool) -> None:
    """Exit 2 unless the configured VBR is what ``--simulator`` says: drflow's VBR simulator
    answers only a command given ``--simulator``, and such a command acts on nothing else.
    A VBR that does not answer now is left to the preflight (and its outage tolerance)."""
    try:
        client = get_client(connection)
        client.restore_points.list_page(limit=1)
    except VBRError:
        return
    if client.answered_by_simulator and not simulator:
        raise fail(
            f"{client.settings.url} answers as drflow's VBR simulator, not a real VBR: pass "
            f"--simulator to {what} against it. Nothing was started."
        )
    if simulator and not client.answered_by_simulator:
        raise fail(
            f"--simulator, but {client.settings.url} is not drflow's VBR simulator: drop "
            f"--simulator to {what} against that VBR. Nothing was started."
        )


@contextmanager
def plan_vbr(what: str, file: Path, plan: Any, *, simulator: bool, speed: float) -> Iterator[None]:
    """The VBR a plan (from ``file``) is acted on with (:func:`vbr_target`): its settings are
    checked (:func:`check_connection`) and it is held to what ``--simulator`` says
    (:func:`check_simulator`); the embedded simulator, if any, runs until the block ends."""
    with vbr_target(what, plan.vbr.url, simulator=simulator, speed=speed):
        connection = VBRConnection.model_validate(plan.vbr.connection())
        check_connection(str(file), connection)
        check_simulator(what, connection, simulator=simulator)
        yield
