"""``drflow up`` as an operator uses it: a Prefect server with its UI, the simulator and every
deployment served; a manual recovery triggered through the API completes; Ctrl-C (SIGINT to
``drflow up`` alone) cancels the run still waiting for the operator, whose clean-up unmounts its
VM, and stops everything drflow up started."""

from __future__ import annotations

import re
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.e2e.support import (
    TERMINAL,
    Child,
    PrefectAPI,
    alive,
    child_env,
    command_line,
    descendants,
    free_port,
    poll,
    project_deployments,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc"),
]


def _served(up: Child) -> dict[str, str] | None:
    text = up.log.read_text(errors="replace")
    ui = re.search(r"Serving (\d+) deployments\. Prefect UI: (\S+)", text)
    sim = re.search(r"VBR simulator: (\S+)", text)
    if not (ui and sim):
        return None
    return {"count": ui.group(1), "ui": ui.group(2), "simulator": sim.group(1)}


def test_drflow_up_serves_the_deployments_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = child_env(tmp_path / "home", api_url="", COLUMNS="200")
    del env["PREFECT_API_URL"]  # drflow up starts its own server
    (tmp_path / "home").mkdir()
    script = Path(sys.executable).with_name("drflow")
    drflow = [str(script)]
    if not script.exists():  # not installed as a console script
        drflow = [sys.executable, "-c", "from drflow.cli import main; main()"]
    up = Child(
        [*drflow, "up", "--port", str(free_port()), "--speed", "100"], env, tmp_path / "up.log"
    )
    api = None
    try:
        started = time.monotonic()
        served = poll(lambda: _served(up), 180, "drflow up serving", alive=up)
        print(f"drflow up serving after {time.monotonic() - started:.1f}s")
        expected = set(project_deployments())
        assert served["count"] == str(len(expected))

        page = httpx.get(
            served["ui"], headers={"Accept": "text/html"}, timeout=10, follow_redirects=True
        )
        assert page.status_code == 200
        assert "<html" in page.text.lower()
        # The UI (a JS app) calls the API it is told here: this server's, whatever its port.
        settings = httpx.get(served["ui"] + "/ui-settings", timeout=10).json()
        assert settings["api_url"] == served["ui"] + "/api"

        api = PrefectAPI(served["ui"] + "/api")
        # serve() registers the deployments just after drflow up prints its banner.
        deployments = poll(
            lambda: len(found := api.post("/deployments/filter", {})) >= len(expected) and found,
            60,
            "the served deployments",
            alive=up,
        )
        flows = {f["id"]: f["name"] for f in api.post("/flows/filter", {})}
        assert {(flows[d["flow_id"]], d["name"]) for d in deployments} == expected
        assert all(d["work_pool_name"] is None for d in deployments)  # served, not pooled

        # A manual vSphere recovery with a parameter override, to completion; and a Hyper-V
        # one with its defaults (then: ask), which waits for the operator, still mounted.
        vsphere = api.deployment("vsphere-instant-recovery", "recover-vsphere-vm")
        run = api.post(
            f"/deployments/{vsphere['id']}/create_flow_run",
            {"parameters": {"params": {"vm": "web01", "then": "unmount"}}},
        )
        hyperv = api.deployment("hyperv-instant-recovery", "recover-hyperv-vm")
        asking = api.post(f"/deployments/{hyperv['id']}/create_flow_run", {})
        final = poll(
            lambda: (r := api.flow_run(run["id"]))["state_type"] in TERMINAL and r,
            120,
            "the manual vSphere recovery",
            alive=up,
        )
        assert final["state_type"] == "COMPLETED", f"{final['state']}\n{up.tail()}"
        assert final["parameters"]["params"]["then"] == "unmount"
        poll(
            lambda: api.flow_run(asking["id"])["state_type"] == "PAUSED",
            120,
            "the Hyper-V recovery asking the operator",
            alive=up,
        )
        with httpx.Client(base_url=served["simulator"], timeout=10) as sim:
            mounted = [m["vmName"] for m in sim.get("/_sim/mounts").json()["mounts"]]
        assert mounted == ["hv-web01"]

        # Ctrl-C: SIGINT to drflow up alone (not its group) must still stop what it started.
        started_by_up = descendants(up.pid)
        assert any("server start" in command_line(p) for p in started_by_up)
        stopping = time.monotonic()
        up.process.send_signal(signal.SIGINT)
        poll(lambda: not up.running(), 60, "drflow up exiting after SIGINT", interval=0.2)
        print(f"drflow up stopped {time.monotonic() - stopping:.1f}s after SIGINT")
        deadline = time.monotonic() + 20
        while (left := [p for p in started_by_up if alive(p)]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, [command_line(p) for p in left]
        assert up.process.returncode in (0, 130), up.tail()
        # The paused run was cancelled and unmounted its VM (its own clean-up, or the hook the
        # runner runs) before the simulator stopped.
        assert re.search(
            r"hyperv-vm hv-web01 released|removed hyperv-vm hv-web01",
            up.log.read_text(errors="replace"),
        ), up.tail()
        with pytest.raises(httpx.ConnectError):
            httpx.get(served["ui"] + "/api/health", timeout=2)
        with pytest.raises(httpx.ConnectError):
            httpx.get(served["simulator"] + "/_sim/mounts", timeout=2)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- drflow up\n{up.tail(80)}") from None
    finally:
        if api is not None:
            api.close()
        up.stop()
