"""Secrets: a canary password and every token the simulator issued appear nowhere drflow writes.

The demo, a drill of ``plans/tier1.yaml`` and a failing drill run with a password made for the
test (credentials from the environment, then from a Prefect Secret block). Afterwards the canary
and every access and refresh token the simulator issued are looked for in: the Prefect API's
logs, artifacts, flow runs (parameters, state messages) and task runs; the bytes of the Prefect
test server's SQLite database and of the local result storage; the drill's JSON report; what
the CLI printed; every log record of this process (drflow, httpx, Prefect, the simulator's
uvicorn) and what reached the terminal.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from drflow.simulator.server import SimulatorServer

pytestmark = [pytest.mark.security, pytest.mark.flow]

ROOT = Path(__file__).resolve().parents[3]
NEVER = {"kind": "tcp", "host": "127.0.0.1", "port": 9, "deadline": 1, "interval": 0.2}
"""A check that cannot pass: nothing listens on the discard port."""


@pytest.fixture
def canary() -> str:
    return f"canary-{uuid.uuid4().hex}"


@pytest.fixture
def canary_sim(sim, admin, connection, canary, monkeypatch, caplog) -> SimulatorServer:
    """The session simulator accepting only the canary password; credentials in the env."""
    admin.put("/_sim/config", json={"password": canary, "speed": 200}).raise_for_status()
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    monkeypatch.setenv("DRFLOW_VBR_PASSWORD", canary)
    caplog.set_level(logging.DEBUG)
    return sim


def failing_plan(tmp_path: Path, credentials: dict[str, Any]) -> Path:
    """A drill that fails twice over: a trap VM whose recovery fails, a check that can't pass."""
    plan = {
        "name": "security-failing",
        "vbr": {"url": "${DRFLOW_VBR_URL}", "credentials": credentials},
        "defaults": {"timeout_minutes": 2, "checks": [NEVER]},
        "groups": [
            {
                "name": "all",
                "workloads": [
                    {"name": "broken01", "kind": "vsphere", "vm": "broken01"},
                    {"name": "web01", "kind": "vsphere", "vm": "web01"},
                ],
            }
        ],
    }
    path = tmp_path / "failing.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


def invoke(*args: str) -> Any:
    from drflow.cli import app

    return CliRunner().invoke(app, list(args))


# --- where secrets could end up ---------------------------------------------------------------


def _api_all(client: httpx.Client, route: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        page = client.post(route, json={"offset": len(rows), "limit": 200})
        page.raise_for_status()
        rows.extend(page.json())
        if len(page.json()) < 200:
            return rows


def prefect_places() -> dict[str, str]:
    """Everything the Prefect API and its database hold, as text per place."""
    from prefect.logging.handlers import APILogHandler
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_LOCAL_STORAGE_PATH,
        PREFECT_SERVER_DATABASE_CONNECTION_URL,
    )

    APILogHandler().flush()
    places: dict[str, str] = {}
    with httpx.Client(base_url=PREFECT_API_URL.value(), timeout=30) as client:
        for route in ("logs", "artifacts", "flow_runs", "task_runs"):
            places[f"Prefect API {route}"] = json.dumps(_api_all(client, f"/{route}/filter"))
    database = Path(PREFECT_SERVER_DATABASE_CONNECTION_URL.value().split(":///", 1)[1])
    for file in database.parent.glob(database.name + "*"):  # the database, its WAL and SHM
        places[f"Prefect database {file.name}"] = file.read_bytes().decode("latin-1")
    places["Prefect result storage"] = "\n".join(
        _read(file) for file in Path(PREFECT_LOCAL_STORAGE_PATH.value()).rglob("*")
    )
    return places


def _read(file: Path) -> str:
    try:
        return file.read_bytes().decode("latin-1")
    except (IsADirectoryError, FileNotFoundError):  # a folder, or removed by another test
        return ""


def assert_nothing_leaks(secrets: list[str], places: dict[str, str]) -> None:
    assert len(secrets) > 1, "no token was issued: nothing was tested"
    leaks = [
        f"{'the password' if n == 0 else f'token #{n}'} in {where}"
        for where, text in places.items()
        for n, secret in enumerate(secrets)
        if secret in text
    ]
    assert not leaks, leaks


def tokens(server: SimulatorServer) -> list[str]:
    return server.state.tokens.issued_values()


def local_places(caplog, capfd, cli_output: str) -> dict[str, str]:
    out, err = capfd.readouterr()
    return {
        "log records of this process": "\n".join(
            f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records
        )
        + caplog.text,
        "stdout/stderr": out + err,
        "CLI output": cli_output,
    }


# --- the runs -----------------------------------------------------------------------------------


def test_demo_leaks_nothing(canary, monkeypatch, caplog, capfd) -> None:
    """``drflow demo`` (its own simulator, made to accept only the canary)."""
    from drflow.cli.demo import CASES
    from drflow.simulator import config as config_module
    from drflow.simulator import server as server_module
    from drflow.tasks import close_clients

    started: list[SimulatorServer] = []

    class CanaryConfig(config_module.SimulatorConfig):
        password: str = canary

    class RecordedServer(server_module.SimulatorServer):
        def start(self) -> SimulatorServer:
            started.append(self)
            return super().start()

    from drflow import embedded

    monkeypatch.setattr(embedded, "SimulatorConfig", CanaryConfig)
    monkeypatch.setattr(embedded, "SimulatorServer", RecordedServer)
    caplog.set_level(logging.DEBUG)

    try:
        result = invoke("demo", "--speed", "200")
    finally:
        close_clients()

    # the verdicts are the demo tests' business (its checks' deadlines are real seconds)
    assert result.exit_code in (0, 1), result.output
    assert "Every outcome was the expected one" in result.output or "NO, expected" in result.output
    [server] = started
    assert server.config.password == canary
    assert all(case.vm in result.output for case in CASES), result.output
    places = {**prefect_places(), **local_places(caplog, capfd, result.output)}
    assert_nothing_leaks([canary, *tokens(server)], places)


def test_drill_leaks_nothing(canary_sim, canary, tmp_path, caplog, capfd) -> None:
    """Credentials from the environment: ``drflow drill plans/tier1.yaml --report ...``."""
    report = tmp_path / "tier1.json"
    result = invoke(
        "drill", str(ROOT / "plans" / "tier1.yaml"), "--simulator", "--report", str(report)
    )

    assert result.exit_code == 0, result.output
    places = {
        **prefect_places(),
        **local_places(caplog, capfd, result.output),
        "drill report": report.read_text(),
    }
    written = json.loads(places["drill report"])
    assert written["verdict"] == "passed"
    assert written["flow_run_id"] in places["Prefect API logs"]  # the scan sees this drill
    assert_nothing_leaks([canary, *tokens(canary_sim)], places)


def test_failing_drill_with_secret_block_leaks_nothing(
    canary_sim, canary, tmp_path, monkeypatch, caplog, capfd
) -> None:
    """Credentials from a Prefect Secret block; the workloads fail, so errors are reported."""
    from prefect.blocks.system import Secret

    monkeypatch.delenv("DRFLOW_VBR_USERNAME")
    monkeypatch.delenv("DRFLOW_VBR_PASSWORD")
    block = f"vbr-{uuid.uuid4().hex[:12]}"
    Secret(value={"username": "restore-operator", "password": canary}).save(block)
    report = tmp_path / "failing.json"
    plan = failing_plan(tmp_path, {"secret_block": block})

    result = invoke("drill", str(plan), "--simulator", "--report", str(report))

    assert result.exit_code == 1, result.output
    places = {
        **prefect_places(),
        **local_places(caplog, capfd, result.output),
        "drill report": report.read_text(),
    }
    written = json.loads(places["drill report"])
    assert {r["name"]: r["outcome"] for r in written["results"]} == {
        "broken01": "failed",
        "web01": "failed",
    }
    assert written["flow_run_id"] in places["Prefect API logs"]  # the scan sees this drill
    assert block in places["Prefect API flow_runs"]  # the runs name the block, not its value
    database = "".join(text for place, text in places.items() if place.startswith("Prefect data"))
    assert block in database  # the byte scan finds what the runs' parameters hold
    assert_nothing_leaks([canary, *tokens(canary_sim)], places)
