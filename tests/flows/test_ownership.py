"""What drflow recovered belongs to whoever kept it: every way of keeping survives the janitor,
transient leftovers of failed, crashed and cancelled runs do not, and a person can release a
kept recovery on purpose. Over real HTTP against the simulator, with Prefect."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from prefect import flow, get_client
from prefect.states import Cancelled, Completed, Crashed, Failed
from tests.flows.support import (
    mounts,
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
from drflow.drills import dr_recover
from drflow.flows import (
    AzureRecoveryParams,
    Disposition,
    FcdRecoveryParams,
    FileShareRecoveryParams,
    HyperVRecoveryParams,
    RecoveryFailed,
    RecoveryReport,
    VSphereRecoveryParams,
    azure_instant_recovery,
    fcd_instant_recovery,
    file_share_instant_recovery,
    hyperv_instant_recovery,
    vsphere_instant_recovery,
)
from drflow.flows.engine import reason
from drflow.flows.engine.ownership import records
from drflow.flows.janitor import janitor
from drflow.vbr import latest_restore_point
from drflow.vbr.marks import mark_for
from drflow.vbr.models import InstantViVMOriginalLocationRecoverySpec, SecureRestoreSpec

pytestmark = pytest.mark.flow

CLUSTER = {"vcenter": "vcenter01.lab.local", "name": "DR cluster"}
KINDS: dict[str, tuple[Any, Any, list[dict[str, Any]]]] = {
    "vsphere": (
        vsphere_instant_recovery,
        VSphereRecoveryParams,
        [{"vm": "web01"}, {"vm": "web02"}, {"vm": "app01"}],
    ),
    "hyperv": (
        hyperv_instant_recovery,
        HyperVRecoveryParams,
        [{"vm": "hv-web01"}, {"vm": "hv-sql01"}, {"vm": "hv-file01"}],
    ),
    "fcd": (
        fcd_instant_recovery,
        FcdRecoveryParams,
        [{"vm": vm, "cluster": CLUSTER} for vm in ("web01", "app01", "db01")],
    ),
    "azure": (
        azure_instant_recovery,
        AzureRecoveryParams,
        [{"vm": "app01"}, {"vm": "db01"}, {"vm": "web02"}],
    ),
    "file-share": (
        file_share_instant_recovery,
        FileShareRecoveryParams,
        [
            {"share": "\\\\fs01\\finance"},
            {"share": "\\\\fs01\\hr"},
            {"share": "nas01:/exports/eng"},
        ],
    ),
}
"""Every kind that can be kept: its flow, its parameters, and three workloads of the estate."""

STOPS = ("/unmount", "/dismount", "/stop")


def stops_sent(admin: httpx.Client) -> dict[str, int]:
    """The requests that unmount, dismount or stop something, as the simulator counted them."""
    return {
        k: n for k, n in sim_requests(admin).items() if k.startswith("POST") and k.endswith(STOPS)
    }


def held(admin: httpx.Client) -> dict[str, str]:
    """Mount id -> state of everything the simulator holds (not gone, not being removed)."""
    going = {"Dismounting", "Unpublishing", "Unpublished", "Stopping", "Stopped"}
    return {m["id"]: m["state"] for m in mounts(admin) if m["state"] not in going}


def ask_keep_by_resume(flow_fn: Any, params: Any) -> RecoveryReport:
    """Run with then=ask and answer keep with ``drflow resume``, as an operator does."""
    since = now()
    thread, holder = run_in_background(flow_fn, params)
    run_id = wait_for_paused_run(flow_fn.name, since=since)
    result = CliRunner().invoke(app, ["resume", run_id, "keep", "--note", "keep it for the audit"])
    assert result.exit_code == 0, result.output
    thread.join(timeout=120)
    return holder["outcome"]


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_way_of_keeping_survives_the_janitor(
    kind: str, sim, admin, connection, monkeypatch
) -> None:
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "administrator")
    flow_fn, model, workloads = KINDS[kind]
    first, second, third = workloads
    kept = run_flow(flow_fn, model(**first, then="keep", connection=connection))
    resumed = ask_keep_by_resume(flow_fn, model(**second, then="ask", connection=connection))
    default_keep = {"timeout_minutes": 0.02, "default": "keep"}
    timed_out = run_flow(
        flow_fn, model(**third, then="ask", ask=default_keep, connection=connection)
    )
    reports = [kept, resumed, timed_out]
    assert [type(r) for r in reports] == [RecoveryReport] * 3, reports
    assert [r.decided_by for r in reports] == ["(parameters)", reports[1].decided_by, "(timeout)"]
    assert reports[1].decided_by not in ("(parameters)", "(timeout)")  # the operator's name
    for report in reports:
        [entry] = report.objects
        assert entry.disposition == Disposition.KEPT, report.markdown()
        # the run's own record says the same, where the janitor reads it
        assert records(report.flow_run_id)[entry.object.id].disposition == Disposition.KEPT
    ids = {report.objects[0].object.id for report in reports}
    assert ids <= set(held(admin))

    dry = janitor(connection=connection, dry_run=True)
    assert dry.removed == []
    assert sum("kept by" in line for line in dry.left) == 3, dry.left
    cleaned = janitor(connection=connection)

    assert cleaned.removed == []
    assert cleaned.failed == []
    assert ids <= set(held(admin))  # still there, still running
    assert stops_sent(admin) == {}  # nothing was even asked to stop


def test_migrated_and_switched_over_recoveries_survive_the_janitor(
    sim, admin, connection, monkeypatch
) -> None:
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "administrator")
    admin.put("/_sim/config", json={"speed": 500}).raise_for_status()  # migrations take minutes
    vsphere = run_flow(
        vsphere_instant_recovery,
        VSphereRecoveryParams(
            vm="web01",
            then="migrate",
            migration={"vcenter": "vcenter01.lab.local", "host": "esx02.lab.local"},
            connection=connection,
        ),
    )
    azure = run_flow(
        azure_instant_recovery,
        AzureRecoveryParams(vm="app01", then="migrate", connection=connection),
    )
    # a Manual switchover the operator declines: the VM waits for a switchover in VBR
    since = now()
    thread, holder = run_in_background(
        azure_instant_recovery,
        AzureRecoveryParams(
            vm="db01", then="migrate", switchover={"type": "Manual"}, connection=connection
        ),
    )
    run_id = wait_for_paused_run("azure-instant-recovery", since=since)
    from prefect.flow_runs import resume_flow_run

    resume_flow_run(run_id, run_input={"switchover": False, "approver": "ops"})
    thread.join(timeout=120)
    waiting = holder["outcome"]
    share = run_flow(
        file_share_instant_recovery,
        FileShareRecoveryParams(share="\\\\fs01\\finance", then="migrate", connection=connection),
    )
    dispositions = {
        name: report.objects[0].disposition
        for name, report in (("vsphere", vsphere), ("azure", azure), ("waiting", waiting))
    } | {"share": share.objects[0].disposition}
    assert dispositions == {
        "vsphere": Disposition.MIGRATED,
        "azure": Disposition.SWITCHED_OVER,
        "waiting": Disposition.MIGRATING,
        "share": Disposition.SWITCHED_OVER,
    }
    before = stops_sent(admin)
    still = held(admin)
    assert waiting.objects[0].object.id in still  # ReadyToSwitch, waiting for the operator

    report = janitor(connection=connection)

    assert report.removed == []
    assert report.failed == []
    assert any("migrating" in line for line in report.left), report.left
    assert held(admin) == still
    assert stops_sent(admin) == before  # no unmount sent to what switched over or waits


def test_dr_recover_keeps_every_workload_through_the_janitor(
    sim, admin, connection, monkeypatch, tmp_path
) -> None:
    import yaml

    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    plan = tmp_path / "failover.yaml"
    plan.write_text(
        yaml.safe_dump(
            {
                "name": "failover",
                "vbr": {"url": "${DRFLOW_VBR_URL}"},
                "groups": [
                    {
                        "name": "all",
                        "workloads": [
                            {"name": "web01", "kind": "vsphere", "vm": "web01"},
                            {"name": "hv-sql01", "kind": "hyperv", "vm": "hv-sql01"},
                            {"name": "finance", "kind": "file-share", "share": "\\\\fs01\\finance"},
                        ],
                    }
                ],
            }
        )
    )
    report = dr_recover(str(plan))
    assert report.verdict == "passed", report.markdown()
    kept = {r.name: r.report.objects[0] for r in report.results}
    assert {name: entry.disposition for name, entry in kept.items()} == dict.fromkeys(
        kept, Disposition.KEPT
    )

    cleaned = janitor(connection=connection)

    assert cleaned.removed == []
    assert {entry.object.id for entry in kept.values()} <= set(held(admin))


def _owned_mount(vbr: Any, vm_name: str, run_id: object, then: str) -> str:
    point = latest_restore_point(vbr, vm_name)
    text = reason("vsphere-instant-recovery", then, mark_for(run_id))
    vbr.vsphere.start_instant_recovery(
        InstantViVMOriginalLocationRecoverySpec(
            restore_point_id=point.id,
            reason=text,
            secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
        )
    )
    [mount] = [m for m in vbr.vsphere.list_mounts() if m.spec.reason == text]
    return str(mount.id)


def test_transient_leftovers_of_failed_crashed_and_cancelled_runs_are_removed(
    sim, admin, connection, vbr
) -> None:
    @flow(name="vsphere-instant-recovery")
    def owner() -> None:  # pragma: no cover - never run, only its runs are created
        pass

    with get_client(sync_client=True) as client:
        runs = {
            name: client.create_flow_run(owner, state=state)
            for name, state in (
                ("failed", Failed()),
                ("crashed", Crashed()),
                ("cancelled", Cancelled()),
                ("completed", Completed()),
            )
        }
    # started as recoveries to keep, but their runs ended before any decision was recorded
    leftovers = {
        name: _owned_mount(vbr, vm, runs[name].id, "keep")
        for name, vm in (("failed", "web01"), ("crashed", "web02"), ("cancelled", "app01"))
    }
    kept = _owned_mount(vbr, "db01", runs["completed"].id, "keep")

    report = janitor(connection=connection)

    assert len(report.removed) == 3, report
    for name in leftovers:
        assert any(name.upper() in line for line in report.removed), report.removed
    poll(lambda: set(held(admin)) == {kept}, "the leftovers to be gone", 30)
    assert any("taken as kept" in line for line in report.left)


def test_cleanup_pending_is_reported_then_finished_by_the_janitor(
    sim, admin, connection, monkeypatch
) -> None:
    monkeypatch.setenv("DRFLOW_VBR_CLEANUP_BUDGET", "1")  # VBR refuses the unmount longer
    unmount = "/api/v1/restore/instantRecovery/vSphere/vm/.*/unmount"
    admin.put(
        "/_sim/faults", json={"rules": [{"method": "POST", "path": unmount, "status": 503}]}
    ).raise_for_status()
    failing = HttpCheck(url=f"{sim.url}/_sim/guests/{{vm}}/health", deadline=0.3, interval=0.1)
    outcome = run_flow(
        vsphere_instant_recovery,
        VSphereRecoveryParams(vm="zombie01", checks=[failing], connection=connection),
    )
    assert isinstance(outcome, RecoveryFailed)
    report = outcome.report
    assert report.cleaned_up is False
    assert report.cleanup().startswith("cleanup pending: vsphere-vm zombie01"), report.cleanup()
    [entry] = report.objects
    assert entry.disposition == Disposition.TRANSIENT
    assert records(report.flow_run_id)[entry.object.id].note.startswith("cleanup pending")
    assert entry.object.id in held(admin)

    admin.put("/_sim/faults", json={"rules": []}).raise_for_status()
    cleaned = janitor(connection=connection)

    assert [line for line in cleaned.removed if "zombie01" in line], cleaned
    poll(lambda: entry.object.id not in held(admin), "the pending clean-up to finish", 30)


def test_release_lets_the_janitor_remove_a_kept_recovery(
    sim, admin, connection, monkeypatch
) -> None:
    kept = run_flow(
        vsphere_instant_recovery,
        VSphereRecoveryParams(vm="web01", then="keep", connection=connection),
    )
    mount_id = kept.objects[0].object.id
    assert janitor(connection=connection).removed == []

    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    result = CliRunner().invoke(
        app, ["release", mount_id, "--by", "alice", "--note", "failback done"]
    )
    assert result.exit_code == 0, result.output
    assert f"released: vsphere-vm web01 (was {Disposition.KEPT})" in result.stdout
    entry = records(kept.flow_run_id)[mount_id]
    assert (entry.disposition, entry.by) == (Disposition.TRANSIENT, "alice")
    assert "released by alice" in entry.note
    assert "failback done" in entry.note
    assert mount_id in held(admin)  # released, not yet removed

    report = janitor(connection=connection)

    assert any("web01" in line and "released by alice" in line for line in report.removed)
    poll(lambda: mount_id not in held(admin), "the released VM to be gone", 30)


def test_release_of_an_unknown_target_says_what_to_give(sim, connection, monkeypatch) -> None:
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    result = CliRunner().invoke(app, ["release", str(uuid.uuid4()), "--by", "bob"])
    assert result.exit_code == 1
    assert "neither an object drflow started" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_the_janitor_judges_the_records_of_its_own_vbr_server_only(sim, admin, connection) -> None:
    """What VBR cannot list by mark (an FLR mount) is found by its run's record, which names the
    VBR server holding it: the janitor of another server sharing the Prefect server leaves it
    (its id means nothing there), the janitor of its own removes it."""
    from drflow.flows.engine import OwnedObject
    from drflow.flows.engine.ownership import record
    from drflow.simulator import SimulatorConfig, SimulatorServer
    from drflow.tasks import VBRConnection
    from drflow.tasks import get_client as vbr_client
    from drflow.vbr.models import FlrAutoUnmountModel, WindowsFlrMountSpec

    @flow(name="file-level-restore")
    def owner() -> None:  # pragma: no cover - never run, only its run is created
        pass

    with SimulatorServer(SimulatorConfig(speed=50)) as other:
        there = VBRConnection(url=other.url)
        client = vbr_client(there)
        mount = client.flr.start_mount(
            WindowsFlrMountSpec(
                restore_point_id=latest_restore_point(client, "dc01").id,
                auto_unmount=FlrAutoUnmountModel(is_enabled=True, no_activity_period_in_minutes=60),
                mount_mode="Automatic",
                reason="drflow test",
            )
        )
        with get_client(sync_client=True) as prefect:
            run = prefect.create_flow_run(owner, state=Failed())
        held_there = OwnedObject(
            kind="flr-mount", id=str(mount.session_id), name="dc01", vbr=other.url
        )
        record(run.id, held_there, Disposition.TRANSIENT, by="drflow", note="started")

        here = janitor(connection=connection)

        assert not [line for line in here.removed + here.left if str(mount.session_id) in line]
        assert not [line for line in here.removed + here.left if "dc01" in line]
        assert stops_sent(admin) == {}
        with httpx.Client(base_url=other.url, timeout=10) as other_admin:
            assert [m["state"] for m in mounts(other_admin)] == ["Mounted"]

            theirs = janitor(connection=there)

            assert [line for line in theirs.removed if "flr-mount dc01" in line], theirs
            poll(lambda: mounts(other_admin) == [], "the FLR mount to be gone", 30)
