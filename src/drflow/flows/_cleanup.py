"""Clean-up when a run ends without its own code running: cancelled or crashed.

A flow's ``finally`` unmounts what it mounted when it fails. When the run is cancelled or its
process dies, that code may never run; these hooks (run by Prefect's runner or worker) find what
the run started by its mark and remove it. What even they miss, the janitor removes later.

Some things VBR cannot list by mark (a file-level restore mount, a restore session): a flow
:func:`remember` s them on its own flow run (a flow run input ``drflow-holds-<id>``, Prefect's
per-run key-value store) while it holds them and :func:`forget` s them once they are gone; the
hooks remove what is still remembered.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from prefect import get_client as prefect_client
from prefect.runtime import flow_run as current_run

from drflow.tasks import VBRConnection, get_client
from drflow.vbr import NotFound, VBRClient, VBRError
from drflow.vbr.marks import find_marked, mark_for, remove
from drflow.vbr.models import SessionState

logger = logging.getLogger("drflow")

HOLDS_PREFIX = "drflow-holds-"
"""Flow run inputs ``drflow-holds-<id>`` (value ``{"kind", "id"}``) name what the run holds."""


def _stop_session(client: VBRClient, session_id: str) -> None:
    if client.sessions.get(session_id).state != SessionState.STOPPED:
        client.sessions.stop(session_id)


REMOVERS: dict[str, Callable[[VBRClient, str], object]] = {
    "flr-mount": lambda client, object_id: client.flr.unmount(object_id),
    "session": _stop_session,
    "entra-tenant-restore": lambda client, object_id: client.entra_id.stop_tenant_restore(
        object_id
    ),
    "entra-audit-log": lambda client, object_id: client.entra_id.unmount_audit_log(object_id),
}
"""How the hooks remove each kind of remembered object (already gone counts as removed).
A flow module may add its own kinds (``REMOVERS[kind] = ...``) when it is imported."""


def remember(kind: str, object_id: UUID | str) -> None:
    """Record on the running flow run that it holds ``object_id`` (no-op outside a flow run)."""
    if kind not in REMOVERS:
        logger.warning("the hooks cannot remove a %r: add a remover to REMOVERS", kind)
    run_id = current_run.get_id()
    if not run_id:
        return
    try:
        with prefect_client(sync_client=True) as client:
            client.create_flow_run_input(
                flow_run_id=UUID(str(run_id)),
                key=f"{HOLDS_PREFIX}{object_id}",
                value=json.dumps({"kind": kind, "id": str(object_id)}),
            )
    except Exception as exc:  # only the hooks need it: never fail the recovery for it
        logger.warning("could not record %s %s on flow run %s: %s", kind, object_id, run_id, exc)


def forget(kind: str, object_id: UUID | str) -> None:
    """The run no longer holds ``object_id`` (removed, or finished by VBR)."""
    run_id = current_run.get_id()
    if not run_id:
        return
    try:
        with prefect_client(sync_client=True) as client:
            client.delete_flow_run_input(
                flow_run_id=UUID(str(run_id)), key=f"{HOLDS_PREFIX}{object_id}"
            )
    except Exception as exc:
        logger.warning("could not forget %s %s on flow run %s: %s", kind, object_id, run_id, exc)


def remembered(flow_run_id: UUID | str) -> list[tuple[str, str]]:
    """(kind, id) of everything the run still holds."""
    with prefect_client(sync_client=True) as client:
        found = client.filter_flow_run_input(
            flow_run_id=UUID(str(flow_run_id)),
            key_prefix=HOLDS_PREFIX,
            limit=1000,
            exclude_keys=set(),
        )
    held = []
    for entry in found:
        value = entry.decoded_value
        if isinstance(value, dict) and value.get("kind") and value.get("id"):
            held.append((value["kind"], str(value["id"])))
    return held


def _completed(flow_run_id: Any) -> bool:
    """Whether the run reached Completed (read now: the hook's state may be stale)."""
    from prefect.client.schemas.objects import StateType

    try:
        with prefect_client(sync_client=True) as client:
            run = client.read_flow_run(UUID(str(flow_run_id)))
    except Exception:  # no API: clean up rather than leave a mount behind
        return False
    return run.state is not None and run.state.type == StateType.COMPLETED


def remove_what_the_run_started(flow: Any, flow_run: Any, state: Any) -> None:
    """``on_cancellation`` / ``on_crashed`` hook: unmount every object marked with this run,
    then remove what the run remembered holding.

    A run that had already completed when the cancellation reached it (its process was still
    exiting) is left alone: what it kept, it kept on purpose.
    """
    if _completed(flow_run.id):
        logger.info("run %s had completed: nothing to clean up", flow_run.id)
        return
    params = (flow_run.parameters or {}).get("params") or {}
    connection = VBRConnection.model_validate(params.get("connection") or {})
    client = get_client(connection)
    for found in find_marked(client, mark_for(flow_run.id)):
        try:
            remove(client, found)
            logger.warning(
                "run %s ended %s: removed %s %s", flow_run.id, state.name, found.kind, found.name
            )
        except VBRError as exc:
            logger.error(
                "could not remove %s %s (the janitor will): %s", found.kind, found.name, exc
            )
    try:
        held = remembered(flow_run.id)
    except Exception as exc:
        logger.error("could not read what run %s holds: %s", flow_run.id, exc)
        return
    for kind, object_id in held:
        if kind not in REMOVERS:
            logger.error("run %s holds %s %s: no remover for it", flow_run.id, kind, object_id)
            continue
        try:
            REMOVERS[kind](client, object_id)
            logger.warning(
                "run %s ended %s: removed %s %s", flow_run.id, state.name, kind, object_id
            )
        except NotFound:
            pass
        except VBRError as exc:
            logger.error("could not remove %s %s: %s", kind, object_id, exc)


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
