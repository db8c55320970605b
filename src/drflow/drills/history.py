"""Reading past drills back from the Prefect API (their table artifacts), by VBR server.

Each drill's table names the VBR it ran against. Drills are grouped by that server (its
``vbrId``, else its URL), and drills against the drflow simulator are a group of their own:
they never join a real server's trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drflow.flows.engine import artifact_key


@dataclass(frozen=True)
class DrillRun:
    """One past drill: when, which flow run, and its per-workload rows."""

    when: datetime
    flow_run_id: str | None
    rows: list[dict[str, Any]]

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


def drill_history(plan_name: str, last: int = 10) -> list[DrillRun]:
    """The ``last`` drills of a plan, oldest first (from the ``drill-<plan>-table`` artifacts)."""
    import json

    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    key = f"{artifact_key('drill', plan_name)}-table"
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=last,
        )
    runs = []
    for artifact in artifacts:
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


def by_server(runs: list[DrillRun]) -> dict[str, list[DrillRun]]:
    """The drills grouped by the VBR server they ran against (real servers first)."""
    groups: dict[str, list[DrillRun]] = {}
    for run in sorted(runs, key=lambda run: (run.simulator, run.when)):
        groups.setdefault(run.server, []).append(run)
    return groups
