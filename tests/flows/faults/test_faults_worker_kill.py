"""The process running a drill is killed (SIGKILL) while its workloads are mounted; the janitor
then finds its runs dead by their stopped heartbeats, marks them Crashed and removes what they
held, and keeps what a drill still running holds (that drill then passes as usual).

The killed drill is a ``drflow drill`` process against the session's Prefect API with
heartbeats on (every 30 s, Prefect's minimum; each flow run sends one as it starts): no hook
runs in a killed process, so its runs stay RUNNING and its mounts mounted until the janitor
comes. The live drill runs in this process, heartbeats on too, started once the killed drill's
last heartbeats are a few seconds old. The janitor's staleness threshold is set between the
ages of the two drills' last heartbeats, both read from the API.
"""

from __future__ import annotations

import contextvars
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import yaml
from prefect import get_client
from prefect.events.worker import EventsWorker
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from tests.e2e.support import Child, child_env
from tests.flows.faults.support import (
    PLANS,
    SPEED,
    assert_nothing_left,
    duplicates,
    named,
    outage_figures,
    run_drill,
    stats,
)
from tests.flows.support import poll, run_state

from drflow.drills import LIMIT_NAME
from drflow.flows.janitor import janitor, last_heartbeat
from drflow.vbr.marks import MARK_PREFIX

pytestmark = [pytest.mark.flow, pytest.mark.faults]

DRFLOW = str(Path(sys.executable).with_name("drflow"))
HOLD = {"kind": "tcp", "host": "127.0.0.1", "port": 9, "deadline": 120, "interval": 0.5}
"""A check that cannot pass while the test runs: a workload stays mounted until killed."""
GAP = 5.0
"""Seconds between the killed drill's last heartbeats and the live drill's first ones."""


def holding_plan(
    tmp_path: Path, name: str, check: dict[str, Any], workload_runs: str, groups: Any = None
) -> str:
    """``plans/tier1.yaml`` (or its ``groups`` replaced) with ``check`` as its only check, its
    workloads run as ``workload_runs`` says."""
    plan = yaml.safe_load((PLANS / "tier1.yaml").read_text())
    plan["name"] = name
    plan["workload_runs"] = workload_runs
    plan["defaults"]["checks"] = [check]
    if groups is not None:
        plan["groups"] = groups
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return str(path)


def released_by(flag: Path) -> dict[str, Any]:
    """A check that passes once ``flag`` exists: the workload stays mounted until then."""
    return {"kind": "command", "command": ["test", "-e", str(flag)], "deadline": 120}


def drill_with_heartbeats(plan: str, holder: dict[str, Any]) -> threading.Thread:
    """A drill in this process, in a thread, its flow runs sending heartbeats (the session's
    settings turn them off) as the killed process's do."""

    def drill() -> None:
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 30}):
            holder["result"] = run_drill(plan)

    # Heartbeats are events: events earlier tests of this process left queued (for a Prefect
    # server gone since, each tried for seconds) must not hold this drill's back.
    EventsWorker.drain_all(timeout=5)

    thread = threading.Thread(target=contextvars.copy_context().run, args=(drill,), daemon=True)
    thread.start()
    return thread


def count(by_run: dict[str, list[dict]]) -> int:
    return sum(len(mounted) for mounted in by_run.values())


def mounted_by_run(admin: httpx.Client) -> dict[str, list[dict]]:
    """Mounted mounts of the simulator by the flow run id in their mark."""
    out: dict[str, list[dict]] = {}
    for mount in admin.get("/_sim/mounts").json()["mounts"]:
        reason = mount.get("reason") or ""
        if mount["state"] == "Mounted" and MARK_PREFIX in reason:
            run_id = reason.split(MARK_PREFIX, 1)[1].split("]")[0].split()[0]
            out.setdefault(run_id, []).append(mount)
    return out


def with_parents(run_ids: list[str]) -> list[UUID]:
    """The runs and every flow run above them (a drill's workload run -> the drill's run)."""
    out: list[UUID] = []
    with get_client(sync_client=True) as client:
        for run_id in run_ids:
            run = client.read_flow_run(UUID(run_id))
            out.append(run.id)
            while run.parent_task_run_id is not None:
                parent = client.read_task_run(run.parent_task_run_id).flow_run_id
                run = client.read_flow_run(parent)
                if run.id not in out:
                    out.append(run.id)
    return out


def drop_leases_of_the_killed_drill() -> int:
    """Give back the restore-session slots the killed drill held (a killed process releases
    nothing; its leases would lapse after 300 s) so later drills get the whole limit; returns
    how many were held."""
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(LIMIT_NAME)
        client.delete_global_concurrency_limit_by_name(LIMIT_NAME)
        client.upsert_global_concurrency_limit_by_name(LIMIT_NAME, limit.limit)
    return limit.active_slots


def heartbeat_ages(runs: list[UUID]) -> dict[UUID, float] | None:
    """Seconds since each run's last heartbeat; None until every run's first one is in."""
    now = datetime.now(UTC)
    beats = {run: last_heartbeat(run) for run in runs}
    if any(beat is None for beat in beats.values()):
        return None
    return {run: (now - beat).total_seconds() for run, beat in beats.items()}


def test_janitor_removes_what_a_killed_drill_held(
    sim,
    admin: httpx.Client,
    connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    workload_runs: str,
) -> None:
    began = time.monotonic()
    admin.put("/_sim/config", json={"speed": SPEED}).raise_for_status()
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    env = child_env(
        tmp_path / "prefect-home",
        str(PREFECT_API_URL.value()),
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY="30",
        DRFLOW_VBR_URL=sim.url,
        DRFLOW_VBR_USERNAME="restore-operator",
        DRFLOW_VBR_PASSWORD="simulator",  # the simulator's published demo password
        DRFLOW_VBR_POLL_INITIAL="0.05",
        DRFLOW_VBR_POLL_MAX="0.2",
    )
    killed_plan = holding_plan(tmp_path, "tier1-killed", HOLD, workload_runs)
    flag = tmp_path / "release-live-drill"
    live_plan = holding_plan(
        tmp_path,
        "live",
        released_by(flag),
        workload_runs,
        [{"name": "app", "workloads": [{"name": "app01", "kind": "vsphere", "vm": "app01"}]}],
    )
    killed = Child([DRFLOW, "drill", killed_plan, "--simulator"], env, tmp_path / "killed.log")
    try:
        # the whole first group of tier1 (db01, hv-sql01) is mounted: kill the drill
        first = poll(
            lambda: mounted_by_run(admin) if count(mounted_by_run(admin)) == 2 else None,
            "the killed drill's first group to be mounted",
            120,
        )
        killed.process.send_signal(signal.SIGKILL)
        killed.process.wait(timeout=10)
    finally:
        killed.stop(signal.SIGKILL)
    dead_runs = with_parents(list(first))
    # the live drill's heartbeats must be told apart from the killed one's: GAP s younger
    poll(
        lambda: (ages := heartbeat_ages(dead_runs)) and min(ages.values()) > GAP,
        f"the killed drill's last heartbeats to be {GAP} s old",
        30,
    )
    live: dict[str, Any] = {}
    live_thread = drill_with_heartbeats(live_plan, live)
    try:
        both = poll(
            lambda: mounted_by_run(admin) if count(mounted_by_run(admin)) == 3 else None,
            "the live drill's workload to be mounted",
            120,
        )
        [live_child] = set(both) - set(first)
        live_runs = with_parents([live_child])
        ages = poll(lambda: heartbeat_ages(dead_runs + live_runs), "every run's heartbeat", 30)
        oldest_live = max(ages[run] for run in live_runs)
        youngest_dead = min(ages[run] for run in dead_runs)
        assert youngest_dead > oldest_live + GAP, f"heartbeat ages too close to tell: {ages}"

        threshold = (youngest_dead + oldest_live) / 2
        report = janitor(connection=connection, stale_after_minutes=threshold / 60)

        assert report.failed == []
        crashed = {UUID(line.split()[1]) for line in report.crashed}
        assert set(dead_runs) <= crashed
        assert not crashed & set(live_runs)
        # the session's Prefect database may hold runs earlier tests left RUNNING: the janitor
        # may judge those too, but only when their heartbeats are as stale
        others = list(crashed - set(dead_runs))
        assert all(age > threshold for age in (heartbeat_ages(others) or {}).values()), others
        assert len(report.removed) == 2, report
        for run in dead_runs:
            state = run_state(run)
            assert state.type.value == "CRASHED", (run, state)
            assert "no heartbeat since" in (state.message or "")
        for run in live_runs:
            assert run_state(run).type.value == "RUNNING"
        assert mounted_by_run(admin) == {live_child: both[live_child]}, "kept the wrong mounts"
        assert stats(admin)["restore_sessions"]["running"] == 1  # the live drill's session
    finally:
        flag.touch()  # the live drill verifies, unmounts and ends
        live_thread.join(timeout=120)
        leaked_slots = drop_leases_of_the_killed_drill()
    print(f"restore-session slots the killed drill held: {leaked_slots}")
    report, state = live["result"]
    assert report.verdict == "passed", report.model_dump_json(indent=2)
    leaks = assert_nothing_left(admin)
    after = stats(admin)
    twice = duplicates(after)
    assert twice == {}, f"started more than once: {twice}"
    outage_figures(
        named("worker-kill", workload_runs),
        after,
        runs=2,
        verdicts=["killed", report.verdict],
        faults_injected=1,
        faults={"sigkill": 1},
        retries=(tmp_path / "killed.log").read_text().count("; retry "),
        leaks=leaks,
        seconds=round(time.monotonic() - began, 1),
    ).record()
