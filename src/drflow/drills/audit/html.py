"""A drill's audit report: one self-contained HTML file, printable as the document itself.

It renders the drill's JSON evidence (:meth:`drflow.drills.DrillReport.evidence`, the bytes of
``drflow drill --report`` and of the ``drill-<plan>-json`` artifact) and embeds those exact
bytes with their SHA-256, so that a reader can check that the document shows what the drill
recorded. Around it: the plan as it ran, and each workload's RTO over the last drills against
the same VBR server (read from the history, shown apart from the hashed evidence).

No script, no request: CSS and the SVG charts are inline, the evidence a ``data:`` link.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import TypeAdapter

from drflow.checks import Check, CommandCheck, HttpCheck, TcpCheck
from drflow.plans import Plan, waves

from .charts import against_targets, timeline, trends
from .templating import render, svg

if TYPE_CHECKING:
    from ..history import DrillRun
    from ..report import DrillReport

PLAN_FIELDS = frozenset({"name", "kind", "depends_on", "rpo_hours", "rto_minutes", "checks"})
_CHECKS = TypeAdapter(list[Check])


@dataclass(frozen=True)
class Evidence:
    """The JSON a report renders: its exact bytes, their SHA-256, and where they came from."""

    data: bytes
    source: str
    """Where the bytes were read (an artifact of a flow run, a file)."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def data_uri(self) -> str:
        return "data:application/json;base64," + base64.b64encode(self.data).decode()


def drill_html(
    report: DrillReport,
    evidence: Evidence,
    history: list[DrillRun],
    *,
    plan: Plan | None = None,
) -> str:
    """The HTML report of ``report``, parsed from ``evidence`` (embedded with its SHA-256).

    ``history``: the drills of the plan against the same VBR server, oldest first, up to this
    one (the trend). ``plan``: the plan file as it is now, shown (and said so) only when the
    evidence does not record the plan the drill ran.
    """
    ran = Plan.model_validate(report.definition) if report.definition else None
    shown = ran or plan
    names = {r.name for r in report.results}
    sparklines = trends(history, report.flow_run_id)
    return render(
        "report.html",
        report=report,
        plan=shown,
        plan_recorded=ran is not None,
        plan_rows=_plan_rows(shown, names) if shown else [],
        default_checks=[_as_written(c) for c in shown.defaults.checks] if shown else [],
        plan_yaml=yaml.safe_dump(_written(report.definition), sort_keys=False) if ran else "",
        order=waves(shown, only=names & {w.name for _, w in shown.workloads()}) if shown else [],
        timeline=svg("timeline.svg", timeline(report)),
        rto=svg("targets.svg", against_targets(report.results, "rto")),
        rpo=svg("targets.svg", against_targets(report.results, "rpo")),
        trends=[
            {
                "workload": t.workload,
                "chart": svg("trend.svg", t),
                "runs": sum(p.seconds is not None for p in t.points),
                "last": t.last,
                "median": _median([p.seconds for p in t.points[:-1]]),
                "target": t.target,
            }
            for t in sparklines
        ],
        history=history,
        evidence=evidence,
        evidence_name=f"{report.mode}-{report.plan}-{report.flow_run_id or 'run'}.json",
        generated_at=datetime.now(UTC),
        version=importlib.metadata.version("drflow"),
    )


def _plan_rows(plan: Plan, names: set[str]) -> list[dict[str, Any]]:
    """One row per workload of the plan: its definition, targets, and whether it was drilled."""
    rows = []
    for group, workload in plan.workloads():
        rto = workload.rto_minutes or plan.defaults.rto_minutes
        rpo = workload.rpo_hours or plan.defaults.rpo_hours
        checks = workload.params.get("checks")
        rows.append(
            {
                "group": group.name,
                "group_parallel": group.max_parallel,
                "name": workload.name,
                "kind": workload.kind,
                "params": {k: v for k, v in workload.params.items() if k not in PLAN_FIELDS},
                "depends_on": workload.depends_on,
                "rto_seconds": rto * 60 if rto else None,
                "rpo_seconds": rpo * 3600 if rpo else None,
                "checks": None  # the plan's defaults
                if checks is None
                else [_as_written(check) for check in _CHECKS.validate_python(checks)],
                "drilled": workload.name in names,
            }
        )
    return rows


def _as_written(check: HttpCheck | TcpCheck | CommandCheck) -> str:
    """A check as the plan writes it, ``{vm}`` left as is."""
    try:
        return check.describe("{vm}")
    except (KeyError, IndexError, ValueError):  # a template that did not resolve
        return f"{check.kind} check (its template does not resolve)"


def _written(value: Any) -> Any:
    """The plan as its author would write it: what is unset left out."""
    if isinstance(value, dict):
        return {k: _written(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_written(v) for v in value]
    return value


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None
