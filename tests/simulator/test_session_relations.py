"""What relates a session to its object: its type, when it started, the object it acts on
(``resourceId``) and the session it derives from (``parentSessionId``)."""

from __future__ import annotations

from drflow.simulator import estate_uuid
from tests.simulator.sim_support import IR_PATH, MIGRATION_SPEC
from tests.simulator.test_azure_ir import by_type
from tests.simulator.test_azure_ir import migrate as migrate_azure
from tests.simulator.test_azure_ir import start as start_azure

OP = "restore-operator"


def test_a_quick_migration_acts_on_the_mount_and_derives_from_its_session(api, clock):
    mount = api.start_ir("web01")
    clock.advance(22)
    started = api.post(f"{IR_PATH}/{mount['id']}/migrate", user=OP, json=MIGRATION_SPEC)
    assert started.status_code == 200, started.text
    migration = started.json()
    assert migration["sessionType"] == "QuickMigration"
    assert migration["resourceId"] == mount["id"]
    assert migration["parentSessionId"] == mount["id"]  # the instant recovery session
    assert migration["creationTime"] == clock.now().isoformat().replace("+00:00", "Z")
    assert api.mount(mount["id"]).json()["state"] == "Mounted"  # while it migrates


def test_a_restore_acts_on_its_restore_point(api):
    point = str(estate_uuid("restorePoint", "web01", 4))
    spec = {"type": "OriginalLocation", "restorePointId": point, "overwrite": True}
    restore = api.post("/api/v1/restore/vmRestore/vSphere", user=OP, json=spec).json()
    assert (restore["sessionType"], restore["resourceId"]) == ("RestoreVm", point)
    assert restore["resourceReference"] == f"/api/v1/restorePoints/{point}"
    flr = api.post(
        "/api/v1/restore/flr",
        user=OP,
        json={
            "type": "Linux",
            "restorePointId": point,
            "mountMode": "Automatic",
            "autoUnmount": {"isEnabled": False},
        },
    ).json()
    assert api.session(flr["sessionId"])["resourceId"] == point


def test_azure_sessions_act_on_the_mount(api, clock):
    mount = start_azure(api)
    clock.advance(45)
    migrate_azure(api, mount["id"], {"type": "Auto"})
    sessions = by_type(api, mount["id"])
    recovery = sessions["AzureInstantRecovery"]
    assert recovery["resourceId"] == mount["id"]
    assert sessions["AzureInstantRecoveryMigration"]["parentSessionId"] == recovery["id"]


def test_every_session_carries_its_type_start_and_object(api, clock):
    api.start_ir("web02")
    sessions = api.get("/api/v1/sessions", params={"limit": 1000}).json()["data"]
    assert sessions, "the estate's backup job runs are sessions"
    for session in sessions:
        assert session["sessionType"], session
        assert session["creationTime"], session
        assert session["resourceId"], session
    backup_run = next(s for s in sessions if s["sessionType"] == "BackupJob")
    assert backup_run["resourceReference"] == f"/api/v1/backups/{backup_run['resourceId']}"


def test_migrations_are_named_as_vbr_names_them_so_no_name_says_which_vm(api, clock):
    """A real VBR names a Quick Migration session "Quick Migration Job" (the vendor's
    example): finding a migration by the VM's name cannot work."""
    names = []
    for vm in ("web01", "web02"):
        mount = api.start_ir(vm)
        clock.advance(22)
        migration = api.post(f"{IR_PATH}/{mount['id']}/migrate", user=OP, json=MIGRATION_SPEC)
        names.append(migration.json()["name"])
    assert names == ["Quick Migration Job", "Quick Migration Job"]
    found = api.get("/api/v1/sessions", params={"nameFilter": "*web01*"}).json()["data"]
    assert "QuickMigration" not in {s["sessionType"] for s in found}
