"""Carrying out a plan: preflight, then each workload by the plan's order and limits, then the
verdict and the evidence.

preflight (:mod:`.preflight`: every problem found before anything starts; ``on_preflight_failure``
says whether any of them stops the drill, or only the workloads concerned) → recover the
workloads by the plan's order (groups, ``depends_on``), at most ``max_parallel`` at once and never
more VBR restore sessions than the global concurrency limit ``vbr-restore-sessions`` allows
across all runs → each workload is verified and (in a drill) released by its own flow → a drill
sweeps its runs' marks once more, so only what still cannot be removed is left to the janitor →
verdict per workload against its RTO/RPO targets → evidence.

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
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple

from prefect import get_client as prefect_client
from prefect import get_run_logger
from prefect.exceptions import ObjectNotFound, TerminationSignal
from prefect.runtime import flow_run

from drflow.flows import PLAN_KINDS
from drflow.flows.engine import Handoff, Progress, RecoveryReport, handed_over
from drflow.flows.engine.prefect_api import ride_out, transient
from drflow.plans import Plan, dependencies, workload_params
from drflow.tasks import VBRConnection, get_client
from drflow.vbr.models import ObjectRestorePointModel

from .dispatch import (
    IN_THIS_PROCESS,
    Dispatch,
    WorkloadRunner,
    as_task_runs,
    deployment_name,
    deployment_runner,
    find_deployments,
    run_as_task,
    run_in_process,
)
from .evidence import publish_evidence
from .preflight import Preflight, run_preflight
from .report import DrillReport, WorkloadResult
from .slots import PIPELINED_KINDS, DeadlinePassed, HeldSlots
from .sweep import sweep_children

LIMIT_NAME = "vbr-restore-sessions"
DEFAULT_LIMIT = 10
SKIPPED_LATE = "skipped: the deadline passed before it could start"
STARTING_AT_ONCE = 4


def ensure_concurrency_limit(limit: int | None = None) -> int:
    """Create the global limit ``vbr-restore-sessions`` when it is missing; return its size.

    Its size comes from ``DRFLOW_RESTORE_SESSIONS`` (default 10) when drflow creates it; an
    existing limit is left as the administrator set it.
    """

    def ensure() -> int:
        with prefect_client(sync_client=True) as client:
            try:
                return client.read_global_concurrency_limit_by_name(LIMIT_NAME).limit
            except ObjectNotFound:
                size = limit or int(os.environ.get("DRFLOW_RESTORE_SESSIONS", DEFAULT_LIMIT))
                client.upsert_global_concurrency_limit_by_name(LIMIT_NAME, size)
                return size

    return ride_out(ensure, what=f"the global limit {LIMIT_NAME}")


def run_plan(
    plan: Plan,
    mode: Literal["drill", "recover"],
    *,
    only: list[str] | None = None,
    seed: int | None = None,
    dispatch: Dispatch = "in-process",
    deployment: str | None = None,
) -> DrillReport:
    """Recover ``plan`` (or the workloads in ``only``) and return the report.

    With ``dispatch="deployments"`` each workload runs as a run of its kind's deployment (the
    registry's, or the one named ``deployment``), on any worker of its work pool.
    """
    logger = get_run_logger()
    report = DrillReport(
        plan=plan.name,
        mode=mode,
        flow_run_id=str(flow_run.get_id() or "") or None,
        definition=plan.model_dump(mode="json"),
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
    results = {n: workload_result(plan, n) for n in names}
    report.results = list(results.values())
    deadline = datetime.now(UTC) + timedelta(minutes=plan.deadline_minutes)
    connection = VBRConnection.model_validate(plan.vbr.connection())
    params = {n: _params(plan, n, mode, deadline) for n in names}
    seen = _gate(plan, connection, results, report, mode, params)
    if seen is not None:
        runner: WorkloadRunner = run_in_process
        as_tasks: set[str] = set()
        if dispatch == "deployments":
            _check_deployments(results, deployment, report)
            runner = deployment_runner(deployment)
        else:
            kinds = {n: r.kind for n, r in results.items()}
            as_tasks = as_task_runs(plan.workload_runs, kinds, mode)
            if as_tasks:
                report.preflight.append(
                    f"{len(as_tasks)} of {len(results)} workloads run as task runs of this run "
                    f"(workload_runs: {plan.workload_runs})"
                )
        progress = Progress(f"{mode}-{plan.name}")
        newest = seen.newest_points() if mode == "drill" else {}
        _execute(plan, results, params, deadline, progress, runner, limit, as_tasks, newest)
        if mode == "drill":
            sweep_children(get_client(connection), report)
        if datetime.now(UTC) > deadline:
            report.reason = f"the {mode} ran past its deadline of {plan.deadline_minutes:g} minutes"
    report.finish()
    publish_evidence(report)
    return report


def _params(plan: Plan, name: str, mode: str, deadline: datetime) -> dict[str, Any]:
    """A workload's flow parameters as the drill runs it: the plan's, bounded by its deadline."""
    params = workload_params(plan, name, mode)
    params["deadline"] = deadline.isoformat()
    return params


def _gate(
    plan: Plan,
    connection: VBRConnection,
    results: dict[str, WorkloadResult],
    report: DrillReport,
    mode: str,
    params: dict[str, dict[str, Any]],
) -> Preflight | None:
    """Run the preflight; what it saw, or None when nothing may start. Every finding is
    reported, together: VBR unreachable stops everything; otherwise ``on_preflight_failure``
    says whether any finding stops everything (``abort``) or only its workload and its
    dependants (``skip``)."""
    logger = get_run_logger()
    seen = run_preflight(plan, connection, results, mode=mode, params_of=params.__getitem__)
    report.vbr = seen.vbr
    report.preflight += seen.notes
    report.findings = [finding.describe() for finding in seen.findings]
    for finding in seen.findings:
        logger.error("preflight: %s", finding.describe())
    if not seen.findings:
        report.preflight.append(f"all {len(results)} workloads ready")
        return seen
    if seen.blocked():  # said once, for the drill: nothing could be tried
        [finding] = [f for f in seen.findings if f.workload is None]
        for result in results.values():
            result.reason = "not started: VBR could not be used"
        report.reason = f"preflight: {finding.problem}; nothing was started"
        return None
    concerned = sorted({str(f.workload) for f in seen.findings})
    for finding in seen.findings:
        result = results[str(finding.workload)]
        result.outcome = "failed"
        result.reason = "; ".join(filter(None, [result.reason, f"preflight: {finding.problem}"]))
    summary = (
        f"{len(results) - len(concerned)} of {len(results)} workloads ready; "
        f"not recovered: {', '.join(concerned)}"
    )
    report.preflight.append(summary)
    if plan.on_preflight_failure == "abort":
        for result in results.values():
            if result.outcome != "failed":
                result.reason = (
                    f"not started: the preflight found problems with {', '.join(concerned)}"
                )
        report.reason = (
            f"preflight: {len(seen.findings)} problem(s); nothing was started "
            "(on_preflight_failure: abort)"
        )
        return None
    return seen


def workload_result(plan: Plan, name: str) -> WorkloadResult:
    """A workload's result before anything is known: its kind and its RTO/RPO targets."""
    workload = plan.workload(name)
    rto = workload.rto_minutes or plan.defaults.rto_minutes
    rpo = workload.rpo_hours or plan.defaults.rpo_hours
    return WorkloadResult(
        name=name,
        kind=workload.kind,
        rto_target_seconds=rto * 60 if rto else None,
        rpo_target_seconds=rpo * 3600 if rpo else None,
    )


def _check_deployments(
    results: dict[str, WorkloadResult], deployment: str | None, report: DrillReport
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
    results: dict[str, WorkloadResult],
    params: dict[str, dict[str, Any]],
    deadline: datetime,
    progress: Progress,
    runner: WorkloadRunner,
    sessions: int,
    as_tasks: set[str],
    newest: dict[str, ObjectRestorePointModel],
) -> None:
    """Start each workload once its dependencies passed, within the parallelism limits
    (``sessions``: the size of the global limit); those in ``as_tasks`` as task runs. A run in
    this process is handed its workload's ``newest`` restore point, if the preflight read one."""
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
                run = run_as_task if name in as_tasks else runner
                args = (params[name], results[name], deadline, slots, run, newest.get(name))
                future = _in_thread(name, _recover_one, *args)
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
    params: dict[str, Any],
    result: WorkloadResult,
    deadline: datetime,
    slots: Slots,
    runner: WorkloadRunner,
    newest: ObjectRestorePointModel | None = None,
) -> None:
    """Recover one workload within the plan's, its group's and the global limits; a run in
    this process is handed the ``newest`` restore point the preflight read.

    The global limit ``vbr-restore-sessions`` counts workloads recovering, across every drill.
    A workload flow run in this process takes its slot itself, around its VBR work only
    (:mod:`drflow.flows.engine.handoff`): Prefect's seconds to start and finish the run are then
    spent outside the slot, and the next runs are started ahead so that a freed slot goes to
    one already waiting. Any other run (a deployment run on another worker, a switchover that
    may suspend) is started only once the drill holds its slot, and the slot is held until the
    run has ended, wherever it executes. Workload flows never take the global limit on their
    own, so a drill cannot deadlock with its children.
    """
    params = dict(params)
    remaining = (deadline - datetime.now(UTC)).total_seconds() / 60
    params["timeout_minutes"] = max(1.0, min(params.get("timeout_minutes", 30), remaining))
    here = runner in IN_THIS_PROCESS
    own_slot = here and result.kind in PIPELINED_KINDS
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

    def run_here() -> RecoveryReport | str:
        """The workload's run in this process; retried (by ``ride_out``) while Prefect's API
        is away, but only when the recovery had not begun: nothing was started in VBR."""
        link = Handoff(
            take_slot=taken_by_the_run if own_slot else None,
            flow_name=PLAN_KINDS[result.kind].flow_name if runner is run_as_task else None,
            newest_point=newest,
        )
        try:
            with handed_over(link):
                report = runner(result.kind, params, deadline)
        except Exception as exc:
            if link.report is not None:  # it ran; Prefect could not record the run's end
                return link.report
            if transient(exc) and not link.began:
                raise
            return f"its run could not be carried out by Prefect: {type(exc).__name__}: {exc}"
        return link.report if isinstance(report, str) and link.report is not None else report

    report: RecoveryReport | str
    try:
        with slots.in_flight if own_slot else slots.take(deadline):
            result.started_at = datetime.now(UTC)
            if own_slot:
                slots.starting.acquire()
                slots.limit.prefetch()
                started.acquire()
            try:
                if here:
                    report = ride_out(run_here, what=f"the run of {result.name}")
                else:
                    report = runner(result.kind, params, deadline)
            finally:
                _started()  # a run that ended before its slot
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
    result.task_run_id = report.task_run_id
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
