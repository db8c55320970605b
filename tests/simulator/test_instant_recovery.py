"""vSphere instant recovery: sessions and mounts as state machines on the fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from drflow.simulator import SimulatorConfig, estate_uuid
from tests.simulator.sim_support import IR_PATH, MIGRATION_SPEC, ir_spec


def test_start_answers_201_with_the_instant_recovery_session(api, clock):
    session = api.start_ir("web01", reason="drflow:flow-run-42")
    assert session["sessionType"] == "InstantRecovery"
    assert session["state"] == "Starting"
    assert session["result"]["result"] == "None"
    assert session["name"] == "web01"
    assert session["initiatedBy"] == "restore-operator"
    assert session["resourceId"] == session["id"]
    assert session["resourceReference"].endswith(session["id"])
    assert datetime.fromisoformat(session["creationTime"]) == clock.now()
    mount = api.mount(session["id"]).json()
    assert mount["id"] == mount["sessionId"] == session["id"]
    assert mount["state"] == "Mounting"
    assert mount["spec"]["reason"] == "drflow:flow-run-42"
    assert mount["spec"]["restorePointId"] == str(estate_uuid("restorePoint", "web01", 4))
    assert mount["vmName"] == "web01"
    assert mount["jobName"] == "Web tier"
    assert mount["hostName"] == "esx01.lab.local"
    point = api.get(f"/api/v1/restorePoints/{mount['spec']['restorePointId']}").json()
    assert mount["restorePointDate"] == point["creationTime"]


def test_mount_lifecycle_mounting_mounted_dismounting_gone(api, clock):
    session = api.start_ir("web01")
    sid = session["id"]
    clock.advance(2)  # start: 2 s
    working = api.session(sid)
    assert working["state"] == "Working"
    assert working["progressPercent"] == 0
    clock.advance(10)  # half of mount: 20 s
    half = api.session(sid)
    assert half["state"] == "Working"
    assert half["progressPercent"] == 50
    assert half["result"]["result"] == "None"
    assert api.mount(sid).json()["state"] == "Mounting"
    clock.advance(10)
    assert api.mount(sid).json()["state"] == "Mounted"
    mounted = api.session(sid)  # the IR session lives as long as the VM is published
    assert mounted["state"] == "Working"
    assert mounted["progressPercent"] == 100
    assert mounted["result"]["result"] == "Success"
    assert "endTime" not in mounted

    unmount = api.post(f"{IR_PATH}/{sid}/unmount", user="restore-operator")
    assert unmount.status_code == 200
    assert unmount.json()["id"] == sid
    assert unmount.json()["state"] == "Stopping"
    assert api.mount(sid).json()["state"] == "Dismounting"
    assert (
        api.get(IR_PATH, params={"stateFilter": "Dismounting"}).json()["pagination"]["total"] == 1
    )
    clock.advance(5)  # unmount: 5 s
    gone = api.mount(sid)
    assert gone.status_code == 404
    assert gone.json()["resourceId"] == sid
    assert api.get(IR_PATH).json()["pagination"]["total"] == 0
    ended = api.session(sid)
    assert ended["state"] == "Stopped"
    assert ended["result"]["result"] == "Success"
    assert datetime.fromisoformat(ended["endTime"]) == clock.now()
    again = api.post(f"{IR_PATH}/{sid}/unmount", user="restore-operator")
    assert again.status_code == 404


def test_unmount_while_mounting_cancels_the_session(api, clock):
    sid = api.start_ir("web02")["id"]
    clock.advance(5)
    api.post(f"{IR_PATH}/{sid}/unmount", user="restore-operator")
    clock.advance(5)
    session = api.session(sid)
    assert session["state"] == "Stopped"
    assert session["result"]["result"] == "Failed"
    assert session["result"]["isCanceled"] is True
    assert api.mount(sid).status_code == 404


def test_migration_puts_the_vm_in_production(api, clock):
    sid = api.start_ir("web01")["id"]
    early = api.post(f"{IR_PATH}/{sid}/migrate", user="restore-operator", json=MIGRATION_SPEC)
    assert early.status_code == 400  # still mounting
    clock.advance(22)
    response = api.post(f"{IR_PATH}/{sid}/migrate", user="restore-operator", json=MIGRATION_SPEC)
    assert response.status_code == 200
    migration = response.json()
    assert migration["sessionType"] == "QuickMigration"
    assert migration["state"] == "Starting"
    assert migration["name"] == "Quick Migration Job"  # as VBR names it, whatever the VM
    assert migration["id"] != sid
    clock.advance(2 + 30)
    halfway = api.session(migration["id"])
    assert halfway["state"] == "Working"
    assert halfway["progressPercent"] == 50
    assert api.mount(sid).json()["state"] == "Mounted"
    twice = api.post(f"{IR_PATH}/{sid}/migrate", user="restore-operator", json=MIGRATION_SPEC)
    assert twice.status_code == 400
    clock.advance(30)
    done = api.session(migration["id"])
    assert done["state"] == "Stopped"
    assert done["result"]["result"] == "Success"
    assert api.mount(sid).status_code == 404
    assert api.session(sid)["state"] == "Stopped"
    assert api.session(sid)["result"]["result"] == "Success"
    health = api.health("web01")
    assert health.status_code == 200
    assert health.json()["healthy"] is True
    record = api.client.get("/_sim/mounts", params={"include_gone": "true"}).json()["mounts"][0]
    assert record["state"] == "Gone"
    assert record["migratedAt"] is not None


def test_migration_body_is_validated(api, clock):
    sid = api.start_ir("web01")["id"]
    clock.advance(22)
    response = api.post(
        f"{IR_PATH}/{sid}/migrate", user="restore-operator", json={"VeeamQMEnabled": True}
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("destinationHost:")
    bad_platform = MIGRATION_SPEC | {"destinationHost": {"platform": "Mainframe", "name": "x"}}
    response = api.post(f"{IR_PATH}/{sid}/migrate", user="restore-operator", json=bad_platform)
    assert response.status_code == 400
    assert response.json()["message"].startswith("destinationHost.platform: unsupported value")


def test_stopping_a_migration_keeps_the_vm_mounted(api, clock):
    sid = api.start_ir("app01", age=3)["id"]
    clock.advance(22)
    migration = api.post(
        f"{IR_PATH}/{sid}/migrate", user="restore-operator", json=MIGRATION_SPEC
    ).json()
    clock.advance(10)
    assert (
        api.post(f"/api/v1/sessions/{migration['id']}/stop", user="restore-operator").status_code
        == 200
    )
    clock.advance(2)
    stopped = api.session(migration["id"])
    assert stopped["state"] == "Stopped"
    assert stopped["result"]["isCanceled"] is True
    clock.advance(120)
    assert api.mount(sid).json()["state"] == "Mounted"
    assert api.session(sid)["state"] == "Working"


def test_stopping_the_instant_recovery_session_unmounts(api, clock):
    sid = api.start_ir("mq01", age=3)["id"]
    clock.advance(22)
    assert api.post(f"/api/v1/sessions/{sid}/stop", user="restore-operator").status_code == 200
    assert api.mount(sid).json()["state"] == "Dismounting"
    clock.advance(5)
    assert api.mount(sid).status_code == 404


def test_broken_vm_mount_fails(api, clock):
    sid = api.start_ir("broken01", age=2)["id"]
    clock.advance(2 + 20)
    mount = api.mount(sid).json()
    assert mount["state"] == "Failed"
    assert "broken01" in mount["errorMessage"]
    session = api.session(sid)
    assert session["state"] == "Stopped"
    assert session["result"]["result"] == "Failed"
    assert session["result"]["message"] == mount["errorMessage"]
    failed_logs = api.get(f"/api/v1/sessions/{sid}/logs", params={"statusFilter": "Failed"}).json()
    assert failed_logs["totalRecords"] == 1
    assert failed_logs["records"][0]["title"] == mount["errorMessage"]
    health = api.health("broken01")
    assert health.status_code == 503
    assert health.json()["healthy"] is False
    # a failed mount stays listed until it is unmounted, which removes it at once
    assert api.post(f"{IR_PATH}/{sid}/unmount", user="restore-operator").status_code == 200
    assert api.mount(sid).status_code == 404


def test_zombie_vm_mounts_but_never_becomes_healthy(api, clock):
    sid = api.start_ir("zombie01", age=2)["id"]
    clock.advance(2 + 20 + 5 + 3600)
    assert api.mount(sid).json()["state"] == "Mounted"
    health = api.health("zombie01")
    assert health.status_code == 503
    assert health.json() == {"vm": "zombie01", "healthy": False, "reason": health.json()["reason"]}
    assert health.json()["reason"]


def test_probe_follows_the_mount(api, clock):
    assert api.health("web01").status_code == 503  # nothing running
    sid = api.start_ir("web01")["id"]
    assert api.health("web01").json()["healthy"] is False
    clock.advance(22)
    booting = api.health("web01")
    assert booting.status_code == 503
    assert "boot" in booting.json()["reason"]
    clock.advance(5)  # boot: 5 s
    ok = api.health("web01")
    assert ok.status_code == 200
    assert ok.json() == {"vm": "web01", "healthy": True, "reason": ok.json()["reason"]}
    api.post(f"{IR_PATH}/{sid}/unmount", user="restore-operator")
    assert api.health("web01").status_code == 503


def test_powered_off_vm_is_not_healthy(api, clock):
    api.start_ir("web02", powerUp=False)
    clock.advance(3600)
    response = api.health("web02")
    assert response.status_code == 503
    assert "powerUp" in response.json()["reason"]


def test_customized_recovery_uses_the_new_name_and_host(api, clock):
    body = ir_spec("db01", 1) | {
        "type": "Customized",
        "destination": {
            "restoredVmName": "db01-dr",
            "destinationHost": {
                "platform": "VMware",
                "type": "Host",
                "hostName": "vc",
                "name": "esx07",
            },
        },
        "datastore": {"redirectEnabled": False},
    }
    response = api.post(IR_PATH, user="restore-operator", json=body)
    assert response.status_code == 201
    mount = api.mount(response.json()["id"]).json()
    assert (mount["vmName"], mount["hostName"], mount["spec"]["type"]) == (
        "db01-dr",
        "esx07",
        "Customized",
    )
    clock.advance(2 + 40 + 15)  # db01: mount 40 s, boot 15 s
    assert api.health("db01-dr").status_code == 200
    assert api.health("db01").status_code == 503


def test_second_recovery_of_a_mounted_vm_is_refused(api):
    first = api.start_ir("web01")
    response = api.post(IR_PATH, user="restore-operator", json=ir_spec("web01", 28))
    assert response.status_code == 400
    assert response.json()["resourceId"] == first["id"]


def test_hyperv_restore_point_cannot_go_to_vsphere(api):
    response = api.post(IR_PATH, user="restore-operator", json=ir_spec("hv-web01", 8))
    assert response.status_code == 400


def test_unknown_restore_point_is_404(api):
    body = ir_spec("web01") | {"restorePointId": "00000000-0000-4000-8000-000000000001"}
    response = api.post(IR_PATH, user="restore-operator", json=body)
    assert response.status_code == 404
    assert response.json()["resourceId"] == body["restorePointId"]


def test_speed_divides_durations(make_api, clock):
    api = make_api(SimulatorConfig(speed=10))
    sid = api.start_ir("web01")["id"]
    clock.advance(2.1)
    assert api.mount(sid).json()["state"] == "Mounting"
    clock.advance(0.1)  # (2 + 20) / 10 = 2.2 s
    assert api.mount(sid).json()["state"] == "Mounted"
    api.client.put("/_sim/config", json={"speed": 1})
    api.post(f"{IR_PATH}/{sid}/unmount", user="restore-operator")
    clock.advance(4.9)  # unmount started at speed 1: 5 s
    assert api.mount(sid).json()["state"] == "Dismounting"


def test_session_logs_grow_with_time(api, clock):
    sid = api.start_ir("web01")["id"]
    first = api.get(f"/api/v1/sessions/{sid}/logs").json()
    clock.advance(22)
    later = api.get(f"/api/v1/sessions/{sid}/logs").json()
    assert later["totalRecords"] > first["totalRecords"] >= 1
    times = [datetime.fromisoformat(r["startTime"]) for r in later["records"]]
    assert times == sorted(times, reverse=True)  # newest first
    assert max(times) <= clock.now()


def test_stats_track_peak_concurrent_restore_sessions(api, clock):
    ids = [api.start_ir(vm)["id"] for vm in ("web01", "web02", "proxy01")]
    clock.advance(22)
    for sid in ids:
        api.post(f"{IR_PATH}/{sid}/unmount", user="restore-operator")
    clock.advance(5)
    api.start_ir("web01")
    stats = api.client.get("/_sim/stats").json()
    assert stats["restore_sessions"] == {"running": 1, "peak": 3}
    assert stats["requests"][f"POST {IR_PATH}"] == 4
    assert stats["requests"][f"POST {IR_PATH}/{{mountId}}/unmount"] == 3


def test_reset_forgets_everything(api, clock):
    api.start_ir("web01")
    clock.advance(timedelta(minutes=1).total_seconds())
    assert api.client.post("/_sim/reset").status_code == 200
    assert api.client.get("/_sim/mounts").json()["mounts"] == []
    old_headers = api.headers("restore-operator")  # logged in before the reset
    assert api.client.get("/api/v1/sessions", headers=old_headers).status_code == 401
    api._tokens.clear()
    assert api.get(IR_PATH).json()["pagination"]["total"] == 0
