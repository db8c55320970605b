"""Evidence names its target, and nothing runs against a simulator unless asked to; preflight
findings stop a plan before anything starts (``abort``) or only what they concern (``skip``);
``drflow recover`` fails over for real. The command line against the simulator, in Prefect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tests.flows.support import mounts, now
from typer.testing import CliRunner

from drflow.cli import app
from drflow.tasks import VBRConnection, close_clients, get_client

pytestmark = pytest.mark.flow

ROOT = Path(__file__).resolve().parents[2]
TIER1 = str(ROOT / "plans" / "tier1.yaml")


def invoke(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=stdin, env={"COLUMNS": "300"})


def nothing_started(admin: httpx.Client) -> None:
    """No start request ever reached the simulator, and it holds nothing."""
    stats = admin.get("/_sim/stats").json()
    assert [r for r in stats["requests"] if r.startswith("POST /api/v1/restore")] == []
    assert mounts(admin) == []


def runs_of(flow_name: str, since: Any) -> list[Any]:
    from prefect import get_client as prefect_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with prefect_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])))
    return [run for run in runs if run.created and run.created >= since]


def plan_file(tmp_path: Path, workloads: list[dict[str, Any]], **top: Any) -> str:
    plan = {
        "name": "targets",
        "vbr": {"url": "${DRFLOW_VBR_URL}"},
        **top,
        "groups": [
            {"name": "data", "workloads": workloads[:1]},
            *([{"name": "front", "workloads": workloads[1:]}] if workloads[1:] else []),
        ],
    }
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return str(path)


def vm(name: str) -> dict[str, Any]:
    return {"name": name, "kind": "vsphere", "vm": name}


@pytest.fixture
def as_admin(sim, admin, monkeypatch: pytest.MonkeyPatch) -> object:
    """The simulator at speed 200 as the plans' ``${DRFLOW_VBR_URL}``, its Backup
    Administrator as the user (who may read serverInfo)."""
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "administrator")
    monkeypatch.setenv("DRFLOW_VBR_PASSWORD", "simulator")
    monkeypatch.setenv("DRFLOW_VBR_POLL_INITIAL", "0.05")
    admin.put("/_sim/config", json={"speed": 200}).raise_for_status()
    yield sim
    close_clients()


@pytest.mark.parametrize(
    "command",
    [
        ["drill", TIER1],
        ["recover", TIER1, "--yes"],
        ["run", "vsphere-instant-recovery", "--vm", "web01"],
    ],
)
def test_without_a_vbr_nothing_starts_and_it_says_what_to_do(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DRFLOW_VBR_URL", raising=False)
    since = now()
    result = invoke(*command)
    assert result.exit_code == 2, result.output
    error = " ".join(result.stderr.split())
    assert "no VBR to" in error
    assert "set DRFLOW_VBR_URL" in error
    assert "pass --simulator" in error
    assert "Nothing was started" in error
    assert "Traceback" not in result.output
    assert runs_of("dr-drill", since) == runs_of("dr-recover", since) == []
    assert runs_of("vsphere-instant-recovery", since) == []


def test_a_simulator_is_drilled_only_when_asked_and_the_report_names_it(
    as_admin, admin, tmp_path: Path
) -> None:
    plan = plan_file(tmp_path, [vm("db01"), vm("web01")])
    refused = invoke("drill", plan)
    assert refused.exit_code == 2, refused.output
    assert "answers as drflow's VBR simulator" in " ".join(refused.stderr.split())
    nothing_started(admin)

    report_path = tmp_path / "report.json"
    result = invoke("drill", plan, "--simulator", "--report", str(report_path))
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    info = get_client(VBRConnection(url=as_admin.url)).server.info()
    assert report["vbr"]["vbr_id"] == info.vbr_id
    assert report["vbr"]["url"] == as_admin.url
    assert report["vbr"]["simulator"] is True
    assert f"against the drflow VBR SIMULATOR at {as_admin.url}" in result.stdout
    history = invoke("history", "targets")
    assert "against the drflow simulator at" in history.stdout


def test_simulator_flag_refuses_a_real_vbr(as_admin, admin, tmp_path: Path, monkeypatch) -> None:
    from tests.badinput.broken_vbr import BrokenVBR

    with BrokenVBR(as_admin.url, []) as real:  # passes answers on, without the simulator's mark
        monkeypatch.setenv("DRFLOW_VBR_URL", real.url)
        result = invoke("drill", plan_file(tmp_path, [vm("db01")]), "--simulator")
    assert result.exit_code == 2, result.output
    assert "is not drflow's VBR simulator" in " ".join(result.stderr.split())


def test_preflight_abort_starts_nothing_and_skip_runs_the_rest(
    as_admin, admin, tmp_path: Path
) -> None:
    workloads = [vm("db01"), vm("web99"), vm("web01"), {**vm("app01"), "depends_on": ["web99"]}]
    path = Path(plan_file(tmp_path, workloads))
    report_path = tmp_path / "report.json"

    aborted = invoke("drill", str(path), "--simulator", "--report", str(report_path))
    assert aborted.exit_code == 1, aborted.output
    nothing_started(admin)
    report = json.loads(report_path.read_text())
    assert report["findings"] == ["web99: VBR has no restore point of 'web99'"]
    assert "nothing was started" in report["reason"]
    assert "preflight: web99: VBR has no restore point of 'web99'" in " ".join(
        aborted.stderr.split()
    )
    outcomes = {r["name"]: r["outcome"] for r in report["results"]}
    assert outcomes == {
        "db01": "skipped",
        "web99": "failed",
        "web01": "skipped",
        "app01": "skipped",
    }

    plan = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**plan, "on_preflight_failure": "skip"}, sort_keys=False))
    skipped = invoke("drill", str(path), "--simulator", "--report", str(report_path))
    assert skipped.exit_code == 1, skipped.output  # a workload failed its preflight
    report = json.loads(report_path.read_text())
    results = {r["name"]: r for r in report["results"]}
    assert {n: r["outcome"] for n, r in results.items()} == {
        "db01": "passed",
        "web99": "failed",
        "web01": "passed",
        "app01": "skipped",
    }
    assert "web99 did not pass" in results["app01"]["reason"]
    assert mounts(admin) == []


def test_a_leftover_mount_is_named_with_the_run_and_the_release_command(
    as_admin, admin, tmp_path: Path
) -> None:
    kept = invoke(
        "run", "vsphere-instant-recovery", "--vm", "web01", "--then", "keep", "--simulator"
    )
    assert kept.exit_code == 0, kept.output
    [mount] = mounts(admin)
    report_path = tmp_path / "report.json"
    result = invoke(
        "drill", plan_file(tmp_path, [vm("web01")]), "--simulator", "--report", str(report_path)
    )
    assert result.exit_code == 1, result.output
    [finding] = json.loads(report_path.read_text())["findings"]
    assert finding.startswith(f"web01: web01 is already mounted (vsphere-vm {mount['id']}")
    assert "by drflow run" in finding
    assert f"`drflow release {mount['id']}`" in finding
    assert mounts(admin) == [mount]  # the kept VM is untouched


def test_recover_asks_for_the_plan_name_and_keeps_what_it_recovered(
    as_admin, admin, tmp_path: Path
) -> None:
    plan = plan_file(tmp_path, [vm("db01"), vm("web01")])
    since = now()
    declined = invoke("recover", plan, "--simulator", stdin="tier1\n")
    assert declined.exit_code == 2, declined.output
    assert runs_of("dr-recover", since) == []
    nothing_started(admin)

    confirmed = invoke("recover", plan, "--simulator", "--yes")
    assert confirmed.exit_code == 0, confirmed.output
    assert {m["vmName"] for m in mounts(admin)} == {"db01", "web01"}  # kept, on production
    assert all(m["state"] == "Mounted" for m in mounts(admin))
