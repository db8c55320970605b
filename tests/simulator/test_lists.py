"""Lists: filters and sorting apply before skip, skip before limit; pagination says so."""

from __future__ import annotations

from datetime import datetime

import pytest

from drflow.simulator import estate_uuid
from tests.simulator.sim_support import IR_PATH


def _all(api, path, **params):
    body = api.get(path, params=params | {"limit": 1000}).json()
    assert body["pagination"]["count"] == len(body["data"])
    return body["data"]


def test_sessions_default_limit_and_pagination(api):
    body = api.get("/api/v1/sessions").json()
    total = body["pagination"]["total"]
    assert body["pagination"] == {"total": total, "count": total, "skip": 0, "limit": 200}
    # one backup job session per job and distinct restore point age in the estate
    assert total == len(api.sim.estate.job_runs)


def test_sessions_skip_then_limit_after_sorting(api):
    ordered = _all(api, "/api/v1/sessions", orderColumn="Name", orderAsc="true")
    names = [s["name"].lower() for s in ordered]
    assert names == sorted(names)
    page = api.get(
        "/api/v1/sessions",
        params={"orderColumn": "Name", "orderAsc": "true", "skip": 3, "limit": 4},
    ).json()
    assert [s["id"] for s in page["data"]] == [s["id"] for s in ordered[3:7]]
    assert page["pagination"] == {"total": len(ordered), "count": 4, "skip": 3, "limit": 4}
    descending = _all(api, "/api/v1/sessions", orderColumn="CreationTime", orderAsc="false")
    times = [datetime.fromisoformat(s["creationTime"]) for s in descending]
    assert times == sorted(times, reverse=True)


def test_sessions_filters(api):
    session = api.start_ir("web01")
    ir = _all(api, "/api/v1/sessions", typeFilter="InstantRecovery")
    assert [s["id"] for s in ir] == [session["id"]]
    both = _all(api, "/api/v1/sessions", typeFilter="InstantRecovery,BackupJob")
    assert len(both) == api.get("/api/v1/sessions").json()["pagination"]["total"]
    starting = _all(api, "/api/v1/sessions", stateFilter="Starting")
    assert [s["id"] for s in starting] == [session["id"]]
    stopped = _all(api, "/api/v1/sessions", stateFilter="Stopped")
    assert session["id"] not in {s["id"] for s in stopped}
    assert _all(api, "/api/v1/sessions", resultFilter="None")[0]["id"] == session["id"]
    tier = _all(api, "/api/v1/sessions", nameFilter="*tier")
    assert tier
    assert all(s["name"].lower().endswith("tier") for s in tier)
    assert _all(api, "/api/v1/sessions", nameFilter="web*")[0]["name"] == "web01"
    created = datetime.fromisoformat(session["creationTime"])
    before = _all(api, "/api/v1/sessions", createdBeforeFilter=created.isoformat())
    assert session["id"] not in {s["id"] for s in before}
    assert len(before) == len(api.sim.estate.job_runs)


def test_restore_points_filters_and_sorting(api):
    everything = _all(api, "/api/v1/restorePoints")
    assert len(everything) == len(api.sim.estate.restore_points)
    hyperv = _all(api, "/api/v1/restorePoints", platformNameFilter="HyperV")
    assert hyperv
    assert {p["platformName"] for p in hyperv} == {"HyperV"}
    assert all(
        p["allowedOperations"] and "StartHvVMInstantRecovery" in p["allowedOperations"]
        for p in hyperv
    )
    web01 = _all(
        api, "/api/v1/restorePoints", backupObjectIdFilter=str(estate_uuid("backupObject", "web01"))
    )
    assert len(web01) == 3
    assert {p["name"] for p in web01} == {"web01"}
    suspicious = _all(api, "/api/v1/restorePoints", malwareStatusFilter="Suspicious")
    assert [p["id"] for p in suspicious] == [str(estate_uuid("restorePoint", "app02", 3))]
    ascending = _all(api, "/api/v1/restorePoints", orderColumn="CreationTime", orderAsc="true")
    times = [datetime.fromisoformat(p["creationTime"]) for p in ascending]
    assert times == sorted(times)
    page = api.get(
        "/api/v1/restorePoints",
        params={"orderColumn": "CreationTime", "orderAsc": "true", "skip": 10, "limit": 5},
    ).json()
    assert [p["id"] for p in page["data"]] == [p["id"] for p in ascending[10:15]]


def test_backup_object_restore_points(api):
    object_id = estate_uuid("backupObject", "db01")
    points = api.get(f"/api/v1/backupObjects/{object_id}/restorePoints").json()
    assert points["pagination"]["total"] == 5
    newest = points["data"][0]
    assert newest["id"] == str(estate_uuid("restorePoint", "db01", 1))
    types = [p["type"] for p in points["data"]]
    assert types == ["Increment"] * 4 + ["Full"]
    backup = api.get(f"/api/v1/backups/{newest['backupId']}").json()
    assert backup["name"] == "Databases"
    assert backup["jobType"] == "VSphereBackup"


def test_backups_list(api):
    backups = _all(api, "/api/v1/backups")
    assert [b["name"] for b in backups] == sorted((b["name"] for b in backups), key=str.lower)
    hyperv = _all(api, "/api/v1/backups", jobTypeFilter="HyperVBackup")
    assert [b["name"] for b in hyperv] == ["Hyper-V cluster"]
    assert _all(api, "/api/v1/backups", nameFilter="data*")[0]["name"] == "Databases"


@pytest.mark.parametrize(
    ("vm", "platform", "count"), [("web01", "VMware", 2), ("hv-sql01", "HyperV", 2)]
)
def test_restore_point_disks(api, vm, platform, count):
    rp = estate_uuid("restorePoint", vm, 4 if platform == "VMware" else 8)
    disks = api.get(f"/api/v1/restorePoints/{rp}/disks").json()
    assert disks["pagination"]["total"] == count
    assert {d["platform"] for d in disks["data"]} == {platform}
    if platform == "HyperV":
        assert all(d["diskExtents"] for d in disks["data"])
    else:
        assert disks["data"][1]["capacity"] == 100 * 1024**3


def test_mount_list_filters(api, clock):
    first = api.start_ir("web01")
    clock.advance(30)
    second = api.start_ir("app01", age=3)
    third = api.start_ir("db01", age=1)
    assert api.get(IR_PATH).json()["pagination"]["total"] == 3
    mounted = api.get(IR_PATH, params={"stateFilter": "Mounted"}).json()["data"]
    assert [m["id"] for m in mounted] == [first["id"]]
    by_name = api.get(IR_PATH, params={"vmNameFilter": "app*"}).json()["data"]
    assert [m["id"] for m in by_name] == [second["id"]]
    repeated = api.get(
        IR_PATH, params=[("mountIdFilter", first["id"]), ("mountIdFilter", third["id"])]
    )
    assert {m["id"] for m in repeated.json()["data"]} == {first["id"], third["id"]}
    comma = api.get(IR_PATH, params={"mountIdFilter": f"{second['id']},{third['id']}"})
    assert {m["id"] for m in comma.json()["data"]} == {second["id"], third["id"]}
    ordered = api.get(
        IR_PATH, params={"orderColumn": "VmName", "orderAsc": "false", "limit": 2}
    ).json()
    assert [m["vmName"] for m in ordered["data"]] == ["web01", "db01"]
    assert ordered["pagination"] == {"total": 3, "count": 2, "skip": 0, "limit": 2}
