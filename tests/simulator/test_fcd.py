"""Instant FCD recovery: mounts, dismount and Quick Migration of disks on the fake clock."""

from __future__ import annotations

from typing import Any

import pytest

from drflow.simulator import Role, SimulatorConfig, estate_uuid
from tests.simulator.sim_support import assert_matches_schema

FCD = "/api/v1/restore/instantRecovery/vSphere/fcd"
OP = "restore-operator"
CLUSTER = {
    "platform": "VSphere",
    "hostName": "vcenter01.lab.local",
    "name": "DR",
    "type": "Cluster",
}
DATASTORE = {
    "platform": "VSphere",
    "hostName": "vcenter01.lab.local",
    "name": "ds-prod",
    "type": "Datastore",
}
POLICY = {
    "platform": "VSphere",
    "hostName": "vcenter01.lab.local",
    "name": "Gold",
    "type": "StoragePolicy",
}


def disk(name: str, mark: str = "t1") -> dict[str, str]:
    return {
        "nameInBackup": name,
        "mountedDiskName": f"{name}-{mark}.vmdk",
        "registeredFcdName": f"{name}-{mark}",
    }


def fcd_spec(vm: str = "web01", age: float = 4, disks: list | None = None, **extra: Any):
    spec: dict[str, Any] = {
        "restorePointId": str(estate_uuid("restorePoint", vm, age)),
        "destinationCluster": CLUSTER,
        "disksMapping": disks if disks is not None else [disk(vm), disk(f"{vm}_1")],
    }
    spec.update(extra)
    return spec


def start(api, *args: Any, **kwargs: Any) -> dict[str, Any]:
    response = api.post(FCD, user=OP, json=fcd_spec(*args, **kwargs))
    assert response.status_code == 201, response.text
    return response.json()


def test_start_mounts_the_disks(api, clock):
    session = start(api)
    assert_matches_schema(session, "SessionModel")
    assert (session["sessionType"], session["name"]) == ("FirstClassDiskInstantRestore", "web01")
    sid = session["id"]
    mounting = api.get(f"{FCD}/{sid}").json()
    assert_matches_schema(mounting, "VmwareFcdInstantRecoveryMount")
    assert (mounting["id"], mounting["sessionId"], mounting["state"]) == (sid, sid, "Mounting")
    assert "mountedDisks" not in mounting
    clock.advance(22)
    mounted = api.get(f"{FCD}/{sid}").json()
    assert_matches_schema(mounted, "VmwareFcdInstantRecoveryMount")
    assert mounted["state"] == "Mounted"
    assert [d["registeredFcdName"] for d in mounted["mountedDisks"]] == ["web01-t1", "web01_1-t1"]
    assert all(d["objectId"] for d in mounted["mountedDisks"])
    assert mounted["spec"]["disksMapping"][1]["nameInBackup"] == "web01_1"
    assert api.session(sid)["state"] == "Working"


def test_dismount_and_cancel(api, clock):
    sid = start(api)["id"]
    clock.advance(22)
    answer = api.post(f"{FCD}/{sid}/dismount", user=OP)
    assert answer.status_code == 200
    assert answer.json()["state"] == "Stopping"
    assert api.get(f"{FCD}/{sid}").json()["state"] == "Dismounting"
    clock.advance(5)
    assert api.get(f"{FCD}/{sid}").status_code == 404
    assert api.session(sid)["result"]["result"] == "Success"
    assert api.post(f"{FCD}/{sid}/dismount", user=OP).status_code == 404
    early = start(api, disks=[disk("web01", "t2")])["id"]
    clock.advance(3)
    api.post(f"{FCD}/{early}/dismount", user=OP)
    clock.advance(5)
    assert api.session(early)["result"]["isCanceled"] is True


def test_partial_then_full_migration(api, clock):
    sid = start(api)["id"]
    early = api.post(f"{FCD}/{sid}/migrate", json={"targetDatastore": DATASTORE})
    assert early.status_code == 400  # still mounting
    clock.advance(22)
    first = api.post(
        f"{FCD}/{sid}/migrate",
        json={
            "mountedDiskNames": ["web01_1-t1.vmdk"],
            "targetDatastore": DATASTORE,
            "storagePolicy": POLICY,
        },
    )
    assert first.status_code == 200
    migration = first.json()
    assert_matches_schema(migration, "SessionModel")
    assert migration["sessionType"] == "FirstClassDiskQuickMigration"
    assert migration["parentSessionId"] == sid
    busy = api.post(f"{FCD}/{sid}/migrate", json={"targetDatastore": DATASTORE})
    assert busy.status_code == 400
    assert api.post(f"{FCD}/{sid}/dismount", user=OP).status_code == 400
    clock.advance(62)
    assert api.session(migration["id"])["result"]["result"] == "Success"
    left = api.get(f"{FCD}/{sid}").json()
    assert left["state"] == "Mounted"
    assert [d["mountedDiskName"] for d in left["mountedDisks"]] == ["web01-t1.vmdk"]
    again = api.post(
        f"{FCD}/{sid}/migrate",
        json={"mountedDiskNames": ["web01_1-t1.vmdk"], "targetDatastore": DATASTORE},
    )
    assert again.status_code == 400  # that disk has left the mount
    assert again.json()["message"].startswith("mountedDiskNames[0]")
    rest = api.post(f"{FCD}/{sid}/migrate", json={"targetDatastore": DATASTORE}).json()
    clock.advance(62)
    assert api.session(rest["id"])["result"]["result"] == "Success"
    assert api.get(f"{FCD}/{sid}").status_code == 404
    ended = api.session(sid)
    assert (ended["state"], ended["result"]["result"]) == ("Stopped", "Success")


def test_stopping_a_migration_keeps_the_disks_mounted(api, clock):
    sid = start(api)["id"]
    clock.advance(22)
    migration = api.post(f"{FCD}/{sid}/migrate", json={"targetDatastore": DATASTORE}).json()
    clock.advance(10)
    assert api.post(f"/api/v1/sessions/{migration['id']}/stop", user=OP).status_code == 200
    clock.advance(100)
    assert api.session(migration["id"])["result"]["isCanceled"] is True
    assert len(api.get(f"{FCD}/{sid}").json()["mountedDisks"]) == 2
    assert api.session(sid)["state"] == "Working"


def test_mount_fails_trap(api, clock):
    sid = start(api, "broken01", 2, disks=[disk("broken01")])["id"]
    clock.advance(22)
    mount = api.get(f"{FCD}/{sid}").json()
    assert mount["state"] == "Failed"
    assert mount["errorMessage"].startswith("Failed to publish VM broken01")
    assert "mountedDisks" not in mount
    assert api.post(f"{FCD}/{sid}/migrate", json={"targetDatastore": DATASTORE}).status_code == 400
    assert api.post(f"{FCD}/{sid}/dismount", user=OP).status_code == 200
    assert api.get(f"{FCD}/{sid}").status_code == 404


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        (fcd_spec(disks=[]), "disksMapping: at least one"),
        (fcd_spec(disks=[disk("web01_7")]), "disksMapping[0].nameInBackup"),
        (fcd_spec(disks=[disk("web01"), disk("web01")]), "disksMapping[1].nameInBackup"),
        (
            fcd_spec(
                disks=[disk("web01", "a"), disk("web01_1", "a") | {"registeredFcdName": "web01-a"}]
            ),
            "disksMapping[1].registeredFcdName",
        ),
        (fcd_spec(destinationCluster=CLUSTER | {"type": "Host"}), "destinationCluster.type"),
        (
            fcd_spec(
                destinationCluster={
                    "platform": "HyperV",
                    "hostName": "h",
                    "name": "c",
                    "type": "Cluster",
                    "objectId": "1",
                }
            ),
            "destinationCluster.platform",
        ),
        (fcd_spec(writeCache={"redirectIsEnabled": True}), "writeCache.cacheDatastore"),
        (fcd_spec(writeCache={}), "writeCache.redirectIsEnabled"),
        ({"restorePointId": str(estate_uuid("restorePoint", "web01", 4))}, "destinationCluster"),
        (fcd_spec("legacy01", 2, disks=[disk("legacy01")]), "restorePointId"),
        (fcd_spec("hv-web01", 8, disks=[disk("hv-web01")]), "restorePointId"),
    ],
)
def test_invalid_requests_are_400_naming_the_field(api, spec, needle):
    response = api.post(FCD, user=OP, json=spec)
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith(needle), response.json()
    assert api.sim.workloads["fcd"].state.mounts == {}


def test_unknown_ids_are_404(api):
    unknown = fcd_spec() | {"restorePointId": "00000000-0000-4000-8000-000000000004"}
    response = api.post(FCD, user=OP, json=unknown)
    assert response.status_code == 404
    assert response.json()["resourceId"] == unknown["restorePointId"]
    missing = "00000000-0000-4000-8000-000000000005"
    for method, path, kwargs in (
        ("GET", f"{FCD}/{missing}", {}),
        ("POST", f"{FCD}/{missing}/dismount", {}),
        ("POST", f"{FCD}/{missing}/migrate", {"json": {"targetDatastore": DATASTORE}}),
    ):
        answer = api.client.request(method, path, headers=api.headers(), **kwargs)
        assert answer.status_code == 404
        assert answer.json()["resourceId"] == missing


def test_fcd_names_in_use_and_write_cache(api, clock):
    first = start(api, writeCache={"redirectIsEnabled": True, "cacheDatastore": DATASTORE})
    clash = api.post(FCD, user=OP, json=fcd_spec(age=28, disks=[disk("web01")]))
    assert clash.status_code == 400
    assert clash.json()["resourceId"] == first["id"]
    clock.advance(2)
    logs = api.get(f"/api/v1/sessions/{first['id']}/logs").json()["records"]
    assert any("ds-prod" in r["title"] for r in logs)
    assert start(api, age=28, disks=[disk("web01", "t9")])["id"] != first["id"]


def test_migration_target_is_checked(api, clock):
    sid = start(api)["id"]
    clock.advance(22)
    host = DATASTORE | {"type": "Host"}
    assert api.post(f"{FCD}/{sid}/migrate", json={"targetDatastore": host}).status_code == 400
    bad_policy = {"targetDatastore": DATASTORE, "storagePolicy": DATASTORE}
    assert (
        api.post(f"{FCD}/{sid}/migrate", json=bad_policy)
        .json()["message"]
        .startswith("storagePolicy")
    )
    missing = api.post(f"{FCD}/{sid}/migrate", json={"mountedDiskNames": ["web01-t1.vmdk"]})
    assert missing.status_code == 400
    assert missing.json()["message"].startswith("targetDatastore")


def test_list_filters_sort_then_page(api, clock):
    a = start(api, "web02", 4, disks=[disk("web02")])["id"]
    clock.advance(22)
    b = start(api, "app01", 3, disks=[disk("app01")])["id"]
    c = start(api, "db01", 1, disks=[disk("db01")])["id"]
    listing = api.get(FCD).json()
    assert_matches_schema(listing, "VmwareFcdInstantRecoveryMountsResult")
    assert [m["id"] for m in listing["data"]] == [a, b, c]
    mounting = api.get(FCD, params={"stateFilter": "Mounting"}).json()
    assert {m["id"] for m in mounting["data"]} == {b, c}
    by_name = api.get(FCD, params={"orderColumn": "Name", "orderAsc": "true"}).json()
    assert [m["id"] for m in by_name["data"]] == [b, c, a]  # app01, db01, web02
    page = api.get(
        FCD,
        params={
            "stateFilter": "Mounting",
            "orderColumn": "Name",
            "orderAsc": "false",
            "skip": 1,
            "limit": 5,
        },
    ).json()
    assert [m["id"] for m in page["data"]] == [b]
    assert page["pagination"] == {"total": 2, "count": 1, "skip": 1, "limit": 5}
    assert api.get(FCD, params={"orderColumn": "VmName"}).status_code == 400


def test_roles_mounts_and_stats(make_api, clock):
    users = {
        "administrator": Role.BACKUP_ADMINISTRATOR,
        "restore-operator": Role.RESTORE_OPERATOR,
        "viewer": Role.BACKUP_VIEWER,
        "security": Role.SECURITY_ADMINISTRATOR,
    }
    api = make_api(SimulatorConfig(users=users))
    assert api.post(FCD, user="viewer", json=fcd_spec()).status_code == 403
    assert api.sim.workloads["fcd"].state.mounts == {}
    sid = start(api)["id"]
    (listed,) = api.client.get("/_sim/mounts").json()["mounts"]
    assert (listed["kind"], listed["id"], listed["state"]) == ("vSphereFCD", sid, "Mounting")
    assert listed["reason"] == "web01-t1, web01_1-t1"
    assert api.get(FCD, user="viewer").status_code == 200
    assert api.get(f"{FCD}/{sid}", user="viewer").status_code == 200
    assert api.get(FCD, user="security").status_code == 403  # not for this role, unlike IR
    assert api.get(f"{FCD}/{sid}", user="security").status_code == 403
    assert api.get("/api/v1/restore/instantRecovery/hyperV/vm", user="security").status_code == 200
    clock.advance(22)
    migrate = {"targetDatastore": DATASTORE}
    denied = api.post(f"{FCD}/{sid}/migrate", user=OP, json=migrate)
    assert denied.status_code == 403  # Backup Administrator only
    assert "requires one of the roles: Veeam Backup Administrator." in denied.json()["message"]
    assert api.post(f"{FCD}/{sid}/dismount", user="viewer").status_code == 403
    assert api.post(f"{FCD}/{sid}/migrate", user="administrator", json=migrate).status_code == 200
    stats = api.client.get("/_sim/stats").json()["restore_sessions"]
    assert stats == {"running": 2, "peak": 2}
