"""The janitor: remove what drflow runs started and no live flow run still owns.

An object drflow started carries its run's mark (:mod:`drflow.vbr.marks`). The janitor removes
it once its run is over (or was never known), and keeps it while its run is active.

A run whose process was killed (a worker lost, a machine gone) stays ``RUNNING`` forever and
would keep its mounts forever. Prefect flow runs send a heartbeat event
(``prefect.flow-run.heartbeat``) every ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` seconds (180 by
default, 30 at the least) for as long as their process lives. The janitor takes a ``RUNNING``
run of a drflow flow whose last heartbeat is older than ``stale_after_minutes`` for dead: it
marks it Crashed, saying why, removes its marked objects and what it remembered holding (what
VBR cannot list by mark: :mod:`drflow.flows._cleanup`). The default,
:data:`DEFAULT_STALE_AFTER_MINUTES`, is three heartbeats missed at Prefect's default frequency;
keep it above three heartbeat periods of the processes that run drflow flows. A run that never
sent a heartbeat (its process runs with heartbeats off) cannot be judged: it is kept.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import FlowRun
from pydantic import BaseModel, Field

from drflow.tasks import VBRConnection, get_client
from drflow.vbr import NotFound, VBRClient, VBRError
from drflow.vbr.marks import find_marked, remove

from ._cleanup import REMOVERS, remembered

ACTIVE = {"RUNNING", "PENDING", "PAUSED", "SCHEDULED", "CANCELLING"}

DEFAULT_STALE_AFTER_MINUTES = 10.0
"""A RUNNING run silent this long is dead: three heartbeats missed at Prefect's default 180 s."""

HEARTBEAT = "prefect.flow-run.heartbeat"


class JanitorReport(BaseModel):
    """What the janitor found and what it did with it."""

    removed: list[str] = []
    kept: list[str] = []
    failed: list[str] = []
    crashed: list[str] = Field(
        default=[], description="RUNNING runs found dead (no heartbeat), marked Crashed."
    )


def owner_state(run_id: str | None) -> str | None:
    """The state type of the flow run that started an object (None: no such run)."""
    run = _read_run(run_id)
    return run.state.type.value if run is not None and run.state else None


def last_heartbeat(run_id: UUID | str) -> datetime | None:
    """When the flow run last sent a heartbeat (None: it never did)."""
    from prefect import get_client as prefect_client
    from prefect.events.filters import (
        EventFilter,
        EventNameFilter,
        EventOrder,
        EventResourceFilter,
    )

    beats = EventFilter(
        event=EventNameFilter(name=[HEARTBEAT]),
        resource=EventResourceFilter(id=[f"prefect.flow-run.{run_id}"]),
        order=EventOrder.DESC,
    )
    with prefect_client(sync_client=True) as client:
        page = client.read_events(beats, limit=1)
    return page.events[0].occurred if page.events else None


def _read_run(run_id: UUID | str | None) -> FlowRun | None:
    from prefect import get_client as prefect_client
    from prefect.exceptions import ObjectNotFound

    try:
        UUID(str(run_id))
    except ValueError:
        return None
    with prefect_client(sync_client=True) as client:
        try:
            return client.read_flow_run(UUID(str(run_id)))
        except ObjectNotFound:
            return None


def _running_drflow_runs() -> list[FlowRun]:
    """RUNNING runs of drflow's flows (the janitor judges no one else's)."""
    from prefect import get_client as prefect_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    from . import FLOWS
    from .drill import dr_drill, dr_recover

    running = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING]))
    )
    ours = FlowFilter(name=FlowFilterName(any_=[*FLOWS, dr_drill.name, dr_recover.name]))
    with prefect_client(sync_client=True) as client:
        return client.read_flow_runs(flow_filter=ours, flow_run_filter=running)


def dead_reason(run: FlowRun, stale_after: timedelta, now: datetime) -> str | None:
    """Why a RUNNING run is taken for dead (its heartbeats stopped), or None: alive or unknown."""
    if run.state is None or run.state.type.value != "RUNNING":
        return None
    beat = last_heartbeat(run.id)
    if beat is None or now - beat <= stale_after:
        return None
    return (
        f"no heartbeat since {beat:%Y-%m-%d %H:%M:%S} UTC (over {_minutes(stale_after)}): "
        "the process running it is gone. Marked Crashed by the drflow janitor, which removes "
        "what the run held in VBR."
    )


def _minutes(span: timedelta) -> str:
    return f"{span.total_seconds() / 60:.3g} min"


def _crash(run: FlowRun, reason: str) -> None:
    from prefect import get_client as prefect_client
    from prefect.states import Crashed

    with prefect_client(sync_client=True) as client:
        client.set_flow_run_state(run.id, Crashed(message=reason), force=True)


def _remove_held(client: VBRClient, run: FlowRun, report: JanitorReport, logger: Any) -> None:
    """Remove what a dead run remembered holding (objects VBR cannot list by mark)."""
    for kind, object_id in remembered(run.id):
        label = f"{kind} {object_id} (run {run.id}, CRASHED)"
        if kind not in REMOVERS:
            report.failed.append(f"{label}: no remover for a {kind}")
            continue
        _attempt(report, logger, label, partial(REMOVERS[kind], client, object_id))


def _attempt(report: JanitorReport, logger: Any, label: str, removal: Callable[[], object]) -> None:
    """Run ``removal`` and record how it went under ``label`` (already gone: removed)."""
    try:
        removal()
    except NotFound:
        pass
    except VBRError as exc:
        logger.error("could not remove %s: %s", label, exc)
        report.failed.append(f"{label}: {exc}")
        return
    logger.warning("removed %s", label)
    report.removed.append(label)


@flow(name="janitor")
def janitor(
    connection: VBRConnection | None = None,
    dry_run: bool = False,
    stale_after_minutes: float = DEFAULT_STALE_AFTER_MINUTES,
) -> JanitorReport:
    """Remove mounts that drflow runs started (found by their mark) whose run is not active,
    and what RUNNING runs whose heartbeats stopped held (those runs are marked Crashed).

    Args:
        connection: How to reach VBR; the environment when empty.
        dry_run: Only report what would be removed (and which runs would be marked Crashed).
        stale_after_minutes: A RUNNING run without a heartbeat for this long is dead. Keep it
            above three heartbeat periods (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``, 180 s by
            default) of the processes that run drflow flows.
    """
    logger = get_run_logger()
    client = get_client(connection or VBRConnection())
    report = JanitorReport()
    stale_after = timedelta(minutes=stale_after_minutes)
    now = datetime.now(UTC)
    dead: set[str] = set()
    for run in _running_drflow_runs():
        reason = dead_reason(run, stale_after, now)
        if reason is None:
            continue
        label = f"run {run.id} ({run.name}): {reason}"
        dead.add(str(run.id))
        if dry_run:
            report.crashed.append(f"would mark Crashed: {label}")
            continue
        _crash(run, reason)
        logger.warning("marked Crashed: %s", label)
        report.crashed.append(label)
        _remove_held(client, run, report, logger)
    for found in find_marked(client):
        state = owner_state(found.run_id())
        label = f"{found.kind} {found.name} (run {found.run_id()}, {state or 'unknown run'})"
        if state in ACTIVE and found.run_id() not in dead:
            report.kept.append(label)
            continue
        if dry_run:
            report.removed.append(f"would remove {label}")
            continue
        _attempt(report, logger, label, partial(remove, client, found))
    create_markdown_artifact(
        _markdown(report), key="janitor", description=f"{len(report.removed)} orphans removed"
    )
    return report


def _markdown(report: JanitorReport) -> str:
    lines = ["# Janitor", ""]
    for title, items in (
        ("Runs found dead (no heartbeat)", report.crashed),
        ("Removed", report.removed),
        ("Kept (run active)", report.kept),
        ("Failed", report.failed),
    ):
        lines += [f"## {title}", *(f"- {item}" for item in items or ["none"]), ""]
    return "\n".join(lines)
