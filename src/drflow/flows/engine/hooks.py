"""Clean-up when a run ends without its own code running to the end: cancelled or crashed.

A flow's engine releases what it holds when it fails. When the run is cancelled or its process
dies, that code may never run; these hooks (run by Prefect's runner or worker) find what the run
started, by its mark in VBR and by its own record (:mod:`.ownership`), and remove what the rules
say is transient, never what was kept or sent to production. What even they miss, the janitor
removes later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from prefect import get_client as prefect_client

from drflow.tasks import VBRConnection, get_client
from drflow.vbr import HeldBySession, VBRClient, VBRError, stop
from drflow.vbr.marks import MarkedObject, find_marked, mark_for, remove
from drflow.vbr.stops import ENTRA_AUDIT_LOG, ENTRA_TENANT_RESTORE, FLR_MOUNT, SESSION

from .ownership import Disposition, OwnedObject, OwnerRun, judge, records
from .strategy import started_as_drill

logger = logging.getLogger("drflow")


REMOVERS: dict[str, HeldBySession] = {
    "flr-mount": FLR_MOUNT,
    "restore-session": SESSION,
    "entra-tenant-restore": ENTRA_TENANT_RESTORE,
    "entra-audit-log": ENTRA_AUDIT_LOG,
}
"""How what VBR cannot list by mark is removed, by the kind a run records it as."""


def remove_recorded(client: VBRClient, obj: OwnedObject) -> None:
    """Remove an object known from a run's record only (not listable by its mark), through
    outages for the cleanup budget; already gone counts as removed."""
    target = REMOVERS.get(obj.kind)
    if target is None:
        raise ValueError(f"no way to remove a {obj.kind}: add one to REMOVERS")
    stop(client, target, obj.id)


def as_owned(found: MarkedObject) -> OwnedObject:
    """A listed object as the records name it."""
    return OwnedObject(kind=found.kind, id=str(found.id), name=found.name)


def _completed(flow_run_id: Any) -> bool:
    """Whether the run reached Completed (read now: the hook's state may be stale)."""
    from prefect.client.schemas.objects import StateType

    try:
        with prefect_client(sync_client=True) as client:
            run = client.read_flow_run(UUID(str(flow_run_id)))
    except Exception:  # no API: the record decides below, or the janitor later
        return False
    return run.state is not None and run.state.type == StateType.COMPLETED


def remove_what_the_run_started(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_cancellation`` / ``on_crashed`` hook: remove what the run started and the rules say
    is transient (never what it kept or migrated).

    A run that had already completed when the cancellation reached it (its process was still
    exiting) is left alone: what it kept, it kept on purpose. When the run's record cannot be
    read, nothing is removed here: the janitor judges it once it can.
    """
    params = (flow_run.parameters or {}).get("params") or {}
    release_for_run(flow_run, state, VBRConnection.model_validate(params.get("connection") or {}))


def release_for_run(flow_run: Any, state: Any, connection: VBRConnection) -> None:
    """What :func:`remove_what_the_run_started` does, for a run whose VBR is ``connection``
    (a drill's: the workloads that ran as its task runs are marked with its id)."""
    if _completed(flow_run.id):
        logger.info("run %s had completed: nothing to clean up", flow_run.id)
        return
    try:
        entries = records(flow_run.id)
    except Exception as exc:
        logger.error(
            "run %s ended %s, but its record cannot be read (%s): the janitor cleans up",
            flow_run.id,
            state.name,
            exc,
        )
        return
    client = get_client(connection)
    # the hook runs as the run ends: Cancelling counts as over, as Cancelled does
    ending = "CANCELLED" if state.type.value in ("CANCELLING", "CANCELLED") else "CRASHED"
    owner = OwnerRun(id=str(flow_run.id), state=ending)
    now = datetime.now(UTC)
    for found in find_marked(client, mark_for(flow_run.id)):
        verdict = judge(
            found.state,
            entries.pop(str(found.id), None),
            owner,
            now=now,
            started_as_drill=started_as_drill(found.reason),
        )
        _act(
            f"{found.kind} {found.name}",
            verdict.remove,
            verdict.why,
            lambda f=found: remove(client, f),
        )
    for entry in entries.values():  # what VBR cannot list by mark
        if entry.object.kind not in REMOVERS or entry.disposition == Disposition.RELEASED:
            continue
        verdict = judge("", entry, owner, now=now)
        _act(
            entry.object.label(),
            verdict.remove,
            verdict.why,
            lambda e=entry: remove_recorded(client, e.object),
        )


def _act(label: str, removing: bool, why: str, removal: Callable[[], object]) -> None:
    if not removing:
        logger.info("left %s: %s", label, why)
        return
    try:
        removal()
    except VBRError as exc:
        logger.error("could not remove %s (the janitor will): %s", label, exc)
        return
    logger.warning("removed %s: %s", label, why)


CLEANUP_HOOKS: dict[str, list[Any]] = {
    "on_cancellation": [remove_what_the_run_started],
    "on_crashed": [remove_what_the_run_started],
}
"""Keyword arguments for ``@flow`` that install the hooks."""


def remove_what_the_children_started(flow: Any, flow_run: Any, state: Any) -> None:
    """Hook of plan-level flows: run the clean-up of every workload run of this run."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    with prefect_client(sync_client=True) as client:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run.id])
            )
        )
    for child in children:
        remove_what_the_run_started(flow, child, state)
