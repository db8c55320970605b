"""Instant file share recovery against the simulator, over HTTP, in Prefect: every ``then``, a
migration with Auto and Scheduled switchover, the trap share, a failing check, a retried start,
cancellation, and NFS shares refused for migration before anything is asked of VBR."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from prefect.deployments import run_deployment
from pydantic import ValidationError
from tests.flows.support import (
    cancel_run,
    now,
    poll,
    run_flow,
    run_in_background,
    sim_requests,
    wait_for_paused_run,
)
from typer.testing import CliRunner

from drflow.checks import HttpCheck
from drflow.cli import app
from drflow.flows.engine import RecoveryFailed, RecoveryReport
from drflow.flows.file_share import FileShareRecoveryParams, file_share_instant_recovery
from drflow.simulator.estate import estate_uuid

pytestmark = pytest.mark.flow

FINANCE = "\\\\fs01\\finance"
HR = "\\\\fs01\\hr"
ENG = "nas01:/exports/eng"  # NFS
PROJECTS = "\\\\fs02\\projects"  # trap: publishing fails
FS_DR01 = str(estate_uuid("unstructuredServer", "fs-dr01.lab.local"))  # a spare SMB server
START = "POST /api/v1/restore/instantRecovery/unstructuredData"


def shares(admin: httpx.Client, *, include_gone: bool = False) -> list[dict]:
    found = admin.get("/_sim/mounts", params={"include_gone": include_gone}).json()["mounts"]
    return [m for m in found if m["kind"] == "FileShare"]


def published(admin: httpx.Client) -> list[dict]:
    """Shares still published (an Unpublished mount stays listed, like VBR's)."""
    return [m for m in shares(admin) if m["state"] != "Unpublished"]


def run(**kwargs: object) -> RecoveryReport | RecoveryFailed:
    return run_flow(file_share_instant_recovery, FileShareRecoveryParams(**kwargs))


def fast(admin: httpx.Client) -> None:
    admin.put("/_sim/config", json={"speed": 500}).raise_for_status()


def test_unmount_drill_unpublishes(sim, admin, connection) -> None:
    check = HttpCheck(url=f"{sim.url}/_sim/config", deadline=5, interval=0.1)
    report = run(share=FINANCE, then="unmount", checks=[check], connection=connection)
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    assert report.rto_seconds is not None
    assert report.details["protocol"] == "SMB"
    assert report.session_ids
    assert published(admin) == []


def test_keep_leaves_the_share_published(sim, admin, connection) -> None:
    report = run(share=HR, then="keep", connection=connection)
    assert report.verdict == "passed", report.reason
    [share] = published(admin)
    assert share["state"] == "Published"
    assert share["name"] == HR
    assert report.flow_run_id in share["reason"]


def test_migrate_to_another_server_with_auto_switchover(sim, admin, connection, vbr) -> None:
    fast(admin)
    report = run(
        share=FINANCE,
        then="migrate",
        migration={
            "server_id": FS_DR01,
            "path": "D:\\Shares\\finance",
            "overwrite_mode": "Overwrite",
        },
        connection=connection,
    )
    assert report.verdict == "passed", report.reason
    assert report.details["switchover"] == "switched over (Auto)"
    migration = vbr.sessions.get(report.session_ids[-1])
    assert migration.session_type == "FileInstantRecoveryMigration"
    assert migration.result.result == "Success"
    [share] = shares(admin, include_gone=True)
    assert share["state"] == "Unpublished"  # it runs from its destination now
    assert share["switchedOverAt"]


def test_migrate_with_scheduled_switchover(sim, admin, connection) -> None:
    fast(admin)
    when = now() + timedelta(seconds=6)
    report = run(
        share=HR,
        then="migrate",
        switchover={"type": "Scheduled", "schedule_time": when},
        connection=connection,
    )
    assert report.verdict == "passed", report.reason
    [share] = shares(admin, include_gone=True)
    assert datetime.fromisoformat(share["switchedOverAt"]) >= when


def test_ask_is_answered_with_migrate(sim, admin, connection) -> None:
    fast(admin)
    params = FileShareRecoveryParams(share=HR, then="ask", connection=connection)
    since = now()
    thread, holder = run_in_background(file_share_instant_recovery, params)
    run_id = wait_for_paused_run("file-share-instant-recovery", since=since)
    result = CliRunner().invoke(app, ["resume", run_id, "migrate"])
    assert result.exit_code == 0, result.output
    thread.join(timeout=60)
    report = holder["outcome"]
    assert isinstance(report, RecoveryReport), report
    assert report.choice == "migrate"
    assert report.details["switchover"] == "switched over (Auto)"
    assert published(admin) == []


def test_ask_times_out_to_the_default(sim, admin, connection) -> None:
    report = run(
        share=ENG,  # NFS: publishing works; only migration is refused
        then="ask",
        ask={"timeout_minutes": 0.02, "default": "unmount"},
        connection=connection,
    )
    assert isinstance(report, RecoveryReport), report
    assert report.choice == "unmount"
    assert report.decided_by == "(timeout)"
    assert published(admin) == []


def test_trap_share_fails_to_publish_and_is_cleaned_up(sim, admin, connection) -> None:
    outcome = run(share=PROJECTS, then="keep", connection=connection)
    assert isinstance(outcome, RecoveryFailed)
    assert "Failed to publish share" in outcome.report.reason
    assert outcome.report.cleaned_up is True
    assert published(admin) == []


def test_failing_workload_check_unpublishes(sim, admin, connection) -> None:
    check = HttpCheck(url=f"{sim.url}/_sim/guests/fs01/health", deadline=0.5, interval=0.1)
    outcome = run(share=FINANCE, then="keep", checks=[check], connection=connection)
    assert isinstance(outcome, RecoveryFailed)
    assert outcome.report.reason.startswith("verification failed")
    assert outcome.report.cleaned_up is True
    assert published(admin) == []


def test_retried_start_adopts_the_first_share(sim, admin, connection) -> None:
    admin.put(
        "/_sim/faults",
        json=[
            {
                "method": "POST",
                "path": "^/api/v1/restore/instantRecovery/unstructuredData$",
                "commit_then_fail": "500",
                "max_count": 1,
            }
        ],
    ).raise_for_status()
    report = run(share=FINANCE, then="keep", connection=connection)
    assert report.verdict == "passed", report.reason
    assert len(shares(admin, include_gone=True)) == 1
    assert sim_requests(admin)[START] == 1


@pytest.mark.parametrize("runner", [[(file_share_instant_recovery, "cancel-test")]], indirect=True)
def test_cancel_after_publishing_unpublishes(sim, admin, connection, runner) -> None:
    run = run_deployment(
        "file-share-instant-recovery/cancel-test",
        parameters={
            "params": {
                "share": HR,
                "then": "keep",
                "checks": [{"kind": "tcp", "host": "127.0.0.1", "port": 9, "deadline": 120}],
                "connection": connection.model_dump(exclude_none=True),
            }
        },
        timeout=0,
    )
    poll(
        lambda: [m for m in published(admin) if str(run.id) in m["reason"]],
        "the run's published share",
    )
    cancel_run(run.id)
    poll(lambda: not published(admin), "the share to be unpublished")


# --- NFS: refused for migration before anything is started ----------------------------------


def test_nfs_share_is_refused_for_migration_naming_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        FileShareRecoveryParams(share=ENG, then="migrate")
    [error] = info.value.errors()
    assert error["loc"] == ("share",)
    assert "NFS share" in error["msg"]
    assert FileShareRecoveryParams(share=ENG, then="ask").choices() == ["unmount", "keep"]


def test_nfs_migration_starts_nothing_from_the_command_line(sim, admin, monkeypatch) -> None:
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    result = CliRunner().invoke(
        app, ["run", "file-share-instant-recovery", "--share", ENG, "--then", "migrate"]
    )
    assert result.exit_code == 2
    assert "--share" in result.output
    assert "NFS" in result.output
    assert sim_requests(admin) == {}


def test_nfs_migration_starts_nothing_from_a_deployment_run(sim, admin, connection) -> None:
    """Deployment runs pass the parameters as JSON: the flow validates them itself, first."""
    state = file_share_instant_recovery(
        params={"share": ENG, "then": "migrate", "connection": {"url": sim.url}},
        return_state=True,
    )
    assert state.is_failed()
    with pytest.raises(ValidationError, match="NFS share"):
        state.result()
    assert sim_requests(admin) == {}
    assert shares(admin, include_gone=True) == []
