"""``dispatch="deployments"``: a drill whose workloads run as runs of their flows' deployments,
served here by a Prefect Runner (it starts each run in a process of its own, as a worker does).

Many workers on a PostgreSQL server: tests/e2e/test_scaleout_postgres.py.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.flows.support import mounts
from tests.flows.test_drill import (
    drill,
    vbr_env,  # noqa: F401  (a fixture these tests use)
    vm,
    write_plan,
)

from drflow.flows.hyperv import hyperv_instant_recovery
from drflow.flows.vsphere import vsphere_instant_recovery

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("vbr_env")]

DEPLOYMENT = "dispatch-test"
SERVED = [(vsphere_instant_recovery, DEPLOYMENT), (hyperv_instant_recovery, DEPLOYMENT)]


@pytest.fixture(autouse=True)
def persist_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Runner ignores the ``env`` job variable the drill sets on its runs (workers apply it),
    so result persistence is switched on in the environment the runner passes on (as the
    DRFLOW_VBR_* of ``vbr_env``)."""
    monkeypatch.setenv("PREFECT_RESULTS_PERSIST_BY_DEFAULT", "true")


def plan_file(tmp_path: Path, vms: list[str]) -> str:
    return write_plan(
        tmp_path,
        "dispatch",
        [{"name": "all", "workloads": [vm(name) for name in vms]}],
        max_parallel=2,
        deadline_minutes=5,
    )


def child_runs(drill_run_id: Any) -> list[Any]:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[drill_run_id])
            )
        )


def deployment_ids() -> dict[str, Any]:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return {
            flow.name: client.read_deployment_by_name(f"{flow.name}/{name}").id
            for flow, name in SERVED
        }


@pytest.mark.parametrize("runner", [SERVED], indirect=True)
def test_workloads_run_as_deployment_runs_under_the_drill(
    admin: httpx.Client, runner, tmp_path: Path
) -> None:
    report, state = drill(
        plan_file(tmp_path, ["web01", "app01", "hv-sql01", "broken01"]),
        dispatch="deployments",
        deployment=DEPLOYMENT,
    )

    assert report.verdict == "failed", report.markdown()
    results = {r.name: r for r in report.results}
    assert {n: r.outcome for n, r in results.items()} == {
        **dict.fromkeys(["web01", "app01", "hv-sql01"], "passed"),
        "broken01": "failed",
    }
    # The reports came back from the runs' persisted results, not from this process: returned,
    # or raised with the report (broken01's session fails).
    children = {str(run.id): run for run in child_runs(state.state_details.flow_run_id)}
    assert {r.flow_run_id for r in results.values()} == set(children)
    served = deployment_ids()
    for result in results.values():
        run = children[result.flow_run_id]
        assert run.deployment_id == served[_flow_of(result)]
        assert result.report.workload == result.name
        assert result.rpo_seconds == result.report.restore_point_age_seconds > 0
    assert {n: children[r.flow_run_id].state_type.value for n, r in results.items()} == {
        **dict.fromkeys(["web01", "app01", "hv-sql01"], "COMPLETED"),
        "broken01": "FAILED",
    }
    broken = results["broken01"]
    assert broken.report.verdict == "failed"
    assert broken.reason == broken.report.reason != ""
    assert "vsphere workloads run as vsphere-instant-recovery/dispatch-test: served (no pool)" in (
        report.preflight
    )
    assert mounts(admin) == []


def _flow_of(result: Any) -> str:
    return "hyperv-instant-recovery" if result.kind == "hyperv" else "vsphere-instant-recovery"


def test_a_missing_deployment_fails_the_workloads_before_any_vbr_call(
    admin: httpx.Client, tmp_path: Path
) -> None:
    report, state = drill(
        plan_file(tmp_path, ["web01", "hv-sql01"]), dispatch="deployments", deployment="nowhere"
    )

    assert state.is_failed()
    assert report.verdict == "failed"
    reasons = {r.name: r.reason for r in report.results}
    assert reasons == {
        "web01": "preflight: no deployment vsphere-instant-recovery/nowhere on the Prefect "
        "server (register it with `prefect deploy --all`)",
        "hv-sql01": "preflight: no deployment hyperv-instant-recovery/nowhere on the Prefect "
        "server (register it with `prefect deploy --all`)",
    }
    assert child_runs(state.state_details.flow_run_id) == []
    assert admin.get("/_sim/stats").json()["restore_sessions"]["peak"] == 0
    assert mounts(admin) == []


def test_a_run_no_worker_picks_up_is_cancelled_at_the_deadline(
    admin: httpx.Client, tmp_path: Path
) -> None:
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(name="nobody-polls", type="process"))
    vsphere_instant_recovery.to_deployment(name="unserved", work_pool_name="nobody-polls").apply()
    path = write_plan(
        tmp_path,
        "unserved",
        [{"name": "all", "workloads": [vm("web01")]}],
        deadline_minutes=0.1,
    )

    report, state = drill(path, dispatch="deployments", deployment="unserved")

    assert state.is_failed()
    [result] = report.results
    assert result.outcome == "failed"
    assert result.reason == (
        "not started: no worker of work pool nobody-polls started "
        "vsphere-instant-recovery/unserved before the deadline"
    )
    [child] = child_runs(state.state_details.flow_run_id)
    assert child.state_type.value == "CANCELLED"
    assert admin.get("/_sim/stats").json()["restore_sessions"]["peak"] == 0


def test_a_workload_prefect_fails_to_run_fails_alone_with_the_reason(tmp_path: Path) -> None:
    """An error of Prefect's API while a workload runs (e.g. SQLite answering 503 under a burst)
    fails that workload, with the reason, and leaves the drill's other workloads running."""
    import threading
    from datetime import UTC, datetime, timedelta

    from prefect.exceptions import PrefectHTTPStatusError

    from drflow.drills.run import (
        LIMIT_NAME,
        Slots,
        _recover_one,
        ensure_concurrency_limit,
        workload_result,
    )
    from drflow.drills.slots import HeldSlots
    from drflow.plans import load_plan, workload_params

    plan = load_plan(plan_file(tmp_path, ["web01"]))
    result = workload_result(plan, "web01")
    request = httpx.Request("POST", "http://prefect.invalid/api/task_runs/")
    refused = PrefectHTTPStatusError(
        "Server error '503 Service Unavailable'",
        request=request,
        response=httpx.Response(503, request=request),
    )

    def runner(kind: str, params: dict[str, Any], deadline: datetime) -> Any:
        raise refused

    ensure_concurrency_limit()
    group, plan_slot, in_flight, starting = (threading.Semaphore(1) for _ in range(4))
    slots = Slots(group, plan_slot, HeldSlots(LIMIT_NAME), in_flight, starting)
    deadline = datetime.now(UTC) + timedelta(minutes=1)
    _recover_one(workload_params(plan, "web01"), result, deadline, slots, runner)

    assert result.outcome == "failed"
    assert result.reason == (
        "its run could not be carried out by Prefect: PrefectHTTPStatusError: "
        "Server error '503 Service Unavailable'"
    )
    # the slots were given back
    assert all(slot.acquire(blocking=False) for slot in (group, plan_slot, in_flight, starting))
