"""The file-level restore flow against the simulator, over HTTP, in Prefect."""

from __future__ import annotations

import sys
import uuid
from datetime import timedelta

import pytest
from pydantic import ValidationError
from tests.flows.support import (
    artifact,
    mounts,
    mounts_of_run,
    now,
    poll,
    run_flow,
    run_in_background,
    wait_for_paused_run,
)

from drflow.checks import CommandCheck
from drflow.flows.engine import RecoveryFailed, RecoveryReport
from drflow.flows.flr import FileLevelRestoreParams, file_level_restore
from drflow.simulator.estate import estate_uuid
from drflow.vbr import latest_restore_point

pytestmark = pytest.mark.flow

ROOT = estate_uuid("credentials", "root")
ADMINISTRATOR = estate_uuid("credentials", "LAB\\Administrator")
STALE = estate_uuid("credentials", "LAB\\svc-restore-old")


def run(connection: object, **kwargs: object) -> RecoveryReport | RecoveryFailed:
    return run_flow(file_level_restore, FileLevelRestoreParams(connection=connection, **kwargs))


def test_valid_credentials_mount_publish_and_unmount(sim, admin, connection) -> None:
    report = run(connection, vm="web01", credentials_id=ROOT, keep_minutes=0)
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    assert report.cleaned_up is True
    assert report.details["credentials"].startswith(f"`{ROOT}`: valid")
    assert report.details["file systems"] == "Linux (web01)"
    published = artifact("flr-mount-web01", report.flow_run_id)
    assert report.mount_id in published  # the session id the operator browses
    assert "Backup Browser" in published  # how to browse it
    assert mounts(admin) == []


def test_rejected_credentials_unmount_and_fail_clearly(sim, admin, connection) -> None:
    outcome = run(connection, vm="dc01", credentials_id=STALE, keep_minutes=5)
    assert isinstance(outcome, RecoveryFailed)
    report = outcome.report
    assert report.reason.startswith(f"verification failed: credentials {STALE} rejected")
    assert "password is incorrect" in report.reason
    assert report.cleaned_up is True
    assert report.verified_at is None  # never handed to the operator
    assert artifact("flr-mount-dc01", report.flow_run_id) is None
    assert mounts(admin) == []


def test_kept_for_the_requested_time_then_unmounted(sim, admin, connection) -> None:
    params = FileLevelRestoreParams(vm="web02", keep_minutes=0.05, connection=connection)
    thread, holder = run_in_background(file_level_restore, params)
    [mounted] = poll(
        lambda: [m for m in mounts(admin) if m["kind"] == "FLR" and m["state"] == "Mounted"],
        "the FLR mount",
        30,
    )
    assert "drflow-run:" in mounted["reason"]
    thread.join(timeout=60)
    report = holder["outcome"]
    assert isinstance(report, RecoveryReport), report
    assert report.decided_by == "(keep time elapsed)"
    assert report.phases[-1].name == "unmount"
    assert mounts_of_run(admin, report.flow_run_id) == []
    assert mounts(admin) == []


def test_operator_done_ends_the_wait_with_drflow_resume(sim, admin, connection) -> None:
    from typer.testing import CliRunner

    from drflow.cli import app

    since = now()
    server = uuid.uuid4()
    params = FileLevelRestoreParams(
        vm="dc01",
        credentials_id=ADMINISTRATOR,
        mount_mode="manual",
        mount_server={"id": str(server)},
        keep_minutes=10,
        connection=connection,
    )
    thread, holder = run_in_background(file_level_restore, params)
    run_id = wait_for_paused_run("file-level-restore", since=since)
    [mounted] = mounts_of_run(admin, run_id)
    assert mounted["mountMode"] == "Manual"
    assert str(server) in mounted["mountServer"]
    assert f"drflow resume {run_id} unmount" in artifact("flr-mount-dc01", run_id)
    result = CliRunner().invoke(app, ["resume", run_id, "unmount", "--note", "restored a file"])
    assert result.exit_code == 0, result.output
    thread.join(timeout=60)
    report = holder["outcome"]
    assert isinstance(report, RecoveryReport), report
    assert report.decided_by not in ("(operator)", "(keep time elapsed)")  # who said done
    assert report.details["operator note"] == "restored a file"
    assert mounts(admin) == []


def test_damaged_restore_point_fails_and_unmounts(sim, admin, connection) -> None:
    outcome = run(
        connection,
        vm="legacy01",
        restore_point={"before": (now() - timedelta(hours=20)).isoformat()},
    )
    assert isinstance(outcome, RecoveryFailed)
    assert "mount failed: Restore failed: backup file legacy01.vbk" in outcome.report.reason
    assert outcome.report.cleaned_up is True
    assert mounts(admin) == []


def test_failing_check_unmounts(sim, admin, connection) -> None:
    failing = CommandCheck(
        command=[sys.executable, "-c", "raise SystemExit(4)"], deadline=0.3, interval=0.1
    )
    outcome = run(connection, vm="web01", checks=[failing], keep_minutes=5)
    assert isinstance(outcome, RecoveryFailed)
    assert "exited 4" in outcome.report.reason
    assert outcome.report.cleaned_up is True
    assert mounts(admin) == []


def test_bad_parameters_name_the_field() -> None:
    cases = {
        "mount_server": {"mount_mode": "manual"},
        "mount_server: only": {"mount_server": {"id": str(uuid.uuid4())}},
        "then": {"then": "keep"},
        "keep_minutes": {"keep_minutes": -1},
        "source": {"source": "unstructured"},
    }
    for field, values in cases.items():
        with pytest.raises(ValidationError) as info:
            FileLevelRestoreParams(vm="web01", **values)
        assert field in str(info.value), (field, str(info.value))


def test_the_hooks_unmount_a_mount_the_run_remembered(sim, admin, connection) -> None:
    """A run killed before its ``finally`` (crash, killed worker): the hook still unmounts the
    FLR mount, which VBR cannot list by mark, because the run remembered it."""
    from types import SimpleNamespace

    from prefect import flow
    from prefect.runtime import flow_run

    from drflow.flows.engine import Disposition, OwnedObject
    from drflow.flows.engine.hooks import remove_what_the_run_started
    from drflow.flows.engine.ownership import record
    from drflow.tasks import get_client
    from drflow.vbr.models import FlrAutoUnmountModel, LinuxFlrMountSpec

    @flow
    def dies_holding_a_mount() -> None:
        client = get_client(connection)
        spec = LinuxFlrMountSpec(
            restore_point_id=latest_restore_point(client, "web01").id,
            mount_mode="Automatic",
            auto_unmount=FlrAutoUnmountModel(is_enabled=False),
            reason="hook test",
        )
        held = OwnedObject(kind="flr-mount", id=str(client.flr.start_mount(spec).session_id))
        record(flow_run.get_id(), held, Disposition.TRANSIENT)
        raise RuntimeError("the worker dies here")  # a completed run's hooks keep what it kept

    state = dies_holding_a_mount(return_state=True)
    run_id = str(state.state_details.flow_run_id)
    assert [m["kind"] for m in mounts(admin)] == ["FLR"]
    run = SimpleNamespace(
        id=run_id, parameters={"params": {"connection": connection.model_dump(exclude_none=True)}}
    )
    crashed = SimpleNamespace(name="Crashed", type=SimpleNamespace(value="CRASHED"))
    remove_what_the_run_started(None, run, crashed)
    poll(lambda: mounts(admin) == [], "the FLR mount to be unmounted", 10)
