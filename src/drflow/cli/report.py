"""``drflow report``: the audit report (HTML) of a past drill, read back from Prefect."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import typer
from pydantic import ValidationError
from rich.markup import escape

from drflow.drills import DrillReport
from drflow.drills.audit import Evidence, drill_html
from drflow.drills.evidence import read_evidence
from drflow.drills.history import trend_of
from drflow.plans import Plan

from .common import USAGE_ERROR, console, fail, load_plan_or_exit


def report(
    plan_name: str = typer.Argument(..., help="The plan's name (or its file)."),
    html: Path = typer.Option(..., "--html", help="Write the HTML report there."),
    run: str | None = typer.Option(
        None, "--run", help="The drill's flow run id (default: the plan's latest drill)."
    ),
    last: int = typer.Option(10, min=1, help="How many drills the RTO trend shows."),
) -> None:
    """Write the audit report of a past drill (or, with --run, a recovery) as one
    self-contained HTML file, from its JSON evidence in the Prefect API: the plan and its
    order, the VBR it ran against, the preflight, a timeline, RTO and RPO against targets, the
    RTO trend, checks, clean-up with VBR session ids, decisions, and the SHA-256 of the
    evidence, embedded.

    Exit 0 when written, 1 when Prefect has no evidence of that drill, 2 on a wrong argument.
    """
    plan: Plan | None = None
    if plan_name.endswith((".yaml", ".yml")):
        plan = load_plan_or_exit(Path(plan_name), USAGE_ERROR)
        plan_name = plan.name
    if run is not None:
        try:
            run = str(UUID(run))
        except ValueError:
            raise fail(f"--run {run!r} is not a flow run id") from None
    evidence = read_evidence(plan_name, run)
    which = f"run {run}" if run else "its latest drill"
    if evidence is None:
        raise fail(
            f"no evidence of {which} of plan {plan_name!r} in the Prefect API (drills publish "
            f"it as the drill-{plan_name}-json artifact)",
            1,
        )
    try:
        drill = DrillReport.model_validate_json(evidence.data)
    except ValidationError as exc:
        raise fail(f"the evidence of {which} of {plan_name!r} cannot be read: {exc}", 1) from None
    write_html(drill, evidence, html, plan=plan, last=last)


def write_html(
    drill: DrillReport, evidence: Evidence, path: Path, *, plan: Plan | None, last: int = 10
) -> None:
    """Write the HTML report of ``drill`` (its RTO trend read from Prefect) and say so."""
    trend = trend_of(drill, last) if drill.mode == "drill" else []
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(drill_html(drill, evidence, trend, plan=plan), encoding="utf-8")
    console.print(
        f"wrote {escape(str(path))}: {drill.mode} of {escape(drill.plan)} "
        f"(flow run {drill.flow_run_id}), evidence SHA-256 {evidence.sha256}",
        highlight=False,
        soft_wrap=True,
    )
