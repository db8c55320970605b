"""Drills of whole plans against the simulator, in Prefect (the session's test server).

Ordering and concurrency are proven from the simulator's own records: the creation and end
time of every instant-recovery session (``vbr.sessions.list()``) and its peak of concurrent
restore sessions (``/_sim/stats``).
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tests.flows.support import artifact, mounts, poll
from typer.testing import CliRunner

from drflow.drills import LIMIT_NAME, DrillFailed, dr_drill, dr_recover
from drflow.drills.report import DrillReport
from drflow.plans import load_plan
from drflow.plans.graph import dependencies
from drflow.vbr import latest_restore_point, wait_for_mount
from drflow.vbr.mounts import VSPHERE_VM

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parents[2]
HEALTH = {
    "kind": "http",
    "url": "${DRFLOW_VBR_URL}/_sim/guests/{vm}/health",
    "deadline": 2,
    "interval": 0.1,
}
NEVER = {"kind": "tcp", "host": "127.0.0.1", "port": 9, "deadline": 120, "interval": 0.5}
"""A check that cannot pass before its deadline: keeps a workload busy while mounted."""
HOLD = {"kind": "command", "command": ["sleep", "3"], "deadline": 30}
"""A check that passes after 3 s: the workload stays mounted at least that long (longer than
the ~2 s a Prefect API call backs off when the test server's SQLite is busy)."""


def hold_until_running(sim_url: str, sessions: int) -> dict[str, Any]:
    """A check that passes once the simulator has run ``sessions`` restore sessions at once: the
    workload stays mounted until a peer was mounted beside it (polled, with a deadline),
    so reaching the limit does not depend on how fast a busy test machine starts them."""
    probe = (
        "import httpx, sys; "
        f"stats = httpx.get('{sim_url}/_sim/stats').json(); "
        f"sys.exit(0 if stats['restore_sessions']['peak'] >= {sessions} else 1)"
    )
    return {
        "kind": "command",
        "command": [sys.executable, "-c", probe],
        "deadline": 120,
        "interval": 0.25,
    }


@pytest.fixture
def vbr_env(sim, admin: httpx.Client, connection, monkeypatch: pytest.MonkeyPatch) -> object:
    """The simulator at speed 200, reachable as ``${DRFLOW_VBR_URL}`` from the plans."""
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    admin.put("/_sim/config", json={"speed": 200}).raise_for_status()
    return sim


def vm(name: str, **extra: Any) -> dict[str, Any]:
    kind = "hyperv" if name.startswith("hv-") else "vsphere"
    return {"name": name, "kind": kind, "vm": name, **extra}


def write_plan(tmp_path: Path, name: str, groups: list[dict[str, Any]], **top: Any) -> str:
    """A plan file for the simulator's demo estate; returns its path."""
    plan = {
        "name": name,
        "vbr": {"url": "${DRFLOW_VBR_URL}"},
        "defaults": {"rpo_hours": 26, "rto_minutes": 30, "timeout_minutes": 2, "checks": [HEALTH]},
        **top,
        "groups": groups,
    }
    path = tmp_path / f"{name}-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return str(path)


def drill(path: str, **kwargs: Any) -> tuple[DrillReport, Any]:
    """(report, final state) of a drill run in this process."""
    state = dr_drill(path, return_state=True, **kwargs)
    outcome = state.result(raise_on_failure=False)
    report = outcome.report if isinstance(outcome, DrillFailed) else outcome
    assert isinstance(report, DrillReport), outcome
    return report, state


def by_name(report: DrillReport) -> dict[str, Any]:
    return {r.name: r for r in report.results}


def ir_sessions(vbr) -> dict[str, Any]:
    """Instant-recovery sessions by id, as the simulator recorded them."""
    return {str(s.id): s for s in vbr.sessions.list() if "InstantRecovery" in str(s.session_type)}


def spans(report: DrillReport, vbr) -> dict[str, tuple[datetime, datetime]]:
    """(created, ended) of each recovered workload's instant-recovery session."""
    sessions = ir_sessions(vbr)
    out = {}
    for result in report.results:
        if result.report is None:
            continue
        session = sessions[result.report.session_ids[0]]
        assert session.end_time is not None, f"{result.name}: its session is still running"
        out[result.name] = (session.creation_time, session.end_time)
    return out


def peak(admin: httpx.Client) -> int:
    stats = admin.get("/_sim/stats").json()["restore_sessions"]
    assert stats["running"] == 0
    return stats["peak"]


def assert_no_overlap(times: dict[str, tuple[datetime, datetime]], names: list[str]) -> None:
    for a, b in combinations(names, 2):
        (a_start, a_end), (b_start, b_end) = times[a], times[b]
        assert a_end <= b_start or b_end <= a_start, f"{a} and {b} ran at the same time"


# --- (a) order -------------------------------------------------------------------------------


def test_example_plan_runs_in_order(vbr_env, admin, vbr, tmp_path: Path) -> None:
    path = str(ROOT / "plans" / "tier1.yaml")
    report, state = drill(path, report_path=str(tmp_path / "out" / "tier1.json"))

    assert state.is_completed()
    assert report.verdict == "passed", report.model_dump_json(indent=2)
    assert [r.outcome for r in report.results] == ["passed"] * 6
    times = spans(report, vbr)
    assert sorted(times) == ["app01", "db01", "hv-sql01", "mq01", "web01", "web02"]
    for name, deps in dependencies(load_plan(path)).items():
        for dep in deps:  # every dependency (depends_on and earlier groups) ended first
            assert times[dep][1] <= times[name][0], f"{name} started before {dep} ended"
    assert times["web01"][1] <= times["web02"][0]  # depends_on inside a group
    assert peak(admin) <= 2  # never more than the widest group
    assert mounts(admin) == []

    # the evidence: artifacts of this run, and the JSON report where the operator asked
    run_id = str(state.state_details.flow_run_id)
    assert report.flow_run_id == run_id
    markdown = artifact("drill-tier1", run_id)
    assert markdown is not None
    assert markdown.startswith("# Drill of plan `tier1`: **PASSED**")
    assert "| db01 | vsphere | passed |" in markdown
    table = json.loads(artifact("drill-tier1-table", run_id))
    assert {row["workload"]: row["outcome"] for row in table} == dict.fromkeys(times, "passed")
    written = json.loads((tmp_path / "out" / "tier1.json").read_text())
    assert written["plan"] == "tier1"
    assert written["verdict"] == "passed"
    assert written["flow_run_id"] == run_id
    assert [r["name"] for r in written["results"]] == [r.name for r in report.results]
    assert all(r["rto_seconds"] > 0 for r in written["results"])


def test_workloads_as_task_runs_keep_their_state_logs_and_evidence(
    vbr_env, admin, vbr, tmp_path: Path
) -> None:
    """``workload_runs: task-runs``: each VM is a task run of the drill's run, named as its flow
    run would be, with its state, its logs and its evidence; a kind that may suspend (a file
    share) stays a child flow run; a workload that fails is a failed task run, cleaned up."""
    from uuid import UUID

    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterTaskRunId,
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        LogFilter,
        LogFilterTaskRunId,
    )

    failing = {"kind": "tcp", "host": "127.0.0.1", "port": 9, "deadline": 1, "interval": 0.2}
    workloads = [
        vm("web01"),
        vm("db01", checks=[failing]),
        vm("hv-sql01"),
        {"name": "finance-share", "kind": "file-share", "share": "\\\\fs01\\finance", "checks": []},
    ]
    path = write_plan(
        tmp_path,
        "as-tasks",
        [{"name": "all", "workloads": workloads}],
        max_parallel=4,
        workload_runs="task-runs",
        fail_run_on_failed_drill=False,
    )
    report, state = drill(path)

    run_id = str(state.state_details.flow_run_id)
    results = by_name(report)
    assert {n: r.outcome for n, r in results.items()} == {
        "web01": "passed",
        "db01": "failed",
        "hv-sql01": "passed",
        "finance-share": "passed",
    }, report.model_dump_json(indent=2)
    assert "3 of 4 workloads run as task runs of this run (workload_runs: task-runs)" in (
        report.preflight
    )
    assert mounts(admin) == []  # the failed one too: its task run released it
    assert results["db01"].report.cleaned_up is True
    with get_client(sync_client=True) as client:
        [share_run] = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[UUID(run_id)])
            )
        )
        assert share_run.name == "file-share-instant-recovery[\\\\fs01\\finance]"
        assert results["finance-share"].flow_run_id == str(share_run.id)
        expected = {
            "web01": ("vsphere-instant-recovery[web01]", "COMPLETED"),
            "db01": ("vsphere-instant-recovery[db01]", "FAILED"),
            "hv-sql01": ("hyperv-instant-recovery[hv-sql01]", "COMPLETED"),
        }
        for name, (run_name, final) in expected.items():
            recovery = results[name].report
            assert recovery.flow_run_id == run_id  # the drill's run: its mark in VBR
            assert results[name].task_run_id == recovery.task_run_id
            task_run = client.read_task_run(UUID(recovery.task_run_id))
            assert (task_run.name, task_run.state.type.value) == (run_name, final)
            assert task_run.flow_run_id == UUID(run_id)
            assert recovery.kind == run_name.split("[")[0]

            def evidence(task_run_id: UUID = task_run.id) -> list[Any]:
                return client.read_artifacts(
                    artifact_filter=ArtifactFilter(
                        task_run_id=ArtifactFilterTaskRunId(any_=[task_run_id])
                    )
                )

            keys = {a.key for a in poll(evidence, f"{name}'s evidence", 30)}
            assert f"recovery-{name}" in keys, keys

            def logs(task_run_id: UUID = task_run.id) -> list[str]:
                found = client.read_logs(
                    log_filter=LogFilter(task_run_id=LogFilterTaskRunId(any_=[task_run_id]))
                )
                return [log.message for log in found]

            lines = poll(lambda: logs() if len(logs()) > 1 else None, f"{name}'s logs", 30)
            assert any(name in line for line in lines), lines

        # the VBR operations ran inside the workloads' task runs, not as task runs of their own
        def in_the_drill() -> list[str]:  # but the file share's child flow run's own
            found = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": [run_id]}))
            return sorted(t.name for t in found if t.id != share_run.parent_task_run_id)

        workload_runs = sorted(n for n, _ in expected.values())
        assert poll(
            lambda: in_the_drill() if len(in_the_drill()) >= 3 else None, "task runs", 30
        ) == (workload_runs)


def test_a_drill_recovers_from_the_restore_points_its_preflight_read(
    vbr_env, admin, vbr, tmp_path: Path, workload_runs: str
) -> None:
    """VBR is asked for each VM's restore points once, by the preflight: the workloads recover
    from the newest it read, of their own platform (a Hyper-V VM among vSphere ones), unless
    their policy wants another (web02: a point before the newest)."""
    newest = {n: latest_restore_point(vbr, n) for n in ["web01", "hv-sql01", "web02"]}
    before = newest["web02"].creation_time.isoformat()
    path = write_plan(
        tmp_path,
        "points",
        [
            {
                "name": "all",
                "workloads": [
                    vm("web01"),
                    vm("hv-sql01"),
                    vm("web02", restore_point={"before": before}, rpo_hours=100),
                ],
            }
        ],
        workload_runs=workload_runs,
    )
    asked = admin.get("/_sim/stats").json()["requests"].get("GET /api/v1/restorePoints", 0)
    report, _ = drill(path)

    assert report.verdict == "passed", report.model_dump_json(indent=2)
    requests = admin.get("/_sim/stats").json()["requests"]
    # the preflight's probe and one list per VM; web02's policy lists once more
    assert requests["GET /api/v1/restorePoints"] - asked == 1 + 3 + 1
    recovered_from = {n: r.report.restore_point_id for n, r in by_name(report).items()}
    assert recovered_from["web01"] == str(newest["web01"].id)
    assert recovered_from["hv-sql01"] == str(newest["hv-sql01"].id)
    assert recovered_from["web02"] not in {None, str(newest["web02"].id)}


def test_the_preflight_of_many_vms_reads_their_points_in_one_walk(
    vbr_env, admin, vbr, tmp_path: Path
) -> None:
    """From ten VMs up the preflight reads the newest points of all in one list of those
    within the RPO (5 h here); a VM without one there is looked up alone, and its finding is
    its own: one VBR does not know, one whose newest point is older (dc01: 6 h)."""
    recent = ["web01", "web02", "proxy01", "app01", "app02", "mq01", "db01", "db02", "legacy01"]
    path = write_plan(
        tmp_path,
        "many",
        [{"name": "all", "workloads": [vm(n) for n in [*recent, "dc01", "ghost01"]]}],
        defaults={"rpo_hours": 5, "rto_minutes": 30, "timeout_minutes": 2, "checks": [HEALTH]},
        workload_runs="task-runs",
        max_parallel=6,
        on_preflight_failure="skip",
        fail_run_on_failed_drill=False,
    )
    asked = admin.get("/_sim/stats").json()["requests"].get("GET /api/v1/restorePoints", 0)
    report, _ = drill(path)

    outcomes = {n: r.outcome for n, r in by_name(report).items()}
    assert outcomes == {**dict.fromkeys(recent, "passed"), "dc01": "failed", "ghost01": "failed"}
    findings = "\n".join(report.findings)
    assert "ghost01: VBR has no restore point of 'ghost01'" in findings
    assert "dc01: newest restore point is 6.0h old, RPO target 5h" in findings
    requests = admin.get("/_sim/stats").json()["requests"]
    # the probe, the walk, then dc01 and ghost01 alone; the workloads list none
    assert requests["GET /api/v1/restorePoints"] - asked == 4


# --- (b) concurrency ---------------------------------------------------------------------------


def test_max_parallel_of_plan_and_group_holds(vbr_env, admin, vbr, tmp_path: Path) -> None:
    wide = ["web01", "web02", "app01"]
    narrow = ["dc01", "monitor01"]
    path = write_plan(
        tmp_path,
        "parallel",
        [
            {
                "name": "wide",
                "workloads": [
                    vm("web01", checks=[hold_until_running(vbr_env.url, 2)]),
                    vm("web02", checks=[hold_until_running(vbr_env.url, 2)]),
                    vm("app01"),
                ],
            },
            {"name": "narrow", "max_parallel": 1, "workloads": [vm(n) for n in narrow]},
        ],
        max_parallel=2,
    )
    report, _ = drill(path)

    assert report.verdict == "passed", report.model_dump_json(indent=2)
    assert peak(admin) == 2  # the plan's max_parallel, reached and never exceeded
    times = spans(report, vbr)
    assert_no_overlap(times, narrow)  # the group's max_parallel: one at a time
    assert max(times[n][1] for n in wide) <= min(times[n][0] for n in narrow)


@pytest.fixture
def global_limit_of_one() -> Any:
    """``vbr-restore-sessions`` set to 1 for one test, then put back as it was."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    from drflow.drills import ensure_concurrency_limit

    ensure_concurrency_limit()
    with get_client(sync_client=True) as client:
        try:
            before = client.read_global_concurrency_limit_by_name(LIMIT_NAME).limit
        except ObjectNotFound:  # pragma: no cover - ensure_concurrency_limit just made it
            before = None
        client.upsert_global_concurrency_limit_by_name(LIMIT_NAME, 1)
        try:
            yield
        finally:
            if before is None:
                client.delete_global_concurrency_limit_by_name(LIMIT_NAME)
            else:
                client.upsert_global_concurrency_limit_by_name(LIMIT_NAME, before)


def test_global_limit_smaller_than_the_plan_holds(
    vbr_env, admin, vbr, tmp_path: Path, global_limit_of_one
) -> None:
    names = ["web01", "app01"]  # held for 3 s each: they would overlap at max_parallel 4
    path = write_plan(
        tmp_path, "limited", [{"name": "all", "workloads": [vm(n, checks=[HOLD]) for n in names]}]
    )
    report, _ = drill(path)

    assert report.verdict == "passed", report.model_dump_json(indent=2)
    assert f"global concurrency limit {LIMIT_NAME}: 1 restore sessions" in report.preflight
    assert peak(admin) == 1
    assert_no_overlap(spans(report, vbr), names)
    from prefect import get_client

    with get_client(sync_client=True) as client:  # the drill gave its slot back as it ended
        assert client.read_global_concurrency_limit_by_name(LIMIT_NAME).active_slots == 0


# --- (c, d) failures: independent workloads go on, dependants are skipped, all cleaned up --------


def test_failing_workloads_skip_their_dependants_only(vbr_env, admin, vbr, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path,
        "failing",
        [
            {
                "name": "all",
                "workloads": [
                    vm("broken01"),
                    vm("zombie01"),
                    vm("web01"),
                    vm("app01", depends_on=["broken01"]),
                    vm("mq01", depends_on=["zombie01", "web01"]),
                ],
            },
            {"name": "later", "workloads": [vm("db01")]},
        ],
    )
    report, state = drill(path)

    assert state.is_failed()
    assert isinstance(state.result(raise_on_failure=False), DrillFailed)
    assert report.verdict == "failed"
    assert report.reason == "5 of 6 workloads did not pass"
    results = by_name(report)
    assert results["broken01"].outcome == "failed"
    assert "unable to mount vPower NFS datastore" in results["broken01"].reason
    assert results["zombie01"].outcome == "failed"
    assert results["zombie01"].reason.startswith("verification failed")
    assert results["web01"].outcome == "passed"  # independent: recovered despite the others
    assert (results["app01"].outcome, results["app01"].reason) == (
        "skipped",
        "skipped: broken01 did not pass",
    )
    assert (results["mq01"].outcome, results["mq01"].reason) == (
        "skipped",
        "skipped: zombie01 did not pass",
    )
    assert (results["db01"].outcome, results["db01"].reason) == (
        "skipped",  # a later group waits for every workload of the groups before it
        "skipped: app01, broken01, mq01, zombie01 did not pass",
    )
    assert len(ir_sessions(vbr)) == 3  # broken01, zombie01, web01: none for the skipped
    assert mounts(admin) == []  # the failed ones were cleaned up after failure
    assert results["zombie01"].report.cleaned_up is True

    markdown = artifact("drill-failing", str(state.state_details.flow_run_id))
    assert "# Drill of plan `failing`: **FAILED**" in markdown
    assert "| broken01 | vsphere | **FAILED** |" in markdown
    assert "skipped: broken01 did not pass" in markdown


@pytest.mark.parametrize("runner", [[(dr_drill, "cancel-drill")]], indirect=True)
def test_cancelled_drill_unmounts_every_child_mount(
    vbr_env, admin, tmp_path: Path, runner, workload_runs: str
) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterParentFlowRunId
    from prefect.client.schemas.objects import StateType
    from prefect.deployments import run_deployment
    from prefect.states import Cancelling

    path = write_plan(
        tmp_path,
        "cancelled",
        [{"name": "all", "workloads": [vm("db02", checks=[NEVER]), vm("web02", checks=[NEVER])]}],
        workload_runs=workload_runs,
    )
    run = run_deployment("dr-drill/cancel-drill", parameters={"plan": path}, timeout=0)

    def mounted() -> list[dict]:
        return [m for m in mounts(admin) if m["state"] == "Mounted"]

    held = poll(lambda: len(mounted()) == 2 and mounted(), "both child mounts", 90)
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id])
            )
        )
        marks = {m["reason"].split("drflow-run:")[1].split("]")[0] for m in held}
        if workload_runs == "flow-runs":  # the children's mounts, marked with their run ids
            assert {str(c.id) for c in children} == marks
        else:  # the drill's task runs' mounts, marked with its run id
            assert (children, marks) == ([], {str(run.id)})
        asked = time.monotonic()
        client.set_flow_run_state(run.id, Cancelling(), force=True)
        poll(
            lambda: client.read_flow_run(run.id).state.type == StateType.CANCELLED,
            "the drill to be cancelled",
        )
    poll(lambda: mounts(admin) == [], "every child mount to be removed", 60)
    # the drill's process stopped on SIGTERM, not after the runner's 30 s grace period
    assert time.monotonic() - asked < 20


# --- (e) janitor ---------------------------------------------------------------------------------


def _marked_mount(vbr, vm_name: str, run_id: object, then: str = "unmount") -> str:
    """Start instant recovery of ``vm_name`` marked as started by ``run_id`` (a drill's when
    ``then`` is unmount); its mount id."""
    from drflow.flows.engine import reason as reason_for
    from drflow.vbr.marks import mark_for
    from drflow.vbr.models import InstantViVMOriginalLocationRecoverySpec, SecureRestoreSpec

    point = latest_restore_point(vbr, vm_name)
    reason = reason_for("janitor-test", then, mark_for(run_id))
    vbr.vsphere.start_instant_recovery(
        InstantViVMOriginalLocationRecoverySpec(
            restore_point_id=point.id,
            reason=reason,
            secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
        )
    )
    [mount] = [m for m in vbr.vsphere.list_mounts() if m.spec.reason == reason]
    wait_for_mount(vbr, VSPHERE_VM, mount.id, session_id=mount.session_id, timeout=30)
    return str(mount.id)


def test_janitor_removes_what_is_transient_and_over_and_leaves_the_rest(
    vbr_env, admin, vbr, connection
) -> None:
    from prefect import flow, get_client
    from prefect.states import Completed, Failed, Running

    from drflow.flows.janitor import janitor

    @flow(name="janitor-test-owner")
    def owner() -> None:  # pragma: no cover - never run, only its runs are created
        pass

    with get_client(sync_client=True) as client:
        running = client.create_flow_run(owner, state=Running())
        finished = client.create_flow_run(owner, state=Completed())
        failed = client.create_flow_run(owner, state=Failed())
    drill_orphan = _marked_mount(vbr, "web01", uuid.uuid4())  # no such flow run, a drill's
    kept_orphan = _marked_mount(vbr, "web02", uuid.uuid4(), then="keep")  # no such run
    done = _marked_mount(vbr, "app01", finished.id)  # completed, no disposition recorded
    broken = _marked_mount(vbr, "db01", failed.id)
    alive = _marked_mount(vbr, "mq01", running.id)

    report = janitor(connection=connection)

    assert len(report.removed) == 2
    assert any("web01" in r and "unknown run" in r and "a drill's" in r for r in report.removed)
    assert any("db01" in r and "FAILED" in r for r in report.removed)
    assert len(report.left) == 3
    assert any("web02" in r and "cannot be told" in r for r in report.left)
    assert any("app01" in r and "taken as kept" in r for r in report.left)
    assert any(f"mq01 (run {running.id}, RUNNING): its run is RUNNING" in r for r in report.left)
    assert report.failed == []
    assert {m["id"] for m in mounts(admin)} == {kept_orphan, done, alive}
    assert {drill_orphan, broken}.isdisjoint(m["id"] for m in mounts(admin))


# --- (f) sample ----------------------------------------------------------------------------------


def test_sample_rehearses_n_workloads_and_records_them(vbr_env, admin, vbr, tmp_path: Path) -> None:
    names = ["web01", "web02", "proxy01", "app01", "mq01"]
    path = write_plan(
        tmp_path,
        "sampled",
        [
            {"name": "first", "workloads": [vm(n) for n in names[:2]]},
            {"name": "then", "workloads": [vm(n) for n in names[2:]]},
        ],
        sample=2,
    )
    report, state = drill(path, seed=7, report_path=str(tmp_path / "sampled.json"))

    assert report.verdict == "passed", report.model_dump_json(indent=2)
    assert report.sample is not None
    assert len(report.sample) == 2
    assert set(report.sample) <= set(names)
    assert [r.name for r in report.results] == report.sample
    assert len(ir_sessions(vbr)) == 2  # only the sample was recovered
    assert f"rehearsing a sample of 2: {', '.join(report.sample)}" in " ".join(
        _logs(state.state_details.flow_run_id)
    )
    markdown = artifact("drill-sampled", str(state.state_details.flow_run_id))
    assert f"- Sample rehearsed this time: {', '.join(report.sample)}" in markdown
    assert json.loads((tmp_path / "sampled.json").read_text())["sample"] == report.sample


def _logs(flow_run_id: object) -> list[str]:
    from tests.flows.support import run_logs

    return poll(lambda: run_logs(str(flow_run_id)), "the drill's logs", 30)


# --- (g) deadline ---------------------------------------------------------------------------------


def test_deadline_skips_what_has_not_started_and_fails(vbr_env, admin, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path,
        "deadline",
        [
            {"name": "first", "workloads": [vm("web01", checks=[HOLD])]},
            {"name": "then", "workloads": [vm("web02"), vm("app01")]},
        ],
        deadline_minutes=0.05,  # 3 s: over while web01 is being verified
    )
    report, state = drill(path)

    assert state.is_failed()
    assert report.verdict == "failed"
    assert report.reason == "the drill ran past its deadline of 0.05 minutes"
    results = by_name(report)
    assert results["web01"].outcome == "passed"  # started in time
    for name in ("web02", "app01"):
        assert results[name].outcome == "skipped"
        assert results[name].reason == "skipped: the deadline passed before it could start"
    assert mounts(admin) == []


def test_deadline_skips_a_workload_still_waiting_for_its_slot(
    vbr_env, admin, tmp_path: Path
) -> None:
    """A run started ahead of its slot that gets it only after the deadline does not start;
    the one whose slot was free goes on, however long Prefect took to start its run."""
    names = ["web01", "app01"]  # started together; whichever takes the slot holds it past 3 s
    path = write_plan(
        tmp_path,
        "late-slot",
        [{"name": "all", "workloads": [vm(n, checks=[HOLD]) for n in names]}],
        max_parallel=1,
        deadline_minutes=0.05,
    )
    report, _ = drill(path)

    results = by_name(report)
    assert sorted(results[n].outcome for n in names) == ["passed", "skipped"]
    [late] = [results[n] for n in names if results[n].outcome == "skipped"]
    assert late.reason == "skipped: the deadline passed before it could start"
    assert late.started_at is None
    assert mounts(admin) == []
    assert peak(admin) == 1


# --- (h) targets ------------------------------------------------------------------------------


def test_rpo_miss_is_found_in_preflight(vbr_env, admin, vbr, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path,
        "rpo",
        [{"name": "all", "workloads": [vm("web01", rpo_hours=1), vm("db01")]}],
        fail_run_on_failed_drill=False,
        on_preflight_failure="skip",
    )
    report, state = drill(path)

    assert report.verdict == "failed"
    assert state.is_completed()  # as the plan asks: a failed drill, a completed run
    assert isinstance(state.result(), DrillReport)
    results = by_name(report)
    assert results["web01"].outcome == "failed"
    assert results["web01"].reason == (
        "preflight: newest restore point is 4.0h old, RPO target 1h"
    )  # the newest web01 point is 4 hours old
    assert results["web01"].report is None  # never recovered
    assert results["db01"].outcome == "passed"
    assert report.preflight[-1] == "1 of 2 workloads ready; not recovered: web01"
    assert len(ir_sessions(vbr)) == 1


# --- (j) history, with (h) an RTO target missed -------------------------------------------------


def test_history_reads_past_drills_and_flags_a_regression(vbr_env, admin, tmp_path: Path) -> None:
    from drflow.drills.history import drill_history

    name = f"hist-{uuid.uuid4().hex[:6]}"
    groups = [{"name": "all", "workloads": [vm("web01"), vm("app01")]}]
    first, _ = drill(write_plan(tmp_path, name, groups))
    assert first.verdict == "passed"
    groups[0]["workloads"][1]["rto_minutes"] = 0.0001  # 6 ms: no recovery is that fast
    second, state = drill(write_plan(tmp_path, name, groups))

    assert state.is_failed()
    results = by_name(second)
    assert results["web01"].outcome == "passed"
    assert results["app01"].outcome == "failed"
    assert results["app01"].reason.startswith(f"RTO {results['app01'].rto_seconds:.0f}s over")
    assert results["app01"].rto_met is False
    assert results["app01"].report.verdict == "passed"  # recovered and verified, too slowly
    assert mounts(admin) == []

    runs = drill_history(name)
    assert [run.flow_run_id for run in runs] == [first.flow_run_id, second.flow_run_id]
    assert [{r["workload"]: r["outcome"] for r in run.rows} for run in runs] == [
        {"web01": "passed", "app01": "passed"},
        {"web01": "passed", "app01": "failed"},
    ]

    from drflow.cli import app

    result = CliRunner().invoke(app, ["history", name])
    assert result.exit_code == 1, result.output  # a regression is flagged
    lines = {line.split()[1]: line for line in result.stdout.splitlines() if "│ " in line[:3]}
    assert "REGRESSION" in lines["app01"]
    assert "over target" in lines["app01"]
    assert "stable" in lines["web01"]
    assert "FAIL" in lines["app01"]
    assert f"drills of {name} (oldest first)" in result.stdout


# --- dr_recover: the same plan for real ----------------------------------------------------------


def test_recover_keeps_what_it_recovered(vbr_env, admin, vbr, tmp_path: Path) -> None:
    path = write_plan(
        tmp_path,
        "recover",
        [{"name": "all", "workloads": [vm("web01", then="keep"), vm("app01", then="keep")]}],
    )
    state = dr_recover(path, workloads=["web01"], return_state=True)
    report = state.result()

    assert report.mode == "recover"
    assert [(r.name, r.outcome) for r in report.results] == [("web01", "passed")]
    [mount] = mounts(admin)  # no automatic cleanup of what succeeded
    assert mount["vmName"] == "web01"
    assert mount["state"] == "Mounted"
    [held] = vbr.vsphere.list_mounts()
    assert held.spec.nics_enabled is True  # on production networks, not isolated

    with pytest.raises(ValueError, match="workloads: nope not in plan recover"):
        dr_recover(path, workloads=["nope"])
