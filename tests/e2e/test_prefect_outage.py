"""A Prefect server restarted in the middle of a drill (down for a minute, SQLite): the
recoveries go on in VBR, the runs started meanwhile wait for Prefect, every state catches up
once it is back, and nothing is left in VBR or started twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.e2e.support import drill_through_a_prefect_outage

pytestmark = pytest.mark.e2e

OUTAGE = 60.0
"""Seconds the Prefect server is down: a restart of its host, say."""
CAUGHT_UP = 55.0
"""Seconds within which the drill ends once Prefect is back: the 15 s ceiling of Prefect's
retry waits and the rest of the drill (14 s on a quiet machine) with room for a busy one."""


def assert_rode_it_out(seen: dict) -> None:
    """What every drill through a Prefect outage must show."""
    assert seen["exit"] == 0, seen["log"]
    assert seen["outage"] >= OUTAGE
    report = seen["report"]
    assert report["verdict"] == "passed", report
    # the engine tries Prefect again at least every 15 s: the drill goes on soon after Prefect
    # is back, not as long again (uncapped, its next try came a minute after: 69 s)
    assert seen["after"] < CAUGHT_UP, f"the drill ended {seen['after']:.0f}s after Prefect was back"
    assert {r["name"]: r["outcome"] for r in report["results"]} == dict.fromkeys(
        ("db01", "app01", "web01", "web02"), "passed"
    )
    assert seen["left"] == []  # nothing left in VBR
    duplicates = {
        k: w["duplicates"] for k, w in seen["stats"]["workloads"].items() if w["duplicates"]
    }
    assert duplicates == {}  # nothing started twice
    assert seen["stats"]["workloads"]["vsphere"]["starts"] == 4
    assert len(seen["runs"]) == 5  # the drill and its four workloads, all Completed
    assert len(seen["tasks"]) >= 4 * 4  # and their tasks, whose states were sent meanwhile


def test_drill_rides_out_a_prefect_server_restart_on_sqlite(tmp_path: Path) -> None:
    assert_rode_it_out(drill_through_a_prefect_outage(tmp_path, OUTAGE))


def test_a_run_whose_prefect_is_gone_for_good_still_ends_soon(tmp_path: Path) -> None:
    """The Prefect server dies during ``drflow run`` and never comes back: the recovery ends in
    VBR as it should, its report is shown, and the process exits within a bounded time (drflow
    waits DRFLOW_PREFECT_OUTAGE_TOLERANCE for Prefect, then at most 10 s for Prefect's own
    workers)."""
    import json
    import signal
    import sys
    import time

    import httpx
    from tests.e2e.support import Child, poll, restartable_prefect_server

    from drflow.simulator.config import SimulatorConfig
    from drflow.simulator.server import SimulatorServer

    start, _, env = restartable_prefect_server(tmp_path)
    server = start()
    try:
        with SimulatorServer(SimulatorConfig(speed=20)) as sim:
            check = [{"kind": "command", "command": ["sleep", "2"], "deadline": 30}]
            run = Child(
                [
                    *(sys.executable, "-c", "from drflow.cli import main; main()", "run"),
                    *("vsphere-instant-recovery", "--vm", "web01", "--simulator"),
                    *("--checks", json.dumps(check)),
                ],
                {
                    **env,
                    "DRFLOW_VBR_URL": sim.url,
                    "DRFLOW_VBR_USERNAME": "administrator",
                    "DRFLOW_VBR_PASSWORD": "simulator",
                    "DRFLOW_PREFECT_OUTAGE_TOLERANCE": "5",
                    "PREFECT_CLIENT_MAX_RETRIES": "2",
                    "COLUMNS": "200",
                },
                tmp_path / "run.log",
            )
            try:
                poll(
                    lambda: httpx.get(f"{sim.url}/_sim/mounts").json()["mounts"],
                    120,
                    "web01 to be mounted",
                    interval=0.1,
                    alive=run,
                )
                server.stop(signal.SIGKILL)
                killed = time.monotonic()
                run.process.wait(timeout=180)
                took = time.monotonic() - killed
            finally:
                run.stop()
            left = httpx.get(f"{sim.url}/_sim/mounts").json()["mounts"]
    finally:
        server.stop()
    output = run.log.read_text(errors="replace")
    assert run.process.returncode == 0, run.tail()
    assert took < 90, f"exited {took:.0f}s after Prefect died"
    assert "Prefect's API does not answer" in output
    assert "web01: passed" in output  # the report of what happened in VBR
    assert left == []
