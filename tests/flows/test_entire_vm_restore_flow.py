"""The entire VM restore flow against the simulator, over HTTP, in Prefect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from tests.flows.support import mounts, now, run_flow

from drflow.checks import HttpCheck
from drflow.flows.engine import RecoveryFailed, RecoveryReport
from drflow.flows.vm_restore import EntireVMRestoreParams, entire_vm_restore

pytestmark = pytest.mark.flow

VCENTER = "vcenter01.lab.local"


def health(sim: object, deadline: float = 5.0) -> HttpCheck:
    return HttpCheck(url=f"{sim.url}/_sim/guests/{{vm}}/health", deadline=deadline, interval=0.1)


def run(connection: object, **kwargs: object) -> RecoveryReport | RecoveryFailed:
    return run_flow(entire_vm_restore, EntireVMRestoreParams(connection=connection, **kwargs))


def restore_sessions(vbr, name: str) -> list:
    return [s for s in vbr.sessions.list(name_filter=name) if s.session_type == "RestoreVm"]


def test_vsphere_original_location_with_overwrite_allowed(sim, admin, connection, vbr) -> None:
    report = run(connection, vm="web01", allow_overwrite=True, checks=[health(sim)])
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    assert report.choice == "keep"
    assert report.rto_seconds is not None
    assert [c.passed for c in report.checks] == [True]
    [session] = report.session_ids
    restored = vbr.sessions.get(session)
    assert restored.session_type == "RestoreVm"
    assert restored.result.result == "Success"
    logs = " ".join(r.title or "" for r in vbr.sessions.logs(session).records)
    assert report.flow_run_id in logs  # the run's mark is in VBR's restore history
    assert mounts(admin) == []


def test_vsphere_customized_restore_under_a_new_name(sim, admin, connection) -> None:
    target = {
        "name": "web01-restored",
        "server": VCENTER,
        "host": "esx02.lab.local",
        "folder": "DR",
        "datastore": "ds-dr01",
    }
    report = run(connection, vm="web01", location="customized", target=target, checks=[health(sim)])
    assert report.verdict == "passed", report.reason
    assert report.details["restored as"] == "web01-restored"
    assert report.checks[0].check.endswith("/_sim/guests/web01-restored/health -> 200")
    assert admin.get("/_sim/guests/web01-restored/health").status_code == 200


def test_hyperv_quick_rollback(sim, connection, vbr) -> None:
    report = run(
        connection, vm="hv-web01", platform="hyperv", allow_overwrite=True, quick_rollback=True
    )
    assert report.verdict == "passed", report.reason
    assert vbr.sessions.get(report.session_ids[0]).session_type == "RestoreVm"


def test_cloud_director_recreates_a_deleted_vm(sim, connection, vbr) -> None:
    report = run(
        connection,
        vm="vcd-app01",
        platform="cloud_director",
        allow_overwrite=True,
        power_up=False,
    )
    assert report.verdict == "passed", report.reason
    restored = vbr.sessions.get(report.session_ids[0])
    assert restored.session_type == "CloudDirectorVmRestore"


def test_customized_restore_over_an_existing_vm_fails_without_overwrite(
    sim, admin, connection
) -> None:
    target = {"name": "web02", "server": VCENTER, "folder": "DR"}
    outcome = run(connection, vm="web01", location="customized", target=target)
    assert isinstance(outcome, RecoveryFailed)
    assert outcome.report.reason.startswith("VBR session failed")
    assert "already exists" in outcome.report.reason
    assert mounts(admin) == []


def test_damaged_restore_point_fails_the_session(sim, admin, connection) -> None:
    outcome = run(
        connection,
        vm="hv-sql01",
        platform="hyperv",
        allow_overwrite=True,
        restore_point={"before": (now() - timedelta(hours=50)).isoformat()},
    )
    assert isinstance(outcome, RecoveryFailed)
    assert "checksum mismatch" in outcome.report.reason
    assert outcome.report.cleaned_up is None  # VBR ended the session: nothing to stop
    assert mounts(admin) == []


def test_failing_check_after_power_up_fails_the_restore(sim, admin, connection) -> None:
    outcome = run(
        connection, vm="zombie01", allow_overwrite=True, checks=[health(sim, deadline=1.0)]
    )
    assert isinstance(outcome, RecoveryFailed)
    assert outcome.report.reason.startswith("verification failed")
    assert not outcome.report.checks[0].passed
    assert mounts(admin) == []


def test_commit_then_fail_start_is_adopted_not_duplicated(sim, admin, connection, vbr) -> None:
    # real restores take minutes: slow the simulator so that the restore outlives the retry
    # delay of the start task (a retry adopts a restore of this run that is still running)
    admin.put("/_sim/config", json={"speed": 20}).raise_for_status()
    admin.put(
        "/_sim/faults",
        json=[
            {
                "method": "POST",
                "path": "^/api/v1/restore/vmRestore/vSphere$",
                "commit_then_fail": "500",
                "max_count": 1,
            }
        ],
    ).raise_for_status()
    report = run(connection, vm="web02", allow_overwrite=True)
    assert report.verdict == "passed", report.reason
    assert len(restore_sessions(vbr, "web02")) == 1
    assert (
        admin.get("/_sim/stats").json()["requests"]["POST /api/v1/restore/vmRestore/vSphere"] == 1
    )


def test_overwrite_is_refused_before_any_call(sim, admin, connection) -> None:
    from typer.testing import CliRunner

    from drflow.cli import app

    with pytest.raises(ValidationError) as info:
        EntireVMRestoreParams(vm="web01")
    assert "allow_overwrite" in str(info.value)

    def vbr_requests() -> dict[str, int]:
        stats = admin.get("/_sim/stats").json()["requests"]
        return {k: v for k, v in stats.items() if "/_sim/" not in k}

    before = vbr_requests()
    result = CliRunner().invoke(
        app, ["run", "entire-vm-restore", "--vm", "web01", "--connection.url", sim.url]
    )
    assert result.exit_code != 0
    assert "allow_overwrite" in result.output
    assert vbr_requests() == before  # not a single request to VBR


def test_bad_parameters_name_the_field() -> None:
    cases = {
        "quick_rollback": {"location": "customized", "quick_rollback": True, "target": {}},
        "target": {"location": "customized"},
        "target.folder": {"location": "customized", "target": {"name": "x", "server": VCENTER}},
        "target.vapp": {
            "platform": "cloud_director",
            "location": "customized",
            "target": {"name": "x", "server": "vcd01"},
        },
        "target.path does not apply": {
            "location": "customized",
            "target": {"path": "D:\\VMs"},
        },
        "checks": {
            "allow_overwrite": True,
            "power_up": False,
            "checks": [{"kind": "tcp", "host": "x", "port": 1}],
        },
        "then": {"allow_overwrite": True, "then": "unmount"},
    }
    for field, values in cases.items():
        with pytest.raises(ValidationError) as info:
            EntireVMRestoreParams(vm="web01", **values)
        assert field in str(info.value), (field, str(info.value))
