"""Running a flow from the command line: a live progress line, then the evidence table."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from drflow.console import plain_console_logs
from drflow.flows import RecoveryFailed, RecoveryReport, human_duration
from drflow.flows.engine import Handoff, artifact_key, handed_over, watching
from drflow.flows.engine.prefect_api import transient
from drflow.flows.registry import kind_of_flow
from drflow.vbr import VBRConfigError

from .where import announce, artifacts, run_announced


def report_of_run(flow: Any, params: Any) -> list[str]:
    """Where the report of a run of ``flow`` with ``params`` will be."""
    kind = kind_of_flow(flow.name)
    if kind is None:
        return ["this run's artifacts", "the evidence table here at the end"]
    strategy = kind.strategy(params)
    keys = [artifact_key("recovery", strategy.name), artifact_key("recovery-phases", strategy.name)]
    if strategy.ending == "hand over":
        keys.insert(0, artifact_key(strategy.handover_key, strategy.name))
    return [artifacts(*keys), "the evidence table here at the end"]


def run_with_live_view(flow: Any, params: Any, console: Console) -> int:
    """Run ``flow(params)`` in this process; 0 when it passed, 1 when it failed.

    Where to follow the run and where its report will be are printed when it starts. The
    recovery's report is shown even when Prefect's API was gone at its end (its run's state
    and artifacts could then not be written): what happened in VBR is what counts.
    """
    outcome: Any
    report = report_of_run(flow, params)
    with console.status(f"{flow.name}: starting") as status:

        def show(workload: str, phase: str, percent: float) -> None:
            status.update(f"{flow.name}[{workload}]: {phase} ({percent:.0f}%)")

        def started(run: Any) -> None:
            announce(console, run.name or flow.name, run.id, report)

        with (
            watching(show),
            plain_console_logs(above=console),
            handed_over(Handoff()) as link,
        ):
            try:
                state = run_announced(flow, params, announce=started)
                outcome = state.result(raise_on_failure=False)
            except Exception as exc:
                if not transient(exc):
                    raise
                outcome = exc
    if not isinstance(outcome, RecoveryReport | RecoveryFailed) and link.report is not None:
        console.print(
            f"[yellow]Prefect's API does not answer ({escape(str(outcome))}): this run's state "
            "and evidence may be missing from it; the report:[/]"
        )
        outcome = link.report
    if isinstance(outcome, RecoveryFailed):
        outcome = outcome.report
    if isinstance(outcome, RecoveryReport):
        console.print(evidence_table(outcome))
        return 0 if outcome.verdict == "passed" else 1
    if isinstance(outcome, VBRConfigError):
        console.print(f"[red]error:[/] {escape(str(outcome))}")
        return 2
    console.print(f"[red]{flow.name} did not finish:[/] {escape(str(outcome))}")
    return 1


def evidence_table(report: RecoveryReport) -> Table:
    """The report of one recovery as a table for the terminal."""
    colour = "green" if report.verdict == "passed" else "red"
    table = Table(title=f"{report.workload}: [{colour}]{report.verdict}[/]", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    if report.vbr is not None:
        table.add_row("against", escape(report.vbr.describe()))
    table.add_row("outcome", escape(report.outcome()))
    if report.rto_seconds is None and report.verified_at is not None:
        table.add_row("RTO", "none: a mount for the operator is not timed")
    else:
        table.add_row("RTO", human_duration(report.rto_seconds))
    table.add_row(
        "restore point",
        f"{report.restore_point_id} ({human_duration(report.restore_point_age_seconds)} old)",
    )
    table.add_row(
        "decision",
        f"{report.choice or report.then}"
        + (f" by {report.decided_by}" if report.decided_by else ""),
    )
    table.add_row("VBR sessions", ", ".join(report.session_ids) or "-")
    for phase in report.phases:
        seconds = "" if phase.seconds is None else f"{phase.seconds:.1f}s"
        table.add_row(f"phase: {phase.name}", seconds)
    for name, value in report.details.items():
        table.add_row(escape(name), escape(value))
    for check in report.checks:
        table.add_row(
            escape(f"check: {check.check}"),
            "passed" if check.passed else escape(f"FAILED {check.detail}"),
        )
    table.add_row("in VBR", escape(report.cleanup()))
    for entry in report.objects:
        table.add_row(escape(entry.object.label()), escape(entry.describe()))
    return table
