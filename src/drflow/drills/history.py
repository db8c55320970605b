"""Reading past drills and readiness checks back from the Prefect API (their table artifacts),
by VBR server.

Each drill's table (``drill-<plan>-table``) and each readiness check's
(``readiness-<plan>-table``) names the VBR it ran against. Runs are grouped by that server
(its ``vbrId``, else its URL), and runs against the drflow simulator are a group of their own:
they never join a real server's trend."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from drflow.flows.engine import artifact_key

if TYPE_CHECKING:
    from .report import DrillReport

PAGE = 200
"""Artifacts read per request when looking for a run further back."""


@dataclass(frozen=True)
class DrillRun:
    """One past drill (or readiness check): when, which flow run, and its per-workload rows."""

    when: datetime
    flow_run_id: str | None
    rows: list[dict[str, Any]]

    @classmethod
    def of(cls, report: DrillReport) -> DrillRun:
        """A drill as its own report tells it (its table, as the history will read it)."""
        return cls(report.ended_at or report.started_at, report.flow_run_id, report.table())

    @property
    def server(self) -> str:
        """The VBR server it ran against, as the history groups drills."""
        first = self.rows[0] if self.rows else {}
        where = first.get("vbr_id") or first.get("vbr_url")
        if first.get("simulator"):
            return f"the drflow simulator at {first.get('vbr_url')}"
        if where is None:
            return "a VBR not recorded (drills from before drflow named its target)"
        return f"VBR {where}" + (
            f" at {first['vbr_url']}" if first.get("vbr_id") and first.get("vbr_url") else ""
        )

    @property
    def simulator(self) -> bool:
        return bool(self.rows and self.rows[0].get("simulator"))


def drill_history(plan_name: str, last: int = 10, *, until: str | None = None) -> list[DrillRun]:
    """The ``last`` drills of a plan, oldest first (from the ``drill-<plan>-table`` artifacts);
    with ``until`` (a flow run id), the ``last`` up to and including that drill."""
    return _runs(f"{artifact_key('drill', plan_name)}-table", last, until)


def readiness_history(plan_name: str, last: int = 10) -> list[DrillRun]:
    """The ``last`` readiness checks of a plan, oldest first (``readiness-<plan>-table``)."""
    return _runs(f"{artifact_key('readiness', plan_name)}-table", last, None)


def trend_of(report: DrillReport, last: int = 10) -> list[DrillRun]:
    """The ``last`` drills of the report's plan against the same VBR server, oldest first, up to
    and including the report's own drill (taken from the report when Prefect does not have it)."""
    this = DrillRun.of(report)
    runs = drill_history(report.plan, last, until=report.flow_run_id)
    same = [r for r in runs if r.server == this.server and r.flow_run_id != this.flow_run_id]
    return [*same[-(last - 1) :], this] if last > 1 else [this]


def by_server(runs: list[DrillRun]) -> dict[str, list[DrillRun]]:
    """The drills grouped by the VBR server they ran against (real servers first)."""
    groups: dict[str, list[DrillRun]] = {}
    for run in sorted(runs, key=lambda run: (run.simulator, run.when)):
        groups.setdefault(run.server, []).append(run)
    return groups


def _runs(key: str, last: int, until: str | None) -> list[DrillRun]:
    """The ``last`` table artifacts ``key`` (up to the one of run ``until``), oldest first."""
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    size = last if until is None else PAGE
    found: list[Any] = []
    offset = 0
    with get_client(sync_client=True) as client:
        while len(found) < last:
            page = client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                sort=ArtifactSort.CREATED_DESC,
                limit=size,
                offset=offset,
            )
            for artifact in page:  # newest first: from ``until``'s on
                if found or until is None or str(artifact.flow_run_id) == until:
                    found.append(artifact)
            if len(page) < size:
                break
            offset += size
    runs = []
    for artifact in found[:last]:
        data = artifact.data
        rows = json.loads(data) if isinstance(data, str) else data
        runs.append(
            DrillRun(
                when=artifact.created,
                flow_run_id=str(artifact.flow_run_id) if artifact.flow_run_id else None,
                rows=list(rows or []),
            )
        )
    return sorted(runs, key=lambda run: run.when)
