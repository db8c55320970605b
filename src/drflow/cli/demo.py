"""``drflow demo``: recover several VMs from the embedded simulator and show the evidence."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from drflow.checks import HttpCheck
from drflow.console import plain_console, plain_console_logs
from drflow.embedded import DEMO_USER, embedded_simulator
from drflow.flows import (
    MigrationTarget,
    RecoveryFailed,
    RecoveryReport,
    VSphereRecoveryParams,
    human_duration,
    vsphere_instant_recovery,
)
from drflow.tasks import VBRConnection

from .where import no_ui, ui_url


@dataclass(frozen=True)
class Case:
    vm: str
    then: str
    expect: str
    why: str


CASES = (
    Case("web01", "unmount", "passed", "a drill: recover isolated, verify, unmount"),
    Case("app01", "migrate", "passed", "make it permanent with Quick Migration"),
    Case("db01", "keep", "passed", "leave it running from the backup"),
    Case("broken01", "unmount", "failed", "trap: its instant recovery session fails"),
    Case("zombie01", "unmount", "failed", "trap: mounts, but the workload never gets healthy"),
)


def run_demo(*, speed: float = 20.0, verbose: bool = False, console: Console | None = None) -> int:
    """Run the demo; returns the process exit code (0 when every outcome was the expected one)."""
    console = console or plain_console()
    started = time.monotonic()
    with embedded_simulator(speed, user=DEMO_USER) as sim:
        console.print(f"[bold]VBR simulator[/] listening on {sim.url} (speed x{speed:g})")
        # without --verbose the runs' logs reach the Prefect API (and its UI) only; with it,
        # the failures the demo expects are one line each, without a traceback
        with plain_console_logs(quiet=not verbose):
            _print_ui_hint(console)
            outcomes = [_run_case(case, sim.url, console) for case in CASES]
    ok = all(report.verdict == case.expect for case, report in outcomes)
    console.print(_summary(outcomes))
    elapsed = time.monotonic() - started
    if ok:
        console.print(f"[green]Every outcome was the expected one[/] ({elapsed:.0f}s).")
        return 0
    console.print(f"[red]Some outcomes were not the expected ones[/] ({elapsed:.0f}s).")
    return 1


def _run_case(case: Case, sim_url: str, console: Console) -> tuple[Case, RecoveryReport]:
    console.print(f"[bold]{case.vm}[/]: {case.why} (then={case.then}) ...")
    check = HttpCheck(url=f"{sim_url}/_sim/guests/{{vm}}/health", deadline=6, interval=0.5)
    migration = (
        MigrationTarget(vcenter="vcenter01.lab.local", host="esx02.lab.local")
        if case.then == "migrate"
        else None
    )
    params = VSphereRecoveryParams(
        vm=case.vm,
        then=case.then,
        checks=[check],
        migration=migration,
        connection=VBRConnection(url=sim_url),
    )
    state = vsphere_instant_recovery(params, return_state=True)
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, RecoveryReport):
        report = outcome
    elif isinstance(outcome, RecoveryFailed):
        report = outcome.report
    else:
        report = RecoveryReport(workload=case.vm, then=case.then, reason=f"flow crashed: {outcome}")
    colour = "green" if report.verdict == "passed" else "red"
    detail = f"{report.outcome()}, RTO {human_duration(report.rto_seconds)}"
    console.print(f"    [{colour}]{report.verdict}[/]: {_short(detail, 100)}")
    return case, report


def _summary(outcomes: list[tuple[Case, RecoveryReport]]) -> Table:
    table = Table(title="drflow demo: vSphere instant recovery", expand=True)
    for column in ("VM", "then", "point age", "RTO", "verdict", "as expected"):
        table.add_column(column, no_wrap=True)
    table.add_column("reason", ratio=1)
    for case, report in outcomes:
        colour = "green" if report.verdict == "passed" else "red"
        mark = "yes" if report.verdict == case.expect else f"[red]NO, expected {case.expect}[/]"
        table.add_row(
            case.vm,
            case.then,
            human_duration(report.restore_point_age_seconds),
            human_duration(report.rto_seconds),
            f"[{colour}]{report.verdict}[/]",
            mark,
            _short(report.outcome()),
        )
    return table


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _print_ui_hint(console: Console) -> None:
    ui = ui_url()
    if ui:
        console.print(f"Prefect UI: {ui}/runs (flow runs and their recovery-* artifacts)")
    else:
        console.print(no_ui(), highlight=False)
