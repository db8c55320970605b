"""A drill's evidence in Prefect, for people and for ``drflow report``: artifacts of its run.

- ``<mode>-<plan>``: the report in markdown; ``<mode>-<plan>-table``: one row per workload.
- ``<mode>-<plan>-json``: the report's JSON (:meth:`DrillReport.evidence`) in a markdown code
  block, byte for byte what ``drflow drill --report`` writes: one SHA-256 names it everywhere.
  ``drflow report`` reads it back (:func:`read_evidence`).
- ``<mode>-<plan>-charts``: its charts for the Prefect UI
  (:func:`drflow.drills.audit.charts_markdown`).

Why an artifact rather than the flow run's result: Prefect persists a result only when told to
(off by default), into the result storage of the machine that ran the flow (a worker's disk,
unless a shared storage block is set up), pickled by default (readable only by the same
classes), and a failed drill's result is its exception. An artifact is kept by the Prefect
server itself: any machine reads it back through the API, it belongs to the run, and the UI
shows it.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from drflow.drills.audit import Evidence, charts_markdown
from drflow.flows.engine import artifact_key
from drflow.flows.engine.prefect_api import ride_out

from .history import trend_of
from .report import DrillReport

MODES = ("drill", "recover")


def publish_evidence(report: DrillReport) -> None:
    """Publish the report as artifacts of the current flow run: its markdown, its table per
    workload, its JSON and its charts. They are written at once, each ridden out while
    Prefect's API is away; the run ends once all are written."""
    key = artifact_key(report.mode, report.plan)
    title = f"{report.mode} of {report.plan}"
    data = report.evidence()
    sha256 = hashlib.sha256(data).hexdigest()

    def charts() -> str:
        return charts_markdown(report, trend_of(report) if report.mode == "drill" else [])

    writes: list[Callable[[], object]] = [
        lambda: create_markdown_artifact(
            report.markdown(), key=key, description=f"{title}: {report.verdict}"
        ),
        lambda: create_table_artifact(
            report.table(), key=f"{key}-table", description=f"{title}: per workload"
        ),
        lambda: create_markdown_artifact(
            fenced(data.decode()),
            key=f"{key}-json",
            description=f"{title}: the JSON evidence, SHA-256 {sha256}",
        ),
        lambda: create_markdown_artifact(
            charts(),
            key=f"{key}-charts",
            description=f"{title}: timeline, RTO and RPO against targets",
        ),
    ]
    what = f"the evidence of the {title}"
    with ThreadPoolExecutor(len(writes), thread_name_prefix="drflow-evidence") as pool:
        written = [
            pool.submit(contextvars.copy_context().run, ride_out, write, what=what)
            for write in writes
        ]
    for future in written:
        future.result()


def read_evidence(plan_name: str, run_id: str | None = None) -> Evidence | None:
    """The JSON evidence of the plan's latest drill, or of the drill (or recovery) that is flow
    run ``run_id``, read back from the Prefect API; None when there is none."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )
    from prefect.client.schemas.sorting import ArtifactSort

    modes = MODES if run_id else MODES[:1]
    keys = [f"{artifact_key(mode, plan_name)}-json" for mode in modes]
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=keys),
                flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(run_id)]) if run_id else None,
            ),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    if not found:
        return None
    [artifact] = found
    return Evidence(
        data=unfenced(str(artifact.data)).encode(),
        source=f"the {artifact.key} artifact of flow run {artifact.flow_run_id} (created "
        f"{artifact.created:%Y-%m-%d %H:%M:%S} UTC)",
    )


def fenced(text: str) -> str:
    """``text`` as a markdown code block whose fence no run of backticks in it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}json\n{text}\n{fence}\n"


def unfenced(markdown: str) -> str:
    """The text of a code block written by :func:`fenced`, exactly."""
    opening, _, rest = markdown.partition("\n")
    fence = opening.removesuffix("json")
    return rest[: rest.rindex(f"\n{fence}\n")]
