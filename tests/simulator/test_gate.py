"""What every /api request goes through: version header, errors in the Error model, no 422."""

from __future__ import annotations

import uuid

import pytest

from drflow.simulator import SimulatorConfig, estate_uuid
from tests.simulator.sim_support import IR_PATH, VERSION, ir_spec


@pytest.mark.parametrize("path", ["/api/v1/sessions", "/api/oauth2/token"])
def test_missing_version_header_lists_supported_versions(api, path):
    headers = {k: v for k, v in api.headers().items() if k != "x-api-version"}
    response = (
        api.client.post(path, headers=headers)
        if "token" in path
        else api.client.get(path, headers=headers)
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "UnexpectedContent"
    assert "1.3-rev1" in body["message"]
    assert "1.3-rev0" in body["message"]


def test_unsupported_version_is_refused_even_with_a_valid_token(api):
    headers = api.headers() | {"x-api-version": "1.2-rev1"}
    response = api.client.get("/api/v1/sessions", headers=headers)
    assert response.status_code == 400
    assert "1.2-rev1" in response.json()["message"]


def test_supported_versions_come_from_the_config(make_api):
    api = make_api(SimulatorConfig(api_versions=["1.3-rev1"]))
    response = api.client.get(
        "/api/v1/sessions", headers=api.headers() | {"x-api-version": "1.3-rev0"}
    )
    assert response.status_code == 400
    assert "1.3-rev0" not in response.json()["message"].split("Supported versions:")[1]
    assert api.client.get("/api/v1/sessions", headers=api.headers()).status_code == 200


def test_previous_revision_is_accepted(api):
    response = api.client.get(
        "/api/v1/backups", headers=api.headers() | {"x-api-version": "1.3-rev0"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sessions/{id}",
        "/api/v1/sessions/{id}/logs",
        "/api/v1/restorePoints/{id}",
        "/api/v1/restorePoints/{id}/disks",
        "/api/v1/backups/{id}",
        "/api/v1/backupObjects/{id}/restorePoints",
        IR_PATH + "/{id}",
    ],
)
def test_unknown_id_is_404_with_resource_id(api, path):
    missing = str(uuid.uuid4())
    response = api.get(path.format(id=missing))
    assert response.status_code == 404
    assert response.json() == {
        "errorCode": "NotFound",
        "message": response.json()["message"],
        "resourceId": missing,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in ir_spec("web01").items() if k != "restorePointId"}, "restorePointId"),
        ({k: v for k, v in ir_spec("web01").items() if k != "secureRestore"}, "secureRestore"),
        (ir_spec("web01", secureRestore={}), "secureRestore.antivirusScanEnabled"),
        (ir_spec("web01") | {"restorePointId": "not-a-uuid"}, "restorePointId"),
        (ir_spec("web01") | {"powerUp": "sometimes"}, "powerUp"),
        (ir_spec("web01") | {"type": "Somewhere"}, "type"),
        (ir_spec("web01") | {"type": "Customized"}, "datastore"),
        (
            ir_spec(
                "web01",
                secureRestore={"antivirusScanEnabled": True, "virusDetectionAction": "Shrug"},
            ),
            "secureRestore.virusDetectionAction",
        ),
    ],
)
def test_invalid_body_is_400_naming_the_field(api, body, field):
    response = api.post(IR_PATH, user="restore-operator", json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["errorCode"] == "UnexpectedContent"
    assert error["message"].startswith(f"{field}:") or f"; {field}:" in error["message"], error


def test_missing_field_message_reads_naturally(api):
    body = {k: v for k, v in ir_spec("web01").items() if k != "restorePointId"}
    response = api.post(IR_PATH, user="restore-operator", json=body)
    assert response.json()["message"] == "restorePointId: Field required"


@pytest.mark.parametrize(
    ("request_args", "status", "code"),
    [
        (("GET", "/api/v1/sessions?limit=many"), 400, "UnexpectedContent"),
        (("GET", "/api/v1/sessions?orderColumn=Color"), 400, "UnexpectedContent"),
        (("GET", "/api/v1/sessions?typeFilter=Picnic"), 400, "UnexpectedContent"),
        (("GET", "/api/v1/sessions/not-a-uuid"), 400, "UnexpectedContent"),
        (("GET", IR_PATH + "?mountIdFilter=xyz"), 400, "UnexpectedContent"),
        (("GET", "/api/v1/restorePoints?skip=-1"), 400, "UnexpectedContent"),
        (("POST", IR_PATH), 400, "UnexpectedContent"),
        (("GET", "/api/v1/nowhere"), 404, "InvalidURI"),
        (("DELETE", "/api/v1/sessions"), 405, "MethodNotAllowed"),
    ],
)
def test_errors_use_the_error_model_never_422(api, request_args, status, code):
    method, path = request_args
    response = api.client.request(method, path, headers=api.headers("restore-operator"))
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errorCode"] == code
    assert isinstance(body["message"], str)
    assert body["message"]


def test_malformed_json_is_400(api):
    headers = api.headers("restore-operator") | {"content-type": "application/json"}
    response = api.client.post(IR_PATH, headers=headers, content=b'{"type": ')
    assert response.status_code == 400
    assert response.json()["errorCode"] == "UnexpectedContent"


def test_auth_is_checked_before_the_body(api):
    response = api.client.post(IR_PATH, headers=VERSION, content=b"garbage")
    assert response.status_code == 401


def test_openapi_document_lists_vbr_paths_and_no_422(api):
    doc = api.client.get("/openapi.json").json()
    paths = doc["paths"]
    for path in (
        "/api/oauth2/token",
        "/api/v1/sessions/{id}/logs",
        "/api/v1/backupObjects/{id}/restorePoints",
        IR_PATH + "/{mountId}/migrate",
    ):
        assert path in paths
    text = str(doc)
    assert "'422'" not in text
    assert "HTTPValidationError" not in text
    start = paths[IR_PATH]["post"]
    assert start["operationId"] == "InstantViVMRecoveryMount"
    assert "201" in start["responses"]
    assert "400" in start["responses"]
    assert any(p["name"] == "x-api-version" for p in start["parameters"])


def test_restore_point_ids_are_deterministic(api):
    rp = estate_uuid("restorePoint", "db01", 1)
    assert api.get(f"/api/v1/restorePoints/{rp}").json()["name"] == "db01"


def test_simulators_of_a_process_share_their_routes_not_their_state(make_api):
    first, second = make_api(), make_api()
    assert first.client.app.api is second.client.app.api  # routes prepared once per process

    mount = first.start_ir("web01")
    assert first.get(f"{IR_PATH}/{mount['id']}").status_code == 200
    assert second.get(f"{IR_PATH}/{mount['id']}").status_code == 404
    assert [m["id"] for m in second.get(IR_PATH).json()["data"]] == []
