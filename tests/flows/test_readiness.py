"""``drflow readiness``: whether a plan could be recovered now, checked without starting anything
on VBR. The command line against the simulator over real HTTP, in Prefect (the session's test
server): the verdicts and their reasons, the exit codes, the evidence, and the history."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tests.flows.support import artifact, mounts, now
from typer.testing import CliRunner

from drflow.cli import app
from drflow.drills import LIMIT_NAME, ensure_concurrency_limit
from drflow.tasks import close_clients
from drflow.vbr import latest_restore_point
from drflow.vbr.marks import mark_for
from drflow.vbr.models import InstantViVMOriginalLocationRecoverySpec, SecureRestoreSpec

pytestmark = pytest.mark.flow

HEALTH = {"kind": "http", "url": "${DRFLOW_VBR_URL}/_sim/guests/{vm}/health", "deadline": 5}
CLUSTER = {"vcenter": "vcenter01.lab.local", "name": "DR cluster"}


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "300"})


def plan_file(tmp_path: Path, name: str, groups: dict[str, list[dict[str, Any]]]) -> str:
    plan = {
        "name": name,
        "vbr": {"url": "${DRFLOW_VBR_URL}"},
        "defaults": {"rpo_hours": 26, "rto_minutes": 30, "checks": [HEALTH]},
        "groups": [{"name": group, "workloads": ws} for group, ws in groups.items()],
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return str(path)


def vm(name: str, **extra: Any) -> dict[str, Any]:
    kind = "hyperv" if name.startswith("hv-") else "vsphere"
    return {"name": name, "kind": kind, "vm": name, **extra}


def starts(admin: httpx.Client) -> dict[str, int]:
    """How many requests the simulator answered that were not reads, logins or logouts, per
    ``METHOD path`` (its own admin API left out)."""
    requests = admin.get("/_sim/stats").json()["requests"]
    return {
        key: count
        for key, count in requests.items()
        if not key.startswith(("GET ", "POST /api/oauth2/")) and " /_sim/" not in key
    }


def runs_of(flow_name: str, since: Any) -> list[Any]:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])))
    return [run for run in runs if run.created and run.created >= since]


def mount(vbr: Any, vm_name: str, reason: str) -> str:
    """Mount ``vm_name`` in the simulator as someone (drflow or not) did, with ``reason``."""
    point = latest_restore_point(vbr, vm_name)
    vbr.vsphere.start_instant_recovery(
        InstantViVMOriginalLocationRecoverySpec(
            restore_point_id=point.id,
            reason=reason,
            secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
        )
    )
    [found] = [m for m in vbr.vsphere.list_mounts() if m.spec.reason == reason]
    return str(found.id)


def verdict(path: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(the plan's verdict, each workload's) from the JSON readiness writes."""
    report = json.loads(path.read_text())
    return report, {w["name"]: w for w in report["workloads"]}


@pytest.fixture
def env(sim, admin, monkeypatch: pytest.MonkeyPatch) -> object:
    """The simulator as the plans' ``${DRFLOW_VBR_URL}``, its Restore Operator as the user, and
    the global concurrency limit in place."""
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "restore-operator")
    monkeypatch.setenv("DRFLOW_VBR_PASSWORD", "simulator")
    ensure_concurrency_limit()
    yield sim
    close_clients()


def test_a_ready_plan_exits_0_names_its_target_and_starts_nothing(
    env, admin, tmp_path: Path
) -> None:
    path = plan_file(
        tmp_path,
        "ready",
        {
            "data": [vm("db01"), vm("hv-sql01")],
            "files": [
                {"name": "finance", "kind": "file-share", "share": "\\\\fs01\\finance"},
                {"name": "app01-disks", "kind": "fcd", "vm": "app01", "cluster": CLUSTER},
            ],
        },
    )
    out = tmp_path / "readiness.json"
    result = invoke("readiness", path, "--simulator", "--json", str(out))

    assert result.exit_code == 0, result.output
    report, workloads = verdict(out)
    assert report["ready"] is True
    assert report["reason"] == "all 4 workloads ready"
    assert report["vbr"]["url"] == env.url
    assert report["vbr"]["simulator"] is True
    assert all(w["ready"] and w["problems"] == [] for w in workloads.values())
    assert workloads["db01"]["operation"] == "StartViVMInstantRecovery"
    assert workloads["hv-sql01"]["operation"] == "StartHvVMInstantRecovery"
    assert workloads["app01-disks"]["operation"] == "StartFCDInstantRecovery"
    assert workloads["finance"]["operation"] is None  # VBR lists none for file shares
    assert workloads["finance"]["target"] == "\\\\fs01\\finance"
    for w in workloads.values():  # the restore point its recovery would use, within the RPO
        assert w["restore_point_id"]
        assert 0 < w["rpo_seconds"] <= w["rpo_target_seconds"] == 26 * 3600
    assert workloads["db01"]["checks"] == [f"GET {env.url}/_sim/guests/db01/health -> 200"]
    assert "global concurrency limit vbr-restore-sessions" in " ".join(report["notes"])
    assert f"against the drflow VBR SIMULATOR at {env.url}" in result.stdout
    assert "ready: READY: all 4 workloads ready" in result.stdout

    assert starts(admin) == {}
    assert mounts(admin) == []
    markdown = artifact("readiness-ready", report["flow_run_id"])
    assert markdown is not None
    first = markdown.splitlines()
    assert first[0] == "# Readiness of plan `ready`: **READY**"
    assert first[2].startswith(f"- Against: the drflow VBR SIMULATOR at {env.url} (")


def test_an_unknown_vm_is_named_and_the_plan_is_not_ready(env, admin, tmp_path: Path) -> None:
    path = plan_file(tmp_path, "unknown", {"data": [vm("db01"), vm("web99")]})
    out = tmp_path / "readiness.json"
    result = invoke("readiness", path, "--simulator", "--json", str(out))

    assert result.exit_code == 1, result.output
    report, workloads = verdict(out)
    assert report["ready"] is False
    assert report["reason"] == "not ready: web99"
    assert workloads["web99"]["problems"] == ["VBR has no restore point of 'web99'"]
    assert workloads["db01"]["ready"] is True
    assert "NOT READY: not ready: web99" in result.stdout
    assert "not ready: web99: VBR has no restore point of 'web99'" in result.stderr
    assert starts(admin) == {}
    assert mounts(admin) == []


def test_each_workload_says_why_it_is_not_ready(env, admin, vbr, tmp_path: Path) -> None:
    run_id = uuid.uuid4()
    leftover = mount(vbr, "web02", f"drflow vsphere-instant-recovery drill [{mark_for(run_id)}]")
    foreign = mount(vbr, "proxy01", "restore test by Bob")
    started = starts(admin)
    own_check = {"kind": "http", "url": "${DRFLOW_VBR_URL}/_sim/{host}/health"}
    no_program = {"kind": "command", "command": ["drflow-no-such-smoke-test", "{vm}"]}
    path = plan_file(
        tmp_path,
        "reasons",
        {
            "data": [vm("db01", rpo_hours=0.5), vm("mq01")],
            "front": [
                {"name": "legacy-disks", "kind": "fcd", "vm": "legacy01", "cluster": CLUSTER},
                vm("web01", checks=[own_check]),
                vm("app01", checks=[HEALTH, no_program]),
                vm("web02"),
                vm("proxy01"),
            ],
        },
    )
    out = tmp_path / "readiness.json"
    result = invoke("readiness", path, "--simulator", "--json", str(out))

    assert result.exit_code == 1, result.output
    report, workloads = verdict(out)
    problems = {name: w["problems"] for name, w in workloads.items()}
    [rpo] = problems["db01"]
    assert rpo.startswith("newest restore point is 1.0h old, RPO target 0.5h")
    [operation] = problems["legacy-disks"]
    assert operation.startswith(
        "VBR has no restore point of 'legacy01' allowing StartFCDInstantRecovery (its newest "
        "restore point, from "
    )
    assert "StartViVMInstantRecovery" in operation.split(" allows ", 1)[1]
    assert problems["web01"] == [
        "check 1 (http): its template does not resolve ({host}): {vm} is the only placeholder"
    ]
    assert problems["app01"] == [
        "check 2 (command): drflow-no-such-smoke-test is not a program on this machine"
    ]
    [mounted] = problems["web02"]
    assert mounted.startswith(f"web02 is already mounted (vsphere-vm {leftover}")
    assert f"by drflow run {run_id}" in mounted
    assert f"`drflow release {leftover}`" in mounted
    [theirs] = problems["proxy01"]
    assert theirs.startswith(f"proxy01 is already mounted by someone else (vsphere-vm {foreign}")
    assert "'restore test by Bob'" in theirs
    assert problems["mq01"] == []
    assert report["reason"] == "not ready: db01, legacy-disks, web01, app01, web02, proxy01"
    assert starts(admin) == started  # readiness started nothing more
    assert {m["id"] for m in mounts(admin)} == {leftover, foreign}


def test_a_role_that_cannot_do_the_work_is_not_ready(
    env, admin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate = {
        "name": "app01-disks",
        "kind": "fcd",
        "vm": "app01",
        "cluster": CLUSTER,
        "then": "migrate",
        "migration": {"datastore": "ds-prod01"},
    }
    path = plan_file(tmp_path, "roles", {"data": [vm("db01"), migrate]})
    out = tmp_path / "readiness.json"

    operator = invoke("readiness", path, "--simulator", "--json", str(out))
    assert operator.exit_code == 1, operator.output
    report, workloads = verdict(out)
    assert workloads["db01"]["ready"] is True
    [problem] = workloads["app01-disks"]["problems"]
    assert problem.startswith("restore-operator cannot migrate it")
    assert "Veeam Backup Administrator" in problem

    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "viewer")
    close_clients()
    viewer = invoke("readiness", path, "--simulator", "--json", str(out))
    assert viewer.exit_code == 1, viewer.output
    report, workloads = verdict(out)
    [problem] = report["problems"]
    assert problem.startswith("the mounts VBR holds cannot be listed")
    assert "Veeam Backup Administrator, Veeam Restore Operator" in problem
    assert all(
        w["problems"] == ["not checked in VBR: VBR could not be used"] for w in workloads.values()
    )
    assert starts(admin) == {}


def test_refused_credentials_and_a_missing_limit_make_the_plan_not_ready(
    env, admin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import get_client

    path = plan_file(tmp_path, "plan-wide", {"data": [vm("db01")]})
    out = tmp_path / "readiness.json"
    monkeypatch.setenv("DRFLOW_VBR_PASSWORD", "not-the-password")
    refused = invoke("readiness", path, "--simulator", "--json", str(out))
    assert refused.exit_code == 1, refused.output
    report, _ = verdict(out)
    [problem] = report["problems"]
    assert problem.startswith(f"VBR at {env.url} refused the credentials")
    assert "'restore-operator'" in problem
    assert report["vbr"] is None
    assert f"against VBR at {env.url} (not identified)" in refused.stdout

    monkeypatch.setenv("DRFLOW_VBR_PASSWORD", "simulator")
    close_clients()
    with get_client(sync_client=True) as client:
        client.delete_global_concurrency_limit_by_name(LIMIT_NAME)
    try:
        missing = invoke("readiness", path, "--simulator", "--json", str(out))
    finally:
        ensure_concurrency_limit()
    assert missing.exit_code == 1, missing.output
    report, workloads = verdict(out)
    [problem] = report["problems"]
    assert problem.startswith(f"the global concurrency limit {LIMIT_NAME} does not exist")
    assert workloads["db01"]["ready"] is True  # the workload itself is ready, the plan is not
    assert starts(admin) == {}


def test_a_bad_plan_or_no_vbr_exits_2_and_checks_nothing(
    env, admin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    since = now()
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\ngroups: []\n")
    bad = invoke("readiness", str(broken), "--simulator")
    assert bad.exit_code == 2, bad.output
    assert "broken.yaml" in bad.stderr

    monkeypatch.delenv("DRFLOW_VBR_URL")
    path = tmp_path / "nowhere.yaml"
    plan = {"name": "nowhere", "groups": [{"name": "data", "workloads": [vm("db01")]}]}
    path.write_text(yaml.safe_dump(plan))
    nowhere = invoke("readiness", str(path))
    assert nowhere.exit_code == 2, nowhere.output
    assert "no VBR to check" in " ".join(nowhere.stderr.split())
    assert runs_of("readiness", since) == []
    assert not [r for r in admin.get("/_sim/stats").json()["requests"] if "/api/" in r]


def test_history_shows_readiness_over_time(env, admin, tmp_path: Path) -> None:
    ready = plan_file(tmp_path, "over-time", {"data": [vm("db01")]})
    assert invoke("readiness", ready, "--simulator").exit_code == 0
    not_ready = plan_file(tmp_path, "over-time", {"data": [vm("db01"), vm("web99")]})
    assert invoke("readiness", not_ready, "--simulator").exit_code == 1

    history = invoke("history", "over-time")
    assert history.exit_code == 0, history.output
    lines = history.stdout.splitlines()
    assert any("readiness of over-time (oldest first)" in line for line in lines)
    rows = {
        cells[0]: cells[1:]
        for line in lines
        if line.startswith("│")
        for cells in [[cell.strip() for cell in line.split("│")[1:-1]]]
    }
    assert rows["db01"] == ["ready", "ready"]
    assert rows["web99"] == ["-", "NOT READY VBR has no restore point of 'web99'"]
    assert rows["(plan)"] == ["ready", "NOT READY"]
    assert f"against the drflow simulator at {env.url}" in history.stdout
