"""Telling the simulator from a real VBR: its header on every answer, and ``serverInfo`` with
an installation id of its own state, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import re
import uuid
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from drflow.simulator import (
    DEFAULT_ESTATE,
    EstateError,
    FaultRule,
    SimulatorConfig,
    SimulatorServer,
)
from tests.simulator.sim_support import VERSION, assert_matches_schema

pytestmark = pytest.mark.integration

HEADER = "x-drflow-simulator"


def server_info(client: httpx.Client) -> dict:
    token = client.post(
        "/api/oauth2/token",
        data={"grant_type": "Password", "username": "administrator", "password": "simulator"},
        headers=VERSION,
    ).json()["access_token"]
    answer = client.get(
        "/api/v1/serverInfo", headers=VERSION | {"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_every_answer_says_it_comes_from_the_simulator() -> None:
    with (
        SimulatorServer(SimulatorConfig()) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        server.state.faults.replace([FaultRule(path="^/api/v1/backups$", status=502)])
        answers = [
            client.get("/_sim/stats"),  # the admin API
            client.get("/api/v1/serverInfo", headers=VERSION),  # 401, from the gate
            client.get("/api/v1/serverInfo"),  # 400, no x-api-version
            client.get("/api/v1/nowhere", headers=VERSION),  # 404 (after the gate's 401)
            client.get("/nowhere"),  # 404 InvalidURI
            client.get("/api/v1/backups", headers=VERSION),  # a fault: 502, plain text
            client.post("/api/oauth2/token", data={"grant_type": "Password"}, headers=VERSION),
        ]
        info = server_info(client)
    assert [a.status_code for a in answers] == [200, 401, 400, 401, 404, 502, 400]
    assert {a.headers.get(HEADER) for a in answers} == {version("drflow")}
    assert info["name"] == "127.0.0.1"  # the host it serves as


def test_server_info_is_valid_and_its_installation_id_belongs_to_the_state(
    tmp_path: Path,
) -> None:
    state_file = tmp_path / "state.pkl"
    with SimulatorServer(SimulatorConfig(state_file=state_file)) as server:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            first = server_info(client)
            assert server_info(client)["vbrId"] == first["vbrId"]  # stable
        server.restart()
        with httpx.Client(base_url=server.url, timeout=10) as client:
            assert server_info(client)["vbrId"] == first["vbrId"]  # kept across a restart
            client.post("/_sim/reset").raise_for_status()
            after_reset = server_info(client)["vbrId"]
    with (
        SimulatorServer(SimulatorConfig()) as other,
        httpx.Client(base_url=other.url, timeout=10) as client,
    ):
        fresh = server_info(client)["vbrId"]
    assert_matches_schema(first, "ServerInfoModel")
    uuid.UUID(first["vbrId"])
    assert len({first["vbrId"], after_reset, fresh}) == 3  # a new state, a new installation
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", first["buildVersion"])
    assert first["platform"] in ("Linux", "Windows")
    assert first["name"] == "127.0.0.1"


def test_an_estate_server_with_an_invalid_build_number_is_refused(tmp_path: Path) -> None:
    estate = json.loads(DEFAULT_ESTATE.read_text(encoding="utf-8"))
    estate["server"] = {"build_version": "13"}
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(estate))
    with pytest.raises(EstateError, match=r"server\.build_version"):
        SimulatorServer(SimulatorConfig(estate=path))
