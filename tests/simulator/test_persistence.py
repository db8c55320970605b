"""The simulator's state file: what a restart keeps, when it is written, and how."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from drflow.simulator import FakeClock, SimulatorConfig
from drflow.simulator.cli import app as simulator_cli
from drflow.simulator.persistence import StateFileError, write_atomically
from drflow.simulator.server import SimulatorServer
from drflow.simulator.state import Simulator
from tests.simulator.sim_support import IR_PATH, VERSION, ir_spec

pytestmark = pytest.mark.integration


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "vbr-state.pkl"


@pytest.fixture
def server(state_path: Path, clock: FakeClock) -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatorConfig(state_file=state_path), clock=clock) as running:
        yield running


def login(client: httpx.Client, user: str = "restore-operator") -> dict[str, str]:
    response = client.post(
        "/api/oauth2/token",
        data={"grant_type": "Password", "username": user, "password": "simulator"},
        headers=VERSION,
    )
    response.raise_for_status()
    return VERSION | {"Authorization": f"Bearer {response.json()['access_token']}"}


def start_ir(client: httpx.Client, headers: dict[str, str], vm: str) -> dict[str, Any]:
    response = client.post(IR_PATH, headers=headers, json=ir_spec(vm))
    assert response.status_code == 201, response.text
    return response.json()


def test_a_restart_keeps_sessions_mounts_and_tokens(
    server: SimulatorServer, clock: FakeClock
) -> None:
    with httpx.Client(base_url=server.url) as client:
        headers = login(client)
        first = start_ir(client, headers, "web01")
        assert client.get(f"{IR_PATH}/{first['id']}", headers=headers).json()["state"] == (
            "Mounting"
        )
        port, before = server.port, server.state

        server.restart()

        assert server.state is not before  # a new simulator, built from the file
        assert server.port == port
        mount = client.get(f"{IR_PATH}/{first['id']}", headers=headers)  # the same token
        assert mount.status_code == 200, mount.text
        assert mount.json()["state"] == "Mounting"
        clock.advance(22)  # start 2 s + mount 20 s: the mount goes on where it was
        assert client.get(f"{IR_PATH}/{first['id']}", headers=headers).json()["state"] == (
            "Mounted"
        )
        session = client.get(f"/api/v1/sessions/{first['id']}", headers=headers).json()
        assert session["result"]["result"] == "Success"
        second = start_ir(client, headers, "web02")  # ids go on from where they were
        assert second["id"] != first["id"]
        stats = client.get("/_sim/stats").json()
        assert stats["tokens"]["issued"] == 1
        assert stats["requests"][f"POST {IR_PATH}"] == 2  # counted across the restart
        assert stats["state_file"]["saves"] >= 1


def test_each_change_is_saved_before_it_is_answered(
    server: SimulatorServer, state_path: Path
) -> None:
    """A simulator killed right after an answer comes back with what that answer reported."""
    with httpx.Client(base_url=server.url) as client:
        headers = login(client)
        started = start_ir(client, headers, "web02")

        reloaded = Simulator(SimulatorConfig(state_file=state_path), clock=server.state.clock)

    assert reloaded.tokens.active_count(reloaded.clock.now()) == 1
    [mount] = reloaded.workloads["vsphere"].state.mounts.values()
    assert str(mount.id) == started["id"]
    assert reloaded.sessions[mount.id] is mount.session  # one record, as before the save
    assert mount.vm is reloaded.estate.vm("web02")  # the estate's own objects, not copies
    assert len(list(state_path.parent.glob("vbr-state.pkl.estate-*"))) == 1  # written once


def test_a_restart_without_a_state_file_starts_afresh(clock: FakeClock) -> None:
    with (
        SimulatorServer(SimulatorConfig(), clock=clock) as running,
        httpx.Client(base_url=running.url) as client,
    ):
        headers = login(client)
        start_ir(client, headers, "web01")
        running.restart()
        refused = client.get(IR_PATH, headers=headers)
    assert refused.status_code == 401
    assert running.state.workloads["vsphere"].state.mounts == {}


def test_a_file_it_did_not_write_is_refused(state_path: Path) -> None:
    state_path.write_text("not a pickle")
    with pytest.raises(StateFileError, match=f"{state_path} is not a simulator state file"):
        Simulator(SimulatorConfig(state_file=state_path))
    state_path.write_bytes(pickle.dumps({"format": 0, "state": {}}))
    with pytest.raises(StateFileError, match="another version of the simulator; remove it"):
        Simulator(SimulatorConfig(state_file=state_path))


def test_writes_are_atomic_and_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "state"
    write_atomically(target, b"first")
    assert target.read_bytes() == b"first"
    assert target.stat().st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["state"]

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(target, b"second")
    assert target.read_bytes() == b"first"  # never half of the new one
    assert os.listdir(tmp_path) == ["state"]  # and no temporary file left


def test_the_command_refuses_a_state_file_it_cannot_write(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "state.pkl"
    result = CliRunner().invoke(simulator_cli, ["--port", "0", "--state-file", str(missing)])
    assert result.exit_code == 2
    assert f"directory {missing.parent} does not exist" in result.output
    assert "Traceback" not in result.output
