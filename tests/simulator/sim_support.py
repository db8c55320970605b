"""Helpers of the simulator's tests: a logged-in API caller, request bodies, the contract."""

from __future__ import annotations

import copy
import json
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from drflow.simulator import FakeClock, estate_uuid

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

VERSION = {"x-api-version": "1.3-rev1"}
IR_PATH = "/api/v1/restore/instantRecovery/vSphere/vm"
SPEC_PATH = (
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "vbr-rest-1.3-rev1-restore.json"
)


class Api:
    """A TestClient plus the simulator behind it and helpers to call it as a given user."""

    def __init__(self, client: TestClient, clock: FakeClock) -> None:
        self.client = client
        self.clock = clock
        self.sim = client.app.sim  # type: ignore[attr-defined]
        self._tokens: dict[str, str] = {}

    def login(self, user: str = "administrator", password: str = "simulator") -> dict[str, Any]:
        response = self.client.post(
            "/api/oauth2/token",
            data={"grant_type": "Password", "username": user, "password": password},
            headers=VERSION,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def headers(self, user: str = "administrator") -> dict[str, str]:
        if user not in self._tokens:
            self._tokens[user] = self.login(user)["access_token"]
        return VERSION | {"Authorization": f"Bearer {self._tokens[user]}"}

    def get(self, path: str, user: str = "administrator", **kwargs: Any):
        return self.client.get(path, headers=self.headers(user), **kwargs)

    def post(self, path: str, user: str = "administrator", **kwargs: Any):
        return self.client.post(path, headers=self.headers(user), **kwargs)

    def start_ir(
        self, vm: str, age: float = 4, user: str = "restore-operator", **spec: Any
    ) -> dict[str, Any]:
        response = self.post(IR_PATH, user=user, json=ir_spec(vm, age, **spec))
        assert response.status_code == 201, response.text
        return response.json()

    def mount(self, mount_id: str):
        return self.get(f"{IR_PATH}/{mount_id}")

    def session(self, session_id: str) -> dict[str, Any]:
        response = self.get(f"/api/v1/sessions/{session_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def health(self, vm: str):
        return self.client.get(f"/_sim/guests/{vm}/health")


def ir_spec(vm: str, age: float = 4, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "OriginalLocation",
        "restorePointId": str(estate_uuid("restorePoint", vm, age)),
        "secureRestore": {"antivirusScanEnabled": False},
        "powerUp": True,
        "nicsEnabled": True,
        "reason": f"drflow test {vm}",
    }
    body.update(overrides)
    return body


MIGRATION_SPEC = {
    "destinationHost": {
        "platform": "VMware",
        "type": "Host",
        "hostName": "vcenter01.lab.local",
        "name": "esx09.lab.local",
        "objectId": "host-9",
    },
    "VeeamQMEnabled": True,
    "DeleteSourceVmsFiles": False,
}


# --- the contract -----------------------------------------------------------------------------


@cache
def spec() -> dict[str, Any]:
    if not SPEC_PATH.exists():
        pytest.skip(f"the contract is not at {SPEC_PATH}")
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@cache
def _components() -> dict[str, Any]:
    """The spec's components with ``oneOf`` + ``discriminator`` turned into if/then on the
    discriminator value (plain JSON Schema cannot tell the variants apart otherwise)."""
    components = copy.deepcopy(spec()["components"])
    for schema in components["schemas"].values():
        discriminator = schema.get("discriminator")
        if discriminator and "oneOf" in schema:
            prop = discriminator["propertyName"]
            schema.pop("oneOf")
            schema["allOf"] = schema.get("allOf", []) + [
                {
                    "if": {"properties": {prop: {"const": value}}, "required": [prop]},
                    "then": {"$ref": ref},
                }
                for value, ref in discriminator["mapping"].items()
            ]
    return components


def assert_matches_schema(instance: Any, schema_name: str) -> None:
    """Validate a response body against ``#/components/schemas/<schema_name>`` of the spec."""
    import jsonschema

    root = {"$ref": f"#/components/schemas/{schema_name}", "components": _components()}
    validator = jsonschema.Draft7Validator(root)
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not problems, f"{schema_name}: " + "; ".join(problems[:5])
