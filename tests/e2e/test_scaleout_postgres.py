"""Scale-out, end to end: a Prefect server on PostgreSQL, ``prefect deploy --all``, two process
workers in one work pool, and a drill of 4 VMs with ``dispatch: deployments``, whose workloads
are spread across both workers while the global limit ``vbr-restore-sessions`` (3) holds.

PostgreSQL is installed from Debian's packages when it is missing (as root or with password-less
sudo); where it cannot be, the module is skipped and the reason says why. The cluster is a
throw-away one on a free port, run as the ``postgres`` user when the tests run as root.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tests.e2e.support import (
    TERMINAL,
    PostgresUnavailable,
    PrefectAPI,
    deploy_project,
    install_postgres,
    poll,
    postgres_cluster,
    prefect_server,
    process_worker,
)
from tests.flows.test_drill import hold_until_running

pytestmark = pytest.mark.e2e

POOL = "drflow"
DRILL = ("dr-drill", "weekly-drill-tier1")
LIMIT = 3
WORKERS = ("worker-a", "worker-b")
WORKER_LIMIT = 2
"""Flow runs a worker runs at once: LIMIT workloads at once need both workers."""
VMS = [  # demo estate VMs that recover cleanly (no trap, no suspicious restore point)
    *("web01", "db01", "hv-file01", "hv-sql01"),
]
"""One more than LIMIT: the last waits for a slot (the limit holds, not the plan's
max_parallel); each workload is a process of its own, seconds of CPU to start."""


@pytest.fixture(scope="module")
def database() -> Iterator[dict[str, Any]]:
    started = time.monotonic()
    try:
        installed = install_postgres()
        with postgres_cluster() as url:
            yield {"url": url, "install": installed, "cluster": time.monotonic() - started}
    except PostgresUnavailable as exc:
        pytest.skip(f"no PostgreSQL for the scale-out test: {exc}")


@pytest.fixture(scope="module")
def simulator() -> Iterator[Any]:
    from drflow.simulator.config import SimulatorConfig
    from drflow.simulator.server import SimulatorServer

    with SimulatorServer(SimulatorConfig(speed=200)) as sim:
        yield sim


@pytest.fixture(scope="module")
def scaled_drill(
    database: dict[str, Any], simulator: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The drill, triggered from its deployment and run to its end by two workers."""
    home = tmp_path_factory.mktemp("prefect-home")
    started = time.monotonic()
    with prefect_server(home, database_url=database["url"]) as (api_url, env):
        api = PrefectAPI(api_url)
        timings = {"server": time.monotonic() - started, **deploy_project(env, POOL)}
        api.post("/v2/concurrency_limits/", {"name": "vbr-restore-sessions", "limit": LIMIT})
        plan = _plan(tmp_path_factory.mktemp("plan"), simulator.url)
        worker_env = {
            **env,
            "DRFLOW_VBR_URL": simulator.url,
            "DRFLOW_VBR_USERNAME": "restore-operator",
            "DRFLOW_VBR_PASSWORD": "simulator",
            "DRFLOW_VBR_POLL_INITIAL": "0.1",
            "DRFLOW_VBR_POLL_MAX": "0.5",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
        }
        workers = [
            process_worker(
                worker_env, POOL, name, home / f"{name}.log", "--limit", str(WORKER_LIMIT)
            )
            for name in WORKERS
        ]
        try:
            deployment = api.deployment(*DRILL)
            run = api.post(
                f"/deployments/{deployment['id']}/create_flow_run",
                {"parameters": {"plan": plan, "dispatch": "deployments"}},
            )
            drill_started = time.monotonic()
            final = poll(
                lambda: (found := api.flow_run(run["id"]))["state_type"] in TERMINAL and found,
                480,  # a busy 2-core machine is much slower than a quiet one
                "the drill run reaching a final state",
                interval=1,
                alive=workers[0],
            )
            timings["drill"] = time.monotonic() - drill_started
            yield {
                "run": final,
                "api": api,
                "timings": timings,
                "database": database,
                "logs": "\n".join(f"--- {w.log.name}\n{w.tail(40)}" for w in workers),
            }
        finally:
            for worker in workers:  # all at once: each may take its whole grace period
                worker.signal_group(signal.SIGTERM)
            for worker in workers:
                worker.stop()
            api.close()


def _plan(directory: Path, sim_url: str) -> str:
    """The plan: each workload's check holds it mounted until LIMIT restore sessions ran at once."""
    plan = {
        "name": "scale-out",
        "vbr": {"url": sim_url},
        "defaults": {
            "rpo_hours": 26,
            "timeout_minutes": 5,
            "checks": [hold_until_running(sim_url, LIMIT)],
        },
        "max_parallel": 10,  # above the global limit: only the limit bounds the sessions
        "deadline_minutes": 10,
        "groups": [
            {
                "name": "estate",
                "workloads": [
                    {"name": vm, "kind": "hyperv" if vm.startswith("hv-") else "vsphere", "vm": vm}
                    for vm in VMS
                ],
            }
        ],
    }
    path = directory / "scale-out.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return str(path)


def test_drill_passes_across_workers_within_the_global_limit(
    scaled_drill: dict[str, Any], simulator: Any
) -> None:
    run, api = scaled_drill["run"], scaled_drill["api"]
    print(f"install {scaled_drill['database']['install']:.1f}s, timings {scaled_drill['timings']}")
    assert run["state_type"] == "COMPLETED", f"{run['state']['message']}\n{scaled_drill['logs']}"

    [report] = api.artifacts(run["id"], key="drill-scale-out")
    assert "**PASSED**" in report["data"]

    children = api.flow_runs(parent_flow_run_id={"any_": [run["id"]]})
    assert len(children) == len(VMS)
    assert {c["state_type"] for c in children} == {"COMPLETED"}
    manual = {
        api.deployment(flow, name)["id"]
        for flow, name in (
            ("vsphere-instant-recovery", "recover-vsphere-vm"),
            ("hyperv-instant-recovery", "recover-hyperv-vm"),
        )
    }
    assert {c["deployment_id"] for c in children} == manual  # runs of deployments, not threads

    ids = [c["id"] for c in children]
    workers = poll(
        lambda: (found := api.workers_of(ids)) and len(found) == len(ids) and found,
        30,
        "the workers' submitted-flow-run events of every workload",
    )
    per_worker = Counter(workers.values())
    print(f"workloads per worker: {dict(per_worker)}")
    assert set(per_worker) <= set(WORKERS)
    assert len(per_worker) >= 2, per_worker

    with httpx.Client(base_url=simulator.url, timeout=10) as admin:
        sessions = admin.get("/_sim/stats").json()["restore_sessions"]
        assert admin.get("/_sim/mounts").json()["mounts"] == []
    print(f"restore sessions: peak {sessions['peak']}, limit {LIMIT}")
    assert sessions["running"] == 0
    assert sessions["peak"] == LIMIT  # held (never more) and reached (the drill ran in parallel)


def test_the_server_kept_its_state_in_postgresql(
    scaled_drill: dict[str, Any], database: dict[str, Any]
) -> None:
    import asyncio

    import asyncpg

    async def count() -> int:
        connection = await asyncpg.connect(database["url"].replace("+asyncpg", ""))
        try:
            return await connection.fetchval("SELECT count(*) FROM flow_run")
        finally:
            await connection.close()

    assert asyncio.run(count()) >= len(VMS) + 1  # the drill and its workloads
