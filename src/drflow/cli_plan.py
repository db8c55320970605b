"""``drflow plan validate|show``, ``drflow drill``, ``drflow history``: plans from the terminal."""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from drflow._console import plain_console, plain_console_logs
from drflow._env import environment
from drflow.flows._report import human_duration

plan_app = typer.Typer(help="Recovery plans: check them and see their order.", no_args_is_help=True)
console = plain_console()
err = plain_console(stderr=True)


def _load(file: Path, code: int = 1):
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


@plan_app.command("validate")
def validate(file: Path = typer.Argument(..., help="The plan file (YAML).")) -> None:
    """Check a plan: every problem at once, each with its place in the file. Exit 1 if any."""
    plan = _load(file)
    count = len(plan.workloads())
    console.print(  # one line, however long the path: scripts grep it
        f"{escape(str(file))}: plan {plan.name!r} is valid: "
        f"{count} workloads in {len(plan.groups)} groups",
        soft_wrap=True,
        highlight=False,
    )


@plan_app.command("show")
def show(file: Path = typer.Argument(..., help="The plan file (YAML).")) -> None:
    """Show the order in which a plan would run, as a tree."""
    from drflow.plans import waves

    plan = _load(file)
    tree = Tree(
        f"[bold]{plan.name}[/]: {escape(plan.description)} "
        f"(max {plan.max_parallel} at once, deadline {plan.deadline_minutes:g} min"
        + (f", sample {plan.sample}" if plan.sample else "")
        + ")"
    )
    for group in plan.groups:
        branch = tree.add(
            f"group [bold]{escape(group.name)}[/]"
            + (f" (max {group.max_parallel} at once)" if group.max_parallel else "")
        )
        for workload in group.workloads:
            rto = workload.rto_minutes or plan.defaults.rto_minutes
            rpo = workload.rpo_hours or plan.defaults.rpo_hours
            targets = ", ".join(
                part
                for part in (f"RTO {rto:g} min" if rto else "", f"RPO {rpo:g} h" if rpo else "")
                if part
            )
            after = f" after {', '.join(workload.depends_on)}" if workload.depends_on else ""
            branch.add(
                f"{workload.name} [dim]({workload.kind}{after}; {targets or 'no targets'})[/]"
            )
    console.print(tree)
    console.print("\n[bold]Start order[/] (each line waits for the ones above it):")
    for number, wave in enumerate(waves(plan), 1):
        console.print(f"  {number}. {', '.join(wave)}")


@contextmanager
def _vbr_for(plan_url: str | None, speed: float) -> Iterator[str]:
    """The VBR to drill against: the configured one, or an embedded simulator."""
    url = plan_url or os.environ.get("DRFLOW_VBR_URL")
    if url:
        yield url
        return
    from drflow.simulator.config import SimulatorConfig
    from drflow.simulator.server import SimulatorServer

    config = SimulatorConfig(speed=speed)
    with SimulatorServer(config) as sim:
        console.print(f"No DRFLOW_VBR_URL: drilling against the embedded simulator at {sim.url}")
        with environment(
            {
                "DRFLOW_VBR_URL": sim.url,
                "DRFLOW_VBR_USERNAME": "restore-operator",
                "DRFLOW_VBR_PASSWORD": config.password,
                "DRFLOW_VBR_POLL_INITIAL": "0.2",
                "DRFLOW_VBR_POLL_MAX": "1",
            }
        ):
            yield sim.url


def drill(
    file: Path = typer.Argument(..., help="The plan file (YAML)."),
    report: Path | None = typer.Option(None, help="Also write the JSON report there."),
    speed: float = typer.Option(20.0, min=1.0, help="Simulator speed (embedded simulator only)."),
) -> None:
    """Rehearse a plan now and print the verdict table. Exit 0 when the drill passed, 1 when
    it failed, 2 when the plan or the VBR settings are wrong (nothing is started).

    Without DRFLOW_VBR_URL (or a url in the plan) the drill runs against an embedded simulator.
    """
    from drflow.cli import USAGE_ERROR, check_connection
    from drflow.flows.drill import DrillFailed, dr_drill
    from drflow.tasks import VBRConnection

    plan = _load(file, USAGE_ERROR)
    with (
        _vbr_for(plan.vbr.url, speed),
        console.status(f"drilling {escape(plan.name)}..."),
        plain_console_logs(),
    ):
        check_connection(str(file), VBRConnection.model_validate(plan.vbr.connection()))
        state = dr_drill(str(file), report_path=str(report) if report else None, return_state=True)
    outcome = state.result(raise_on_failure=False)
    result = outcome.report if isinstance(outcome, DrillFailed) else outcome
    if not hasattr(result, "results"):
        err.print(f"[red]the drill did not finish:[/] {escape(str(outcome))}")
        raise typer.Exit(1)
    console.print(verdict_table(result))
    raise typer.Exit(0 if result.verdict == "passed" else 1)


def verdict_table(report) -> Table:
    colour = "green" if report.verdict == "passed" else "red"
    table = Table(title=f"{report.mode} of {report.plan}: [{colour}]{report.verdict}[/]")
    for column in ("workload", "kind", "outcome", "RTO", "target", "RPO", "target", "reason"):
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
            escape(r.reason or ""),
        )
    return table


def history(
    plan_name: str = typer.Argument(..., help="The plan's name (or its file)."),
    last: int = typer.Option(10, min=1, help="How many past drills to show."),
) -> None:
    """Past drills of a plan, read back from the Prefect API: RTO/RPO per workload and trend."""
    if plan_name.endswith((".yaml", ".yml")):
        from drflow.cli import USAGE_ERROR

        plan_name = _load(Path(plan_name), USAGE_ERROR).name
    from drflow.history import drill_history

    runs = drill_history(plan_name, last)
    if not runs:
        console.print(f"no drill of {plan_name!r} recorded in the Prefect API yet")
        raise typer.Exit(0)
    workloads = sorted({row["workload"] for run in runs for row in run.rows})
    table = Table(title=f"drills of {plan_name} (oldest first)")
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
    console.print(table)
    console.print(
        "cells: RTO / RPO. A regression: the last RTO over its target, "
        "or 50% over the median of the runs before it."
    )
    raise typer.Exit(1 if flagged else 0)


def _outcome(row: dict) -> str:
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
