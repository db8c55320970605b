"""``drflow drill``, ``drflow recover`` and ``drflow history``: whole plans from the terminal."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import click
import typer
from rich.markup import escape
from rich.table import Table

from drflow.drills import DrillFailed, DrillReport, dr_drill, dr_recover
from drflow.drills.audit import Evidence
from drflow.drills.history import DrillRun, by_server, drill_history, readiness_history
from drflow.flows import human_duration
from drflow.flows.engine import artifact_key

from .common import (
    PLAN_FILE,
    SPEED,
    USAGE_ERROR,
    console,
    err,
    fail,
    load_plan_or_exit,
    plan_vbr,
    simulator_flag,
)
from .report import write_html
from .where import artifacts, run_watched


def drill(
    file: Path = PLAN_FILE,
    report: Path | None = typer.Option(None, help="Also write the JSON report there."),
    html: Path | None = typer.Option(
        None, "--html", help="Also write the audit report there (HTML), after the drill."
    ),
    simulator: bool = simulator_flag(
        "Drill drflow's VBR simulator (the configured one, else an embedded one)."
    ),
    speed: float = SPEED,
) -> None:
    """Rehearse a plan now and print the verdict table (with --html, also write the audit
    report). Exit 0 when the drill passed, 1 when it failed (or its preflight found problems),
    2 when the plan or the VBR settings are wrong (nothing is started).

    The VBR is the plan's vbr.url, else DRFLOW_VBR_URL. drflow's VBR simulator is drilled only
    with --simulator (an embedded one when no VBR is configured); its evidence says so.
    """
    plan = load_plan_or_exit(file, USAGE_ERROR)
    with plan_vbr("drill", file, plan, simulator=simulator, speed=speed):
        where = plan_report("drill", plan.name, json_file=report, html=html)
        state = run_watched(
            console,
            f"drilling {escape(plan.name)}...",
            dr_drill,
            str(file),
            where=where,
            report_path=str(report) if report else None,
        )
    code = _verdict(state)
    drilled = _report_of(state)
    if html is not None and drilled is not None:
        source = (
            f"this drill's JSON report (as `drflow drill --report` writes it), also the "
            f"drill-{drilled.plan}-json artifact of flow run {drilled.flow_run_id}"
        )
        write_html(drilled, Evidence(drilled.evidence(), source), html, plan=plan)
    raise typer.Exit(code)


def recover(
    file: Path = PLAN_FILE,
    workloads: list[str] | None = typer.Option(
        None, "--workload", "-w", help="Only this workload (repeat for more)."
    ),
    yes: bool = typer.Option(False, "--yes", help="Do not ask to confirm by typing the plan name."),
    report: Path | None = typer.Option(None, help="Also write the JSON report there."),
    simulator: bool = simulator_flag(
        "Recover from drflow's VBR simulator (a rehearsal; an embedded one when no VBR "
        "is configured)."
    ),
    speed: float = SPEED,
) -> None:
    """Fail over: recover a plan for real (dr-recover). Every workload is recovered on
    production networks and kept (or migrated where the plan says then: migrate); nothing that
    succeeded is released. Asks you to type the plan's name first (or --yes).

    Exit 0 when every workload was recovered, 1 when any was not (or the preflight found
    problems), 2 when the plan or the VBR settings are wrong or it was not confirmed (nothing is
    started).
    """
    plan = load_plan_or_exit(file, USAGE_ERROR)
    known = {w.name for _, w in plan.workloads()}
    unknown = sorted(set(workloads or []) - known)
    if unknown:
        raise fail(
            f"--workload {', '.join(unknown)}: not in plan {plan.name} "
            f"(it has {', '.join(sorted(known))})"
        )
    with plan_vbr("recover", file, plan, simulator=simulator, speed=speed):
        if not yes:
            _confirm(plan.name, sorted(workloads or known))
        where = plan_report("recover", plan.name, json_file=report)
        state = run_watched(
            console,
            f"recovering {escape(plan.name)}...",
            dr_recover,
            str(file),
            where=where,
            workloads=workloads or None,
            report_path=str(report) if report else None,
        )
    raise typer.Exit(_verdict(state))


def plan_report(
    mode: str, plan_name: str, *, json_file: Path | None = None, html: Path | None = None
) -> list[str]:
    """Where the report of a drill or recovery of a plan will be."""
    key = artifact_key(mode, plan_name)
    where = [
        artifacts(key, f"{key}-table", f"{key}-json", f"{key}-charts")
        + f" (Artifacts > {key} shows the latest {mode})",
        "the verdict table here at the end",
    ]
    if json_file is not None:
        where.append(f"JSON: {json_file}")
    if html is not None:
        where.append(f"HTML: {html} (written after the {mode})")
    return where


def _confirm(plan_name: str, workloads: list[str]) -> None:
    """Have the operator type the plan's name; exit 2 when they do not."""
    console.print(
        f"This recovers plan [bold]{escape(plan_name)}[/] for real: {escape(', '.join(workloads))}"
        " are recovered on production networks and kept."
    )
    try:
        answer = typer.prompt(f"Type the plan's name ({plan_name}) to go on")
    except click.exceptions.Abort:  # no input to read (a script): it must say --yes
        raise fail("recover needs a confirmation: type the plan's name, or pass --yes") from None
    if answer.strip() != plan_name:
        raise fail(f"you typed {answer.strip()!r}, not {plan_name!r}: nothing was started")


def _report_of(state: Any) -> DrillReport | None:
    """The report of a finished drill or recovery run (passed or failed), if it finished."""
    outcome = state.result(raise_on_failure=False)
    result = outcome.report if isinstance(outcome, DrillFailed) else outcome
    return result if isinstance(result, DrillReport) else None


def _verdict(state: Any) -> int:
    result = _report_of(state)
    if result is None:
        err.print(f"[red]it did not finish:[/] {escape(str(state.result(raise_on_failure=False)))}")
        return 1
    if result.vbr is not None:
        console.print(f"against {escape(result.vbr.describe())}", highlight=False)
    for finding in result.findings:
        err.print(f"preflight: {escape(finding)}", highlight=False)
    console.print(verdict_table(result))
    if result.reason:
        console.print(escape(result.reason), highlight=False)
    return 0 if result.verdict == "passed" else 1


def verdict_table(report: DrillReport) -> Table:
    """One row per workload: outcome, RTO and RPO against their targets, what is left in VBR."""
    colour = "green" if report.verdict == "passed" else "red"
    table = Table(title=f"{report.mode} of {report.plan}: [{colour}]{report.verdict}[/]")
    for column in (
        "workload", "kind", "outcome", "RTO", "target", "RPO", "target", "in VBR", "reason"
    ):  # fmt: skip
        table.add_column(column)
    for r in report.results:
        style = {"passed": "green", "failed": "red", "skipped": "yellow"}[r.outcome]
        table.add_row(
            r.name,
            r.kind,
            f"[{style}]{r.outcome}[/]",
            human_duration(r.rto_seconds),
            human_duration(r.rto_target_seconds),
            human_duration(r.rpo_seconds),
            human_duration(r.rpo_target_seconds),
            escape(r.cleanup),
            escape(r.reason or ""),
        )
    return table


def history(
    plan_name: str = typer.Argument(..., help="The plan's name (or its file)."),
    last: int = typer.Option(10, min=1, help="How many past drills to show."),
) -> None:
    """Past drills of a plan, read back from the Prefect API: RTO/RPO per workload and their
    trend, one table per VBR server (drills of the simulator apart); then its past readiness
    checks, ready or not per workload. Exit 1 on a regression of the RTO."""
    if plan_name.endswith((".yaml", ".yml")):
        plan_name = load_plan_or_exit(Path(plan_name), USAGE_ERROR).name
    runs = drill_history(plan_name, last)
    checks = readiness_history(plan_name, last)
    flagged = False
    if not runs:
        console.print(f"no drill of {plan_name!r} recorded in the Prefect API yet")
    for server, group in by_server(runs).items():
        table, regressed = _server_table(plan_name, server, group)
        console.print(table)
        flagged |= regressed
    if runs:
        console.print(
            "cells: RTO / RPO. A regression: the last RTO over its target, "
            "or 50% over the median of the runs before it (on the same VBR)."
        )
    if not checks:
        console.print(f"no readiness check of {plan_name!r} recorded in the Prefect API yet")
    for server, group in by_server(checks).items():
        console.print(_readiness_table(plan_name, server, group))
    raise typer.Exit(1 if flagged else 0)


def _readiness_table(plan_name: str, server: str, runs: list[DrillRun]) -> Table:
    """Ready or not, per workload and for the plan, at each past readiness check."""
    workloads = list(dict.fromkeys(row["workload"] for run in runs for row in run.rows))
    table = Table(
        title=f"readiness of {plan_name} (oldest first)", caption=f"against {escape(server)}"
    )
    table.add_column("workload")
    for run in runs:
        table.add_column(f"{run.when:%m-%d %H:%M}")
    for name in workloads:
        cells = []
        for run in runs:
            row = next((r for r in run.rows if r["workload"] == name), None)
            cells.append("-" if row is None else _ready(row["ready"], row.get("reason", "")))
        table.add_row(name, *cells)
    plan_row = [_ready(run.rows[0]["plan_ready"], "") if run.rows else "-" for run in runs]
    table.add_row("[bold](plan)[/]", *plan_row)
    return table


def _ready(ready: bool, reason: str) -> str:
    return "[green]ready[/]" if ready else f"[red]NOT READY[/] {escape(reason)}".rstrip()


def _server_table(plan_name: str, server: str, runs: list[DrillRun]) -> tuple[Table, bool]:
    workloads = sorted({row["workload"] for run in runs for row in run.rows})
    table = Table(
        title=f"drills of {plan_name} (oldest first)", caption=f"against {escape(server)}"
    )
    table.add_column("workload")
    for run in runs:
        table.add_column(f"{run.when:%m-%d %H:%M}", justify="right")
    table.add_column("trend")
    flagged = False
    for name in workloads:
        cells, rtos = [], []
        target = None
        for run in runs:
            row = next((r for r in run.rows if r["workload"] == name), None)
            if row is None:
                cells.append("-")
                continue
            rto = row.get("rto_seconds")
            target = row.get("rto_target_seconds") or target
            rtos.append(rto)
            cells.append(
                f"{human_duration(rto)} / {human_duration(row.get('rpo_seconds'))} {_outcome(row)}"
            )
        trend = _trend([r for r in rtos if r is not None], target)
        flagged |= trend.startswith("REGRESSION")
        table.add_row(name, *cells, trend)
    return table, flagged


def _outcome(row: dict[str, Any]) -> str:
    return {"passed": "ok", "failed": "[red]FAIL[/]", "skipped": "[yellow]skip[/]"}.get(
        row.get("outcome", ""), ""
    )


def _trend(rtos: list[float], target: float | None) -> str:
    if not rtos:
        return "-"
    last = rtos[-1]
    if target is not None and last > target:
        return f"REGRESSION: {human_duration(last)} over target {human_duration(target)}"
    if len(rtos) >= 3:
        median = statistics.median(rtos[:-1])
        if median and last > 1.5 * median:
            return f"REGRESSION: {human_duration(last)} vs median {human_duration(median)}"
    return "stable"
