"""What ``drflow run`` does when VBR can't be trusted or refuses the user's role.

An untrusted certificate: a non-zero exit, a message that shows the presented fingerprint and
the settings that trust the server, no traceback, and no credentials sent. A role that may not
start a recovery: a non-zero exit naming the roles needed, the start task tried once (not
retried by the client nor by Prefect), nothing mounted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from tests.flows.support import poll
from typer.testing import CliRunner

from drflow.simulator import SimulatorConfig, SimulatorServer

pytestmark = [pytest.mark.security, pytest.mark.flow]

FINAL = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})

IR = "POST /api/v1/restore/instantRecovery/vSphere/vm"


def run_cli(*args: str) -> Any:
    from drflow.cli import app
    from drflow.tasks import close_clients

    close_clients()  # VBRConnection() from the environment: no client of another test
    try:
        # wide enough that the evidence table does not fold the fingerprint across its borders
        return CliRunner().invoke(app, ["run", *args], env={"COLUMNS": "400"})
    finally:
        close_clients()


def flat(text: str) -> str:
    """``text`` without whitespace: the terminal wraps long fingerprints and names."""
    return "".join(text.split())


@pytest.fixture
def tls_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatorServer]:
    with SimulatorServer(SimulatorConfig(speed=50), tls=True) as server:
        monkeypatch.setenv("DRFLOW_VBR_URL", server.url)
        monkeypatch.setenv("DRFLOW_VBR_USERNAME", "restore-operator")
        monkeypatch.setenv("DRFLOW_VBR_PASSWORD", "simulator")
        yield server


def test_run_against_an_untrusted_certificate_says_how_to_trust_it(tls_sim) -> None:
    result = run_cli("vsphere-instant-recovery", "--vm", "web01")

    assert result.exit_code != 0, result.output
    output = flat(result.output)
    assert flat(tls_sim.fingerprint) in output
    assert "DRFLOW_VBR_CA_BUNDLE" in output
    assert "DRFLOW_VBR_FINGERPRINT" in output
    assert "Traceback" not in result.output
    assert tls_sim.state.stats()["tokens"]["issued"] == 0  # the password never left
    assert tls_sim.state.mounts() == []


def test_run_with_a_fingerprint_of_another_server_is_refused(tls_sim, monkeypatch) -> None:
    monkeypatch.setenv("DRFLOW_VBR_FINGERPRINT", "AB" * 32)

    result = run_cli("vsphere-instant-recovery", "--vm", "web01")

    assert result.exit_code != 0, result.output
    output = flat(result.output)
    assert flat(tls_sim.fingerprint) in output  # what the server presented, to compare
    assert "DRFLOW_VBR_FINGERPRINT" in output
    assert "Traceback" not in result.output
    assert tls_sim.state.stats()["tokens"]["issued"] == 0


def _task_runs(name: str, since: datetime) -> list[dict[str, Any]]:
    """The task runs ``name`` started after ``since``, once Prefect recorded one and its final
    state: a task run's states reach the server as events, sent in the background (behind
    whatever events earlier tests of this process left queued)."""
    from prefect.settings import PREFECT_API_URL

    body = {"task_runs": {"name": {"any_": [name]}, "start_time": {"after_": since.isoformat()}}}

    def recorded() -> list[dict[str, Any]]:
        response = httpx.post(f"{PREFECT_API_URL.value()}/task_runs/filter", json=body, timeout=30)
        response.raise_for_status()
        runs = response.json()
        return runs if runs and all(r["state"]["type"] in FINAL for r in runs) else []

    return poll(recorded, f"Prefect to record the task run {name}", 60, 0.5)


def test_a_viewer_is_refused_once_and_told_which_role(sim, admin, connection, monkeypatch) -> None:
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "viewer")
    since = datetime.now(UTC)

    result = run_cli("vsphere-instant-recovery", "--vm", "web01", "--simulator")

    assert result.exit_code == 1, result.output
    output = flat(result.output)
    assert flat("needs one of the VBR roles") in output
    assert flat("Veeam Backup Administrator, Veeam Restore Operator") in output
    assert "Traceback" not in result.output
    assert admin.get("/_sim/stats").json()["requests"].get(IR) == 1  # no retry of any kind
    [start] = _task_runs("start-instant-recovery[web01]", since)
    assert (start["run_count"], start["state"]["type"]) == (1, "FAILED")
    assert admin.get("/_sim/mounts").json()["mounts"] == []
