"""Every answer the simulator gives validates against the contract's schemas."""

from __future__ import annotations

import pytest

from drflow.simulator import estate_uuid
from tests.simulator.sim_support import IR_PATH, MIGRATION_SPEC, assert_matches_schema, ir_spec

pytestmark = pytest.mark.contract


def test_catalog_answers_match_the_contract(api):
    assert_matches_schema(api.login(), "TokenModel")
    assert_matches_schema(api.get("/api/v1/serverInfo").json(), "ServerInfoModel")
    assert_matches_schema(api.get("/api/v1/backups").json(), "BackupsResult")
    points = api.get("/api/v1/restorePoints").json()
    assert_matches_schema(points, "ObjectRestorePointsResult")
    assert_matches_schema(points["data"][0], "ObjectRestorePointModel")
    for vm, age in (("web01", 4), ("hv-file01", 8)):
        rp = estate_uuid("restorePoint", vm, age)
        assert_matches_schema(
            api.get(f"/api/v1/restorePoints/{rp}/disks").json(), "ObjectRestorePointDisksResult"
        )
    backup_object = estate_uuid("backupObject", "db01")
    answer = api.get(f"/api/v1/backupObjects/{backup_object}/restorePoints").json()
    assert_matches_schema(answer, "ObjectRestorePointsResult")


def test_instant_recovery_answers_match_the_contract(api, clock):
    started = api.post(IR_PATH, user="restore-operator", json=ir_spec("web01"))
    assert_matches_schema(started.json(), "SessionModel")
    custom = ir_spec("app01", 3) | {
        "type": "Customized",
        "destination": {"restoredVmName": "app01-dr"},
        "datastore": {"redirectEnabled": True},
    }
    assert api.post(IR_PATH, user="restore-operator", json=custom).status_code == 201
    broken = api.start_ir("broken01", age=2)
    clock.advance(30)
    mounts = api.get(IR_PATH).json()
    assert {m["state"] for m in mounts["data"]} == {"Mounted", "Failed"}
    assert_matches_schema(mounts, "InstantViVMRecoveryMountsResult")
    sid = started.json()["id"]
    assert_matches_schema(api.mount(sid).json(), "InstantViVMRecoveryMount")
    migrate = api.post(f"{IR_PATH}/{sid}/migrate", user="restore-operator", json=MIGRATION_SPEC)
    assert_matches_schema(migrate.json(), "SessionModel")
    unmount = api.post(f"{IR_PATH}/{broken['id']}/unmount", user="restore-operator")
    assert_matches_schema(unmount.json(), "SessionModel")
    sessions = api.get("/api/v1/sessions").json()
    assert_matches_schema(sessions, "SessionsResult")
    assert_matches_schema(api.get(f"/api/v1/sessions/{sid}/logs").json(), "SessionLogResult")


@pytest.mark.parametrize(
    ("method", "path", "user"),
    [
        ("GET", "/api/v1/backups/00000000-0000-0000-0000-000000000000", "administrator"),
        ("GET", "/api/v1/serverInfo", "viewer"),
        ("POST", IR_PATH, "restore-operator"),
        ("GET", "/api/v1/nowhere", "viewer"),
    ],
)
def test_errors_match_the_error_model(api, method, path, user):
    response = api.client.request(method, path, headers=api.headers(user))
    assert response.status_code >= 400
    assert_matches_schema(response.json(), "Error")
