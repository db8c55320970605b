"""Roles: each operation enforces its "Available to" line of the contract."""

from __future__ import annotations

import html
import re

import pytest

from drflow.simulator import OPERATION_ROLES, Role, create_app
from tests.simulator.sim_support import IR_PATH, ir_spec, spec


def test_viewer_cannot_start_instant_recovery(api):
    response = api.post(IR_PATH, user="viewer", json=ir_spec("web01"))
    assert response.status_code == 403
    body = response.json()
    assert body["errorCode"] == "AccessDenied"
    assert "Veeam Backup Administrator, Veeam Restore Operator" in body["message"]
    assert api.client.get("/_sim/mounts").json()["mounts"] == []


def test_restore_operator_can_start_instant_recovery(api):
    response = api.post(IR_PATH, user="restore-operator", json=ir_spec("web01"))
    assert response.status_code == 201
    assert response.json()["initiatedBy"] == "restore-operator"


def test_viewer_can_read_mounts_and_sessions_but_not_stop_them(api):
    session = api.start_ir("web01")
    assert api.get(IR_PATH, user="viewer").json()["pagination"]["total"] == 1
    assert api.get(f"/api/v1/sessions/{session['id']}", user="viewer").status_code == 200
    stop = api.post(f"/api/v1/sessions/{session['id']}/stop", user="viewer")
    assert stop.status_code == 403
    unmount = api.post(f"{IR_PATH}/{session['id']}/unmount", user="viewer")
    assert unmount.status_code == 403


def test_server_info_is_for_administrators_only(api):
    assert api.get("/api/v1/serverInfo").status_code == 200
    denied = api.get("/api/v1/serverInfo", user="restore-operator")
    assert denied.status_code == 403
    assert "Veeam Backup Administrator" in denied.json()["message"]


_AVAILABLE = re.compile(r"\*\*Available to\*\*\s*:\s*(.*?)</p>", re.S)


def _roles_in_spec(description: str) -> frozenset[Role]:
    text = html.unescape(description)
    match = _AVAILABLE.search(text)
    assert match, description
    line = match.group(1).strip().rstrip(".")
    if line.startswith("All"):
        return frozenset(Role)
    return frozenset(Role(name.strip()) for name in line.split(","))


def _spec_operations() -> dict[str, tuple[str, str, str]]:
    out = {}
    for path, operations in spec()["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "operationId" in operation:
                out[operation["operationId"]] = (method.upper(), path, operation["description"])
    return out


@pytest.mark.contract
def test_every_api_route_is_in_the_spec_and_in_the_role_table():
    app = create_app()
    operations = _spec_operations()
    for route in app.sim_routes:
        if not route.path.startswith("/api/"):
            continue
        assert route.operation_id in operations, route.path
        method, path, _ = operations[route.operation_id]
        assert path == route.path
        assert method in route.methods
        assert route.operation_id in OPERATION_ROLES


@pytest.mark.contract
def test_role_table_matches_available_to_lines():
    operations = _spec_operations()
    for operation_id, roles in OPERATION_ROLES.items():
        assert roles == _roles_in_spec(operations[operation_id][2]), operation_id
