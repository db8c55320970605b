"""Hyper-V instant recovery: mounts and sessions as state machines on the fake clock."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from drflow.simulator import SimulatorConfig, estate_uuid
from tests.simulator.sim_support import assert_matches_schema

HV = "/api/v1/restore/instantRecovery/hyperV/vm"
OP = "restore-operator"


def hv_spec(vm: str = "hv-web01", age: float = 8, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "OriginalLocation",
        "restorePointId": str(estate_uuid("restorePoint", vm, age)),
        "secureRestore": {"antivirusScanEnabled": False},
        "powerUp": True,
        "reason": f"drflow test {vm}",
    }
    body.update(overrides)
    return body


def start(api, vm: str = "hv-web01", age: float = 8, **overrides: Any) -> dict[str, Any]:
    response = api.post(HV, user=OP, json=hv_spec(vm, age, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


def test_start_answers_201_with_the_instant_recovery_session(api, clock):
    session = start(api, reason="drflow:run-7")
    assert_matches_schema(session, "SessionModel")
    assert session["sessionType"] == "InstantRecovery"
    assert session["platformName"] == "HyperV"
    assert session["state"] == "Starting"
    assert session["name"] == "hv-web01"
    assert session["resourceReference"] == f"{HV}/{session['id']}"
    mount = api.get(f"{HV}/{session['id']}").json()
    assert_matches_schema(mount, "InstantHvVMRecoveryMount")
    assert mount["id"] == mount["sessionId"] == session["id"]
    assert mount["state"] == "Mounting"
    assert mount["spec"]["reason"] == "drflow:run-7"
    assert mount["jobName"] == "Hyper-V cluster"
    assert mount["hostName"] == "hv01.lab.local"
    point = api.get(f"/api/v1/restorePoints/{mount['spec']['restorePointId']}").json()
    assert mount["restorePointDate"] == point["creationTime"]


def test_lifecycle_mounting_mounted_dismounting_gone(api, clock):
    sid = start(api)["id"]
    clock.advance(2 + 10)
    assert api.session(sid)["progressPercent"] == 50
    assert api.get(f"{HV}/{sid}").json()["state"] == "Mounting"
    clock.advance(10)
    assert api.get(f"{HV}/{sid}").json()["state"] == "Mounted"
    held = api.session(sid)
    assert (held["state"], held["result"]["result"]) == ("Working", "Success")
    unmount = api.post(f"{HV}/{sid}/unmount", user=OP)
    assert unmount.status_code == 200
    assert unmount.json()["state"] == "Stopping"
    assert api.get(f"{HV}/{sid}").json()["state"] == "Dismounting"
    assert api.post(f"{HV}/{sid}/unmount", user=OP).status_code == 200  # again: same session
    clock.advance(5)
    gone = api.get(f"{HV}/{sid}")
    assert gone.status_code == 404
    assert gone.json()["resourceId"] == sid
    ended = api.session(sid)
    assert (ended["state"], ended["result"]["result"]) == ("Stopped", "Success")
    assert datetime.fromisoformat(ended["endTime"]) == clock.now()
    assert api.post(f"{HV}/{sid}/unmount", user=OP).status_code == 404


def test_unmount_while_mounting_cancels(api, clock):
    sid = start(api)["id"]
    clock.advance(5)
    api.post(f"{HV}/{sid}/unmount", user=OP)
    clock.advance(5)
    session = api.session(sid)
    assert session["result"] == {
        "result": "Failed",
        "message": "VM hv-web01 has been unpublished",
        "isCanceled": True,
    }


def test_migration_answers_204_and_puts_the_vm_in_production(api, clock):
    sid = start(api, "hv-sql01")["id"]
    assert api.post(f"{HV}/{sid}/migrate", user=OP).status_code == 400  # still mounting
    clock.advance(22)
    response = api.post(f"{HV}/{sid}/migrate", user=OP)
    assert response.status_code == 204
    assert response.content == b""
    found = api.get("/api/v1/sessions", params={"typeFilter": "QuickMigration"}).json()["data"]
    assert len(found) == 1
    migration = found[0]
    assert migration["name"] == "Quick Migration Job"  # as VBR names it: found by type, time
    assert migration["parentSessionId"] == sid
    assert migration["resourceId"] == sid
    assert api.post(f"{HV}/{sid}/migrate", user=OP).status_code == 400  # already migrating
    assert api.post(f"{HV}/{sid}/unmount", user=OP).status_code == 400
    clock.advance(2 + 59)
    assert api.get(f"{HV}/{sid}").json()["state"] == "Mounted"
    clock.advance(1)
    assert api.session(migration["id"])["result"]["result"] == "Success"
    assert api.get(f"{HV}/{sid}").status_code == 404
    assert api.session(sid)["state"] == "Stopped"
    health = api.health("hv-sql01")
    assert health.status_code == 200
    assert "production" in health.json()["reason"]


def test_stopping_the_migration_keeps_the_vm_mounted(api, clock):
    sid = start(api)["id"]
    clock.advance(22)
    api.post(f"{HV}/{sid}/migrate", user=OP)
    migration = api.get("/api/v1/sessions", params={"typeFilter": "QuickMigration"}).json()
    mid = migration["data"][0]["id"]
    clock.advance(10)
    assert api.post(f"/api/v1/sessions/{mid}/stop", user=OP).status_code == 200
    clock.advance(2)
    assert api.session(mid)["result"]["isCanceled"] is True
    clock.advance(100)
    assert api.get(f"{HV}/{sid}").json()["state"] == "Mounted"
    assert api.session(sid)["state"] == "Working"


def test_stopping_the_instant_recovery_session_unmounts(api, clock):
    sid = start(api)["id"]
    clock.advance(22)
    assert api.post(f"/api/v1/sessions/{sid}/stop", user=OP).status_code == 200
    assert api.get(f"{HV}/{sid}").json()["state"] == "Dismounting"


def test_customized_recovery_and_duplicate_names(api, clock):
    custom = {
        "type": "Customized",
        "destinationHost": {
            "platform": "HyperV",
            "type": "Host",
            "hostName": "hv03.lab.local",
            "name": "hv03.lab.local",
            "objectId": "host-hv03",
        },
        "target": {"vmName": "hv-web01-dr", "overwriteExistingVm": False},
    }
    first = start(api, **custom)
    mount = api.get(f"{HV}/{first['id']}").json()
    assert (mount["vmName"], mount["hostName"]) == ("hv-web01-dr", "hv03.lab.local")
    assert mount["spec"]["target"]["vmName"] == "hv-web01-dr"
    again = api.post(HV, user=OP, json=hv_spec(**custom))
    assert again.status_code == 400
    assert again.json()["resourceId"] == first["id"]
    assert api.post(HV, user=OP, json=hv_spec()).status_code == 201  # other name: fine


def test_wrong_or_unknown_restore_point(api):
    vsphere = api.post(HV, user=OP, json=hv_spec("web01", 4))
    assert vsphere.status_code == 400
    assert "StartHvVMInstantRecovery" not in vsphere.json()["message"].split("allows:")[1]
    unknown = hv_spec() | {"restorePointId": "00000000-0000-4000-8000-000000000001"}
    missing = api.post(HV, user=OP, json=unknown)
    assert missing.status_code == 404
    assert missing.json() == {
        "errorCode": "NotFound",
        "message": f"Restore point with ID {unknown['restorePointId']} was not found.",
        "resourceId": unknown["restorePointId"],
    }
    assert api.get(f"{HV}/00000000-0000-4000-8000-000000000002").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "OriginalLocation"}, "restorePointId"),
        ({"restorePointId": str(estate_uuid("restorePoint", "hv-web01", 8))}, "type"),
        (hv_spec(type="Elsewhere"), "type"),
        (hv_spec(powerUp="maybe"), "powerUp"),
        (hv_spec(secureRestore={"virusDetectionAction": "Ignore"}), "secureRestore"),
    ],
)
def test_invalid_body_is_400_naming_the_field(api, body, field):
    response = api.post(HV, user=OP, json=body)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "UnexpectedContent"
    assert response.json()["message"].startswith(field)
    assert api.sim.workloads["hyperv"].state.mounts == {}


def test_list_filters_sort_then_page(api, clock):
    ids = [start(api, vm)["id"] for vm in ("hv-web01", "hv-file01", "hv-sql01")]
    clock.advance(22)
    api.post(f"{HV}/{ids[1]}/unmount", user=OP)
    everything = api.get(HV).json()
    assert_matches_schema(everything, "InstantHvVMRecoveryMountsResult")
    assert everything["pagination"] == {"total": 3, "count": 3, "skip": 0, "limit": 200}
    mounted = api.get(HV, params={"stateFilter": "Mounted"}).json()
    assert {m["vmName"] for m in mounted["data"]} == {"hv-web01", "hv-sql01"}
    named = api.get(HV, params={"vmNameFilter": "hv-*01"}).json()
    assert named["pagination"]["total"] == 3
    exact = api.get(HV, params={"vmNameFilter": "HV-SQL01"}).json()
    assert [m["vmName"] for m in exact["data"]] == ["hv-sql01"]
    page = api.get(
        HV, params={"orderColumn": "VmName", "orderAsc": "false", "skip": 1, "limit": 1}
    ).json()
    assert [m["vmName"] for m in page["data"]] == ["hv-sql01"]
    assert page["pagination"] == {"total": 3, "count": 1, "skip": 1, "limit": 1}
    filtered_page = api.get(
        HV, params={"stateFilter": "Mounted", "orderColumn": "VmName", "skip": 1}
    ).json()
    assert [m["vmName"] for m in filtered_page["data"]] == ["hv-web01"]
    assert api.get(HV, params={"orderColumn": "Size"}).status_code == 400
    assert api.get(HV, params={"stateFilter": "Sleeping"}).status_code == 400


def test_guest_health_follows_boot_and_power(api, clock):
    sid = start(api)["id"]
    assert api.health("hv-web01").json()["reason"] == "VM is being published by instant recovery"
    clock.advance(22)
    assert api.health("hv-web01").json()["reason"] == "guest OS is booting"
    clock.advance(5)
    assert api.health("hv-web01").status_code == 200
    api.post(f"{HV}/{sid}/unmount", user=OP)
    assert api.health("hv-web01").status_code == 503
    clock.advance(5)
    start(api, "hv-file01", powerUp=False)
    clock.advance(30)
    off = api.health("hv-file01")
    assert off.status_code == 503
    assert "powered off" in off.json()["reason"]


def test_mount_fails_trap(tmp_path, make_api, clock):
    estate = {
        "version": 1,
        "repositories": ["repo"],
        "jobs": [
            {
                "name": "HV",
                "platform": "HyperV",
                "repository": "repo",
                "restore_point_ages_hours": [1],
                "vms": [
                    {
                        "name": "hv-bad01",
                        "host": "hv09",
                        "trap": {"kind": "mount_fails", "message": "cannot register the VM"},
                    }
                ],
            }
        ],
    }
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(estate))
    api = make_api(SimulatorConfig(estate=path))
    sid = start(api, "hv-bad01", 1)["id"]
    clock.advance(22)
    mount = api.get(f"{HV}/{sid}").json()
    assert (mount["state"], mount["errorMessage"]) == ("Failed", "cannot register the VM")
    assert api.session(sid)["result"]["result"] == "Failed"
    assert api.health("hv-bad01").json()["reason"].startswith("instant recovery failed")
    assert api.post(f"{HV}/{sid}/unmount", user=OP).status_code == 200
    assert api.get(f"{HV}/{sid}").status_code == 404


def test_mounts_stats_and_roles(api, clock):
    sid = start(api)["id"]
    (listed,) = api.client.get("/_sim/mounts").json()["mounts"]
    assert listed["kind"] == "HyperVVM"
    assert (listed["id"], listed["state"]) == (sid, "Mounting")
    assert listed["reason"] == "drflow test hv-web01"
    assert listed["name"] == "hv-web01"
    assert api.client.get("/_sim/stats").json()["restore_sessions"] == {"running": 1, "peak": 1}
    assert api.get(HV, user="viewer").json()["pagination"]["total"] == 1
    assert api.get(f"{HV}/{sid}", user="viewer").status_code == 200
    denied = api.post(HV, user="viewer", json=hv_spec("hv-sql01"))
    assert denied.status_code == 403
    assert "Veeam Backup Administrator, Veeam Restore Operator" in denied.json()["message"]
    assert api.post(f"{HV}/{sid}/unmount", user="viewer").status_code == 403
    assert api.post(f"{HV}/{sid}/migrate", user="viewer").status_code == 403
    assert len(api.sim.workloads["hyperv"].state.mounts) == 1
    clock.advance(22)
    api.post(f"{HV}/{sid}/unmount", user=OP)
    clock.advance(5)
    assert api.client.get("/_sim/mounts").json()["mounts"] == []
    assert api.client.get("/_sim/stats").json()["restore_sessions"] == {"running": 0, "peak": 1}
