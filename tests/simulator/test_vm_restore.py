"""Entire VM restore (vSphere, Hyper-V, Cloud Director): restore sessions on the fake clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from drflow.simulator import estate_uuid
from tests.simulator.sim_support import assert_matches_schema

VI = "/api/v1/restore/vmRestore/vSphere"
HV = "/api/v1/restore/vmRestore/hyperV"
CD = "/api/v1/restore/vmRestore/cloudDirector"
OP = "restore-operator"

VAPP = {
    "platform": "CloudDirector",
    "hostName": "vcd01.lab.local",
    "name": "tenant-b",
    "type": "vApp",
}
HV_HOST = {
    "platform": "HyperV",
    "type": "Host",
    "hostName": "hv03.lab.local",
    "name": "hv03.lab.local",
    "objectId": "host-hv03",
}


def body(vm: str, age: float, **overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": "OriginalLocation",
        "restorePointId": str(estate_uuid("restorePoint", vm, age)),
        "powerUp": True,
        "reason": f"drflow test {vm}",
    }
    spec.update(overrides)
    return spec


def restore(api, path: str, vm: str, age: float, **overrides: Any) -> dict[str, Any]:
    response = api.post(path, user=OP, json=body(vm, age, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


def result(api, session_id: str) -> tuple[str, str, str]:
    session = api.session(session_id)
    return session["state"], session["result"]["result"], session["result"]["message"]


def test_vsphere_restore_runs_starting_working_stopped(api, clock):
    session = restore(api, VI, "web01", 4, overwrite=True, reason="drflow:run-9")
    assert_matches_schema(session, "SessionModel")
    assert (session["sessionType"], session["name"], session["state"]) == (
        "RestoreVm",
        "web01",
        "Starting",
    )
    assert session["platformName"] == "VMware"
    assert session["initiatedBy"] == OP
    clock.advance(2 + 45)
    working = api.session(session["id"])
    assert (working["state"], working["progressPercent"]) == ("Working", 50)
    assert working["result"]["result"] == "None"
    assert api.health("web01").json()["reason"] == "VM is being restored (entire VM restore)"
    clock.advance(45)
    assert result(api, session["id"]) == (
        "Stopped",
        "Success",
        "VM web01 has been restored to host esx01.lab.local",
    )
    assert datetime.fromisoformat(api.session(session["id"])["endTime"]) == clock.now()
    titles = [
        r["title"] for r in api.get(f"/api/v1/sessions/{session['id']}/logs").json()["records"]
    ]
    assert "Restore reason: drflow:run-9" in titles
    assert "Removing existing VM web01" in titles
    assert api.health("web01").json()["reason"] == "guest OS is booting"
    clock.advance(5)
    assert api.health("web01").status_code == 200


def test_original_location_without_overwrite_fails_in_the_session(api, clock):
    session = restore(api, VI, "web02", 4)  # accepted: VBR checks the target in the session
    clock.advance(2)
    state, outcome, message = result(api, session["id"])
    assert (state, outcome) == ("Stopped", "Failed")
    assert message == (
        "VM web02 already exists on host esx02.lab.local: restore with overwrite true to "
        "replace it."
    )
    assert api.health("web02").json()["reason"].startswith("entire VM restore failed")


def test_quick_rollback_is_shorter(api, clock):
    session = restore(api, VI, "app01", 3, overwrite=True, quickRollback=True)
    clock.advance(2 + 20)
    assert result(api, session["id"])[:2] == ("Stopped", "Success")
    logs = api.get(f"/api/v1/sessions/{session['id']}/logs").json()["records"]
    assert any(r["title"].startswith("Quick rollback") for r in logs)


def test_customized_names_need_overwrite_once_they_exist(api, clock):
    custom = {
        "type": "Customized",
        "folder": {
            "vmName": "db01-copy",
            "folder": {"platform": "VSphere", "hostName": "vc", "name": "DR", "type": "Folder"},
        },
        "destinationHost": {
            "platform": "VSphere",
            "hostName": "vcenter01.lab.local",
            "name": "esx09.lab.local",
            "type": "Host",
        },
    }
    first = restore(api, VI, "db01", 1, **custom)
    clock.advance(2 + 90)
    assert result(api, first["id"]) == (
        "Stopped",
        "Success",
        "VM db01-copy has been restored to host esx09.lab.local",
    )
    again = restore(api, VI, "db01", 5, **custom)
    clock.advance(2)
    assert result(api, again["id"])[1] == "Failed"
    third = restore(api, VI, "db01", 5, overwrite=True, **custom)
    clock.advance(2 + 90)
    assert result(api, third["id"])[1] == "Success"


def test_power_and_traps(api, clock):
    off = restore(api, VI, "proxy01", 4, overwrite=True, powerUp=False)
    zombie = restore(api, VI, "zombie01", 2, overwrite=True)
    damaged = restore(api, VI, "legacy01", 26, overwrite=True)
    clock.advance(2 + 45)
    assert result(api, damaged["id"]) == (
        "Stopped",
        "Failed",
        "Restore failed: backup file legacy01.vbk of 26 hours ago failed the storage integrity "
        "check (data block 0x3F2A1 checksum mismatch)",
    )
    clock.advance(45 + 5)
    assert result(api, off["id"])[1] == result(api, zombie["id"])[1] == "Success"
    assert "powered off" in api.health("proxy01").json()["reason"]
    assert api.health("zombie01").json()["reason"].startswith("guest OS does not answer")
    assert api.health("legacy01").status_code == 503
    assert result(api, restore(api, VI, "legacy01", 2, overwrite=True)["id"])[0] == "Starting"


def test_hyperv_restores(api, clock):
    original = restore(api, HV, "hv-web01", 8, quickRollback=True)  # no flag: replaces the VM
    assert original["platformName"] == "HyperV"
    clock.advance(2 + 20)
    assert result(api, original["id"])[1] == "Success"
    target = {"type": "Customized", "destinationHost": HV_HOST, "target": {"vmName": "hv-file01"}}
    clash = restore(api, HV, "hv-web01", 32, **target)
    clock.advance(2)
    assert result(api, clash["id"])[2] == (
        "VM hv-file01 already exists on host hv03.lab.local: restore with "
        "target.overwriteExistingVm true to replace it."
    )
    allowed = target | {"target": {"vmName": "hv-file01", "overwriteExistingVm": True}}
    replaced = restore(api, HV, "hv-web01", 32, **allowed)
    broken = restore(api, HV, "hv-sql01", 56)
    clock.advance(2 + 45)
    assert result(api, broken["id"])[1] == "Failed"
    clock.advance(45 + 5)
    assert result(api, replaced["id"])[1] == "Success"
    assert api.health("hv-file01").status_code == 200


def test_cloud_director_restores(api, clock):
    original = restore(api, CD, "vcd-web01", 5)
    assert (original["sessionType"], original["platformName"]) == (
        "CloudDirectorVmRestore",
        "CloudDirector",
    )
    clash = restore(
        api,
        CD,
        "vcd-web01",
        29,
        type="Customized",
        location={"newName": "vcd-db01", "vApp": VAPP, "restoreVSphereVMTags": False},
    )
    rollback = restore(api, CD, "vcd-app01", 5, quickRollback=True)  # deleted VM: impossible
    clock.advance(2)
    assert result(api, clash["id"])[2].startswith("VM vcd-db01 already exists on vApp tenant-b")
    assert "no longer exists" in result(api, rollback["id"])[2]
    recreated = restore(api, CD, "vcd-app01", 5)
    clock.advance(92)
    assert result(api, original["id"]) == (
        "Stopped",
        "Success",
        "VM vcd-web01 has been restored to vApp tenant-a-web",
    )
    assert result(api, recreated["id"])[1] == "Success"
    point = api.get(f"/api/v1/restorePoints/{estate_uuid('restorePoint', 'vcd-db01', 5)}").json()
    assert point["platformName"] == "CloudDirector"
    assert point["allowedOperations"] == ["StartEntireVmRestoreCloudDirector", "StartFlrRestore"]
    backups = api.get("/api/v1/backups", params={"jobTypeFilter": "CloudDirectorBackup"}).json()
    assert [b["name"] for b in backups["data"]] == ["Tenant vApps"]


@pytest.mark.parametrize(
    ("path", "vm", "age"),
    [(VI, "hv-web01", 8), (HV, "web01", 4), (CD, "web01", 4), (VI, "vcd-web01", 5)],
)
def test_restore_point_of_another_platform_is_400(api, path, vm, age):
    response = api.post(path, user=OP, json=body(vm, age))
    assert response.status_code == 400
    assert response.json()["resourceId"] == str(estate_uuid("restorePoint", vm, age))
    assert api.sim.workloads["vm_restore"].state.restores == {}


@pytest.mark.parametrize("path", [VI, HV, CD])
def test_unknown_restore_point_is_404(api, path):
    unknown = body("web01", 4) | {"restorePointId": "00000000-0000-4000-8000-000000000003"}
    response = api.post(path, user=OP, json=unknown)
    assert response.status_code == 404
    assert response.json()["resourceId"] == unknown["restorePointId"]


@pytest.mark.parametrize(
    ("path", "spec", "field"),
    [
        (VI, {"type": "OriginalLocation"}, "restorePointId"),
        (VI, body("web01", 4, overwrite="sure"), "overwrite"),
        (HV, body("hv-web01", 8, type="Sideways"), "type"),
        (CD, body("vcd-web01", 5, type="Customized"), "location"),
        (
            CD,
            body("vcd-web01", 5, type="Customized", location={"newName": "x", "vApp": VAPP}),
            "location.restoreVSphereVMTags",
        ),
        (
            VI,
            body(
                "web01",
                4,
                secureRestore={"antivirusScanEnabled": True, "virusDetectionAction": "Panic"},
            ),
            "secureRestore.virusDetectionAction",
        ),
    ],
)
def test_invalid_body_is_400_naming_the_field(api, path, spec, field):
    response = api.post(path, user=OP, json=spec)
    assert response.status_code == 400
    assert response.json()["message"].startswith(field), response.json()
    assert api.sim.workloads["vm_restore"].state.restores == {}


def test_second_restore_of_a_target_being_restored_is_400(api, clock):
    first = restore(api, VI, "web01", 4, overwrite=True)
    again = api.post(VI, user=OP, json=body("web01", 28, overwrite=True))
    assert again.status_code == 400
    assert again.json()["resourceId"] == first["id"]
    clock.advance(92)
    assert api.post(VI, user=OP, json=body("web01", 28, overwrite=True)).status_code == 201


def test_stop_session_cancels_the_restore(api, clock):
    session = restore(api, VI, "mq01", 3, overwrite=True)
    clock.advance(10)
    assert api.post(f"/api/v1/sessions/{session['id']}/stop", user=OP).status_code == 200
    clock.advance(1)
    stopped = api.session(session["id"])
    assert stopped["state"] == "Stopped"
    assert stopped["result"]["isCanceled"] is True


def test_stats_roles_and_session_listing(api, clock):
    restore(api, VI, "web01", 4, overwrite=True)
    restore(api, HV, "hv-web01", 8)
    restore(api, CD, "vcd-web01", 5)
    assert api.client.get("/_sim/stats").json()["restore_sessions"] == {"running": 3, "peak": 3}
    denied = api.post(VI, user="viewer", json=body("web02", 4, overwrite=True))
    assert denied.status_code == 403
    assert len(api.sim.workloads["vm_restore"].state.restores) == 3
    listed = api.get("/api/v1/sessions", params={"typeFilter": "RestoreVm,CloudDirectorVmRestore"})
    assert listed.json()["pagination"]["total"] == 3
    clock.advance(92)
    assert api.client.get("/_sim/stats").json()["restore_sessions"] == {"running": 0, "peak": 3}
    assert api.client.get("/_sim/mounts").json()["mounts"] == []  # restores are not mounts


def test_probe_combines_instant_recovery_and_restores(api, clock):
    ir = api.post(
        "/api/v1/restore/instantRecovery/vSphere/vm",
        user=OP,
        json={
            "type": "OriginalLocation",
            "restorePointId": str(estate_uuid("restorePoint", "proxy01", 4)),
            "secureRestore": {"antivirusScanEnabled": False},
            "powerUp": False,
            "nicsEnabled": True,
            "reason": "ir",
        },
    )
    assert ir.status_code == 201
    clock.advance(22)
    assert "powered off" in api.health("proxy01").json()["reason"]  # vSphere IR speaks
    session = restore(api, VI, "proxy01", 28, overwrite=True, type="Customized")
    assert api.health("proxy01").json()["reason"] == "VM is being restored (entire VM restore)"
    clock.advance(2 + 90 + 5)
    assert result(api, session["id"])[1] == "Success"
    assert api.health("proxy01").status_code == 200  # any running, healthy copy answers
