"""Drills and recoveries of a whole plan: ``dr-drill`` rehearses it, ``dr-recover`` does it.

preflight → recover the workloads by the plan's order (groups, ``depends_on``), at most
``max_parallel`` at once and never more VBR restore sessions than the global concurrency limit
``vbr-restore-sessions`` allows across all runs → each workload is verified and (in a drill)
unmounted by its own flow → verdict per workload against its RTO/RPO targets → evidence.

Each workload's flow runs as a child of the drill's run: in the drill's own process
(``dispatch="in-process"``, the default), or as a run of that flow's deployment that any worker
of its work pool picks up (``dispatch="deployments"``: a drill spread over many workers).
"""

import contextvars
import os
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.exceptions import TerminationSignal
from prefect.runtime import flow_run

from drflow.plans import Plan, PlanError, load_plan, workload_params
from drflow.plans.graph import dependencies
from drflow.tasks import VBRConnection, get_client
from drflow.vbr import VBRError, latest_restore_point
from drflow.vbr.models import ObjectRestorePointModel

from ._cleanup import remove_what_the_children_started
from ._dispatch import (
    Dispatch,
    WorkloadRunner,
    deployment_name,
    deployment_runner,
    find_deployments,
    run_in_process,
)
from ._drill_report import DrillReport, WorkloadResult
from ._report import artifact_key
from ._slots import PIPELINED_KINDS, DeadlinePassed, HeldSlots, slot_handed_over
from .evidence import Progress

LIMIT_NAME = "vbr-restore-sessions"
DEFAULT_LIMIT = 10
SKIPPED_LATE = "skipped: the deadline passed before it could start"
PREFLIGHT_AT_ONCE = 8
"""Restore points looked up at once by the preflight (one list call per VM)."""
STARTING_AT_ONCE = 4


def ensure_concurrency_limit(limit: int | None = None) -> int:
    """Create the global limit ``vbr-restore-sessions`` when it is missing; return its size.

    Its size comes from ``DRFLOW_RESTORE_SESSIONS`` (default 10) when drflow creates it; an
    existing limit is left as the administrator set it.
    """
    from prefect import get_client as prefect_client
    from prefect.exceptions import ObjectNotFound

    with prefect_client(sync_client=True) as client:
        try:
            return client.read_global_concurrency_limit_by_name(LIMIT_NAME).limit
        except ObjectNotFound:
            size = limit or int(os.environ.get("DRFLOW_RESTORE_SESSIONS", DEFAULT_LIMIT))
            client.upsert_global_concurrency_limit_by_name(LIMIT_NAME, size)
            return size


def run_plan(
    plan: Plan,
    mode: Literal["drill", "recover"],
    *,
    only: list[str] | None = None,
    seed: int | None = None,
    dispatch: Dispatch = "in-process",
    deployment: str = "manual",
) -> DrillReport:
    """Recover ``plan`` (or the workloads in ``only``) and return the report.

    With ``dispatch="deployments"`` each workload runs as a run of its flow's deployment named
    ``deployment`` (``vsphere-instant-recovery/manual``, ...), on any worker of its work pool.
    """
    logger = get_run_logger()
    report = DrillReport(
        plan=plan.name, mode=mode, flow_run_id=str(flow_run.get_id() or "") or None
    )
    names = [w.name for _, w in plan.workloads()]
    if only:
        names = [n for n in names if n in only]
    if mode == "drill" and plan.sample is not None:
        rng = random.Random(seed if seed is not None else str(flow_run.get_id()))
        names = sorted(rng.sample(names, plan.sample))
        report.sample = names
        logger.info("rehearsing a sample of %d: %s", plan.sample, ", ".join(names))
    limit = ensure_concurrency_limit()
    report.preflight.append(f"global concurrency limit {LIMIT_NAME}: {limit} restore sessions")
    results = {n: _result(plan, n) for n in names}
    report.results = list(results.values())
    connection = VBRConnection.model_validate(plan.vbr.connection())
    _preflight(plan, connection, results, report, mode)
    runner: WorkloadRunner = run_in_process
    if dispatch == "deployments":
        _check_deployments(results, deployment, report)
        runner = deployment_runner(deployment)
    deadline = datetime.now(UTC) + timedelta(minutes=plan.deadline_minutes)
    progress = Progress(f"{mode}-{plan.name}")
    _execute(plan, mode, results, deadline, progress, runner, limit)
    if datetime.now(UTC) > deadline:
        report.reason = f"the {mode} ran past its deadline of {plan.deadline_minutes:g} minutes"
    report.finish()
    _publish(report)
    return report


def _result(plan: Plan, name: str) -> WorkloadResult:
    workload = plan.workload(name)
    rto = workload.rto_minutes or plan.defaults.rto_minutes
    rpo = workload.rpo_hours or plan.defaults.rpo_hours
    return WorkloadResult(
        name=name,
        kind=workload.kind,
        rto_target_seconds=rto * 60 if rto else None,
        rpo_target_seconds=rpo * 3600 if rpo else None,
    )


def _preflight(
    plan: Plan,
    connection: VBRConnection,
    results: dict[str, WorkloadResult],
    report: DrillReport,
    mode: str,
) -> None:
    """VBR answers; each workload has a restore point within its RPO and no mount already."""
    from drflow.vbr.marks import find_marked

    client = get_client(connection)
    try:
        client.restore_points.list_page(limit=1)
    except VBRError as exc:
        for result in results.values():
            result.outcome, result.reason = "failed", f"preflight: VBR does not answer: {exc}"
        report.preflight.append(f"VBR at {client.settings.url}: FAILED {exc}")
        return
    report.preflight.append(f"VBR at {client.settings.url} answers as {client.settings.username}")
    busy = {found.name for found in find_marked(client)}
    vms: dict[str, str] = {}
    for name, result in results.items():
        workload = plan.workload(name)
        target = workload.params.get("vm") or workload.params.get("share") or name
        if target in busy:
            result.outcome = "failed"
            result.reason = f"preflight: {target} is already mounted by another drflow run"
        elif "vm" in workload.params:
            vms[name] = target

    def newest(target: str) -> ObjectRestorePointModel | VBRError:
        try:  # also with no RPO target: a workload VBR does not know is refused here
            return latest_restore_point(client, target)
        except VBRError as exc:
            return exc

    with ThreadPoolExecutor(PREFLIGHT_AT_ONCE, thread_name_prefix="drflow-preflight") as pool:
        points = dict(zip(vms, pool.map(newest, vms.values()), strict=True))
    for name, point in points.items():
        result = results[name]
        if isinstance(point, VBRError):
            result.outcome, result.reason = "failed", f"preflight: {point}"
            continue
        result.rpo_seconds = round((datetime.now(UTC) - point.creation_time).total_seconds())
        if result.rpo_target_seconds is not None and not result.rpo_met:
            result.outcome = "failed"
            result.reason = (
                f"preflight: newest restore point is {result.rpo_seconds / 3600:.1f}h old, "
                f"RPO target {result.rpo_target_seconds / 3600:g}h"
            )
    failed = [r.name for r in results.values() if r.outcome == "failed"]
    report.preflight.append(
        f"{len(results) - len(failed)} of {len(results)} workloads ready"
        + (f"; not recovered: {', '.join(failed)}" if failed else "")
    )


def _check_deployments(
    results: dict[str, WorkloadResult], deployment: str, report: DrillReport
) -> None:
    """Each workload to dispatch has its flow's deployment; the others fail, saying so."""
    kinds = {r.kind for r in results.values()}
    found = find_deployments(kinds, deployment)
    for kind in sorted(kinds):
        name = deployment_name(kind, deployment)
        report.preflight.append(f"{kind} workloads run as {name}: {found.get(kind, 'missing')}")
    for result in results.values():
        if result.kind not in found and result.outcome != "failed":
            result.outcome = "failed"
            result.reason = (
                f"preflight: no deployment {deployment_name(result.kind, deployment)} on the "
                "Prefect server (register it with `prefect deploy --all`)"
            )


def _execute(
    plan: Plan,
    mode: str,
    results: dict[str, WorkloadResult],
    deadline: datetime,
    progress: Progress,
    runner: WorkloadRunner,
    sessions: int,
) -> None:
    """Start each workload once its dependencies passed, within the parallelism limits
    (``sessions``: the size of the global limit)."""
    logger = get_run_logger()
    edges = {n: d & set(results) for n, d in dependencies(plan).items() if n in results}
    group_of = {w.name: g for g, w in plan.workloads()}
    plan_slots = threading.Semaphore(plan.max_parallel)
    group_caps = {g.name: g.max_parallel or plan.max_parallel for g in plan.groups}
    group_slots = {g: threading.Semaphore(cap) for g, cap in group_caps.items()}
    # runs that take their slot themselves are started up to this many ahead of a free slot
    in_flight = threading.Semaphore(2 * plan.max_parallel)
    starting = threading.Semaphore(STARTING_AT_ONCE)
    pending = {n for n, r in results.items() if r.outcome != "failed"}
    limit = HeldSlots(LIMIT_NAME)
    ready = Counter(group_of[n].name for n in pending if not edges[n])  # can start at once
    first_wave = sum(min(n, group_caps[g]) for g, n in ready.items())
    limit.reserve(min(first_wave, plan.max_parallel, sessions))
    running: dict[Future[None], str] = {}
    done: set[str] = {n for n, r in results.items() if r.outcome == "failed"}
    total = max(len(results), 1)
    try:
        while pending or running:
            for name in sorted(pending):
                deps = edges[name]
                if not deps <= done:
                    continue
                pending.discard(name)
                broken = sorted(d for d in deps if results[d].outcome != "passed")
                if broken:
                    results[name].reason = f"skipped: {', '.join(broken)} did not pass"
                    done.add(name)
                    continue
                if datetime.now(UTC) >= deadline:
                    results[name].reason = SKIPPED_LATE
                    done.add(name)
                    continue
                slots = Slots(
                    group_slots[group_of[name].name], plan_slots, limit, in_flight, starting
                )
                future = _in_thread(
                    name, _recover_one, plan, mode, results[name], deadline, slots, runner
                )
                running[future] = name
            if not running:
                if pending:  # nothing can start: only skipped dependants remain
                    continue
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                future.result()
                done.add(name)
                progress.update(100 * len(done) / total, f"{len(done)} of {total} done")
                logger.info("%s: %s %s", name, results[name].outcome, results[name].reason)
    except BaseException as exc:
        if not isinstance(exc, TerminationSignal):  # cancelled: exit now, the hooks clean up
            wait(running)  # let the running workloads end, and clean up after themselves
        raise
    finally:
        limit.close()


def _in_thread(name: str, fn: Callable[..., None], *args: Any) -> Future[None]:
    """Run ``fn(*args)`` in a daemon thread, in a copy of this context (the flow run's).

    Not a thread pool: its workers keep the process alive until every running workload ends,
    so a cancelled drill (SIGTERM) would only stop when killed, 30 s later. With daemon
    threads its process exits at once, and ``on_cancellation`` removes what the workloads
    mounted.
    """
    future: Future[None] = Future()
    context = contextvars.copy_context()

    def run() -> None:
        future.set_running_or_notify_cancel()
        try:
            context.run(fn, *args)
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(None)

    threading.Thread(target=run, name=f"drflow-{name}", daemon=True).start()
    return future


class Slots(NamedTuple):
    """What a workload takes before it recovers, always in this order (no two workloads wait on
    each other): its group's slot, the plan's, then one of the global limit (handed on within
    the drill: :class:`HeldSlots`). ``in_flight`` bounds the runs started ahead of their slot,
    ``starting`` the runs between their start and their slot (started all at once, the first
    wave would reach VBR only once all had started: Prefect's start of a run is CPU-bound)."""

    group: threading.Semaphore
    plan: threading.Semaphore
    limit: HeldSlots
    in_flight: threading.Semaphore
    starting: threading.Semaphore

    @contextmanager
    def take(self, deadline: datetime) -> Iterator[None]:
        """Hold the workload's slots; :class:`DeadlinePassed` when the deadline passed while
        it waited for them. One whose slots were free goes on whatever the time: the drill
        started it before the deadline (its run may take seconds to reach its slot)."""
        with ExitStack() as held:
            waited = False
            for semaphore in (self.group, self.plan):
                if not semaphore.acquire(blocking=False):
                    waited = True
                    semaphore.acquire()
                held.callback(semaphore.release)
            waited |= not held.enter_context(self.limit.slot())
            if waited and datetime.now(UTC) >= deadline:
                raise DeadlinePassed(SKIPPED_LATE)
            yield


def _recover_one(
    plan: Plan,
    mode: str,
    result: WorkloadResult,
    deadline: datetime,
    slots: Slots,
    runner: WorkloadRunner,
) -> None:
    """Recover one workload within the plan's, its group's and the global limits.

    The global limit ``vbr-restore-sessions`` counts workloads recovering, across every drill.
    A workload flow run in this process takes its slot itself, around its VBR work only
    (:mod:`._slots`): Prefect's seconds to start and finish the run are then spent outside the
    slot, and the next runs are started ahead so that a freed slot goes to one already waiting.
    Any other run (a deployment run on another worker, a switchover that may suspend) is
    started only once the drill holds its slot, and the slot is held until the run has ended,
    wherever it executes. Workload flows never take the global limit on their own, so a drill
    cannot deadlock with its children.
    """
    params = workload_params(plan, result.name, mode)
    remaining = (deadline - datetime.now(UTC)).total_seconds() / 60
    params["timeout_minutes"] = max(1.0, min(params.get("timeout_minutes", 30), remaining))
    own_slot = runner is run_in_process and result.kind in PIPELINED_KINDS
    missed = threading.Event()

    started = threading.Lock()  # held while the run is starting, up to its slot

    @contextmanager
    def taken_by_the_run() -> Iterator[None]:
        _started()
        try:
            with slots.take(deadline):
                yield
        except DeadlinePassed:
            missed.set()
            raise

    def _started() -> None:
        if started.locked():
            started.release()
            slots.starting.release()

    try:
        with slots.in_flight if own_slot else slots.take(deadline):
            result.started_at = datetime.now(UTC)
            if own_slot:
                slots.starting.acquire()
                slots.limit.prefetch()
                started.acquire()
                try:
                    with slot_handed_over(taken_by_the_run):
                        report = runner(result.kind, params, deadline)
                finally:
                    _started()  # a run that ended before its slot
            else:
                report = runner(result.kind, params, deadline)
            result.ended_at = datetime.now(UTC)
    except DeadlinePassed:
        missed.set()
    except Exception as exc:  # Prefect's API failed this workload; the others carry on
        report = f"its run could not be carried out by Prefect: {type(exc).__name__}: {exc}"
    if missed.is_set():  # it waited for a slot until too late: nothing started
        result.started_at = result.ended_at = None
        result.reason = SKIPPED_LATE
        return
    if isinstance(report, str):
        result.outcome, result.reason = "failed", report
        return
    result.report = report
    result.flow_run_id = report.flow_run_id
    result.rto_seconds = report.rto_seconds
    result.rpo_seconds = report.restore_point_age_seconds
    if report.verdict != "passed":
        result.outcome, result.reason = "failed", report.reason
    elif result.rto_met is False:
        result.outcome = "failed"
        result.reason = (
            f"RTO {result.rto_seconds:.0f}s over the target {result.rto_target_seconds:.0f}s"
        )
    elif result.rpo_met is False:
        result.outcome = "failed"
        result.reason = (
            f"RPO {result.rpo_seconds:.0f}s over the target {result.rpo_target_seconds:.0f}s"
        )
    else:
        result.outcome = "passed"


def _publish(report: DrillReport) -> None:
    key = artifact_key(report.mode, report.plan)
    create_markdown_artifact(
        report.markdown(), key=key, description=f"{report.mode} of {report.plan}: {report.verdict}"
    )
    create_table_artifact(
        report.table(),
        key=f"{key}-table",
        description=f"{report.mode} of {report.plan}: per workload",
    )


def _load(plan: str) -> Plan:
    try:
        return load_plan(plan)
    except PlanError as exc:
        raise ValueError(str(exc)) from None


class DrillFailed(Exception):
    """The drill's verdict is failed; ``report`` has the details."""

    def __init__(self, report: DrillReport) -> None:
        super().__init__(f"{report.mode} of {report.plan} failed: {report.reason}")
        self.report = report


@flow(
    name="dr-drill",
    flow_run_name="dr-drill[{plan}]",
    on_cancellation=[remove_what_the_children_started],
    on_crashed=[remove_what_the_children_started],
)
def dr_drill(
    plan: str,
    report_path: str | None = None,
    seed: int | None = None,
    dispatch: Dispatch = "in-process",
    deployment: str = "manual",
) -> DrillReport:
    """Rehearse a recovery plan: recover every workload isolated, verify it, always unmount it.

    Args:
        plan: Path of the plan file (YAML), relative to the working directory.
        report_path: Also write the JSON report there.
        seed: Seed of the random sample (plans with `sample`); default: the flow run id.
        dispatch: `in-process`: every workload runs in this flow run's process;
            `deployments`: each runs as a run of its flow's deployment, on any worker of
            that deployment's work pool (scale-out).
        deployment: With `dispatch: deployments`, the name of the workload flows'
            deployments (`vsphere-instant-recovery/<deployment>`, ...).
    """
    loaded = _load(plan)
    report = run_plan(loaded, "drill", seed=seed, dispatch=dispatch, deployment=deployment)
    if report_path:
        report.write_json(report_path)
    if report.verdict != "passed" and loaded.fail_run_on_failed_drill:
        raise DrillFailed(report)
    return report


@flow(
    name="dr-recover",
    flow_run_name="dr-recover[{plan}]",
    on_crashed=[remove_what_the_children_started],
)
def dr_recover(
    plan: str,
    workloads: list[str] | None = None,
    report_path: str | None = None,
    dispatch: Dispatch = "in-process",
    deployment: str = "manual",
) -> DrillReport:
    """Recover a plan for real: each workload's own `then` (migrate, keep or ask), no clean-up
    of what succeeded.

    Args:
        plan: Path of the plan file (YAML).
        workloads: Only these workloads (default: all).
        report_path: Also write the JSON report there.
        dispatch: `in-process` or `deployments`, as for `dr-drill`.
        deployment: With `dispatch: deployments`, the workload flows' deployment name.
    """
    loaded = _load(plan)
    if workloads:
        known = {w.name for _, w in loaded.workloads()}
        unknown = sorted(set(workloads) - known)
        if unknown:
            raise ValueError(
                f"workloads: {', '.join(unknown)} not in plan {loaded.name} "
                f"(it has {', '.join(sorted(known))})"
            )
    report = run_plan(loaded, "recover", only=workloads, dispatch=dispatch, deployment=deployment)
    if report_path:
        report.write_json(report_path)
    if report.verdict != "passed":
        raise DrillFailed(report)
    return report
