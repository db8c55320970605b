"""Instant recovery to Microsoft Azure: the mount's state machine on a fake clock.

Estate durations (seconds at speed 1): start 5, mount 40, boot 20, migrate 90, switchover 20,
unmount 10.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from drflow.simulator import estate_uuid
from tests.simulator.sim_support import assert_matches_schema

AZ = "/api/v1/restore/instantRecovery/azure/vm"
SUB = "5f0c8a8e-3c1b-4b8e-9d2a-6a1f2b3c4d01"
NET = (
    f"/subscriptions/{SUB}/resourceGroups/rg-dr-network/providers/Microsoft.Network/"
    "virtualNetworks/vnet-dr-weu"
)
APPLIANCE_SUBNET = f"{NET}/subnets/veeam-helpers"


def azure_spec(machine: str = "branch-fs01", age: float = 7, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "restorePointId": str(estate_uuid("restorePoint", machine, age)),
        "subscription": {"subscriptionId": SUB, "location": "westeurope"},
        "name": {"name": f"{machine}-az"},
        "vmSize": {"instanceSize": "Standard_D4s_v5"},
        "resourceGroup": {"resourceGroup": "rg-dr-workloads"},
        "network": {"network": NET, "subnet": f"{NET}/subnets/workloads"},
        "appliance": {"subnet": APPLIANCE_SUBNET, "storageAccount": "drflowirweu01"},
        "reason": f"drflow test {machine}",
    }
    body.update(overrides)
    return body


def start(api, user: str = "restore-operator", **spec: Any) -> dict[str, Any]:
    response = api.post(AZ, user=user, json=azure_spec(**spec))
    assert response.status_code == 201, response.text
    return response.json()


def state(api, mount_id: str) -> str:
    response = api.get(f"{AZ}/{mount_id}")
    assert response.status_code == 200, response.text
    return response.json()["state"]


def sessions(api, mount_id: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"{AZ}/{mount_id}/sessions", params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def by_type(api, mount_id: str) -> dict[str, dict[str, Any]]:
    return {s["sessionType"]: s for s in sessions(api, mount_id)}


def migrate(api, mount_id: str, settings: dict[str, Any] | None = None):
    body = {} if settings is None else {"switchoverSettings": settings}
    return api.post(f"{AZ}/{mount_id}/migrate", json=body)


def put_settings(api, mount_id: str, settings: dict[str, Any], user: str = "administrator"):
    return api.client.put(
        f"{AZ}/{mount_id}/switchoverSettings", headers=api.headers(user), json=settings
    )


def at(api, seconds: float) -> str:
    return (api.clock.now() + timedelta(seconds=seconds)).isoformat()


def test_start_then_ready_and_the_recovery_session(api, clock):
    mount = start(api)
    assert mount["state"] == "Starting"
    assert "sessionId" not in mount
    assert_matches_schema(mount, "AzureInstantVMRecoveryMount")
    clock.advance(44.9)
    assert state(api, mount["id"]) == "Starting"
    clock.advance(0.1)
    assert state(api, mount["id"]) == "Ready"
    (session,) = sessions(api, mount["id"])
    assert session["sessionType"] == "AzureInstantRecovery"
    assert session["state"] == "Working"
    assert session["result"]["result"] == "Success"
    assert session["platformName"] == "WindowsPhysical"
    assert api.sim.restore_concurrency() == (1, 1)
    (listed,) = api.client.get("/_sim/mounts").json()["mounts"]
    assert listed["kind"] == "AzureVM"
    assert listed["id"] == mount["id"]
    assert listed["name"] == "branch-fs01-az"
    assert listed["reason"] == "drflow test branch-fs01"


def test_verify_vm_boot_adds_the_boot_time(api, clock):
    mount = start(api, verifyVMBoot=True)
    clock.advance(45)
    assert state(api, mount["id"]) == "Starting"
    clock.advance(20)
    assert state(api, mount["id"]) == "Ready"


def test_auto_switchover_right_after_migration(api, clock):
    mount = start(api, machine="web01", age=4)  # a VMware VM goes to Azure too
    clock.advance(45)
    answer = migrate(api, mount["id"], {"type": "Auto"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "Migrating"
    assert api.sim.restore_concurrency()[0] == 2
    clock.advance(94.9)
    assert state(api, mount["id"]) == "Migrating"
    clock.advance(0.1)
    assert state(api, mount["id"]) == "Switching"
    kinds = by_type(api, mount["id"])
    migration, switch = (
        kinds["AzureInstantRecoveryMigration"],
        kinds["AzureInstantRecoverySwitchover"],
    )
    assert migration["state"] == "Stopped"
    assert migration["result"]["result"] == "Success"
    assert switch["creationTime"] == migration["endTime"]
    assert switch["state"] == "Working"
    clock.advance(20)
    assert state(api, mount["id"]) == "Stopped"
    kinds = by_type(api, mount["id"])
    assert {s["state"] for s in kinds.values()} == {"Stopped"}
    assert {s["result"]["result"] for s in kinds.values()} == {"Success"}
    assert api.client.get("/_sim/mounts").json()["mounts"] == []
    gone = api.client.get("/_sim/mounts", params={"include_gone": True}).json()["mounts"]
    assert gone[0]["switchedOverAt"] is not None
    assert api.sim.restore_concurrency()[0] == 0
    listed = api.get(AZ).json()
    assert listed["data"][0]["state"] == "Stopped"  # stopped mounts stay listed
    unmount = api.post(f"{AZ}/{mount['id']}/unmount", user="restore-operator")
    assert unmount.status_code == 201
    assert unmount.json()["state"] == "Stopped"


def test_manual_switchover_waits_for_the_request(api, clock):
    mount = start(api)
    clock.advance(45)
    assert migrate(api, mount["id"], {"type": "Manual", "powerOnVM": True}).status_code == 201
    clock.advance(95)
    assert state(api, mount["id"]) == "ReadyToSwitch"
    clock.advance(600)  # (tokens live 900 s)
    assert state(api, mount["id"]) == "ReadyToSwitch"
    settings = api.get(f"{AZ}/{mount['id']}/switchoverSettings").json()
    assert settings == {"type": "Manual", "powerOnVM": True}
    assert_matches_schema(settings, "AzureInstantVMRecoverySwitchoverSettingsModel")
    assert "AzureInstantRecoverySwitchover" not in by_type(api, mount["id"])
    answer = api.post(f"{AZ}/{mount['id']}/switchover")
    assert answer.status_code == 201
    assert answer.json()["state"] == "Switching"
    again = api.post(f"{AZ}/{mount['id']}/switchover")  # already switching: as it is
    assert again.status_code == 201
    assert again.json()["state"] == "Switching"
    clock.advance(20)
    assert state(api, mount["id"]) == "Stopped"


def test_switchover_requested_while_migrating_happens_when_migrated(api, clock):
    mount = start(api)
    clock.advance(45)
    migrate(api, mount["id"], {"type": "Manual"})
    clock.advance(30)
    answer = api.post(f"{AZ}/{mount['id']}/switchover")
    assert answer.status_code == 201
    assert answer.json()["state"] == "Migrating"
    clock.advance(65)
    assert state(api, mount["id"]) == "Switching"


def test_scheduled_switchover_and_a_new_schedule(api, clock):
    mount = start(api)
    clock.advance(45)
    assert (
        migrate(api, mount["id"], {"type": "Scheduled", "scheduleTime": at(api, 300)}).status_code
        == 201
    )
    clock.advance(200)  # migrated at +95, scheduled at +300
    assert state(api, mount["id"]) == "ReadyToSwitch"
    later = at(api, 400)  # now +200: switch at +600
    answer = put_settings(api, mount["id"], {"type": "Scheduled", "scheduleTime": later})
    assert answer.status_code == 201, answer.text
    assert answer.json()["type"] == "Scheduled"
    assert (
        api.get(f"{AZ}/{mount['id']}/switchoverSettings").json()["scheduleTime"]
        == answer.json()["scheduleTime"]
    )
    clock.advance(150)  # +350: the first schedule has passed
    assert state(api, mount["id"]) == "ReadyToSwitch"
    clock.advance(249.9)
    assert state(api, mount["id"]) == "ReadyToSwitch"
    clock.advance(0.1)
    assert state(api, mount["id"]) == "Switching"
    switch = by_type(api, mount["id"])["AzureInstantRecoverySwitchover"]
    assert switch["creationTime"].startswith(later[:19])
    refused = put_settings(api, mount["id"], {"type": "Manual"})
    assert refused.status_code == 400
    assert "Switching" in refused.json()["message"]


def test_a_schedule_in_the_past_is_refused(api, clock):
    mount = start(api)
    clock.advance(45)
    past = migrate(api, mount["id"], {"type": "Scheduled", "scheduleTime": at(api, -60)})
    assert past.status_code == 400
    assert "switchoverSettings.scheduleTime" in past.json()["message"]
    assert state(api, mount["id"]) == "Ready"  # nothing started
    missing = migrate(api, mount["id"], {"type": "Scheduled"})
    assert missing.status_code == 400
    assert "scheduleTime" in missing.json()["message"]
    assert migrate(api, mount["id"], {"type": "Manual"}).status_code == 201
    answer = put_settings(api, mount["id"], {"type": "Scheduled", "scheduleTime": at(api, -1)})
    assert answer.status_code == 400
    assert "in the past" in answer.json()["message"]


def test_switching_to_auto_while_waiting_switches_from_now(api, clock):
    mount = start(api)
    clock.advance(45)
    migrate(api, mount["id"], {"type": "Manual"})
    clock.advance(500)
    assert put_settings(api, mount["id"], {"type": "Auto"}).status_code == 201
    assert state(api, mount["id"]) == "Switching"
    switch = by_type(api, mount["id"])["AzureInstantRecoverySwitchover"]
    assert switch["creationTime"].startswith(api.clock.now().isoformat()[:19])
    clock.advance(20)
    assert state(api, mount["id"]) == "Stopped"


def test_switchover_verify_boot_adds_time(api, clock):
    mount = start(api)
    clock.advance(45)
    migrate(api, mount["id"], {"type": "Auto", "verifyVMBoot": True})
    clock.advance(95 + 39.9)
    assert state(api, mount["id"]) == "Switching"
    clock.advance(0.1)
    assert state(api, mount["id"]) == "Stopped"


def test_unmount_cancels_the_migration(api, clock):
    mount = start(api)
    clock.advance(45)
    migrate(api, mount["id"], {"type": "Auto"})
    clock.advance(30)
    answer = api.post(f"{AZ}/{mount['id']}/unmount", user="restore-operator")
    assert answer.status_code == 201
    assert answer.json()["state"] == "Stopping"
    kinds = by_type(api, mount["id"])
    assert kinds["AzureInstantRecoveryMigration"]["result"]["isCanceled"] is True
    clock.advance(10)
    assert state(api, mount["id"]) == "Stopped"
    clock.advance(200)  # no switchover ever happens
    kinds = by_type(api, mount["id"])
    assert "AzureInstantRecoverySwitchover" not in kinds
    assert kinds["AzureInstantRecovery"]["result"]["result"] == "Success"


def test_unmount_while_starting_cancels_and_is_idempotent(api, clock):
    mount = start(api)
    clock.advance(10)
    first = api.post(f"{AZ}/{mount['id']}/unmount", user="restore-operator")
    assert first.json()["state"] == "Stopping"
    assert by_type(api, mount["id"])["AzureInstantRecovery"]["result"]["isCanceled"] is False
    second = api.post(f"{AZ}/{mount['id']}/unmount", user="restore-operator")
    assert second.status_code == 201
    assert second.json()["state"] == "Stopping"
    clock.advance(10)
    session = by_type(api, mount["id"])["AzureInstantRecovery"]
    assert session["state"] == "Stopped"
    assert session["result"] == {
        "result": "Failed",
        "message": session["result"]["message"],
        "isCanceled": True,
    }


def test_unmount_is_refused_while_switching(api, clock):
    mount = start(api)
    clock.advance(45)
    migrate(api, mount["id"], {"type": "Auto"})
    clock.advance(100)
    answer = api.post(f"{AZ}/{mount['id']}/unmount", user="restore-operator")
    assert answer.status_code == 400
    assert "switching over" in answer.json()["message"]


def test_migrate_and_switchover_need_the_right_state(api, clock):
    mount = start(api)
    early = migrate(api, mount["id"])
    assert early.status_code == 400
    assert "Starting" in early.json()["message"]
    assert api.post(f"{AZ}/{mount['id']}/switchover").status_code == 400
    clock.advance(45)
    assert migrate(api, mount["id"]).status_code == 201  # default settings: Auto
    assert migrate(api, mount["id"]).status_code == 400


def test_the_helper_appliance_must_exist(api):
    north = NET.replace("vnet-dr-weu", "vnet-dr-neu")
    answer = api.post(
        AZ,
        user="restore-operator",
        json=azure_spec(
            subscription={"subscriptionId": SUB, "location": "northeurope"},
            network={"network": north, "subnet": f"{north}/subnets/workloads"},
            appliance={"subnet": f"{north}/subnets/veeam-helpers"},
        ),
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["errorCode"] == "UnexpectedContent"
    assert "appliance.subnet" in body["message"]
    assert "no Azure helper appliance" in body["message"]
    assert api.get(AZ).json()["pagination"]["total"] == 0


def test_bad_targets_are_400_and_unknown_points_404(api):
    cases = [
        (
            {
                "subscription": {
                    "subscriptionId": "00000000-0000-0000-0000-00000000000b",
                    "location": "westeurope",
                }
            },
            "subscription.subscriptionId",
        ),
        ({"subscription": {"subscriptionId": SUB, "location": "eastus"}}, "subscription.location"),
        ({"resourceGroup": {}}, "resourceGroup"),
        ({"network": {"network": NET, "subnet": "/subscriptions/x/subnets/y"}}, "network.subnet"),
        (
            {"appliance": {"subnet": APPLIANCE_SUBNET, "storageAccount": "other"}},
            "appliance.storageAccount",
        ),
        (
            {"vmSize": {"instanceSize": "B2s", "disks": [{"diskUid": "nope", "include": True}]}},
            "vmSize.disks[0].diskUid",
        ),
        (
            {
                "vmSize": {
                    "instanceSize": "B2s",
                    "disks": [{"diskUid": "d", "include": True, "diskType": "UltraSSD"}],
                }
            },
            "vmSize.disks[0].diskType",
        ),
    ]
    for overrides, field in cases:
        answer = api.post(AZ, user="restore-operator", json=azure_spec(**overrides))
        assert answer.status_code == 400, overrides
        assert field in answer.json()["message"], answer.json()
    entra = api.post(AZ, user="restore-operator", json=azure_spec("contoso.onmicrosoft.com", 2))
    assert entra.status_code == 400
    assert "not supported" in entra.json()["message"]
    missing = api.post(AZ, user="restore-operator", json=azure_spec("no-such-machine", 1))
    assert missing.status_code == 404
    assert missing.json()["resourceId"] == str(estate_uuid("restorePoint", "no-such-machine", 1))
    schema = api.post(
        AZ,
        user="restore-operator",
        json={"restorePointId": str(estate_uuid("restorePoint", "web01", 4))},
    )
    assert schema.status_code == 400
    assert "subscription" in schema.json()["message"]


def test_disks_of_the_restore_point_and_duplicates(api, clock):
    point = api.sim.estate.restore_points[estate_uuid("restorePoint", "db01", 1)]
    disks = [{"diskUid": d.uid, "include": True, "diskType": "PremiumSSD"} for d in point.disks]
    start(api, machine="db01", age=1, vmSize={"instanceSize": "E8s_v5", "disks": disks})
    again = api.post(AZ, user="restore-operator", json=azure_spec("db01", 5))
    assert again.status_code == 400
    assert "already running" in again.json()["message"]


def test_unknown_mount_is_404_everywhere(api):
    missing = "00000000-0000-0000-0000-0000000000aa"
    for method, suffix, body in [
        ("GET", "", None),
        ("GET", "/sessions", None),
        ("POST", "/unmount", None),
        ("POST", "/migrate", {}),
        ("GET", "/switchoverSettings", None),
        ("PUT", "/switchoverSettings", {"type": "Auto"}),
        ("POST", "/switchover", None),
    ]:
        answer = api.client.request(
            method, f"{AZ}/{missing}{suffix}", headers=api.headers(), json=body
        )
        assert answer.status_code == 404, (method, suffix)
        assert answer.json()["resourceId"] == missing


def test_list_filters_sorting_and_paging(api, clock):
    a = start(api, machine="branch-fs01", age=7)
    clock.advance(1)
    b = start(api, machine="erp-app01", age=6)
    clock.advance(1)
    c = start(api, machine="app01", age=3)
    clock.advance(44.5)  # ready at +45, +46 and +47: a and b are, c is not
    assert state(api, c["id"]) == "Starting"
    ready = api.get(AZ, params={"stateFilter": "Ready"}).json()
    assert {m["id"] for m in ready["data"]} == {a["id"], b["id"]}
    by_name = api.get(AZ, params={"orderColumn": "Name", "orderAsc": "false"}).json()["data"]
    assert [m["spec"]["name"]["name"] for m in by_name] == [
        "erp-app01-az",
        "branch-fs01-az",
        "app01-az",
    ]
    page = api.get(AZ, params={"orderColumn": "Name", "skip": 1, "limit": 1}).json()
    assert page["pagination"] == {"total": 3, "count": 1, "skip": 1, "limit": 1}
    assert page["data"][0]["spec"]["name"]["name"] == "branch-fs01-az"
    filtered = api.get(AZ, params={"stateFilter": "Ready", "skip": 1}).json()
    assert filtered["pagination"]["total"] == 2
    assert filtered["pagination"]["count"] == 1
    assert api.get(AZ, params={"stateFilter": "Mounted"}).status_code == 400
    assert_matches_schema(api.get(AZ).json(), "AzureInstantVMRecoveryMountsResult")


def test_session_list_filters(api, clock):
    mount = start(api)
    clock.advance(45)
    migrate(api, mount["id"], {"type": "Auto"})
    clock.advance(100)
    assert len(sessions(api, mount["id"])) == 3
    newest_first = [s["sessionType"] for s in sessions(api, mount["id"])]
    assert newest_first[0] == "AzureInstantRecoverySwitchover"
    only = sessions(api, mount["id"], typeFilter="AzureInstantRecoveryMigration")
    assert [s["sessionType"] for s in only] == ["AzureInstantRecoveryMigration"]
    working = sessions(api, mount["id"], stateFilter="Working")
    assert {s["sessionType"] for s in working} == {
        "AzureInstantRecovery",
        "AzureInstantRecoverySwitchover",
    }
    stopped = sessions(api, mount["id"], resultFilter="Success", stateFilter="Stopped")
    assert [s["sessionType"] for s in stopped] == ["AzureInstantRecoveryMigration"]
    by_type_asc = sessions(api, mount["id"], orderColumn="SessionType", orderAsc="true", limit=2)
    assert [s["sessionType"] for s in by_type_asc] == [
        "AzureInstantRecovery",
        "AzureInstantRecoveryMigration",
    ]
    assert api.get(f"{AZ}/{mount['id']}/sessions", params={"typeFilter": "Nope"}).status_code == 400
    assert_matches_schema(api.get(f"{AZ}/{mount['id']}/sessions").json(), "SessionsResult")


def test_migration_and_switchover_are_for_administrators(api, clock):
    mount = start(api)
    clock.advance(45)
    for method, suffix, body in [
        ("POST", "/migrate", {}),
        ("GET", "/switchoverSettings", None),
        ("PUT", "/switchoverSettings", {"type": "Manual"}),
        ("POST", "/switchover", None),
    ]:
        answer = api.client.request(
            method,
            f"{AZ}/{mount['id']}{suffix}",
            headers=api.headers("restore-operator"),
            json=body,
        )
        assert answer.status_code == 403, suffix
        assert "Veeam Backup Administrator" in answer.json()["message"]
    assert state(api, mount["id"]) == "Ready"
    assert api.get(AZ, user="viewer").status_code == 403


def test_stop_session_hook_stops_the_mount(api, clock):
    from uuid import UUID

    from drflow.simulator import Role
    from drflow.simulator.auth import Principal

    who = Principal("administrator", Role.BACKUP_ADMINISTRATOR, "t")
    mount = start(api)
    clock.advance(45)
    migrate(api, mount["id"], {"type": "Manual"})
    migration = api.sim.sessions[
        UUID(by_type(api, mount["id"])["AzureInstantRecoveryMigration"]["id"])
    ]
    azure = api.sim.workloads["azure"]
    assert azure.stop_session(migration, who) is True
    assert state(api, mount["id"]) == "Stopping"
    other = next(iter(api.sim.sessions.values()))  # a backup job session
    assert azure.stop_session(other, who) is False
