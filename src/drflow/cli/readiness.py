"""``drflow readiness``: could a plan be recovered now? Checked without starting anything."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from drflow.drills.readiness import NotReady, ReadinessReport
from drflow.drills.readiness import readiness as readiness_flow
from drflow.flows import human_duration
from drflow.flows.engine import artifact_key

from .common import (
    PLAN_FILE,
    SPEED,
    USAGE_ERROR,
    console,
    err,
    load_plan_or_exit,
    plan_vbr,
    simulator_flag,
)
from .where import artifacts, run_watched


def readiness(
    file: Path = PLAN_FILE,
    json_file: Path | None = typer.Option(
        None, "--json", help="Also write the verdict as JSON there."
    ),
    simulator: bool = simulator_flag(
        "Check against drflow's VBR simulator (the configured one, else an embedded one)."
    ),
    speed: float = SPEED,
) -> None:
    """Check that a plan could be recovered now, starting nothing on VBR: VBR answers and takes
    the credentials, the role suffices where VBR tells, each workload's restore point is within
    its RPO and allows the operation its recovery starts, no leftover or foreign mount of it
    exists, its checks' templates resolve, and the global concurrency limit exists.

    Exit 0 when the plan is ready, 1 when it is not (each workload with its reasons), 2 when
    the plan or the VBR settings are wrong (nothing is checked).
    """
    plan = load_plan_or_exit(file, USAGE_ERROR)
    with plan_vbr("check", file, plan, simulator=simulator, speed=speed):
        key = artifact_key("readiness", plan.name)
        where = [artifacts(key, f"{key}-table"), "the verdict table here at the end"]
        if json_file is not None:
            where.append(f"JSON: {json_file}")
        state = run_watched(
            console,
            f"checking {escape(plan.name)}...",
            readiness_flow,
            str(file),
            where=where,
            report_path=str(json_file) if json_file else None,
        )
    outcome = state.result(raise_on_failure=False)
    report = outcome.report if isinstance(outcome, NotReady) else outcome
    if not isinstance(report, ReadinessReport):
        err.print(f"[red]it did not finish:[/] {escape(str(outcome))}")
        raise typer.Exit(1)
    console.print(f"against {escape(report.against())}", highlight=False)
    console.print(readiness_table(report))
    colour = "green" if report.ready else "red"
    verdict = "READY" if report.ready else "NOT READY"
    console.print(
        f"{escape(report.plan)}: [{colour}]{verdict}[/]: {escape(report.reason)}",
        highlight=False,
        soft_wrap=True,
    )
    for problem in report.problems:  # one line each: greppable
        err.print(f"not ready: {escape(problem)}", highlight=False, soft_wrap=True)
    for workload in report.workloads:
        for problem in workload.problems:
            err.print(
                f"not ready: {escape(workload.name)}: {escape(problem)}",
                highlight=False,
                soft_wrap=True,
            )
    raise typer.Exit(0 if report.ready else 1)


def readiness_table(report: ReadinessReport) -> Table:
    """One row per workload: its verdict, the restore point it would use, what is wrong."""
    table = Table(title=f"readiness of {report.plan}")
    for column in ("workload", "kind", "in VBR", "ready", "restore point age", "RPO", "why not"):
        table.add_column(column)
    for w in report.workloads:
        table.add_row(
            w.name,
            w.kind,
            escape(w.target),
            "[green]ready[/]" if w.ready else "[red]NOT READY[/]",
            human_duration(w.rpo_seconds),
            human_duration(w.rpo_target_seconds),
            escape("; ".join(w.problems)),
        )
    return table
