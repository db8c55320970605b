"""End to end: a real Prefect server, ``prefect deploy --all`` from ``prefect.yaml``, the weekly
drill triggered and run by a process worker against the VBR simulator, checked through the
Prefect REST API (flow run, logs, report artifact, child runs) and the simulator (no mount left).

One Prefect server and one drill run for the module (~1 min); the processes are stopped by the
fixtures' finalizers whatever happens.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.e2e.support import (
    REPO,
    TERMINAL,
    Child,
    PrefectAPI,
    deploy_project,
    poll,
    prefect_cli,
    prefect_server,
    project_deployments,
)

pytestmark = pytest.mark.e2e

POOL = "drflow"
DRILL = ("dr-drill", "weekly-drill-tier1")
REQUIRED = {  # at least these; every deployment prefect.yaml has is checked
    DRILL,
    ("janitor", "remove-leftovers-hourly"),
    ("dr-recover", "fail-over-tier1"),
    ("vsphere-instant-recovery", "recover-vsphere-vm"),
    ("hyperv-instant-recovery", "recover-hyperv-vm"),
}
TIER1 = {"db01", "hv-sql01", "app01", "mq01", "web01", "web02"}
SIMULATOR_SPEED = 200


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with prefect_server(home) as started:
        yield started


@pytest.fixture(scope="module")
def api(server: tuple[str, dict[str, str]]) -> Iterator[PrefectAPI]:
    client = PrefectAPI(server[0])
    yield client
    client.close()


@pytest.fixture(scope="module")
def simulator() -> Iterator[Any]:
    from drflow.simulator.config import SimulatorConfig
    from drflow.simulator.server import SimulatorServer

    with SimulatorServer(SimulatorConfig(speed=SIMULATOR_SPEED)) as sim:
        yield sim


@pytest.fixture(scope="module")
def deployed(server: tuple[str, dict[str, str]]) -> dict[str, float]:
    """The work pool and every deployment of prefect.yaml, as an administrator would do it."""
    return deploy_project(server[1], POOL)


@pytest.fixture(scope="module")
def drill_run(
    server: tuple[str, dict[str, str]],
    api: PrefectAPI,
    simulator: Any,
    deployed: dict[str, float],
    home: Path,
) -> dict[str, Any]:
    """Trigger the weekly drill now and let a process worker run it to the end."""
    _, env = server
    deployment = api.deployment(*DRILL)
    run = api.post(f"/deployments/{deployment['id']}/create_flow_run", {})
    started = time.monotonic()
    worker = Child(
        prefect_cli("worker", "start", "--pool", POOL, "--run-once"),
        {
            **env,
            "DRFLOW_VBR_URL": simulator.url,
            "DRFLOW_VBR_USERNAME": "restore-operator",
            "DRFLOW_VBR_PASSWORD": "simulator",
            "DRFLOW_VBR_POLL_INITIAL": "0.1",
            "DRFLOW_VBR_POLL_MAX": "0.5",
        },
        home / "worker.log",
    )
    try:
        # --run-once: one poll, then the worker waits for the runs it submitted and exits.
        poll(lambda: not worker.running(), 300, "the worker running the drill", interval=0.5)
        state = poll(
            lambda: (api.flow_run(run["id"])["state_type"] in TERMINAL) and api.flow_run(run["id"]),
            15,
            "the drill run reaching a final state after the worker exited",
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker log\n{worker.tail(80)}") from None
    finally:
        worker.stop()
    return {
        "run": state,
        "seconds": time.monotonic() - started,
        "worker_log": worker.tail(80),
        "timings": deployed,
    }


def _rows(table: dict[str, Any]) -> list[dict[str, Any]]:
    return table["data"] if isinstance(table["data"], list) else json.loads(table["data"])


def test_every_deployment_of_prefect_yaml_is_registered(api: PrefectAPI, deployed: Any) -> None:
    spec = project_deployments()
    assert set(spec) >= REQUIRED
    flows = {f["id"]: f["name"] for f in api.post("/flows/filter", {})}
    found = {(flows[d["flow_id"]], d["name"]): d for d in api.post("/deployments/filter", {})}
    assert set(found) == set(spec)
    for key, entry in spec.items():
        deployment = found[key]
        assert deployment["entrypoint"] == entry["entrypoint"]
        assert deployment["work_pool_name"] == POOL
        assert deployment["parameters"] == entry.get("parameters", {})
        assert set(deployment["tags"]) == set(entry.get("tags", []))
        # No pull section in prefect.yaml: `prefect deploy` runs the flows from this checkout.
        assert deployment["pull_steps"] == [
            {"prefect.deployments.steps.set_working_directory": {"directory": str(REPO)}}
        ]


def test_weekly_drill_schedule_is_registered(api: PrefectAPI, deployed: Any) -> None:
    deployment = api.deployment(*DRILL)
    [schedule] = deployment["schedules"]
    assert schedule["active"] is True
    assert schedule["schedule"]["cron"] == "0 2 * * 0"
    assert schedule["schedule"]["timezone"] == "Europe/London"
    assert deployment["concurrency_limit"] == 1 or deployment["global_concurrency_limit"]

    janitor = api.deployment("janitor", "remove-leftovers-hourly")
    assert [s["schedule"]["interval"] for s in janitor["schedules"]] == [3600.0]

    # The server's scheduler turns the cron into runs: Sundays 02:00 London time.
    scheduled = poll(
        lambda: api.flow_runs(
            deployment_id={"any_": [deployment["id"]]},
            state={"type": {"any_": ["SCHEDULED"]}},
        ),
        60,
        "scheduled runs of the weekly drill",
        interval=1,
    )
    london = ZoneInfo("Europe/London")
    for run in scheduled:
        when = datetime.fromisoformat(run["expected_start_time"]).astimezone(london)
        assert (when.weekday(), when.hour, when.minute) == (6, 2, 0), when
        assert run["auto_scheduled"] is True


def test_drill_run_completes_with_logs(api: PrefectAPI, drill_run: dict[str, Any]) -> None:
    run = drill_run["run"]
    print(f"drill run: {drill_run['seconds']:.1f}s from trigger to worker exit")
    print(f"setup: {drill_run['timings']}")
    assert run["state_type"] == "COMPLETED", (
        f"{run['state']['message']}\n--- worker log\n{drill_run['worker_log']}"
    )
    assert run["parameters"] == {"plan": "plans/tier1.yaml"}

    logs = poll(
        lambda: (
            (found := api.logs(run["id"]))
            and any("Finished in state Completed" in log["message"] for log in found)
            and found
        ),
        30,
        "the drill's logs",
    )
    messages = "\n".join(log["message"] for log in logs)
    for name in TIER1:
        assert f"{name}: passed" in messages


def test_drill_report_artifact_says_passed(api: PrefectAPI, drill_run: dict[str, Any]) -> None:
    run_id = drill_run["run"]["id"]
    [report] = api.artifacts(run_id, key="drill-tier1")
    assert report["type"] == "markdown"
    assert "**PASSED**" in report["data"]
    assert report["description"] == "drill of tier1: passed"
    for name in TIER1:
        assert f"| {name} |" in report["data"]

    [table] = api.artifacts(run_id, key="drill-tier1-table")
    assert table["type"] == "table"
    rows = _rows(table)
    assert {row["workload"]: row["outcome"] for row in rows} == dict.fromkeys(TIER1, "passed")

    # The latest report of the plan is found by its key.
    latest = api.post("/artifacts/latest/filter", {"artifacts": {"key": {"any_": ["drill-tier1"]}}})
    assert [a["latest_id"] for a in latest] == [report["id"]]


def test_child_workload_runs(api: PrefectAPI, drill_run: dict[str, Any]) -> None:
    run_id = drill_run["run"]["id"]
    children = api.flow_runs(parent_flow_run_id={"any_": [run_id]})
    by_name = {c["name"]: c for c in children}
    expected = {f"vsphere-instant-recovery[{n}]" for n in TIER1 - {"hv-sql01"}}
    expected.add("hyperv-instant-recovery[hv-sql01]")
    assert set(by_name) == expected
    assert {c["state_type"] for c in children} == {"COMPLETED"}

    [table] = api.artifacts(run_id, key="drill-tier1-table")
    rows = _rows(table)
    assert {row["flow_run_id"] for row in rows} == {c["id"] for c in children}


def test_simulator_holds_no_mount_after_the_drill(
    simulator: Any, drill_run: dict[str, Any]
) -> None:
    with httpx.Client(base_url=simulator.url, timeout=10) as admin:
        assert admin.get("/_sim/mounts").json()["mounts"] == []
        sessions = admin.get("/_sim/stats").json()["restore_sessions"]
    assert sessions["running"] == 0
    assert 1 <= sessions["peak"] <= 3  # the plan's max_parallel
