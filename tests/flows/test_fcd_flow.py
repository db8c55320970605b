"""The FCD instant recovery flow against the simulator, over HTTP, in Prefect."""

from __future__ import annotations

import sys

import pytest
from pydantic import ValidationError
from tests.flows.support import mounts, now, run_flow, run_in_background, wait_for_paused_run

from drflow.checks import CommandCheck
from drflow.flows.engine import RecoveryFailed, RecoveryReport
from drflow.flows.fcd import FcdRecoveryParams, fcd_instant_recovery

pytestmark = pytest.mark.flow

CLUSTER = {"vcenter": "vcenter01.lab.local", "name": "DR cluster"}
MIGRATION = {"datastore": "ds-prod01", "storage_policy": "Gold"}
START = "POST /api/v1/restore/instantRecovery/vSphere/fcd"


def run(connection: object, **kwargs: object) -> RecoveryReport | RecoveryFailed:
    params = FcdRecoveryParams(cluster=CLUSTER, connection=connection, **kwargs)
    return run_flow(fcd_instant_recovery, params)


@pytest.fixture
def administrator(connection, monkeypatch: pytest.MonkeyPatch) -> object:
    """The connection as a Backup Administrator: only that role may migrate FCDs."""
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "administrator")
    return connection


def fcd_mounts(admin) -> list[dict]:
    return [m for m in mounts(admin) if m["kind"] == "vSphereFCD"]


def test_unmount_drill_mounts_every_disk_then_dismounts(sim, admin, connection) -> None:
    report = run(connection, vm="web01", then="unmount")
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    assert report.details["disks"] == "web01, web01_1"  # every disk of the point by default
    assert report.rto_seconds is not None
    assert report.cleaned_up is True
    assert mounts(admin) == []


def test_keep_leaves_the_chosen_disk_mounted_with_the_run_mark(sim, admin, connection) -> None:
    report = run(connection, vm="web02", disks=["web02_1"], then="keep", fcd_name_prefix="dr-")
    assert report.verdict == "passed"
    [mount] = fcd_mounts(admin)
    assert mount["state"] == "Mounted"
    assert mount["cluster"] == "DR cluster"
    [name] = mount["registeredFcdNames"]
    assert name.startswith("dr-web02_1 ")
    assert f"drflow-run:{report.flow_run_id}" in name


def test_migrate_moves_the_chosen_disks_and_dismounts_the_rest(
    sim, admin, administrator, vbr
) -> None:
    report = run(
        administrator, vm="mq01", then="migrate", migration={**MIGRATION, "disks": ["mq01_1"]}
    )
    assert report.verdict == "passed", report.reason
    mount_session, migration_session = (vbr.sessions.get(s) for s in report.session_ids)
    assert mount_session.session_type == "FirstClassDiskInstantRestore"
    assert migration_session.session_type == "FirstClassDiskQuickMigration"
    assert migration_session.result.result == "Success"
    assert "storage policy Gold" in migration_session.result.message
    assert report.details["dismounted"] == "mq01"
    assert mounts(admin) == []


@pytest.mark.parametrize("choice", ["keep", "migrate"])
def test_ask_is_answered_by_the_operator(sim, admin, administrator, choice: str) -> None:
    from typer.testing import CliRunner

    from drflow.cli import app

    since = now()
    params = FcdRecoveryParams(
        vm="app01", cluster=CLUSTER, migration=MIGRATION, then="ask", connection=administrator
    )
    thread, holder = run_in_background(fcd_instant_recovery, params)
    run_id = wait_for_paused_run("fcd-instant-recovery", since=since)
    result = CliRunner().invoke(app, ["resume", run_id, choice, "--note", "test"])
    assert result.exit_code == 0, result.output
    thread.join(timeout=60)
    report = holder["outcome"]
    assert isinstance(report, RecoveryReport), report
    assert report.choice == choice
    assert report.decided_by
    assert len(fcd_mounts(admin)) == (1 if choice == "keep" else 0)
    assert len(report.session_ids) == (2 if choice == "migrate" else 1)


def test_ask_times_out_to_the_default(sim, admin, connection) -> None:
    report = run(
        connection,
        vm="app01",
        then="ask",
        ask={"timeout_minutes": 0.05, "default": "unmount"},
    )
    assert isinstance(report, RecoveryReport), repr(report)
    assert report.choice == "unmount"
    assert report.decided_by == "(timeout)"
    assert mounts(admin) == []


def test_failing_mount_is_reported_and_dismounted(sim, admin, connection) -> None:
    outcome = run(connection, vm="broken01", then="keep")
    assert isinstance(outcome, RecoveryFailed)
    assert outcome.report.reason.startswith("mount failed")
    assert "vPower NFS" in outcome.report.reason
    assert outcome.report.cleaned_up is True
    assert mounts(admin) == []


def test_failing_check_dismounts_even_with_keep(sim, admin, connection) -> None:
    failing = CommandCheck(
        command=[sys.executable, "-c", "raise SystemExit(3)"], deadline=0.3, interval=0.1
    )
    outcome = run(connection, vm="web01", then="keep", checks=[failing])
    assert isinstance(outcome, RecoveryFailed)
    assert outcome.report.reason.startswith("verification failed")
    assert "exited 3" in outcome.report.reason
    assert outcome.report.cleaned_up is True
    assert mounts(admin) == []


def test_what_cannot_be_mounted_fails_before_any_start(sim, admin, connection) -> None:
    outcome = run(connection, vm="web01", disks=["web01_9"])
    assert isinstance(outcome, RecoveryFailed)
    assert "disks: restore point" in outcome.report.reason
    assert "has no disk 'web01_9' (disks: web01, web01_1)" in outcome.report.reason
    outcome = run(connection, vm="web01", migration={"datastore": "ds", "disks": ["web01_2"]})
    assert isinstance(outcome, RecoveryFailed)
    assert "migration.disks: restore point" in outcome.report.reason
    outcome = run(connection, vm="legacy01")  # its points offer no Instant FCD Recovery
    assert isinstance(outcome, RecoveryFailed)
    assert "StartFCDInstantRecovery" in outcome.report.reason
    assert START not in admin.get("/_sim/stats").json()["requests"]
    assert mounts(admin) == []


def test_commit_then_fail_start_is_adopted_not_duplicated(sim, admin, connection) -> None:
    admin.put(
        "/_sim/faults",
        json=[
            {
                "method": "POST",
                "path": "^/api/v1/restore/instantRecovery/vSphere/fcd$",
                "commit_then_fail": "500",
                "max_count": 1,
            }
        ],
    ).raise_for_status()
    report = run(connection, vm="web02", then="keep")
    assert report.verdict == "passed", report.reason
    assert len(fcd_mounts(admin)) == 1
    assert admin.get("/_sim/stats").json()["requests"][START] == 1


def test_bad_parameters_name_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        FcdRecoveryParams(vm="web01", cluster=CLUSTER, then="migrate")
    assert "migration" in str(info.value)
    with pytest.raises(ValidationError) as info:
        FcdRecoveryParams(
            vm="web01",
            cluster=CLUSTER,
            disks=["web01"],
            migration={"datastore": "ds", "disks": ["web01_1"]},
        )
    assert "migration.disks" in str(info.value)
    with pytest.raises(ValidationError) as info:
        FcdRecoveryParams(vm="web01")
    assert info.value.errors()[0]["loc"] == ("cluster",)
