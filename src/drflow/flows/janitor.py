"""The janitor: remove what drflow runs left behind, and only that.

It looks at everything drflow started that its VBR server still holds: what VBR lists with a
run's mark (:mod:`drflow.vbr.marks`), and what runs recorded holding on that server that VBR
cannot list by mark (several VBR servers may share one Prefect server). Each is
judged by the one set of rules of :mod:`.engine.ownership`: an object is removed only when its
disposition is transient and its run is over, dead, or past its drill's deadline. Kept,
migrating, migrated and switched-over objects are never touched, nor objects VBR is already
removing; what cannot be judged (Prefect cannot be read, the run is unknown) is left, saying
why. ``dry_run`` says what would be removed and what is left, each with its reason.

A run whose process was killed (a worker lost, a machine gone) stays ``RUNNING`` forever and
would keep its mounts forever. Prefect flow runs send a heartbeat event
(``prefect.flow-run.heartbeat``) every ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` seconds (180 by
default, 30 at the least) for as long as their process lives. The janitor takes a ``RUNNING``
run of a drflow flow whose last heartbeat is older than ``stale_after_minutes`` for dead: it
marks it Crashed, saying why, and its transient objects are removed. The default,
:data:`DEFAULT_STALE_AFTER_MINUTES`, is three heartbeats missed at Prefect's default frequency;
keep it above three heartbeat periods of the processes that run drflow flows. A run that never
sent a heartbeat (its process runs with heartbeats off) cannot be judged: it is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from prefect import flow, get_client, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterExpectedStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.events.filters import EventFilter, EventNameFilter, EventOrder, EventResourceFilter
from prefect.exceptions import ObjectNotFound
from prefect.states import Crashed
from pydantic import BaseModel, Field

from drflow.tasks import VBRConnection
from drflow.tasks import get_client as vbr_client
from drflow.vbr import VBRError
from drflow.vbr.marks import find_marked, remove

from .engine import REMOVERS, Disposition, DispositionRecord, OwnerRun, judge, remove_recorded
from .engine.ownership import records
from .engine.strategy import started_as_drill
from .registry import KINDS

PLAN_FLOWS = ("dr-drill", "dr-recover")
"""Plan-level flows whose runs the janitor also judges (their children hold the objects)."""

DEFAULT_STALE_AFTER_MINUTES = 10.0
"""A RUNNING run silent this long is dead: three heartbeats missed at Prefect's default 180 s."""

LOOKBACK_DAYS = 14.0
"""How far back the janitor reads the records of ended runs for what VBR cannot list."""

HEARTBEAT = "prefect.flow-run.heartbeat"


class JanitorReport(BaseModel):
    """What the janitor found and what it did with it, each with the reason."""

    removed: list[str] = []
    left: list[str] = Field(default=[], description="What it leaves, and why.")
    failed: list[str] = []
    crashed: list[str] = Field(
        default=[], description="RUNNING runs found dead (no heartbeat), marked Crashed."
    )
    dry_run: bool = False


def last_heartbeat(run_id: UUID | str) -> datetime | None:
    """When the flow run last sent a heartbeat (None: it never did)."""
    beats = EventFilter(
        event=EventNameFilter(name=[HEARTBEAT]),
        resource=EventResourceFilter(id=[f"prefect.flow-run.{run_id}"]),
        order=EventOrder.DESC,
    )
    with get_client(sync_client=True) as client:
        page = client.read_events(beats, limit=1)
    return page.events[0].occurred if page.events else None


def dead_reason(run: FlowRun, stale_after: timedelta, now: datetime) -> str | None:
    """Why a RUNNING run is taken for dead (its heartbeats stopped), or None: alive or unknown."""
    if run.state is None or run.state.type != StateType.RUNNING:
        return None
    beat = last_heartbeat(run.id)
    if beat is None or now - beat <= stale_after:
        return None
    return (
        f"no heartbeat since {beat:%Y-%m-%d %H:%M:%S} UTC (over "
        f"{stale_after.total_seconds() / 60:.3g} min): the process running it is gone. Marked "
        "Crashed by the drflow janitor, which removes what the run held in VBR."
    )


class _Owners:
    """The runs that own objects, read once each: their state, record, deadline."""

    def __init__(self, stale_after: timedelta, now: datetime) -> None:
        self.stale_after = stale_after
        self.now = now
        self._runs: dict[str, FlowRun | None] = {}
        self._records: dict[str, dict[str, DispositionRecord]] = {}
        self.dead: dict[str, str] = {}

    def run(self, run_id: str | None) -> FlowRun | None:
        if not run_id:
            return None
        if run_id not in self._runs:
            try:
                UUID(run_id)
            except ValueError:
                self._runs[run_id] = None
                return None
            with get_client(sync_client=True) as client:
                try:
                    self._runs[run_id] = client.read_flow_run(UUID(run_id))
                except ObjectNotFound:
                    self._runs[run_id] = None
        return self._runs[run_id]

    def records(self, run_id: str) -> dict[str, DispositionRecord]:
        if run_id not in self._records:
            self._records[run_id] = records(run_id)
        return self._records[run_id]

    def owner(self, run_id: str | None) -> OwnerRun:
        run = self.run(run_id)
        if run is None:
            return OwnerRun(id=run_id, state=None)
        params = (run.parameters or {}).get("params")
        deadline = params.get("deadline") if isinstance(params, dict) else None
        return OwnerRun(
            id=run_id,
            state=run.state.type.value if run.state else None,
            dead=self.dead.get(str(run.id)),
            deadline=datetime.fromisoformat(deadline) if isinstance(deadline, str) else None,
        )


def _drflow_runs(
    states: list[StateType], since: datetime | None = None, *, unlisted_only: bool = False
) -> list[FlowRun]:
    """Runs of drflow's flows in ``states`` (the janitor judges no one else's); with
    ``unlisted_only``, of the flows whose objects VBR cannot list by mark."""
    names = [
        kind.flow_name for kind in KINDS.values() if not (unlisted_only and kind.strategy.listable)
    ]
    if not unlisted_only:
        names += PLAN_FLOWS
    run_filter = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=states)))
    if since is not None:
        run_filter.expected_start_time = FlowRunFilterExpectedStartTime(after_=since)
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=names)), flow_run_filter=run_filter
        )


def _attempt(report: JanitorReport, logger: Any, label: str, removal: Callable[[], object]) -> None:
    try:
        removal()
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
    """Remove what drflow runs left in VBR and nobody keeps: transient objects whose run is over,
    dead or past its drill's deadline. Kept, migrating, migrated and switched-over recoveries
    are never touched.

    Args:
        connection: How to reach VBR; the environment when empty.
        dry_run: Only say what would be removed, and what is left and why (no run is marked
            Crashed).
        stale_after_minutes: A RUNNING run without a heartbeat for this long is dead. Keep it
            above three heartbeat periods (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``, 180 s by
            default) of the processes that run drflow flows.
    """
    logger = get_run_logger()
    client = vbr_client(connection or VBRConnection())
    report = JanitorReport(dry_run=dry_run)
    now = datetime.now(UTC)
    owners = _Owners(timedelta(minutes=stale_after_minutes), now)
    for run in _drflow_runs([StateType.RUNNING]):
        reason = dead_reason(run, owners.stale_after, now)
        if reason is None:
            continue
        owners.dead[str(run.id)] = reason
        label = f"run {run.id} ({run.name}): {reason}"
        if dry_run:
            report.crashed.append(f"would mark Crashed: {label}")
            continue
        with get_client(sync_client=True) as prefect:
            prefect.set_flow_run_state(run.id, Crashed(message=reason), force=True)
        logger.warning("marked Crashed: %s", label)
        report.crashed.append(label)

    def act(label: str, verdict_remove: bool, why: str, removal: Callable[[], object]) -> None:
        if not verdict_remove:
            report.left.append(f"{label}: {why}")
        elif dry_run:
            report.removed.append(f"would remove {label}: {why}")
        else:
            _attempt(report, logger, f"{label}: {why}", removal)

    for found in find_marked(client):
        run_id = found.run_id()
        owner = owners.owner(run_id)
        entry = owners.records(run_id).get(str(found.id)) if owner.state else None
        verdict = judge(
            found.state, entry, owner, now=now, started_as_drill=started_as_drill(found.reason)
        )
        label = f"{found.kind} {found.name} (run {run_id}, {owner.state or 'unknown run'})"
        act(label, verdict.remove, verdict.why, partial(remove, client, found))

    ended = [StateType.FAILED, StateType.CRASHED, StateType.CANCELLED, StateType.COMPLETED]
    since = now - timedelta(days=LOOKBACK_DAYS)
    runs = {str(run.id): run for run in _drflow_runs(ended, since, unlisted_only=True)}
    runs.update({run_id: owners.run(run_id) for run_id in owners.dead})
    for run in runs.values():
        if run is None:
            continue
        owner = owners.owner(str(run.id))
        for entry in owners.records(str(run.id)).values():
            if entry.object.kind not in REMOVERS or entry.disposition == Disposition.RELEASED:
                continue
            if entry.object.vbr not in ("", client.settings.url):
                continue  # another VBR server's (they may share one Prefect server)
            verdict = judge("", entry, owner, now=now)
            label = f"{entry.object.label()} (run {run.id}, {owner.state})"
            act(label, verdict.remove, verdict.why, partial(remove_recorded, client, entry.object))
    create_markdown_artifact(
        _markdown(report),
        key="janitor",
        description=f"{len(report.removed)} removed, {len(report.left)} left",
    )
    return report


def _markdown(report: JanitorReport) -> str:
    lines = ["# Janitor" + (" (dry run)" if report.dry_run else ""), ""]
    for title, items in (
        ("Runs found dead (no heartbeat)", report.crashed),
        ("Would remove" if report.dry_run else "Removed", report.removed),
        ("Left, and why", report.left),
        ("Failed", report.failed),
    ):
        lines += [f"## {title}", *(f"- {item}" for item in items or ["none"]), ""]
    return "\n".join(lines)
