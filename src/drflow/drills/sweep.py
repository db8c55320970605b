"""A drill's last look at VBR: what its workloads' runs still hold is removed before it ends.

Each workload's run releases what it mounted, and keeps trying through outages for its cleanup
budget. What one could not release (VBR was gone too long) is recorded as *cleanup pending*.
When the drill ends it sweeps its runs' marks once more, and only what still cannot be removed
then is left to the janitor; the report says which.
"""

from __future__ import annotations

from prefect import get_client, get_run_logger
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
from prefect.runtime import flow_run

from drflow.flows.engine import PROTECTED, Disposition, DispositionRecord
from drflow.flows.engine.hooks import as_owned
from drflow.flows.engine.ownership import STOPPING_STATES, record, records
from drflow.vbr import VBRClient, VBRError
from drflow.vbr.marks import find_marked, remove

from .report import DrillReport, WorkloadResult


def _children() -> set[str]:
    """The flow runs this drill started (its workloads' runs)."""
    run_id = flow_run.get_id()
    if not run_id:
        return set()
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run_id])
            )
        )
    return {str(child.id) for child in children}


def sweep_children(client: VBRClient, report: DrillReport) -> None:
    """Remove what the drill's runs still hold in VBR, unless it was kept or migrated; record
    each removal on its run and in the report."""
    logger = get_run_logger()
    # workloads that ran as the drill's task runs marked what they started with its id
    runs = {r.flow_run_id for r in report.results} | {report.flow_run_id}
    runs.discard(None)
    try:
        runs |= _children()
        leftovers = [found for found in find_marked(client) if found.run_id() in runs]
    except Exception as exc:  # the janitor does it later; the drill's verdict stands
        logger.error("could not sweep the drill's marks: %s", exc)
        return
    for found in leftovers:
        run_id = found.run_id() or ""
        entry = records(run_id).get(str(found.id))
        if found.state in STOPPING_STATES or (entry and entry.disposition in PROTECTED):
            continue
        obj = as_owned(found)
        try:
            remove(client, found)
        except VBRError as exc:
            logger.error("%s is still held; it is left to the janitor: %s", obj.label(), exc)
            continue
        released = record(run_id, obj, Disposition.RELEASED, by="drill sweep")
        logger.warning("the drill's sweep removed %s (run %s)", obj.label(), run_id)
        result = _holder(report.results, run_id, found.name)
        if result is not None and result.report is not None:
            _released(result.report.objects, released)
            result.report.cleaned_up = True


def _holder(results: list[WorkloadResult], run_id: str, name: str) -> WorkloadResult | None:
    """The workload whose run ``run_id`` left ``name``: the one result of a flow run of its
    own; among workloads that ran as task runs of one drill, the one recovering ``name``."""
    of_run = [r for r in results if r.flow_run_id == run_id and r.report is not None]
    if len(of_run) == 1:
        return of_run[0]
    return next((r for r in of_run if r.report and r.report.workload == name), None)


def _released(objects: list[DispositionRecord], released: DispositionRecord) -> None:
    for index, entry in enumerate(objects):
        if entry.object.id == released.object.id:
            objects[index] = released
            return
    objects.append(released)
