"""How a drill runs one workload's flow: in the drill's own process, or as a run of that flow's
deployment, which any worker of the deployment's work pool picks up (scale-out).

In the drill's process a workload is a child flow run of the drill's run, or, lighter, a task
run of it (``workload_runs`` of the plan): the same recovery, by the same engine, with its
state, logs and evidence in the UI under that task run (its VBR operations are calls inside
it, not task runs of their own). A flow run costs Prefect's
server several times what a task run does (measured: about 0.38 s of the server's CPU per
workload of a drill), and that server is one process: at hundreds of workloads at once it is
what the drill waits for. Either way the drill gets back the workload's
:class:`RecoveryReport` (or the reason there is none).

A deployment run hands its report back through Prefect's result persistence: the drill asks
for it (``PREFECT_RESULTS_PERSIST_BY_DEFAULT=true`` in the run's ``env`` job variable) and reads
the result from the storage it was written to. On one machine that is the workers' shared
``PREFECT_LOCAL_STORAGE_PATH``; across machines every worker needs the same result storage
block (``PREFECT_DEFAULT_RESULT_STORAGE_BLOCK``, e.g. an S3 bucket): see docs/scale-out.md.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from prefect import get_client
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.states import Cancelled

from drflow.flows import PLAN_KINDS, RecoveryFailed, RecoveryReport
from drflow.flows.engine import run_recovery
from drflow.plans import TASK_RUNS_FROM, WorkloadRuns
from drflow.tasks import drflow_task, inline_tasks

Dispatch = Literal["in-process", "deployments"]
"""``in-process``: each workload runs in a thread of the drill's process. ``deployments``: each
runs as a run of its flow's deployment, on any worker of that deployment's work pool."""

WorkloadRunner = Callable[[str, dict[str, Any], datetime], RecoveryReport | str]
"""``runner(kind, params, deadline)``: run one workload, return its report or why there is none."""

POLL_SECONDS = 1.0
"""How often the drill reads the state of a workload's deployment run."""

PERSIST_RESULTS = {"PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true"}


def deployment_name(kind: str, deployment: str | None = None) -> str:
    """``flow/deployment`` of the deployment that recovers workloads of ``kind``: its own
    (the registry's), or the one named ``deployment``."""
    entry = PLAN_KINDS[kind]
    return f"{entry.flow_name}/{deployment}" if deployment else entry.deployment_name


def find_deployments(kinds: set[str], deployment: str | None) -> dict[str, str]:
    """The kinds whose deployment exists, each with where its runs go (its work pool)."""
    found: dict[str, str] = {}
    with get_client(sync_client=True) as client:
        for kind in kinds:
            try:
                pool = client.read_deployment_by_name(deployment_name(kind, deployment))
            except ObjectNotFound:
                continue
            found[kind] = (
                f"work pool {pool.work_pool_name}" if pool.work_pool_name else "served (no pool)"
            )
    return found


def report_of(outcome: Any) -> RecoveryReport | str:
    """The report in a workload flow's result (returned or raised), else why there is none."""
    if isinstance(outcome, RecoveryReport):
        return outcome
    if isinstance(outcome, RecoveryFailed):
        return outcome.report
    return f"the recovery flow did not finish: {outcome}"


def run_in_process(kind: str, params: dict[str, Any], deadline: datetime) -> RecoveryReport | str:
    """Run the workload's flow here, as a child flow run in this thread."""
    entry = PLAN_KINDS[kind]
    state = entry.flow(entry.params.model_validate(params), return_state=True)
    return report_of(state.result(raise_on_failure=False))


@drflow_task("recover-workload", run_name="{label}", persist_result=False)
def recover_workload(label: str, kind: str, params: dict[str, Any]) -> RecoveryReport:
    """Recover one workload as its kind's flow does, as a task run of the drill's flow run (its
    VBR operations are calls within it, not task runs of their own).

    The drill recovers each workload once per execution of its run: it runs one again only when
    it failed before the recovery began.
    """
    entry = PLAN_KINDS[kind]
    with inline_tasks(once_per_execution=True):
        return run_recovery(entry.strategy(entry.params.model_validate(params)))


def run_as_task(kind: str, params: dict[str, Any], deadline: datetime) -> RecoveryReport | str:
    """Run the workload here, as a task run of the drill's flow run in this thread, named as its
    flow run would be (``vsphere-instant-recovery[vm01]``)."""
    entry = PLAN_KINDS[kind]
    target = entry.strategy(entry.params.model_validate(params)).name
    state = recover_workload(f"{entry.flow_name}[{target}]", kind, params, return_state=True)
    return report_of(state.result(raise_on_failure=False))


IN_THIS_PROCESS = (run_in_process, run_as_task)
"""The runners that run a workload in the drill's own process (it can hand them its slot)."""


def as_task_runs(setting: WorkloadRuns, kinds: dict[str, str], mode: str) -> set[str]:
    """Which workloads (``kinds``: name → kind) of a plan carried out in ``mode`` run as task
    runs of its flow run.

    Only a drill's, and only of a kind whose run takes its slot around its VBR work
    (``pipelined``: it ends with what it mounted gone; a switchover may suspend); the others
    stay flow runs whatever the setting. A recovery's workloads always do: what one keeps is
    protected by its record, and when that record could not be written (Prefect away past its
    retries) by its own run having completed, which a task run of a run that crashed later
    would not have.
    """
    if mode != "drill" or setting == "flow-runs":
        return set()
    if setting == "auto" and len(kinds) < TASK_RUNS_FROM:
        return set()
    return {name for name, kind in kinds.items() if PLAN_KINDS[kind].pipelined}


def deployment_runner(deployment: str | None) -> WorkloadRunner:
    """A runner that starts each workload as a run of its flow's deployment ``deployment``."""

    def run(kind: str, params: dict[str, Any], deadline: datetime) -> RecoveryReport | str:
        return run_as_deployment(kind, params, deadline, deployment)

    return run


def run_as_deployment(
    kind: str, params: dict[str, Any], deadline: datetime, deployment: str | None
) -> RecoveryReport | str:
    """Start the workload as a child run of its flow's deployment and wait for its end.

    A run no worker has picked up by ``deadline`` is cancelled. Once running, the run ends by
    its own timeouts (``timeout_minutes``), as an in-process workload does.
    """
    PLAN_KINDS[kind].params.model_validate(params)  # a bad plan fails here, not on a worker
    name = deployment_name(kind, deployment)
    with get_client(sync_client=True) as client:
        target = client.read_deployment_by_name(name)
        env = {**(target.job_variables or {}).get("env", {}), **PERSIST_RESULTS}
        run: FlowRun = run_deployment(
            target.id,
            parameters={"params": params},
            timeout=0,  # returns once created; waited for below
            as_subflow=True,
            job_variables={"env": env},
        )
        while True:
            run = client.read_flow_run(run.id)
            if run.state is not None and run.state.is_final():
                break
            if run.state_type == StateType.SCHEDULED and datetime.now(UTC) >= deadline:
                message = (
                    f"no worker of work pool {target.work_pool_name} started {name} "
                    "before the deadline"
                )
                client.set_flow_run_state(run.id, Cancelled(message=message), force=True)
                return f"not started: {message}"
            time.sleep(POLL_SECONDS)
    if run.state_type not in (StateType.COMPLETED, StateType.FAILED):  # cancelled, crashed
        return f"the recovery flow run {run.id} ended {run.state.name}: {run.state.message}"
    try:
        outcome = run.state.result(raise_on_failure=False)
    except Exception as exc:  # the result was not persisted, or not where this process looks
        return (
            f"cannot read the result of flow run {run.id} ({run.state.name}): {exc}; "
            "the drill and the workers need the same result storage "
            "(PREFECT_DEFAULT_RESULT_STORAGE_BLOCK, see docs/scale-out.md)"
        )
    return report_of(outcome)
