"""Going dark: outages that refuse connections or answer 503, started by the admin API or by a
fault rule, over real HTTP on 127.0.0.1 (and ``drflow simulator`` in a subprocess)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from drflow.simulator import SimulatorConfig, SimulatorServer
from tests.simulator.sim_support import IR_PATH, MIGRATION_SPEC, VERSION, ir_spec

pytestmark = pytest.mark.integration

SPEED = 10.0
"""Outages of ``n`` simulated seconds last ``n / 10`` real seconds."""


def poll(check: Callable[[], bool], what: str, deadline: float = 10.0) -> float:
    """Wait until ``check()``; the seconds it took (fails after ``deadline``)."""
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        if check():
            return time.monotonic() - started
        time.sleep(0.01)
    raise AssertionError(f"not within {deadline} s: {what}")


def refused(port: int) -> bool:
    """Whether a new TCP connection to ``port`` is refused."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatorConfig(speed=SPEED)) as running:
        yield running


@pytest.fixture
def admin(server: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


@pytest.fixture
def api(server: SimulatorServer) -> Iterator[httpx.Client]:
    """A restore operator's client, logged in."""
    with httpx.Client(base_url=server.url, headers=VERSION, timeout=10) as client:
        token = client.post(
            "/api/oauth2/token",
            data={
                "grant_type": "Password",
                "username": "restore-operator",
                "password": "simulator",
            },
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def mounted(api: httpx.Client, vm: str = "web01") -> dict[str, Any]:
    """A mount of ``vm``, waited for until ``Mounted``."""
    response = api.post(IR_PATH, json=ir_spec(vm))
    assert response.status_code == 201, response.text
    mount_id = response.json()["id"]
    poll(lambda: api.get(f"{IR_PATH}/{mount_id}").json()["state"] == "Mounted", "mounted")
    return api.get(f"{IR_PATH}/{mount_id}").json()


def set_rule(admin: httpx.Client, rule: dict[str, Any]) -> None:
    admin.put("/_sim/faults", json={"rules": [rule]}).raise_for_status()


def test_refuse_mode_refuses_connections_and_comes_back_with_the_same_state(
    server: SimulatorServer, admin: httpx.Client, api: httpx.Client
) -> None:
    mount = mounted(api)
    started = time.monotonic()
    answer = admin.post("/_sim/outage", json={"seconds": 20, "mode": "refuse"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["outage"]["real_seconds"] == 2.0
    poll(lambda: refused(server.port), "a new connection to be refused", deadline=2.0)
    with pytest.raises(httpx.TransportError):  # the kept-alive connection was closed too
        api.get(f"{IR_PATH}/{mount['id']}")
    with pytest.raises(httpx.ConnectError):  # the admin API is down too
        httpx.get(f"{server.url}/_sim/stats", timeout=2)

    poll(lambda: not refused(server.port), "the listener to come back")
    assert time.monotonic() - started >= 2.0  # dark for the whole outage
    again = api.get(f"{IR_PATH}/{mount['id']}")  # the same token, the same mount
    assert again.status_code == 200, again.text
    assert again.json()["state"] == "Mounted"
    outages = admin.get("/_sim/stats").json()["outages"]
    assert outages == {
        "count": 1,
        "simulated_seconds": 20.0,
        "real_seconds": 2.0,
        "current": None,
    }


def test_503_mode_answers_every_api_request_then_ends(
    admin: httpx.Client, api: httpx.Client
) -> None:
    mount = mounted(api)
    assert (
        admin.post("/_sim/outage", json={"seconds": 5, "mode": "503", "retry_after": 3})
        .raise_for_status()
        .json()["outage"]["mode"]
        == "503"
    )
    answer = api.get(f"{IR_PATH}/{mount['id']}")
    assert answer.status_code == 503
    assert answer.json()["errorCode"] == "ServiceUnavailable"
    assert answer.headers["Retry-After"] == "3"
    assert api.post(f"{IR_PATH}/{mount['id']}/unmount").status_code == 503  # not carried out
    on = admin.get("/_sim/outage").json()["outage"]  # the admin API answers
    assert on["mode"] == "503"
    assert admin.post("/_sim/outage", json={"seconds": 5}).status_code == 409  # one at a time

    poll(lambda: api.get(f"{IR_PATH}/{mount['id']}").status_code == 200, "the end of the outage")
    assert api.get(f"{IR_PATH}/{mount['id']}").json()["state"] == "Mounted"
    assert admin.get("/_sim/outage").json() == {"outage": None}


def test_a_rule_carries_out_the_unmount_then_goes_dark_and_loses_its_answer(
    server: SimulatorServer, admin: httpx.Client, api: httpx.Client
) -> None:
    mount = mounted(api)
    outage = {"seconds": 10, "mode": "refuse", "request": "lost"}
    set_rule(admin, {"method": "POST", "path": "/unmount$", "max_count": 1, "outage": outage})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post(f"{IR_PATH}/{mount['id']}/unmount")
    assert refused(server.port)  # the listener closed before the request was dropped
    poll(lambda: not refused(server.port), "the listener to come back")
    session = api.get(f"/api/v1/sessions/{mount['sessionId']}").json()
    assert session["state"] in ("Stopping", "Stopped")  # the unmount was carried out
    stats = admin.get("/_sim/stats").json()
    assert stats["faults_injected"] == {"outage:refuse": 1}
    assert stats["outages"]["count"] == 1


def test_a_rule_refuses_the_unmount_that_triggers_the_outage(
    server: SimulatorServer, admin: httpx.Client, api: httpx.Client
) -> None:
    mount = mounted(api)
    outage = {"seconds": 10, "mode": "refuse", "request": "refused"}
    set_rule(admin, {"method": "POST", "path": "/unmount$", "max_count": 1, "outage": outage})
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        api.post(f"{IR_PATH}/{mount['id']}/unmount")
    assert refused(server.port)  # the listener closed before the request was dropped
    poll(lambda: not refused(server.port), "the listener to come back")
    assert api.get(f"{IR_PATH}/{mount['id']}").json()["state"] == "Mounted"  # not carried out
    assert api.post(f"{IR_PATH}/{mount['id']}/unmount").status_code == 200  # max_count: once


def test_a_rule_goes_dark_on_the_third_read_of_a_mount(
    admin: httpx.Client, api: httpx.Client
) -> None:
    mount = mounted(api)
    path = f"{IR_PATH}/{mount['id']}"
    outage = {"seconds": 5, "mode": "503"}
    set_rule(
        admin, {"method": "GET", "path": f"{path}$", "skip": 2, "max_count": 1, "outage": outage}
    )
    assert [api.get(path).status_code for _ in range(3)] == [200, 200, 503]
    assert api.get("/api/v1/backups").status_code == 503  # every /api request
    poll(lambda: api.get(path).status_code == 200, "the end of the outage")
    assert admin.get("/_sim/faults").json()["rules"][0]["fired"] == 1


def test_a_start_whose_answer_is_lost_in_a_503_outage_was_carried_out(
    admin: httpx.Client, api: httpx.Client
) -> None:
    mount = mounted(api)
    outage = {"seconds": 5, "mode": "503", "request": "lost"}
    set_rule(admin, {"method": "POST", "path": "/migrate$", "outage": outage})
    lost = api.post(f"{IR_PATH}/{mount['id']}/migrate", json=MIGRATION_SPEC)
    assert lost.status_code == 503
    kinds = admin.get("/_sim/stats").json()["starts"]
    assert kinds["QuickMigration web01"] == 1  # started, though the client was told 503
    admin.delete("/_sim/faults").raise_for_status()
    poll(lambda: api.get("/api/v1/backups").status_code == 200, "the end of the outage")


def test_in_process_only_503_is_possible(make_api) -> None:
    api = make_api()
    api.headers()  # log in before the outage
    refused_outage = api.client.post("/_sim/outage", json={"seconds": 5, "mode": "refuse"})
    assert refused_outage.status_code == 409
    assert "served over HTTP" in refused_outage.json()["error"]
    assert api.client.post("/_sim/outage", json={"seconds": 0}).status_code == 400
    assert api.client.post("/_sim/outage", json={"seconds": 5, "mode": "503"}).status_code == 200
    assert api.get("/api/v1/backups").status_code == 503


# --- drflow simulator, in the foreground of its own process ---------------------------------

BANNER = re.compile(r"admin API: (http://127\.0\.0\.1:(\d+))/_sim/stats")


@pytest.fixture
def foreground(tmp_path: Path) -> Iterator[tuple[str, int]]:
    out = tmp_path / "out.txt"
    with out.open("w") as stdout:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from drflow.simulator.cli import main; main()",
                *("--port", "0", "--speed", str(SPEED), "--log-level", "warning"),
            ],
            stdout=stdout,
            stderr=subprocess.STDOUT,
        )
    try:
        found: list[re.Match[str]] = []

        def started() -> bool:
            assert process.poll() is None, out.read_text()
            match = BANNER.search(out.read_text())
            if match is not None:
                found.append(match)
            return match is not None and not refused(int(match.group(2)))

        poll(started, "drflow simulator to start", deadline=60)
        yield found[-1].group(1), int(found[-1].group(2))
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_drflow_simulator_goes_dark_and_comes_back(foreground: tuple[str, int]) -> None:
    url, port = foreground
    answer = httpx.post(f"{url}/_sim/outage", json={"seconds": 10, "mode": "refuse"})
    assert answer.status_code == 200, answer.text
    poll(lambda: refused(port), "a new connection to be refused", deadline=1.0)
    poll(lambda: not refused(port), "the listener to come back")
    assert httpx.get(f"{url}/_sim/stats").json()["outages"]["count"] == 1
