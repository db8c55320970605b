"""``drflow janitor`` and ``drflow release``: what drflow left in VBR, and who keeps it."""

from __future__ import annotations

import getpass

import typer

from drflow.console import plain_console
from drflow.flows.janitor import DEFAULT_STALE_AFTER_MINUTES
from drflow.flows.janitor import janitor as janitor_flow
from drflow.flows.release import ReleaseError, ReleaseParams
from drflow.flows.release import release as release_flow

from .common import fail


def janitor(
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Only say what would be removed, and what is left and why."
    ),
    stale_after_minutes: float = typer.Option(
        DEFAULT_STALE_AFTER_MINUTES,
        min=0.0,
        help="A RUNNING run without a Prefect heartbeat for this long is dead: marked Crashed, "
        "what it held as transient removed.",
    ),
) -> None:
    """Remove what drflow runs left in VBR that nobody keeps (VBR from DRFLOW_VBR_*): transient
    objects whose run is over, dead or past its drill's deadline. Kept, migrating, migrated and
    switched-over recoveries are never touched. Every object is listed with the reason."""
    report = janitor_flow(dry_run=dry_run, stale_after_minutes=stale_after_minutes)
    console = plain_console()
    for title, items in (
        ("crashed", report.crashed),
        ("would remove" if dry_run else "removed", report.removed),
        ("left", report.left),
        ("failed", report.failed),
    ):
        for item in items:
            console.print(f"{title}: {item}", highlight=False, markup=False, soft_wrap=True)
    if not (report.removed or report.left or report.failed):
        console.print("nothing left behind by drflow")
    raise typer.Exit(1 if report.failed else 0)


def release(
    target: str = typer.Argument(
        ..., help="The flow run that kept it, or the object's VBR id (as the janitor lists it)."
    ),
    note: str = typer.Option("", help="Why (kept in its record)."),
    now: bool = typer.Option(False, "--now", help="Remove it now, not at the next janitor run."),
    by: str = typer.Option("", help="Who releases it (default: your user name)."),
) -> None:
    """Release a kept recovery on purpose: its record says who released it, when and why, and
    the janitor removes it at its next run (or now, with --now). Needs PREFECT_API_URL pointing
    at the Prefect server that ran the recovery."""
    params = ReleaseParams(target=target, by=by or getpass.getuser(), note=note, now=now)
    state = release_flow(params, return_state=True)
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, ReleaseError):
        raise fail(str(outcome), 1)
    if isinstance(outcome, Exception):
        raise fail(f"release did not finish: {outcome}", 1)
    console = plain_console()
    for line in outcome.released:
        console.print(f"released: {line}", highlight=False, markup=False)
    for line in outcome.removed:
        console.print(f"removed: {line}", highlight=False, markup=False)
    for line in outcome.skipped:
        console.print(f"not removed: {line}", highlight=False, markup=False)
    if not now:
        console.print("the janitor removes it at its next run (or run `drflow janitor` now)")
