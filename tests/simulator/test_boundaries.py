"""The simulator's boundaries: what it imports, and concurrent callers over real HTTP."""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

import drflow.simulator
from drflow.simulator import SimulatorConfig, SimulatorServer
from tests.simulator.sim_support import IR_PATH, VERSION, ir_spec

SOURCES = Path(drflow.simulator.__file__).parent


def test_imports_only_the_contract_data_of_drflow_vbr_and_no_prefect():
    """Models and the roles table are contract data (each checked against the spec on its own);
    the client's behaviour is not shared, so a client bug cannot hide behind the same bug here."""
    offenders = []
    for path in SOURCES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                vbr_client = name.startswith("drflow.vbr") and not name.startswith(
                    ("drflow.vbr.models", "drflow.vbr.roles")
                )
                if root == "prefect" or vbr_client or name in ("drflow.cli", "drflow.tasks"):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_importing_the_simulator_does_not_load_prefect():
    code = "import sys, drflow.simulator; print('prefect' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.integration
def test_concurrent_callers_get_consistent_answers():
    vms = ["web01", "web02", "proxy01", "app01", "mq01", "dc01", "file01", "mail01"]
    ages = {"app01": 3, "mq01": 3, "dc01": 6, "file01": 6, "mail01": 6, "db01": 1}
    with SimulatorServer(SimulatorConfig()) as server:
        with httpx.Client(base_url=server.url, headers=VERSION, timeout=10) as client:
            token = client.post(
                "/api/oauth2/token",
                data={
                    "grant_type": "Password",
                    "username": "administrator",
                    "password": "simulator",
                },
            ).json()["access_token"]
        headers = VERSION | {"Authorization": f"Bearer {token}"}

        def start(vm: str) -> httpx.Response:
            with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
                return client.post(IR_PATH, json=ir_spec(vm, ages.get(vm, 4)))

        with ThreadPoolExecutor(max_workers=8) as pool:
            distinct = list(pool.map(start, vms))
            same = list(pool.map(start, ["db01"] * 6))
        assert [r.status_code for r in distinct] == [201] * len(vms)
        assert len({r.json()["id"] for r in distinct}) == len(vms)
        # the same VM started concurrently: exactly one wins, the others are refused
        assert sorted(r.status_code for r in same) == [201] + [400] * 5
        assert len(server.state.mounts()) == len(vms) + 1
        running, peak = server.state.restore_concurrency()
        assert running == peak == len(vms) + 1
