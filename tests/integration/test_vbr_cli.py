"""``drflow vbr restore-points`` and ``drflow vbr mounts`` over real HTTP against the
simulator: what VBR holds, with the ids other commands take, and the drflow run owning each
mount (read from its mark)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from typer.testing import CliRunner

from drflow.cli import app
from drflow.tasks import close_clients
from drflow.vbr import VBRClient, VBRSettings, latest_restore_point
from drflow.vbr.marks import mark_for
from drflow.vbr.models import (
    InstantHvVMOriginalLocationRecoverySpec,
    InstantUnstructuredDataRestoreSpec,
    InstantViVMOriginalLocationRecoverySpec,
    SecureRestoreSpec,
    UnstructuredDataRestoreOptionsModel,
)

pytestmark = pytest.mark.integration


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})


@pytest.fixture
def target(sim: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The simulator as the configured VBR (DRFLOW_VBR_*), as a restore operator."""
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "restore-operator")
    monkeypatch.setenv("DRFLOW_VBR_PASSWORD", "simulator")
    yield sim
    close_clients()


@pytest.fixture
def client(sim: Any) -> Iterator[VBRClient]:
    """A client of its own, to set the scene and to check the command against."""
    with VBRClient(
        VBRSettings(url=sim.url, username="restore-operator", password="simulator")
    ) as vbr:
        yield vbr


def test_restore_points_of_one_workload_newest_first(target: Any, client: VBRClient) -> None:
    result = invoke("vbr", "restore-points", "web01", "--simulator", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    expected = [p for p in client.restore_points.list(name_filter="web01") if p.name == "web01"]
    assert len(rows) == len(expected) >= 2
    assert {r["restore_point_id"] for r in rows} == {str(p.id) for p in expected}
    assert {(r["workload"], r["platform"], r["backup"]) for r in rows} == {
        ("web01", "VMware", "Web tier")
    }
    ages = [r["age_hours"] for r in rows]
    assert ages == sorted(ages)  # newest first
    assert ages[0] > 0
    assert rows[0]["restore_point_id"] == str(latest_restore_point(client, "web01").id)

    table = invoke("vbr", "restore-points", "web01", "--simulator")
    assert table.exit_code == 0, table.output
    for row in rows:
        assert row["restore_point_id"] in table.stdout
    assert "Web tier" in table.stdout
    assert "hv-web01" not in table.stdout


def test_every_restore_point_of_every_kind_of_workload(target: Any, client: VBRClient) -> None:
    result = invoke("vbr", "restore-points", "--simulator", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == len(list(client.restore_points.list()))
    kinds = {r["workload"]: r["platform"] for r in rows}
    assert kinds["hv-web01"] == "HyperV"
    assert kinds["invoices"] == "UnstructuredData"
    assert kinds["\\\\fs01\\finance"] == "UnstructuredData"
    assert kinds["contoso.onmicrosoft.com"] == "EntraID"


def test_an_unknown_name_names_it_and_suggests_the_closest(target: Any) -> None:
    result = invoke("vbr", "restore-points", "web1", "--simulator")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    error = result.stderr.strip()
    assert len(error.splitlines()) == 1
    assert "Traceback" not in result.output
    assert "no restore point of 'web1'" in error
    assert "did you mean 'web01'" in error


def test_the_simulator_only_when_asked(target: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    refused = invoke("vbr", "mounts")
    assert refused.exit_code == 2
    assert "answers as drflow's VBR simulator" in refused.stderr
    assert "--simulator" in refused.stderr
    monkeypatch.delenv("DRFLOW_VBR_URL")
    nothing = invoke("vbr", "restore-points")
    assert nothing.exit_code == 2
    assert "no VBR to list restore points: set DRFLOW_VBR_URL" in nothing.stderr


def test_mounts_with_their_owning_drflow_run(
    target: Any, client: VBRClient, admin: httpx.Client
) -> None:
    run, share_run = uuid4(), uuid4()
    client.hyperv.start_instant_recovery(
        InstantHvVMOriginalLocationRecoverySpec(
            restore_point_id=latest_restore_point(client, "hv-web01").id,
            power_up=True,
            reason=f"{mark_for(run)} [drill]",
        )
    )
    client.vsphere.start_instant_recovery(
        InstantViVMOriginalLocationRecoverySpec(
            restore_point_id=latest_restore_point(client, "web02").id,
            secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
            reason="restore test by hand [ticket 7]",
        )
    )
    client.unstructured.start_share_instant_recovery(
        InstantUnstructuredDataRestoreSpec(
            restore_options=[
                UnstructuredDataRestoreOptionsModel(
                    restore_point_id=latest_restore_point(client, "\\\\fs01\\hr").id
                )
            ],
            reason=mark_for(share_run),
        )
    )
    held = admin.get("/_sim/mounts").json()["mounts"]
    assert len(held) == 3

    result = invoke("vbr", "mounts", "--simulator", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["workload"]: r for r in json.loads(result.stdout)}
    assert set(rows) == {"hv-web01", "web02", "\\\\fs01\\hr"}
    assert (rows["hv-web01"]["kind"], rows["hv-web01"]["drflow_run"]) == ("hyperv-vm", str(run))
    assert (rows["web02"]["kind"], rows["web02"]["drflow_run"]) == ("vsphere-vm", None)
    assert rows["web02"]["reason"] == "restore test by hand [ticket 7]"
    assert rows["\\\\fs01\\hr"]["kind"] == "file-share"
    assert rows["\\\\fs01\\hr"]["drflow_run"] == str(share_run)
    assert {r["id"] for r in rows.values()} == {str(m["id"]) for m in held}
    assert all(r["state"] for r in rows.values())

    table = invoke("vbr", "mounts", "--simulator")
    assert table.exit_code == 0, table.output
    assert str(run) in table.stdout
    assert str(share_run) in table.stdout
    assert "not drflow's (reason: restore test by hand [ticket 7])" in table.stdout
    for row in rows.values():
        assert row["id"] in table.stdout


def test_an_unreachable_vbr_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("DRFLOW_VBR_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "restore-operator")
    monkeypatch.setenv("DRFLOW_VBR_PASSWORD", "simulator")
    monkeypatch.setenv("DRFLOW_VBR_OUTAGE_TOLERANCE", "1s")
    try:
        result = invoke("vbr", "mounts")
    finally:
        close_clients()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: VBR's mounts cannot be read:")
    assert result.stdout == ""


def test_no_mounts(target: Any) -> None:
    result = invoke("vbr", "mounts", "--simulator")
    assert result.exit_code == 0, result.output
    assert "VBR holds no mount" in result.stdout
