"""Reading past drills back from the Prefect API (their table artifacts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drflow.flows._report import artifact_key


@dataclass(frozen=True)
class DrillRun:
    """One past drill: when, which flow run, and its per-workload rows."""

    when: datetime
    flow_run_id: str | None
    rows: list[dict[str, Any]]


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
