"""Instant recovery to Azure against the simulator, over HTTP, in Prefect: every ``then``, the
three switchover types (a rescheduled one included), suspension of a deployment run until its
scheduled switchover, failures, a retried start, cancellation."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.flow_runs import resume_flow_run
from pydantic import ValidationError
from tests.flows.support import (
    artifact,
    cancel_run,
    now,
    poll,
    run_flow,
    run_in_background,
    run_logs,
    run_state,
    runner_processes,
    sim_requests,
    wait_for_paused_run,
    wait_until_idle,
)
from typer.testing import CliRunner

from drflow.checks import HttpCheck
from drflow.cli import app
from drflow.flows.azure import AzureRecoveryParams, azure_instant_recovery
from drflow.flows.engine import RecoveryFailed, RecoveryReport
from drflow.flows.engine.suspension import confirm_tag
from drflow.flows.switchover_confirm import switchover_confirm

pytestmark = pytest.mark.flow

START = "POST /api/v1/restore/instantRecovery/azure/vm"


def azure_vms(admin: httpx.Client, *, include_gone: bool = False) -> list[dict]:
    found = admin.get("/_sim/mounts", params={"include_gone": include_gone}).json()["mounts"]
    return [m for m in found if m["kind"] == "AzureVM"]


def serving(sim: object) -> HttpCheck:
    """A workload check that passes (the simulator answers)."""
    return HttpCheck(url=f"{sim.url}/_sim/config", deadline=5, interval=0.1)


def unhealthy(sim: object) -> HttpCheck:
    """A workload check that fails (no guest answers for a VM in Azure)."""
    return HttpCheck(url=f"{sim.url}/_sim/guests/{{vm}}/health", deadline=0.5, interval=0.1)


def run(**kwargs: object) -> RecoveryReport | RecoveryFailed:
    return run_flow(azure_instant_recovery, AzureRecoveryParams(**kwargs))


@pytest.fixture
def administrator(connection, monkeypatch: pytest.MonkeyPatch) -> None:
    """VBR lets only a Backup Administrator migrate to Azure and switch over."""
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "administrator")


def fast(admin: httpx.Client) -> None:
    """Migrations take 90 s of VBR time: at speed 500 they take a fraction of a second."""
    admin.put("/_sim/config", json={"speed": 500}).raise_for_status()


def switched_at(admin: httpx.Client, run_id: str) -> datetime | None:
    [vm] = [m for m in azure_vms(admin, include_gone=True) if run_id in (m["reason"] or "")]
    return datetime.fromisoformat(vm["switchedOverAt"]) if vm["switchedOverAt"] else None


def confirm_runs(mount_id: str, since: datetime) -> list:
    """The switchover-confirm runs of a mount (found by their tag) created after ``since``
    (the simulator's ids repeat from one test to the next)."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[confirm_tag(mount_id)]))
        )
    return [r for r in runs if r.created and r.created >= since]


# --- then -----------------------------------------------------------------------------------


def test_unmount_drill_reports_the_azure_vm_and_leaves_nothing(sim, admin, connection) -> None:
    report = run(vm="web01", then="unmount", checks=[serving(sim)], connection=connection)
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    assert report.rto_seconds is not None
    assert [c.passed for c in report.checks] == [True]
    details = report.details
    assert details["Azure VM"] == "web01"
    assert details["resource group"] == "rg-drflow-recovery"
    assert details["VM size"] == "Standard_D2s_v3"
    assert details["region"] == "westeurope"
    assert "AzureInstantRecovery" in details["Azure sessions"]
    assert report.session_ids  # the mount's instant recovery session
    assert azure_vms(admin) == []


def test_keep_leaves_the_vm_running_in_azure(sim, admin, connection) -> None:
    report = run(
        vm="branch-dc01",  # an agent backup
        name="branch-dc01-dr",
        tags={"purpose": "drill"},
        location="westeurope",
        then="keep",
        connection=connection,
    )
    assert report.verdict == "passed", report.reason
    [vm] = azure_vms(admin)
    assert vm["state"] == "Ready"
    assert vm["name"] == "branch-dc01-dr"
    assert report.flow_run_id in vm["reason"]
    assert report.details["Azure VM"] == "branch-dc01-dr"


def test_ask_is_answered_by_the_operator(sim, admin, connection) -> None:
    choice = "keep"
    params = AzureRecoveryParams(vm="web02", then="ask", connection=connection)
    since = now()
    thread, holder = run_in_background(azure_instant_recovery, params)
    run_id = wait_for_paused_run("azure-instant-recovery", since=since)
    result = CliRunner().invoke(app, ["resume", run_id, choice, "--note", "test"])
    assert result.exit_code == 0, result.output
    thread.join(timeout=60)
    report = holder["outcome"]
    assert isinstance(report, RecoveryReport), report
    assert report.choice == choice
    assert report.decided_by
    assert len(azure_vms(admin)) == 1


def test_ask_times_out_to_the_default(sim, admin, connection) -> None:
    report = run(
        vm="web02",
        then="ask",
        ask={"timeout_minutes": 0.02, "default": "unmount"},
        connection=connection,
    )
    assert isinstance(report, RecoveryReport), report
    assert report.choice == "unmount"
    assert report.decided_by == "(timeout)"
    assert azure_vms(admin) == []


# --- migrate and switch over ----------------------------------------------------------------


def test_migrate_with_auto_switchover(sim, admin, connection, administrator, vbr) -> None:
    fast(admin)
    report = run(vm="app01", then="migrate", connection=connection)
    assert report.verdict == "passed", report.reason
    assert report.details["switchover"] == "switched over (Auto)"
    types = {vbr.sessions.get(s).session_type for s in report.session_ids}
    assert types == {
        "AzureInstantRecovery",
        "AzureInstantRecoveryMigration",
        "AzureInstantRecoverySwitchover",
    }
    assert switched_at(admin, report.flow_run_id) is not None
    assert azure_vms(admin) == []  # the VM runs from Azure storage: the mount has ended


def test_manual_switchover_waits_for_the_operator(sim, admin, connection, administrator) -> None:
    fast(admin)
    params = AzureRecoveryParams(
        vm="db01", then="migrate", switchover={"type": "Manual"}, connection=connection
    )
    since = now()
    thread, holder = run_in_background(azure_instant_recovery, params)
    run_id = wait_for_paused_run("azure-instant-recovery", since=since)
    [vm] = azure_vms(admin)
    assert vm["state"] == "ReadyToSwitch"  # migrated, and nothing switches without approval
    resume_flow_run(run_id, run_input={"switchover": True, "approver": "ops", "note": "go"})
    thread.join(timeout=60)
    report = holder["outcome"]
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    assert report.details["switchover approved by"] == "ops: go"
    assert switched_at(admin, run_id) is not None


def test_scheduled_switchover_in_process_follows_a_reschedule(
    sim, admin, connection, administrator, monkeypatch
) -> None:
    fast(admin)
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    first = now() + timedelta(seconds=7)
    params = AzureRecoveryParams(
        vm="db02",
        then="migrate",
        switchover={"type": "Scheduled", "schedule_time": first, "suspend_after_minutes": 0},
        connection=connection,
    )
    thread, holder = run_in_background(azure_instant_recovery, params)
    [vm] = poll(
        lambda: [m for m in azure_vms(admin) if m["state"] in ("Migrating", "ReadyToSwitch")],
        "the migration",
    )
    later = first + timedelta(seconds=2)
    result = CliRunner().invoke(app, ["azure", "reschedule", vm["id"], later.isoformat()])
    assert result.exit_code == 0, result.output
    assert "scheduled at" in result.output
    thread.join(timeout=60)
    report = holder["outcome"]
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed"
    when = switched_at(admin, report.flow_run_id)
    assert when is not None
    assert when >= later  # not at the first time: VBR followed the new one, and so did the run
    # the evidence says when VBR switched over, and the time it was scheduled for in the end
    reported = datetime.strptime(report.details["switched over at"], "%Y-%m-%d %H:%M:%S UTC (VBR)")
    assert abs(reported.replace(tzinfo=when.tzinfo) - when) < timedelta(seconds=1)
    assert report.details["switchover scheduled for"] == f"{later:%Y-%m-%d %H:%M:%S} UTC"
    logs = poll(
        lambda: [m for m in run_logs(report.flow_run_id) if "not from a deployment" in m],
        "the log of why the run waits in process",
        10,
    )
    assert logs


@pytest.mark.parametrize(
    "runner",
    [[(azure_instant_recovery, "suspend-test"), (switchover_confirm, "suspend-test")]],
    indirect=True,
)
def test_scheduled_switchover_suspends_a_deployment_run_until_confirmed(
    sim, admin, connection, administrator, monkeypatch, vbr_factory, runner
) -> None:
    """The run releases its worker (Suspended) until a switchover-confirm run resumes it at
    the switchover time, which the operator moves: earlier with the CLI (the confirm run moves
    too), later in VBR itself (the confirm run re-schedules itself), earlier again."""
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    planned = now() + timedelta(minutes=5)
    since = now()
    run = run_deployment(
        "azure-instant-recovery/suspend-test",
        parameters={
            "params": {
                "vm": "mq01",
                "then": "migrate",
                "switchover": {
                    "type": "Scheduled",
                    "schedule_time": planned.isoformat(),
                    "suspend_after_minutes": 1,
                },
                "connection": connection.model_dump(exclude_none=True),
            }
        },
        timeout=0,
    )
    run_id = str(run.id)
    state = poll(
        lambda: (s := run_state(run_id)) and (s.is_paused() or s.is_final()) and s,
        "the run to be suspended",
        60,
    )
    assert state.name == "Suspended", state
    poll(lambda: run_id not in runner_processes(runner), "the run's process to exit")
    [vm] = [m for m in azure_vms(admin) if run_id in (m["reason"] or "")]
    assert vm["state"] in ("Migrating", "ReadyToSwitch")
    [first] = confirm_runs(vm["id"], since)
    assert first.state.is_scheduled()
    assert abs((first.next_scheduled_start_time - planned).total_seconds()) < 1

    def reschedule(when: datetime) -> str:
        result = CliRunner().invoke(app, ["azure", "reschedule", vm["id"], when.isoformat()])
        assert result.exit_code == 0, result.output
        return result.output

    assert f"moved switchover-confirm run {first.id}" in reschedule(now() + timedelta(seconds=3))
    much_later = now() + timedelta(minutes=30)
    vbr = vbr_factory("administrator")
    vbr.azure.update_switchover_settings(
        vm["id"],
        vbr.azure.get_switchover_settings(vm["id"]).model_copy(
            update={"schedule_time": much_later}
        ),
    )
    [second] = poll(
        lambda: [r for r in confirm_runs(vm["id"], since) if r.id != first.id],
        "the confirm run to re-schedule itself",
        60,
    )
    assert abs((second.next_scheduled_start_time - much_later).total_seconds()) < 1
    assert run_state(run_id).name == "Suspended"  # nothing resumed it before its time
    sooner = now() + timedelta(seconds=3)
    assert f"moved switchover-confirm run {second.id}" in reschedule(sooner)
    final = poll(lambda: (s := run_state(run_id)).is_final() and s, "the run to finish", 90)
    wait_until_idle(runner)
    assert final.type == StateType.COMPLETED, final
    switched = switched_at(admin, run_id)
    assert switched is not None
    assert sooner <= switched < much_later
    assert all(r.state.is_completed() for r in confirm_runs(vm["id"], since))
    report = artifact("recovery-mq01", run_id)
    assert report is not None
    assert "PASSED" in report
    assert "switched over (Scheduled)" in report


# --- failures, retries, cancellation --------------------------------------------------------


def test_helper_appliance_in_another_region_fails_at_start(sim, admin, connection) -> None:
    outcome = run(vm="web01", location="northeurope", connection=connection)
    assert isinstance(outcome, RecoveryFailed)
    assert "helper appliance" in outcome.report.reason
    assert "northeurope" in outcome.report.reason
    assert azure_vms(admin, include_gone=True) == []  # VBR started nothing
    assert sim_requests(admin)[START] == 1  # and the refusal was not retried


def test_failing_workload_check_stops_the_vm(sim, admin, connection) -> None:
    outcome = run(vm="web01", then="keep", checks=[unhealthy(sim)], connection=connection)
    assert isinstance(outcome, RecoveryFailed)
    assert outcome.report.reason.startswith("verification failed")
    assert outcome.report.cleaned_up is True
    assert azure_vms(admin) == []  # even with then=keep: an unverified VM is not kept


def test_retried_start_adopts_the_first_mount(sim, admin, connection) -> None:
    admin.put(
        "/_sim/faults",
        json=[
            {
                "method": "POST",
                "path": "^/api/v1/restore/instantRecovery/azure/vm$",
                "commit_then_fail": "500",
                "max_count": 1,
            }
        ],
    ).raise_for_status()
    report = run(vm="erp-app01", then="keep", connection=connection)
    assert report.verdict == "passed", report.reason
    assert len(azure_vms(admin, include_gone=True)) == 1
    assert sim_requests(admin)[START] == 1  # the retry found the mount instead of starting one


@pytest.mark.parametrize("runner", [[(azure_instant_recovery, "cancel-test")]], indirect=True)
def test_cancel_after_the_vm_is_ready_stops_it(sim, admin, connection, runner) -> None:
    run = run_deployment(
        "azure-instant-recovery/cancel-test",
        parameters={
            "params": {
                "vm": "web01",
                "then": "keep",
                # a check that cannot pass before its deadline keeps the run busy
                "checks": [{"kind": "tcp", "host": "127.0.0.1", "port": 9, "deadline": 120}],
                "connection": connection.model_dump(exclude_none=True),
            }
        },
        timeout=0,
    )
    poll(
        lambda: [
            m for m in azure_vms(admin) if str(run.id) in m["reason"] and m["state"] == "Ready"
        ],
        "the run's VM in Azure",
    )
    cancel_run(run.id)
    poll(lambda: not azure_vms(admin), "the VM to be stopped")


# --- parameters -----------------------------------------------------------------------------


def test_a_past_switchover_time_is_refused_naming_the_field() -> None:
    past = (now() - timedelta(minutes=1)).isoformat()
    with pytest.raises(ValidationError) as info:
        AzureRecoveryParams(
            vm="web01", then="migrate", switchover={"type": "Scheduled", "schedule_time": past}
        )
    [error] = info.value.errors()
    assert error["loc"] == ("switchover", "schedule_time")
    assert "in the past" in error["msg"]
    with pytest.raises(ValidationError, match="needs schedule_time"):
        AzureRecoveryParams(vm="web01", switchover={"type": "Scheduled"})
    with pytest.raises(ValidationError, match="timezone"):
        AzureRecoveryParams(
            vm="web01", switchover={"type": "Scheduled", "schedule_time": "2099-01-01T00:00:00"}
        )
    result = CliRunner().invoke(
        app,
        [
            "run",
            "azure-instant-recovery",
            "--vm",
            "web01",
            "--switchover.type",
            "Scheduled",
            "--switchover.schedule-time",
            past,
        ],
    )
    assert result.exit_code == 2
    assert "--switchover.schedule-time" in result.output


def test_reschedule_refuses_a_past_or_naive_time(sim, admin, monkeypatch) -> None:
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    mount = "5f0c8a8e-3c1b-4b8e-9d2a-6a1f2b3c4d01"
    past = CliRunner().invoke(app, ["azure", "reschedule", mount, "2020-01-01T00:00:00+00:00"])
    assert past.exit_code == 2
    assert "in the past" in past.output
    naive = CliRunner().invoke(app, ["azure", "reschedule", mount, "2099-01-01T00:00:00"])
    assert naive.exit_code == 2
    assert "UTC offset" in naive.output
    assert sim_requests(admin) == {}  # refused before asking VBR anything
