"""Unstructured data: instant file share recovery, share/bucket restore, browse mounts.

Estate durations (seconds at speed 1): start 2, publish 20, unpublish 5, migrate 60,
switchover 10, restore 90, mount 10, unmount 3.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from drflow.simulator import estate_uuid
from tests.simulator.sim_support import assert_matches_schema

IR = "/api/v1/restore/instantRecovery/unstructuredData"
RESTORE = "/api/v1/restore/unstructuredData"
FLR = "/api/v1/restore/flr/unstructuredData"
FINANCE, HR, ENG, PROJECTS = (
    r"\\fs01\finance",
    r"\\fs01\hr",
    "nas01:/exports/eng",
    r"\\fs02\projects",
)


def point(name: str, age: float = 5) -> str:
    return str(estate_uuid("restorePoint", name, age))


def publish(api, *shares: str, user: str = "restore-operator", **spec: Any) -> list[dict]:
    body = {
        "restoreOptions": [
            {"restorePointId": point(s), "permissions": {"owner": "LAB\\Administrator"}}
            for s in shares
        ],
        "reason": "drflow test",
        **spec,
    }
    response = api.post(IR, user=user, json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def mount(api, mount_id: str) -> dict[str, Any]:
    response = api.get(f"{IR}/{mount_id}")
    assert response.status_code == 200, response.text
    return response.json()


def migrate(api, mount_id: str, settings: dict[str, Any], **destination: Any):
    body = {
        "destination": destination,
        "overwriteMode": "ReplaceOlder",
        "switchoverSettings": settings,
    }
    return api.post(f"{IR}/{mount_id}/migrate", json=body)


def put_settings(api, mount_id: str, settings: dict[str, Any]):
    return api.client.put(
        f"{IR}/{mount_id}/switchoverSettings", headers=api.headers(), json=settings
    )


def at(api, seconds: float) -> str:
    return (api.clock.now() + timedelta(seconds=seconds)).isoformat()


def test_publish_one_session_per_share(api, clock):
    answer = publish(api, FINANCE, HR)
    assert [s["name"] for s in answer] == [FINANCE, HR]
    assert {s["sessionType"] for s in answer} == {"FileInstantRecovery"}
    first = mount(api, answer[0]["id"])
    assert first["id"] == first["sessionId"] == answer[0]["id"]
    assert first["state"] == "Publishing"
    assert first["unstructuredServerId"] == str(estate_uuid("unstructuredServer", "fs01.lab.local"))
    assert first["spec"]["restoreOptions"][0]["mountServerId"]  # chosen automatically
    clock.advance(21.9)
    assert mount(api, answer[0]["id"])["state"] == "Publishing"
    clock.advance(0.1)
    assert mount(api, answer[0]["id"])["state"] == "Published"
    session = api.session(answer[0]["id"])
    assert (session["state"], session["progressPercent"], session["result"]["result"]) == (
        "Working",
        100,
        "Success",
    )
    assert api.sim.restore_concurrency() == (2, 2)
    kinds = {m["kind"] for m in api.client.get("/_sim/mounts").json()["mounts"]}
    assert kinds == {"FileShare"}
    assert_matches_schema(mount(api, answer[0]["id"]), "InstantUnstructuredDataRecoveryMount")


def test_the_trap_share_fails_to_publish(api, clock):
    (session,) = publish(api, PROJECTS)
    clock.advance(22)
    failed = mount(api, session["id"])
    assert failed["state"] == "PublishFailed"
    assert "cannot create the SMB share" in failed["errorMessage"]
    ended = api.session(session["id"])
    assert ended["state"] == "Stopped"
    assert ended["result"]["result"] == "Failed"
    unmount = api.post(f"{IR}/{session['id']}/unmount", user="restore-operator")
    assert unmount.status_code == 200
    assert mount(api, session["id"])["state"] == "Unpublished"
    assert api.client.get("/_sim/mounts").json()["mounts"] == []


def test_unmount_unpublishes_and_the_mount_stays_listed(api, clock):
    (session,) = publish(api, HR)
    clock.advance(22)
    answer = api.post(f"{IR}/{session['id']}/unmount", user="restore-operator")
    assert answer.status_code == 200
    assert answer.json()["id"] == session["id"]
    assert mount(api, session["id"])["state"] == "Unpublishing"
    clock.advance(5)
    assert mount(api, session["id"])["state"] == "Unpublished"
    ended = api.session(session["id"])
    assert ended["state"] == "Stopped"
    assert ended["result"]["result"] == "Success"
    again = api.post(f"{IR}/{session['id']}/unmount", user="restore-operator")
    assert again.status_code == 200
    assert api.get(IR).json()["pagination"]["total"] == 1
    assert publish(api, HR)  # published again once unpublished


def test_a_share_published_twice_is_refused(api):
    publish(api, FINANCE)
    again = api.post(
        IR,
        user="restore-operator",
        json={"restoreOptions": [{"restorePointId": point(FINANCE, 29)}]},
    )
    assert again.status_code == 400
    assert "already published" in again.json()["message"]


def test_bad_publish_requests(api):
    def post(options, **spec):
        return api.post(IR, user="restore-operator", json={"restoreOptions": options, **spec})

    assert post([]).status_code == 400
    bucket = post([{"restorePointId": point("invoices", 4)}])
    assert bucket.status_code == 400
    assert "bucket" in bucket.json()["message"]
    vm = post([{"restorePointId": str(estate_uuid("restorePoint", "web01", 4))}])
    assert vm.status_code == 400
    assert "web01" in vm.json()["message"]
    unknown = post([{"restorePointId": "00000000-0000-0000-0000-0000000000aa"}])
    assert unknown.status_code == 404
    assert unknown.json()["resourceId"].endswith("aa")
    no_server = post([{"restorePointId": point(FINANCE)}], autoSelectMountServers=False)
    assert no_server.status_code == 400
    assert "mountServerId" in no_server.json()["message"]
    bad_server = post(
        [
            {
                "restorePointId": point(FINANCE),
                "mountServerId": "00000000-0000-0000-0000-0000000000bb",
            }
        ]
    )
    assert bad_server.status_code == 404
    twice = post([{"restorePointId": point(FINANCE)}, {"restorePointId": point(FINANCE, 29)}])
    assert twice.status_code == 400
    assert "twice" in twice.json()["message"]
    schema = post([{"permissions": {"owner": "x"}}])
    assert schema.status_code == 400
    assert "restoreOptions[0].restorePointId" in schema.json()["message"]
    enum = post(
        [
            {
                "restorePointId": point(FINANCE),
                "permissions": {"owner": "x", "permissionType": "Nobody"},
            }
        ]
    )
    assert enum.status_code == 400
    assert "permissionType" in enum.json()["message"]
    assert api.get(IR).json()["pagination"]["total"] == 0


def test_nfs_shares_cannot_migrate_or_switch_over(api, clock):
    (session,) = publish(api, ENG)
    clock.advance(22)
    assert mount(api, session["id"])["state"] == "Published"
    answer = migrate(api, session["id"], {"type": "Auto"})
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "Migration is supported for SMB file shares only: nas01:/exports/eng is an NFS share."
    )
    assert api.post(f"{IR}/{session['id']}/switchover").status_code == 400
    assert api.get(f"{IR}/{session['id']}/switchoverSettings").status_code == 400
    assert put_settings(api, session["id"], {"type": "Manual"}).status_code == 400


def test_auto_migration_switches_over_and_unpublishes(api, clock):
    (session,) = publish(api, FINANCE)
    clock.advance(22)
    target = str(estate_uuid("unstructuredServer", "fs-dr01.lab.local"))
    answer = migrate(
        api, session["id"], {"type": "Auto"}, unstructuredDataServerId=target, path="D:\\finance"
    )
    assert answer.status_code == 201, answer.text
    migration = answer.json()
    assert migration["sessionType"] == "FileInstantRecoveryMigration"
    assert migration["parentSessionId"] == session["id"]
    assert api.sim.restore_concurrency()[0] == 2
    clock.advance(61.9)
    assert mount(api, session["id"])["state"] == "Published"
    assert api.session(migration["id"])["state"] == "Working"
    clock.advance(0.1 + 9.9)  # migrated at +62, switching until +72
    assert mount(api, session["id"])["state"] == "Published"
    clock.advance(0.1)
    assert mount(api, session["id"])["state"] == "Unpublished"
    done = api.session(migration["id"])
    assert done["state"] == "Stopped"
    assert done["result"]["result"] == "Success"
    assert "fs-dr01.lab.local" in done["result"]["message"]
    assert api.session(session["id"])["result"]["result"] == "Success"
    assert api.client.get("/_sim/mounts").json()["mounts"] == []
    assert api.sim.restore_concurrency()[0] == 0


def test_manual_migration_waits_for_switchover(api, clock):
    (session,) = publish(api, FINANCE)
    clock.advance(22)
    migration = migrate(api, session["id"], {"type": "Manual"}).json()
    clock.advance(300)
    assert mount(api, session["id"])["state"] == "Published"
    waiting = api.session(migration["id"])
    assert (waiting["state"], waiting["progressPercent"]) == ("Working", 100)
    assert api.get(f"{IR}/{session['id']}/switchoverSettings").json() == {"type": "Manual"}
    answer = api.post(f"{IR}/{session['id']}/switchover")
    assert answer.status_code == 201
    assert answer.json()["id"] == migration["id"]
    clock.advance(10)
    assert mount(api, session["id"])["state"] == "Unpublished"
    assert api.post(f"{IR}/{session['id']}/switchover").status_code == 201  # as it is


def test_scheduled_switchover_rescheduled(api, clock):
    (session,) = publish(api, HR)
    clock.advance(22)
    first = at(api, 120)
    assert (
        migrate(api, session["id"], {"type": "Scheduled", "scheduleTime": first}).status_code == 201
    )
    clock.advance(100)
    later = at(api, 200)  # +300 from the migration
    answer = put_settings(api, session["id"], {"type": "Scheduled", "scheduleTime": later})
    assert answer.status_code == 200, answer.text
    clock.advance(110)  # past the first schedule
    assert mount(api, session["id"])["state"] == "Published"
    clock.advance(90 + 10)
    assert mount(api, session["id"])["state"] == "Unpublished"
    refused = put_settings(api, session["id"], {"type": "Manual"})
    assert refused.status_code == 400
    assert "switched over" in refused.json()["message"]


def test_switchover_settings_before_migration_and_bad_schedules(api, clock):
    (session,) = publish(api, FINANCE)
    clock.advance(22)
    settings = api.get(f"{IR}/{session['id']}/switchoverSettings").json()
    assert settings == {"type": "Auto"}
    assert_matches_schema(settings, "UnstructuredDataSwitchoverSettingsModel")
    past = put_settings(api, session["id"], {"type": "Scheduled", "scheduleTime": at(api, -5)})
    assert past.status_code == 400
    assert "scheduleTime" in past.json()["message"]
    assert put_settings(api, session["id"], {"type": "Manual"}).status_code == 200
    no_time = migrate(api, session["id"], {"type": "Scheduled"})
    assert no_time.status_code == 400
    assert "switchoverSettings.scheduleTime" in no_time.json()["message"]
    assert api.post(f"{IR}/{session['id']}/switchover").status_code == 400  # nothing to switch
    missing_settings = api.post(f"{IR}/{session['id']}/migrate", json={"destination": {}})
    assert missing_settings.status_code == 400
    assert "switchoverSettings" in missing_settings.json()["message"]


def test_migration_needs_a_published_share_and_a_known_target(api, clock):
    (session,) = publish(api, FINANCE)
    early = migrate(api, session["id"], {"type": "Auto"})
    assert early.status_code == 400
    assert "Publishing" in early.json()["message"]
    clock.advance(22)
    unknown = migrate(
        api,
        session["id"],
        {"type": "Auto"},
        unstructuredDataServerId="00000000-0000-0000-0000-0000000000cc",
        path="x",
    )
    assert unknown.status_code == 404
    nfs = str(estate_uuid("unstructuredServer", "nas01.lab.local"))
    wrong = migrate(api, session["id"], {"type": "Auto"}, unstructuredDataServerId=nfs, path="/x")
    assert wrong.status_code == 400
    assert "NFS" in wrong.json()["message"]
    no_path = migrate(
        api,
        session["id"],
        {"type": "Auto"},
        unstructuredDataServerId=str(estate_uuid("unstructuredServer", "fs-dr01.lab.local")),
    )
    assert no_path.status_code == 400
    assert "destination.path" in no_path.json()["message"]
    assert migrate(api, session["id"], {"type": "Manual"}).status_code == 201
    again = migrate(api, session["id"], {"type": "Manual"})
    assert again.status_code == 400
    assert "already being migrated" in again.json()["message"]


def test_unmount_cancels_a_migration_but_not_a_switchover(api, clock):
    (one, two) = publish(api, FINANCE, HR)
    clock.advance(22)
    first = migrate(api, one["id"], {"type": "Manual"}).json()
    second = migrate(api, two["id"], {"type": "Auto"}).json()
    clock.advance(65)  # first waits, second switches (+62 .. +72)
    refused = api.post(f"{IR}/{two['id']}/unmount", user="restore-operator")
    assert refused.status_code == 400
    assert "switching over" in refused.json()["message"]
    assert api.post(f"{IR}/{one['id']}/unmount", user="restore-operator").status_code == 200
    canceled = api.session(first["id"])
    assert canceled["state"] == "Stopped"
    assert canceled["result"]["isCanceled"] is True
    clock.advance(10)
    assert mount(api, one["id"])["state"] == "Unpublished"
    assert api.session(second["id"])["result"]["result"] == "Success"


def test_list_filters_sorting_and_paging(api, clock):
    publish(api, HR)
    clock.advance(1)
    publish(api, FINANCE, ENG)
    clock.advance(21.5)  # HR published, the others still publishing
    states = {m["unstructuredServerName"]: m["state"] for m in api.get(IR).json()["data"]}
    assert states == {HR: "Published", FINANCE: "Publishing", ENG: "Publishing"}
    mounted = api.get(IR, params={"stateFilter": "Mounted"}).json()
    assert [m["unstructuredServerName"] for m in mounted["data"]] == [HR]
    publishing = api.get(IR, params={"stateFilter": "Publishing"}).json()
    assert publishing["pagination"]["total"] == 2
    smb = api.get(IR, params={"shareNameFilter": r"\\fs01\*"}).json()
    assert {m["unstructuredServerName"] for m in smb["data"]} == {HR, FINANCE}
    by_name = api.get(IR, params={"orderColumn": "Name", "orderAsc": "true"}).json()["data"]
    assert [m["unstructuredServerName"] for m in by_name] == [FINANCE, HR, ENG]  # "\\" < "n"
    page = api.get(
        IR, params={"orderColumn": "Name", "skip": 1, "limit": 1, "shareNameFilter": "*"}
    ).json()
    assert page["pagination"] == {"total": 3, "count": 1, "skip": 1, "limit": 1}
    assert page["data"][0]["unstructuredServerName"] == HR
    assert api.get(IR, params={"stateFilter": "Ready"}).status_code == 400
    assert api.get(IR, user="viewer").status_code == 403
    assert_matches_schema(api.get(IR).json(), "InstantUnstructuredDataRecoveryMountsResult")


def test_entire_share_restore_to_original_and_other_location(api, clock):
    original = api.post(
        f"{RESTORE}/fileShare", user="restore-operator", json={"restorePointId": point(FINANCE, 29)}
    )
    assert original.status_code == 201, original.text
    assert original.json()["sessionType"] == "NasRestore"
    assert api.sim.restore_concurrency()[0] == 1
    skip = api.post(
        f"{RESTORE}/fileShare",
        user="restore-operator",
        json={
            "restorePointId": point(HR),
            "restoreOptions": {"overwriteMode": "Skip", "restorePermissions": True},
        },
    )
    other = api.post(
        f"{RESTORE}/fileShare",
        user="restore-operator",
        json={
            "restorePointId": point(ENG),
            "destination": {
                "unstructuredDataServerId": str(
                    estate_uuid("unstructuredServer", "nas01.lab.local")
                ),
                "path": "/exports/eng-restored",
            },
            "restoreOptions": {"overwriteMode": "Overwrite"},
        },
    )
    assert other.status_code == 201, other.text
    clock.advance(91.9)
    assert api.session(original.json()["id"])["state"] == "Working"
    clock.advance(0.1)
    done = {k: api.session(r.json()["id"]) for k, r in (("o", original), ("s", skip), ("x", other))}
    assert done["o"]["result"]["result"] == "Success"
    assert "original location" in done["o"]["result"]["message"]
    assert done["s"]["result"]["result"] == "Warning"
    assert "skipped" in done["s"]["result"]["message"]
    assert "/exports/eng-restored" in done["x"]["result"]["message"]
    assert api.sim.restore_concurrency() == (0, 3)
    assert_matches_schema(done["o"], "SessionModel")


def test_entire_restore_refusals(api):
    def share(body):
        return api.post(f"{RESTORE}/fileShare", user="restore-operator", json=body)

    def bucket(body):
        return api.post(f"{RESTORE}/objectStorage", user="restore-operator", json=body)

    assert share({"restorePointId": point("invoices", 4)}).status_code == 400
    assert bucket({"restorePointId": point(FINANCE)}).status_code == 400
    assert share({"restorePointId": "00000000-0000-0000-0000-0000000000aa"}).status_code == 404
    fs = str(estate_uuid("unstructuredServer", "fs-dr01.lab.local"))
    no_path = share(
        {"restorePointId": point(FINANCE), "destination": {"unstructuredDataServerId": fs}}
    )
    assert no_path.status_code == 400
    assert "destination.path" in no_path.json()["message"]
    nfs_to_smb = share(
        {"restorePointId": point(ENG), "destination": {"unstructuredDataServerId": fs, "path": "x"}}
    )
    assert nfs_to_smb.status_code == 400
    unknown_server = share(
        {
            "restorePointId": point(FINANCE),
            "destination": {
                "unstructuredDataServerId": "00000000-0000-0000-0000-0000000000dd",
                "path": "x",
            },
        }
    )
    assert unknown_server.status_code == 404
    s3 = str(estate_uuid("unstructuredServer", "s3.lab.local"))
    region = bucket(
        {
            "restorePointId": point("invoices", 4),
            "destination": {
                "unstructuredDataServerId": s3,
                "newBucketName": "b",
                "regionId": "mars-1",
            },
        }
    )
    assert region.status_code == 400
    assert "destination.regionId" in region.json()["message"]
    mode = share(
        {"restorePointId": point(FINANCE), "restoreOptions": {"overwriteMode": "Sometimes"}}
    )
    assert mode.status_code == 400
    assert "restoreOptions.overwriteMode" in mode.json()["message"]
    assert share({}).status_code == 400
    assert api.sim.restore_concurrency() == (0, 0)


def test_bucket_restore(api, clock):
    s3 = str(estate_uuid("unstructuredServer", "s3.lab.local"))
    answer = api.post(
        f"{RESTORE}/objectStorage",
        user="restore-operator",
        json={
            "restorePointId": point("media-assets", 28),
            "destination": {
                "unstructuredDataServerId": s3,
                "newBucketName": "media-restored",
                "regionId": "eu-central-1",
            },
            "restoreOptions": {"overwriteMode": "ReplaceOlder", "overwriteBucketAttributes": True},
        },
    )
    assert answer.status_code == 201, answer.text
    clock.advance(92)
    session = api.session(answer.json()["id"])
    assert session["result"]["result"] == "Success"
    assert "media-restored" in session["result"]["message"]


def test_browse_mount_and_unmount(api, clock):
    answer = api.post(FLR, user="restore-operator", json={"restorePointId": point(FINANCE, 29)})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["properties"]["pathSeparator"] == "\\"
    assert body["sourceProperties"]["backupId"] == str(estate_uuid("backup", "File shares"))
    assert_matches_schema(body, "UnstructuredDataFlrBrowseMountModel")
    session = api.session(body["sessionId"])
    assert session["sessionType"] == "FileLevelRestore"
    (listed,) = api.client.get("/_sim/mounts").json()["mounts"]
    assert listed["kind"] == "UnstructuredData"
    assert listed["state"] == "Mounting"
    clock.advance(12)
    assert api.client.get("/_sim/mounts").json()["mounts"][0]["state"] == "Mounted"
    stop = api.post(f"{RESTORE}/{body['sessionId']}/unmount", user="restore-operator")
    assert stop.status_code == 201
    assert stop.json()["state"] == "Stopping"
    clock.advance(3)
    assert api.session(body["sessionId"])["result"]["result"] == "Success"
    assert api.client.get("/_sim/mounts").json()["mounts"] == []
    missing = api.post(
        f"{RESTORE}/00000000-0000-0000-0000-0000000000aa/unmount", user="restore-operator"
    )
    assert missing.status_code == 404


def test_browse_mount_of_a_whole_backup_with_auto_unmount(api, clock):
    backup = str(estate_uuid("backup", "File shares"))
    answer = api.post(
        FLR,
        user="restore-operator",
        json={
            "backupId": backup,
            "autoUnmount": {"isEnabled": True, "noActivityPeriodInMinutes": 5},
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["properties"]["pathSeparator"] == "/"  # SMB and NFS shares together
    (listed,) = api.client.get("/_sim/mounts").json()["mounts"]
    assert len(listed["restorePointIds"]) == 4
    clock.advance(12 + 299)
    assert api.client.get("/_sim/mounts").json()["mounts"][0]["state"] == "Mounted"
    clock.advance(1)
    assert api.client.get("/_sim/mounts").json()["mounts"] == []
    fs01 = str(estate_uuid("unstructuredServer", "fs01.lab.local"))
    only_fs01 = api.post(
        FLR, user="restore-operator", json={"backupId": backup, "unstructuredDataServerId": fs01}
    )
    assert only_fs01.status_code == 201
    assert only_fs01.json()["properties"]["pathSeparator"] == "\\"


def test_browse_mount_refusals(api):
    def post(body):
        return api.post(FLR, user="restore-operator", json=body)

    assert post({}).status_code == 400
    assert post({"restorePointId": str(estate_uuid("restorePoint", "web01", 4))}).status_code == 400
    assert post({"backupId": str(estate_uuid("backup", "Web tier"))}).status_code == 400
    mismatch = post(
        {"restorePointId": point(FINANCE), "backupId": str(estate_uuid("backup", "Object storage"))}
    )
    assert mismatch.status_code == 400
    assert "backupId" in mismatch.json()["message"]
    elsewhere = post(
        {
            "restorePointId": point(FINANCE),
            "unstructuredDataServerId": str(estate_uuid("unstructuredServer", "nas01.lab.local")),
        }
    )
    assert elsewhere.status_code == 400
    assert api.client.get("/_sim/mounts").json()["mounts"] == []


def test_roles(api):
    assert (
        api.post(
            IR, user="viewer", json={"restoreOptions": [{"restorePointId": point(FINANCE)}]}
        ).status_code
        == 403
    )
    assert (
        api.post(
            f"{RESTORE}/fileShare", user="viewer", json={"restorePointId": point(FINANCE)}
        ).status_code
        == 403
    )
    assert api.post(FLR, user="viewer", json={"restorePointId": point(FINANCE)}).status_code == 403
    assert api.client.get("/_sim/mounts").json()["mounts"] == []
    assert api.sim.restore_concurrency() == (0, 0)


def test_stop_session_hook_cancels_a_migration_only(api, clock):
    from uuid import UUID

    from drflow.simulator import Role
    from drflow.simulator.auth import Principal

    who = Principal("administrator", Role.BACKUP_ADMINISTRATOR, "t")
    (session,) = publish(api, FINANCE)
    clock.advance(22)
    migration = migrate(api, session["id"], {"type": "Auto"}).json()
    clock.advance(10)
    shares, restores = api.sim.workloads["file_share"], api.sim.workloads["nas_restore"]
    assert shares.stop_session(api.sim.sessions[UUID(migration["id"])], who)
    clock.advance(100)
    assert api.session(migration["id"])["result"]["isCanceled"] is True
    assert mount(api, session["id"])["state"] == "Published"  # still published
    assert migrate(api, session["id"], {"type": "Manual"}).status_code == 201  # again
    restore = api.post(
        f"{RESTORE}/fileShare", user="restore-operator", json={"restorePointId": point(HR)}
    )
    assert restores.stop_session(api.sim.sessions[UUID(restore.json()["id"])], who)
    clock.advance(2)
    assert api.session(restore.json()["id"])["result"]["isCanceled"] is True


def test_estate_sections_are_checked(tmp_path):
    import json

    import pytest

    from drflow.simulator import DEFAULT_ESTATE, EstateError, SimulatorConfig, create_app

    base = json.loads(DEFAULT_ESTATE.read_text(encoding="utf-8"))
    cases = [
        (
            lambda d: d["unstructured"]["jobs"][0]["shares"][0].update(server="nowhere"),
            "SMB or NFS",
        ),
        (
            lambda d: d["unstructured"]["jobs"][0]["shares"][0].update(path="fs01:/x"),
            "does not fit",
        ),
        (lambda d: d["azure"]["appliances"][0].update(location="mars"), "location"),
        (lambda d: d["agent_jobs"][0].update(name="Web tier"), "listed twice"),
        (
            lambda d: d["entra_id"]["tenants"][0].update(repository="elsewhere"),
            "unknown repository",
        ),
    ]
    for index, (mutate, needle) in enumerate(cases):
        data = json.loads(json.dumps(base))
        mutate(data)
        path = tmp_path / f"estate{index}.json"
        path.write_text(json.dumps(data))
        with pytest.raises(EstateError, match=needle):
            create_app(SimulatorConfig(estate=path))
