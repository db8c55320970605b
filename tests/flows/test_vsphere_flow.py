"""The vSphere instant recovery flow against the simulator, over HTTP, in Prefect."""

from __future__ import annotations

import pytest
from tests.flows.support import (
    mounts,
    run_flow,
    run_in_background,
    wait_for_paused_run,
)

from drflow.checks import HttpCheck
from drflow.flows.engine import RecoveryFailed, RecoveryReport
from drflow.flows.vsphere import (
    MigrationTarget,
    VSphereRecoveryParams,
    vsphere_instant_recovery,
)
from drflow.vbr import latest_restore_point, wait_for_mount, wait_until_gone
from drflow.vbr.mounts import VSPHERE_VM

pytestmark = pytest.mark.flow


def health(sim: object, deadline: float = 5.0) -> HttpCheck:
    return HttpCheck(url=f"{sim.url}/_sim/guests/{{vm}}/health", deadline=deadline, interval=0.1)


def run(**kwargs: object) -> RecoveryReport | RecoveryFailed:
    return run_flow(vsphere_instant_recovery, VSphereRecoveryParams(**kwargs))


def test_unmount_drill_passes_and_leaves_nothing(sim, admin, connection) -> None:
    report = run(vm="web01", then="unmount", checks=[health(sim)], connection=connection)
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    assert report.rto_seconds is not None
    assert report.rto_seconds > 0
    assert report.restore_point_age_seconds is not None
    assert report.restore_point_age_seconds > 3600  # the newest web01 point is hours old
    assert [c.passed for c in report.checks] == [True]
    assert mounts(admin) == []
    assert admin.get("/_sim/guests/web01/health").status_code == 503


def test_keep_leaves_the_vm_running(sim, admin, connection) -> None:
    report = run(vm="db01", then="keep", checks=[health(sim)], connection=connection)
    assert report.verdict == "passed"
    [mount] = mounts(admin)
    assert mount["vmName"] == "db01"
    assert mount["state"] == "Mounted"
    assert report.flow_run_id in mount["reason"]


def test_migrate_runs_quick_migration(sim, admin, connection, vbr) -> None:
    target = MigrationTarget(vcenter="vcenter01.lab.local", host="esx02.lab.local")
    report = run(vm="app01", then="migrate", migration=target, connection=connection)
    assert report.verdict == "passed"
    assert len(report.session_ids) == 2
    migration = vbr.sessions.get(report.session_ids[1])
    assert migration.session_type == "QuickMigration"
    assert migration.result.result == "Success"
    assert mounts(admin) == []
    assert admin.get("/_sim/guests/app01/health").status_code == 200  # now in production


def test_failing_session_trap_fails_with_vbr_reason(sim, admin, connection) -> None:
    outcome = run(vm="broken01", then="unmount", connection=connection)
    assert isinstance(outcome, RecoveryFailed)
    report = outcome.report
    assert report.verdict == "failed"
    assert "fail" in report.reason.lower()
    assert mounts(admin) == []


def test_unhealthy_workload_trap_is_failed_and_cleaned_up(sim, admin, connection) -> None:
    outcome = run(
        vm="zombie01", then="keep", checks=[health(sim, deadline=1.0)], connection=connection
    )
    assert isinstance(outcome, RecoveryFailed)
    report = outcome.report
    assert report.verdict == "failed"
    assert report.reason.startswith("verification failed")
    assert len(report.checks) == 1
    assert not report.checks[0].passed
    assert report.cleaned_up is True
    assert mounts(admin) == []  # even with then=keep: an unverified VM is not kept


def test_commit_then_fail_start_is_adopted_not_duplicated(sim, admin, connection) -> None:
    admin.put(
        "/_sim/faults",
        json=[
            {
                "method": "POST",
                "path": "^/api/v1/restore/instantRecovery/vSphere/vm$",
                "commit_then_fail": "500",
                "max_count": 1,
            }
        ],
    ).raise_for_status()
    report = run(vm="web02", then="keep", connection=connection)
    assert report.verdict == "passed"
    web02 = [m for m in mounts(admin) if m["vmName"] == "web02"]
    assert len(web02) == 1
    stats = admin.get("/_sim/stats").json()
    assert "POST /api/v1/restore/instantRecovery/vSphere/vm" in str(stats)


def test_a_start_done_once_per_execution_looks_for_an_earlier_one_only_when_retried(
    sim, admin, connection, vbr
) -> None:
    """Within ``inline_tasks(once_per_execution=True)`` (a drill's workloads as task runs) the
    first execution of a run starts without first looking for what its mark started (one list
    call fewer than a start that looks); a retried run looks, and adopts the mount its first
    execution left rather than starting another."""
    from prefect import flow

    from drflow.tasks import inline_tasks, run_mark
    from drflow.tasks.vsphere import start_vsphere_instant_recovery
    from drflow.vbr.models import InstantViVMOriginalLocationRecoverySpec, SecureRestoreSpec

    lists_route = "GET /api/v1/restore/instantRecovery/vSphere/vm"
    starts_route = "POST /api/v1/restore/instantRecovery/vSphere/vm"

    def calls(route: str) -> int:
        return admin.get("/_sim/stats").json()["requests"].get(route, 0)

    def start(vm: str, *, once: bool) -> tuple[str, int]:
        """Start ``vm`` marked with this run: (mount id, list calls it took)."""
        mark = run_mark()
        spec = InstantViVMOriginalLocationRecoverySpec(
            restore_point_id=latest_restore_point(vbr, vm).id,
            secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
            reason=f"test [{mark}]",
        )
        before = calls(lists_route)
        with inline_tasks(once_per_execution=once):
            mount = start_vsphere_instant_recovery(connection, vm, spec, mark)
        return str(mount.id), calls(lists_route) - before

    @flow
    def looking() -> int:
        return start("app02", once=False)[1]

    executions: list[tuple[str, int]] = []

    @flow(retries=1)
    def retried() -> None:
        executions.append(start("mq01", once=True))
        if len(executions) == 1:
            raise RuntimeError("the first execution ends after its start")

    looked = looking()
    retried()
    (first, first_lists), (again, again_lists) = executions
    assert first_lists == looked - 1  # no look before the first start
    assert again == first  # the retry looked (one list) and adopted the same mount
    assert again_lists == 1
    assert calls(starts_route) == 2  # one start each for app02 and mq01
    assert sorted(m["vmName"] for m in mounts(admin)) == ["app02", "mq01"]


def test_unknown_vm_fails_before_starting_anything(sim, admin, connection) -> None:
    outcome = run(vm="no-such-vm", connection=connection)
    assert isinstance(outcome, RecoveryFailed)
    assert "no restore point" in outcome.report.reason
    assert mounts(admin) == []


def test_polls_are_never_cached(sim, connection, vbr) -> None:
    """Two calls of the same task with the same inputs see the server's changing answer."""
    from prefect import flow

    from drflow.tasks import get_session

    session = None

    @flow
    def watch() -> list[str]:
        nonlocal session
        from drflow.tasks import get_client
        from drflow.vbr.models import (
            InstantViVMOriginalLocationRecoverySpec,
            SecureRestoreSpec,
        )

        client = get_client(connection)
        point = latest_restore_point(client, "proxy01")
        session = client.vsphere.start_instant_recovery(
            InstantViVMOriginalLocationRecoverySpec(
                restore_point_id=point.id,
                secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
                reason="cache test",
            )
        )
        first = get_session(connection, session.id)
        wait_for_mount(client, VSPHERE_VM, session.id, session_id=session.id)
        client.vsphere.unmount(session.id)
        wait_until_gone(client, VSPHERE_VM, session.id)
        second = get_session(connection, session.id)
        return [str(first.state), str(second.state)]

    first, second = watch()
    assert first != "Stopped"
    assert second == "Stopped"


@pytest.mark.parametrize("choice", ["unmount", "keep"])
def test_ask_is_answered_by_the_operator(sim, admin, connection, choice: str) -> None:
    from typer.testing import CliRunner

    from drflow.cli import app

    params = VSphereRecoveryParams(
        vm="web01", then="ask", checks=[health(sim)], connection=connection
    )
    thread, holder = run_in_background(vsphere_instant_recovery, params)
    run_id = wait_for_paused_run("vsphere-instant-recovery")
    result = CliRunner().invoke(app, ["resume", run_id, choice, "--note", "test"])
    assert result.exit_code == 0, result.output
    thread.join(timeout=60)
    report = holder["outcome"]
    assert isinstance(report, RecoveryReport), report
    assert report.choice == choice
    assert report.decided_by  # who answered is evidence
    assert len(mounts(admin)) == (1 if choice == "keep" else 0)


def test_ask_times_out_to_the_default(sim, admin, connection) -> None:
    params = VSphereRecoveryParams(
        vm="web02",
        then="ask",
        ask={"timeout_minutes": 0.05, "default": "unmount"},
        connection=connection,
    )
    report = vsphere_instant_recovery(params)
    assert report.choice == "unmount"
    assert report.decided_by == "(timeout)"
    assert mounts(admin) == []


def test_rpo_violation_fails_before_anything_starts(sim, admin, connection) -> None:
    outcome = run(vm="web01", restore_point={"max_age_hours": 1}, connection=connection)
    assert isinstance(outcome, RecoveryFailed)
    assert "older than the RPO of 1h" in outcome.report.reason
    assert mounts(admin) == []


def test_bad_parameters_name_the_field() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        VSphereRecoveryParams(vm="web01", then="migrate")
    assert "migration" in str(info.value)
    with pytest.raises(ValidationError) as info:
        VSphereRecoveryParams(vm="web01", restore_point={"restore_point_id": "not-a-uuid"})
    assert info.value.errors()[0]["loc"] == ("restore_point", "restore_point_id")
