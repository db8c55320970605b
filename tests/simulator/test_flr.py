"""File-level restore: mounts, auto-unmount, unmount and credential checks on the fake clock."""

from __future__ import annotations

from typing import Any

import pytest

from drflow.simulator import SimulatorConfig, estate_uuid
from tests.simulator.sim_support import assert_matches_schema

FLR = "/api/v1/restore/flr"
OP = "restore-operator"
ADMIN_CREDS = str(estate_uuid("credentials", "LAB\\Administrator"))
ROOT_CREDS = str(estate_uuid("credentials", "root"))
STALE_CREDS = str(estate_uuid("credentials", "LAB\\svc-restore-old"))


def flr_spec(vm: str = "dc01", age: float = 6, kind: str = "Windows", **extra: Any):
    spec: dict[str, Any] = {
        "type": kind,
        "restorePointId": str(estate_uuid("restorePoint", vm, age)),
        "autoUnmount": {"isEnabled": False},
        "mountMode": "Automatic",
        "reason": f"drflow test {vm}",
    }
    spec.update(extra)
    return spec


def mount(api, *args: Any, **kwargs: Any) -> dict[str, Any]:
    response = api.post(FLR, user=OP, json=flr_spec(*args, **kwargs))
    assert response.status_code == 201, response.text
    return response.json()


def validate(api, session_id: str, **spec: Any):
    return api.post(f"{FLR}/{session_id}/validateCredentials", user=OP, json=spec)


def test_windows_and_linux_mounts(api, clock):
    windows = mount(api)
    assert_matches_schema(windows, "FlrBrowseMountModel")
    assert windows["type"] == "Windows"
    assert windows["properties"] == {"pathSeparator": "\\"}
    assert windows["sourceProperties"] == {"machineName": "dc01", "restorePointName": "dc01"}
    assert windows["mountErrors"] == []
    assert windows["restorePointId"] == str(estate_uuid("restorePoint", "dc01", 6))
    session = api.session(windows["sessionId"])
    assert (session["sessionType"], session["state"]) == ("FileLevelRestore", "Working")
    linux = mount(api, "web01", 4, "Linux")
    assert linux["properties"] == {"pathSeparator": "/"}
    assert api.session(linux["sessionId"])["sessionType"] == "LinuxFileLevelRestore"
    hyperv = mount(api, "hv-web01", 8, "Linux")
    assert api.session(hyperv["sessionId"])["platformName"] == "HyperV"
    clock.advance(3600)  # no auto-unmount: stays mounted
    mounts = api.client.get("/_sim/mounts").json()["mounts"]
    assert [(m["kind"], m["state"]) for m in mounts] == [("FLR", "Mounted")] * 3
    assert mounts[0]["reason"] == "drflow test dc01"
    assert mounts[0]["name"] == "dc01"
    assert api.client.get("/_sim/stats").json()["restore_sessions"]["running"] == 3


def test_unmount_answers_201_with_the_stopping_session(api, clock):
    sid = mount(api)["sessionId"]
    answer = api.post(f"{FLR}/{sid}/unmount", user=OP)
    assert answer.status_code == 201
    assert_matches_schema(answer.json(), "SessionModel")
    assert (answer.json()["id"], answer.json()["state"]) == (sid, "Stopping")
    assert api.post(f"{FLR}/{sid}/unmount", user=OP).status_code == 201  # still unmounting
    assert api.client.get("/_sim/mounts").json()["mounts"][0]["state"] == "Unmounting"
    clock.advance(5)
    ended = api.session(sid)
    assert (ended["state"], ended["result"]["result"]) == ("Stopped", "Success")
    assert api.client.get("/_sim/mounts").json()["mounts"] == []
    again = api.post(f"{FLR}/{sid}/unmount", user=OP)
    assert again.status_code == 404
    assert again.json()["resourceId"] == sid
    unknown = api.post(f"{FLR}/00000000-0000-4000-8000-000000000006/unmount", user=OP)
    assert unknown.status_code == 404


def test_auto_unmount_after_idle_time_scaled_by_speed(make_api, clock):
    api = make_api(SimulatorConfig(speed=10))
    sid = mount(api, autoUnmount={"isEnabled": True, "noActivityPeriodInMinutes": 5})["sessionId"]
    clock.advance(29)  # 5 min / 10 = 30 s
    assert validate(api, sid, restoreMode="OriginalLocation").status_code == 200  # activity
    clock.advance(29)
    assert api.session(sid)["state"] == "Working"
    clock.advance(1)
    ended = api.session(sid)
    assert (ended["state"], ended["result"]["result"]) == ("Stopped", "Success")
    assert ended["result"]["message"].endswith("after 5 minutes without activity")
    assert api.post(f"{FLR}/{sid}/unmount", user=OP).status_code == 404
    default = mount(api, autoUnmount={"isEnabled": True})["sessionId"]
    clock.advance(179)  # default 30 min / 10
    assert api.session(default)["state"] == "Working"
    clock.advance(1)
    assert api.session(default)["state"] == "Stopped"


def test_stop_session_unmounts(api, clock):
    sid = mount(api)["sessionId"]
    assert api.post(f"/api/v1/sessions/{sid}/stop", user=OP).status_code == 200
    clock.advance(5)
    assert api.session(sid)["result"]["result"] == "Success"


def test_damaged_restore_point_mounts_with_errors(api):
    answer = mount(api, "legacy01", 26)
    assert answer["mountErrors"] == [
        {
            "type": "Failed",
            "message": "Restore failed: backup file legacy01.vbk of 26 hours ago failed the "
            "storage integrity check (data block 0x3F2A1 checksum mismatch)",
        }
    ]


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        (flr_spec("web01", 4, "Windows"), "type: restore point"),
        (flr_spec("dc01", 6, "Linux"), "type: restore point"),
        (flr_spec(mountMode="Manual"), "mountServer: required"),
        (
            flr_spec(
                mountMode="Manual",
                mountServer={
                    "mountServerType": "HelperHost",
                    "mountServerId": "6f1e0a7c-0000-4000-8000-000000000001",
                },
            ),
            "mountServer.mountServerType",
        ),
        (
            flr_spec(
                "web01",
                4,
                "Linux",
                mountMode="Manual",
                mountServer={"mountServerType": "HelperHost"},
            ),
            "mountServer.helperHost",
        ),
        (
            flr_spec(
                "web01",
                4,
                "Linux",
                mountMode="Manual",
                mountServer={"mountServerType": "MountServer"},
            ),
            "mountServer.mountServerId",
        ),
        (
            flr_spec(autoUnmount={"isEnabled": True, "noActivityPeriodInMinutes": 0}),
            "autoUnmount.noActivityPeriodInMinutes",
        ),
        (flr_spec(autoUnmount={}), "autoUnmount.isEnabled"),
        (flr_spec(mountMode="Whenever"), "mountMode"),
        (
            {"type": "Windows", "restorePointId": str(estate_uuid("restorePoint", "dc01", 6))},
            "autoUnmount",
        ),
        (flr_spec(type="Solaris"), "type"),
    ],
)
def test_invalid_mount_requests_are_400_naming_the_field(api, spec, needle):
    response = api.post(FLR, user=OP, json=spec)
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith(needle), response.json()
    assert api.sim.workloads["flr"].state.mounts == {}


def test_unknown_restore_point_is_400_with_the_id(api):
    spec = flr_spec() | {"restorePointId": "00000000-0000-4000-8000-000000000007"}
    response = api.post(FLR, user=OP, json=spec)  # the operation documents no 404
    assert response.status_code == 400
    assert response.json()["resourceId"] == spec["restorePointId"]


def test_manual_mount_servers(api):
    linux = mount(
        api,
        "web01",
        4,
        "Linux",
        mountMode="Manual",
        mountServer={
            "mountServerType": "HelperHost",
            "helperHost": {"hostId": "6f1e0a7c-0000-4000-8000-000000000002"},
        },
    )
    described = api.client.get("/_sim/mounts").json()["mounts"][0]
    assert described["mountServer"] == "helper host 6f1e0a7c-0000-4000-8000-000000000002"
    assert linux["type"] == "Linux"


def test_credential_validation_rules(api, clock):
    windows = mount(api)["sessionId"]
    linux = mount(api, "web01", 4, "Linux")["sessionId"]
    ok = validate(api, windows, restoreMode="OriginalLocation", credentialsId=ADMIN_CREDS)
    assert ok.status_code == 200
    assert_matches_schema(ok.json(), "FlrRestoreCredentialsValidationResult")
    assert ok.json() == {
        "isSuccessful": True,
        "message": "Credentials LAB\\Administrator can log on to dc01.",
    }
    stale = validate(api, windows, restoreMode="OriginalLocation", credentialsId=STALE_CREDS)
    assert stale.json()["isSuccessful"] is False
    assert "password is incorrect" in stale.json()["message"]
    wrong_os = validate(api, linux, restoreMode="OriginalLocation", credentialsId=ADMIN_CREDS)
    assert wrong_os.json()["isSuccessful"] is False
    unknown = validate(
        api,
        windows,
        restoreMode="OriginalLocation",
        credentialsId="00000000-0000-4000-8000-000000000008",
    )
    assert unknown.json()["isSuccessful"] is False
    stored = validate(api, linux, restoreMode="OriginalLocation")
    assert stored.json() == {
        "isSuccessful": True,
        "message": "Stored credentials root can log on to web01.",
    }
    target = {
        "type": "VMware",
        "vmObject": {
            "platform": "VSphere",
            "hostName": "vc",
            "name": "app01",
            "type": "VirtualMachine",
        },
    }
    other = validate(
        api, windows, restoreMode="Customized", credentialsId=ROOT_CREDS, targetHost=target
    )
    assert other.json()["isSuccessful"] is True  # files of dc01 to the Linux machine app01
    agent = {"type": "Agent", "protectedComputerId": "6f1e0a7c-0000-4000-8000-000000000003"}
    any_os = validate(
        api, windows, restoreMode="Customized", credentialsId=ADMIN_CREDS, targetHost=agent
    )
    assert any_os.json()["isSuccessful"] is True


def test_credential_validation_errors(api, clock):
    sid = mount(api)["sessionId"]
    no_target = validate(api, sid, restoreMode="Customized")
    assert no_target.status_code == 400
    assert no_target.json()["message"].startswith("targetHost")
    assert validate(api, sid, restoreMode="Sideways").status_code == 400
    assert validate(api, sid).json()["message"].startswith("restoreMode")
    unknown = validate(api, "00000000-0000-4000-8000-000000000009", restoreMode="OriginalLocation")
    assert unknown.status_code == 400  # the operation documents no 404
    assert unknown.json()["resourceId"] == "00000000-0000-4000-8000-000000000009"
    api.post(f"{FLR}/{sid}/unmount", user=OP)
    clock.advance(5)
    ended = validate(api, sid, restoreMode="OriginalLocation")
    assert ended.status_code == 400
    assert "ended" in ended.json()["message"]


def test_roles(api):
    assert api.post(FLR, user="viewer", json=flr_spec()).status_code == 403
    assert api.sim.workloads["flr"].state.mounts == {}
    sid = mount(api)["sessionId"]
    assert api.post(f"{FLR}/{sid}/unmount", user="viewer").status_code == 403
    denied = api.post(
        f"{FLR}/{sid}/validateCredentials", user="viewer", json={"restoreMode": "OriginalLocation"}
    )
    assert denied.status_code == 403
    assert api.post(FLR, user="administrator", json=flr_spec("dc01", 30)).status_code == 201
