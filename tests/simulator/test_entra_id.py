"""Microsoft Entra ID: tenant mounts, device-code and authorization-code sign-in, audit logs.

Estate durations (seconds at speed 1): start 2, mount 15, unmount 5, from_copy 30,
device_code_ttl 900.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from drflow.simulator import estate_uuid
from tests.simulator.sim_support import assert_matches_schema

TENANT = "/api/v1/restore/entraId/tenant"
AUDIT = "/api/v1/restore/entraId/auditLog"
NAME = "contoso.onmicrosoft.com"
BACKUP = str(estate_uuid("backup", "Entra ID tenant"))
COPY_BACKUP = str(estate_uuid("backup", "Entra ID tenant copy"))
AUDIT_BACKUP = str(estate_uuid("backup", "Entra ID audit logs"))


def mount_tenant(api, user: str = "restore-operator") -> dict[str, Any]:
    response = api.post(TENANT, user=user, json={"backupId": BACKUP})
    assert response.status_code == 201, response.text
    return response.json()


def device_code(api, session_id: str) -> dict[str, Any]:
    response = api.post(
        f"{TENANT}/deviceCode", user="restore-operator", json={"sessionId": session_id}
    )
    assert response.status_code == 201, response.text
    return response.json()


def code_state(api, session_id: str, user_code: str) -> dict[str, Any]:
    response = api.post(
        f"{TENANT}/deviceCode/state",
        user="restore-operator",
        json={"sessionId": session_id, "userCode": user_code},
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_tenant_mount_session(api, clock):
    mounted = mount_tenant(api)
    assert mounted["sourceProperties"] == {
        "backupId": BACKUP,
        "tenantId": "8d2f3a4b-6c7d-4e8f-9a0b-1c2d3e4f5a61",
        "tenantName": NAME,
    }
    assert_matches_schema(mounted, "EntraIdTenantBrowseMountModel")
    session = api.session(mounted["sessionId"])
    assert session["sessionType"] == "EntraIdRestore"
    assert session["platformName"] == "EntraID"
    (listed,) = api.client.get("/_sim/mounts").json()["mounts"]
    assert (listed["kind"], listed["state"], listed["name"]) == ("EntraIdTenant", "Mounting", NAME)
    clock.advance(17)
    assert api.client.get("/_sim/mounts").json()["mounts"][0]["state"] == "Mounted"
    assert api.session(mounted["sessionId"])["state"] == "Working"
    assert api.sim.restore_concurrency() == (1, 1)


def test_tenant_mount_refusals(api):
    copy = api.post(TENANT, user="restore-operator", json={"backupId": COPY_BACKUP})
    assert copy.status_code == 400
    assert "fromCopy" in copy.json()["message"]
    audit = api.post(TENANT, user="restore-operator", json={"backupId": AUDIT_BACKUP})
    assert audit.status_code == 400
    assert "auditLog" in audit.json()["message"]
    vm = api.post(
        TENANT, user="restore-operator", json={"backupId": str(estate_uuid("backup", "Web tier"))}
    )
    assert vm.status_code == 400
    assert vm.json()["resourceId"]
    assert api.post(TENANT, user="restore-operator", json={}).status_code == 400
    assert api.post(TENANT, user="viewer", json={"backupId": BACKUP}).status_code == 403
    assert api.client.get("/_sim/mounts").json()["mounts"] == []


def test_device_code_confirmed(api, clock):
    session_id = mount_tenant(api)["sessionId"]
    clock.advance(17)
    code = device_code(api, session_id)
    assert code["verificationUrl"] == "https://microsoft.com/devicelogin"
    assert code["userCode"] in code["message"]
    assert_matches_schema(code, "EntraIdTenantRestoreDeviceCodeModel")
    assert code_state(api, session_id, code["userCode"]) == {"status": "Pending"}
    clock.advance(60)
    assert code_state(api, session_id, code["userCode"])["status"] == "Pending"
    confirmed = api.client.post(
        f"/_sim/entra/deviceCodes/{code['userCode']}/confirm", json={"username": "ops@contoso.com"}
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "Success"
    state = code_state(api, session_id, code["userCode"])
    assert state["status"] == "Success"
    assert state["username"] == "ops@contoso.com"
    assert state["credentialsId"] == confirmed.json()["credentialsId"]
    assert_matches_schema(state, "EntraIdTenantRestoreDeviceCodeStateModel")
    clock.advance(10_000)  # a used code stays a success
    api._tokens.clear()  # tokens live 900 s
    assert code_state(api, session_id, code["userCode"])["status"] == "Success"
    again = api.client.post(f"/_sim/entra/deviceCodes/{code['userCode']}/confirm")
    assert again.status_code == 200
    late_reject = api.client.post(f"/_sim/entra/deviceCodes/{code['userCode']}/reject")
    assert late_reject.status_code == 409


def test_device_code_expires(api, clock):
    session_id = mount_tenant(api)["sessionId"]
    code = device_code(api, session_id)
    clock.advance(899.9)
    assert code_state(api, session_id, code["userCode"])["status"] == "Pending"
    clock.advance(0.1)
    api._tokens.clear()  # tokens live 900 s
    state = code_state(api, session_id, code["userCode"])
    assert state["status"] == "Failure"
    assert "expired" in state["errorMessage"]
    assert "credentialsId" not in state
    late = api.client.post(f"/_sim/entra/deviceCodes/{code['userCode']}/confirm")
    assert late.status_code == 409
    assert "expired" in late.json()["error"]


def test_device_code_rejected_and_bad_requests(api, clock):
    session_id = mount_tenant(api)["sessionId"]
    code = device_code(api, session_id)
    assert api.client.post(f"/_sim/entra/deviceCodes/{code['userCode']}/reject").status_code == 200
    state = code_state(api, session_id, code["userCode"])
    assert state["status"] == "Failure"
    assert "declined" in state["errorMessage"]
    assert api.client.post("/_sim/entra/deviceCodes/NOPE/confirm").status_code == 404
    other = mount_tenant(api)["sessionId"]
    wrong_session = api.post(
        f"{TENANT}/deviceCode/state",
        user="restore-operator",
        json={"sessionId": other, "userCode": code["userCode"]},
    )
    assert wrong_session.status_code == 400
    assert "userCode" in wrong_session.json()["message"]
    unknown = api.post(
        f"{TENANT}/deviceCode",
        user="restore-operator",
        json={"sessionId": "00000000-0000-0000-0000-0000000000aa"},
    )
    assert unknown.status_code == 400
    assert "sessionId" in unknown.json()["message"]
    missing = api.post(
        f"{TENANT}/deviceCode/state", user="restore-operator", json={"sessionId": other}
    )
    assert missing.status_code == 400
    assert "userCode" in missing.json()["message"]


def test_device_code_of_a_stopped_session_fails(api, clock):
    session_id = mount_tenant(api)["sessionId"]
    clock.advance(17)
    code = device_code(api, session_id)
    api.post(f"{TENANT}/{session_id}/stop", user="restore-operator", json={"gracefulStop": False})
    state = code_state(api, session_id, code["userCode"])
    assert state["status"] == "Failure"
    assert "ended" in state["errorMessage"]
    refused = api.post(
        f"{TENANT}/deviceCode", user="restore-operator", json={"sessionId": session_id}
    )
    assert refused.status_code == 400


def _start_authorization(
    api, session_id: str, redirect: str = "https://drflow.lab.local/entra/callback"
):
    return api.get(
        f"{TENANT}/{session_id}/authCode/startAuthorization",
        user="restore-operator",
        params={"vdcSessionId": "vdc-42", "redirectUri": redirect},
    )


def test_authorization_code_flow(api, clock):
    session_id = mount_tenant(api)["sessionId"]
    answer = _start_authorization(api, session_id)
    assert answer.status_code == 200, answer.text
    uri = answer.json()["uri"]
    assert_matches_schema(answer.json(), "EntraIdTenantRestoreStartAuthorizationModel")
    parts = urlsplit(uri)
    query = parse_qs(parts.query)
    assert parts.netloc == "login.microsoftonline.com"
    assert query["redirect_uri"] == ["https://drflow.lab.local/entra/callback"]
    state = query["state"][0]
    signed_in = api.client.post(f"/_sim/entra/authCodes/{state}/approve").json()
    assert signed_in["redirect"].startswith("https://drflow.lab.local/entra/callback?code=")

    def authorize(**body):
        return api.post(
            f"{TENANT}/authCode/authorize",
            user="restore-operator",
            json={"sessionId": session_id, **body},
        )

    wrong_state = authorize(code=signed_in["code"], state="not-the-state")
    assert wrong_state.status_code == 400
    assert "state" in wrong_state.json()["message"]
    wrong_code = authorize(code="forged", state=state)
    assert wrong_code.status_code == 200
    assert wrong_code.json() == {
        "successful": False,
        "error": "invalid_grant",
        "errorDescription": wrong_code.json()["errorDescription"],
    }
    good = authorize(code=signed_in["code"], state=state)
    assert good.status_code == 200
    assert good.json()["successful"] is True
    assert good.json()["credentialsId"]
    assert_matches_schema(good.json(), "EntraIdTenantRestoreAuthorizeModel")
    reused = authorize(code=signed_in["code"], state=state)
    assert reused.json()["successful"] is False
    assert "already" in reused.json()["errorDescription"]
    other = mount_tenant(api)["sessionId"]
    cross = api.post(
        f"{TENANT}/authCode/authorize",
        user="restore-operator",
        json={"sessionId": other, "code": "x", "state": state},
    )
    assert cross.status_code == 400


def test_authorization_denied_and_bad_requests(api):
    session_id = mount_tenant(api)["sessionId"]
    state = parse_qs(urlsplit(_start_authorization(api, session_id).json()["uri"]).query)["state"][
        0
    ]
    denied = api.client.post(f"/_sim/entra/authCodes/{state}/deny").json()
    assert denied["error"] == "access_denied"
    answer = api.post(
        f"{TENANT}/authCode/authorize",
        user="restore-operator",
        json={
            "sessionId": session_id,
            "state": state,
            "error": denied["error"],
            "errorDescription": denied["error_description"],
        },
    )
    assert answer.json()["successful"] is False
    assert answer.json()["error"] == "access_denied"
    assert _start_authorization(api, session_id, "not a uri").status_code == 400
    assert _start_authorization(api, "00000000-0000-0000-0000-0000000000aa").status_code == 400
    no_params = api.get(
        f"{TENANT}/{session_id}/authCode/startAuthorization", user="restore-operator"
    )
    assert no_params.status_code == 400
    assert "vdcSessionId" in no_params.json()["message"]
    no_code = api.post(
        f"{TENANT}/authCode/authorize",
        user="restore-operator",
        json={"sessionId": session_id, "state": state},
    )
    assert no_code.status_code == 400
    assert "code" in no_code.json()["message"]
    assert api.client.post("/_sim/entra/authCodes/unknown/approve").status_code == 404


def test_restore_from_copy_and_stop(api, clock):
    copy_point = str(estate_uuid("restorePoint", NAME, "copy", 26))
    answer = api.post(
        f"{TENANT}/fromCopy", user="restore-operator", json={"restorePointId": copy_point}
    )
    assert answer.status_code == 201, answer.text
    session = answer.json()
    assert session["sessionType"] == "EntraIdRestoreFromCopy"
    clock.advance(2 + 45 - 0.1)
    assert api.client.get("/_sim/mounts").json()["mounts"][0]["state"] == "Mounting"
    clock.advance(0.1)
    (listed,) = api.client.get("/_sim/mounts").json()["mounts"]
    assert (listed["state"], listed["source"]) == ("Mounted", "backupCopy")
    assert device_code(api, session["id"])["userCode"]  # the copy session can sign in too
    stop = api.post(
        f"{TENANT}/{session['id']}/stop", user="restore-operator", json={"gracefulStop": False}
    )
    assert stop.status_code == 201
    assert stop.json()["state"] == "Stopped"
    assert stop.json()["result"]["result"] == "Success"
    assert api.client.get("/_sim/mounts").json()["mounts"] == []
    primary = str(estate_uuid("restorePoint", NAME, 2))
    wrong = api.post(
        f"{TENANT}/fromCopy", user="restore-operator", json={"restorePointId": primary}
    )
    assert wrong.status_code == 400
    assert "not of its backup copy" in wrong.json()["message"]
    unknown = api.post(
        f"{TENANT}/fromCopy",
        user="restore-operator",
        json={"restorePointId": "00000000-0000-0000-0000-0000000000aa"},
    )
    assert unknown.status_code == 400


def test_graceful_stop_and_unknown_sessions(api, clock):
    session_id = mount_tenant(api)["sessionId"]
    clock.advance(17)
    stop = api.post(f"{TENANT}/{session_id}/stop", user="restore-operator")  # no body: graceful
    assert stop.status_code == 201
    assert stop.json()["state"] == "Stopping"
    clock.advance(5)
    ended = api.session(session_id)
    assert ended["state"] == "Stopped"
    assert ended["result"]["result"] == "Success"
    again = api.post(f"{TENANT}/{session_id}/stop", user="restore-operator")
    assert again.status_code == 201
    assert again.json()["state"] == "Stopped"
    missing = api.post(
        f"{TENANT}/00000000-0000-0000-0000-0000000000aa/stop", user="restore-operator"
    )
    assert missing.status_code == 404
    assert missing.json()["resourceId"].endswith("aa")
    assert api.sim.restore_concurrency() == (0, 1)


def test_audit_log_mount_and_unmount(api, clock):
    by_backup = api.post(AUDIT, user="restore-operator", json={"backupId": AUDIT_BACKUP})
    assert by_backup.status_code == 201, by_backup.text
    body = by_backup.json()
    assert body["sourceProperties"] == {"backupId": AUDIT_BACKUP}
    assert body["properties"]["pathSeparator"] == "/"
    (listed,) = api.client.get("/_sim/mounts").json()["mounts"]
    assert listed["kind"] == "EntraIdAuditLog"
    assert listed["restorePointIds"] == [str(estate_uuid("restorePoint", NAME, "auditLog", 3))]
    by_point = api.post(
        AUDIT,
        user="restore-operator",
        json={"restorePointId": str(estate_uuid("restorePoint", NAME, "auditLog", 27))},
    )
    assert by_point.status_code == 201
    assert api.session(body["sessionId"])["sessionType"] == "FileLevelRestore"
    clock.advance(17)
    stop = api.post(f"{AUDIT}/{body['sessionId']}/unmount", user="restore-operator")
    assert stop.status_code == 201
    assert stop.json()["state"] == "Stopping"
    clock.advance(5)
    assert len(api.client.get("/_sim/mounts").json()["mounts"]) == 1
    # an unstructured browse mount is not an audit log mount (and the other way round)
    flr = api.post(
        "/api/v1/restore/flr/unstructuredData",
        user="restore-operator",
        json={"backupId": str(estate_uuid("backup", "Object storage"))},
    )
    assert (
        api.post(f"{AUDIT}/{flr.json()['sessionId']}/unmount", user="restore-operator").status_code
        == 404
    )
    assert (
        api.post(
            f"/api/v1/restore/unstructuredData/{by_point.json()['sessionId']}/unmount",
            user="restore-operator",
        ).status_code
        == 404
    )


def test_audit_log_refusals(api):
    def post(body):
        return api.post(AUDIT, user="restore-operator", json=body)

    assert post({}).status_code == 400
    assert post({"backupId": BACKUP}).status_code == 400
    assert post({"restorePointId": str(estate_uuid("restorePoint", NAME, 2))}).status_code == 400
    mismatch = post(
        {
            "restorePointId": str(estate_uuid("restorePoint", NAME, "auditLog", 3)),
            "backupId": BACKUP,
        }
    )
    assert mismatch.status_code == 400
    assert "backupId" in mismatch.json()["message"]
    assert post({"backupId": AUDIT_BACKUP, "autoUnmount": {}}).status_code == 400  # isEnabled
    assert api.client.get("/_sim/mounts").json()["mounts"] == []


def test_stop_session_hook_stops_a_tenant_session(api, clock):
    from uuid import UUID

    from drflow.simulator import Role
    from drflow.simulator.auth import Principal

    who = Principal("administrator", Role.BACKUP_ADMINISTRATOR, "t")
    session_id = mount_tenant(api)["sessionId"]
    clock.advance(17)
    entra_id = api.sim.workloads["entra_id"]
    assert entra_id.stop_session(api.sim.sessions[UUID(session_id)], who)
    clock.advance(5)
    assert api.session(session_id)["state"] == "Stopped"
