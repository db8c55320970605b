"""Tests for the contract-checking infrastructure itself: it must be able to fail and to pass."""

from __future__ import annotations

import asyncio
import copy
import gzip
import json
import re
import warnings
from pathlib import Path

import httpx
import pytest

from tests.contract.checking_transport import (
    AsyncContractCheckingTransport,
    ContractCheckingTransport,
)
from tests.contract.vbr_spec import (
    BUILTIN_ROLES,
    NO_BODY,
    SpecMissingError,
    VBRSpec,
    parse_roles,
    repo_root,
    spec_path,
)

pytestmark = pytest.mark.contract

ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
ID2 = "af75ddaa-d680-4c50-ac82-07834a007707"
ADMIN = "Veeam Backup Administrator"
RESTORE_OPERATOR = "Veeam Restore Operator"


@pytest.fixture(scope="session")
def spec() -> VBRSpec:
    return VBRSpec.load()


def assert_fails(fn, *needles: str) -> str:
    with pytest.raises(AssertionError) as info:
        fn()
    message = str(info.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in:\n{message}"
    return message


# --------------------------------------------------------------------------- locating the file


def test_spec_is_found_relative_to_the_repo_root():
    root = repo_root()
    assert (root / "pyproject.toml").is_file()
    assert spec_path() == (root.parent / "shared" / "reference" / spec_path().name).resolve()
    assert spec_path().is_file(), f"missing {spec_path()}"


def test_missing_spec_fails_loudly(tmp_path: Path):
    with pytest.raises(SpecMissingError, match=r"description is missing: expected .*nope\.json"):
        VBRSpec.load(tmp_path / "nope.json")
    assert issubclass(SpecMissingError, AssertionError)  # a failure, never a skip


def test_load_is_cached(spec: VBRSpec):
    assert VBRSpec.load() is spec


# --------------------------------------------------------------------------- operations, roles


def test_operation_counts(spec: VBRSpec):
    ops = spec.operations()
    assert len(ops) == 64
    restore = [op for op in ops if op.path_template.startswith("/api/v1/restore/")]
    assert len(restore) == 51
    assert len({op.operation_id for op in ops}) == 64
    validate = spec.find_operation("POST", f"/api/v1/restore/flr/{ID}/validateCredentials")
    assert validate.operation_id == "FlrRestoreValidateCredentials"


def test_operation_shape(spec: VBRSpec):
    op = spec.find_operation("POST", "/api/v1/restore/instantRecovery/vSphere/vm")
    assert op.operation_id == "InstantViVMRecoveryMount"
    assert op.request_schema == {"$ref": "#/components/schemas/InstantViVMRecoverySpec"}
    assert op.responses["201"] == {"$ref": "#/components/schemas/SessionModel"}
    assert op.responses["400"] == {"$ref": "#/components/schemas/Error"}
    assert set(op.responses) == {"201", "400", "401", "403", "404", "500"}
    migrate = spec.find_operation("POST", f"/api/v1/restore/instantRecovery/hyperV/vm/{ID}/migrate")
    assert migrate.responses["204"] is None
    token = spec.find_operation("POST", "/api/oauth2/token")
    assert token.is_form
    assert token.request_content_types == ("application/x-www-form-urlencoded",)


def test_roles_listed(spec: VBRSpec):
    op = spec.find_operation("POST", "/api/v1/restore/instantRecovery/vSphere/vm")
    assert op.roles == {ADMIN, RESTORE_OPERATOR}
    assert op.roles_scope == "listed"
    listing = spec.find_operation("GET", "/api/v1/restore/instantRecovery/vSphere/vm")
    assert listing.roles == BUILTIN_ROLES
    assert spec.find_operation("GET", "/api/v1/serverInfo").roles == {ADMIN}
    azure_migrate = spec.operation_by_id("AzureInstantVMRecoveryMigrate")
    assert azure_migrate.roles == {ADMIN}
    stop = spec.find_operation("POST", f"/api/v1/sessions/{ID}/stop")
    assert stop.roles == {ADMIN, "Veeam Backup Operator", RESTORE_OPERATOR}


def test_roles_all(spec: VBRSpec):
    logout = spec.find_operation("POST", "/api/oauth2/logout")
    assert logout.roles == BUILTIN_ROLES
    assert logout.roles_scope == "all"
    assert logout.allows_custom_roles
    token = spec.find_operation("POST", "/api/oauth2/token")
    assert token.roles == BUILTIN_ROLES
    assert token.roles_scope == "builtin"
    assert not token.allows_custom_roles


def test_every_operation_names_known_roles(spec: VBRSpec):
    for op in spec.operations():
        assert op.roles, f"{op}: no 'Available to' line parsed"
        assert op.roles <= BUILTIN_ROLES, f"{op}: unknown role(s) {op.roles - BUILTIN_ROLES}"


@pytest.mark.parametrize(
    ("description", "roles", "scope"),
    [
        ("x.<p>**Available to**&#58; Veeam Backup Administrator.</p>", {ADMIN}, "listed"),
        (
            'x.<p>**Available to**&#58; Veeam Backup Administrator, Veeam Restore Operator.</p>"',
            {ADMIN, RESTORE_OPERATOR},
            "listed",
        ),
        ("<p> **Available to**: Veeam Backup Administrator</p>", {ADMIN}, "listed"),
        (
            "<p>**Available to**&#58; All built-in user roles. Authentication with custom roles "
            "is not allowed.</p>",
            BUILTIN_ROLES,
            "builtin",
        ),
        ("<p>**Available to**&#58; All user roles.</p>", BUILTIN_ROLES, "all"),
        ("No roles line here.", set(), "unspecified"),
    ],
)
def test_parse_roles_variants(description, roles, scope):
    parsed, parsed_scope, _ = parse_roles(description)
    assert parsed == roles
    assert parsed_scope == scope


# --------------------------------------------------------------------------- path matching


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("POST", "/api/v1/restore/instantRecovery/vSphere/vm", None),
        ("GET", f"/api/v1/restore/instantRecovery/vSphere/vm/{ID}", "/vm/{mountId}"),
        ("POST", f"/api/v1/restore/instantRecovery/vSphere/vm/{ID}/unmount", "/{mountId}/unmount"),
        ("GET", f"/api/v1/sessions/{ID}?limit=5", "/api/v1/sessions/{id}"),
        ("GET", f"https://vbr.test:9419/api/v1/sessions/{ID}/logs", "/{id}/logs"),
        ("GET", f"/api/v1/sessions/{ID}/", "/api/v1/sessions/{id}"),
        # a literal segment beats a template segment
        ("POST", "/api/v1/restore/entraId/tenant/deviceCode/state", "/deviceCode/state"),
        ("POST", f"/api/v1/restore/entraId/tenant/{ID}/stop", "/{sessionId}/stop"),
        ("POST", "/api/v1/restore/unstructuredData/fileShare", "/unstructuredData/fileShare"),
        ("POST", f"/api/v1/restore/unstructuredData/{ID}/unmount", "/{sessionId}/unmount"),
    ],
)
def test_find_operation(spec: VBRSpec, method, path, template):
    op = spec.find_operation(method, path)
    assert op.method == method
    assert op.path_template.endswith(template or path)


def test_find_operation_path_params(spec: VBRSpec):
    op, params = spec.match("GET", f"/api/v1/restore/instantRecovery/vSphere/vm/{ID}")
    assert op.operation_id == "GetInstantViVMRecoveryMount"
    assert params == {"mountId": ID}


def test_find_operation_unknown(spec: VBRSpec):
    assert_fails(lambda: spec.find_operation("GET", "/api/v1/jobs"), "no operation")
    assert_fails(
        lambda: spec.find_operation("DELETE", f"/api/v1/sessions/{ID}"),
        "no DELETE",
        "documented: GET",
    )
    assert spec.match("GET", "/api/v1/jobs") is None


# --------------------------------------------------------------------------- discriminators


def vsphere_object(kind: str, name: str, platform: str = "VSphere") -> dict:
    return {
        "platform": platform,
        "type": kind,
        "hostName": "vcenter01.tech.local",
        "name": name,
        "objectId": f"{kind.lower()}-1",
    }


def ir_original() -> dict:
    return {
        "restorePointId": ID,
        "type": "OriginalLocation",
        "secureRestore": {"antivirusScanEnabled": False},
        "powerUp": True,
        "reason": "drill",
    }


def ir_customized() -> dict:
    return {
        **ir_original(),
        "type": "Customized",
        "destination": {
            "restoredVmName": "app01-ir",
            "destinationHost": vsphere_object("Host", "esx01"),
            "folder": vsphere_object("Folder", "DR"),
            "resourcePool": vsphere_object("ResourcePool", "Enterprise"),
            "biosUuidPolicy": "Preserve",
        },
        "datastore": {
            "redirectEnabled": True,
            "cacheDatastore": vsphere_object("Datastore", "ds01"),
        },
    }


IR_PATH = "/api/v1/restore/instantRecovery/vSphere/vm"


@pytest.mark.parametrize("body", [ir_original(), ir_customized()], ids=["original", "customized"])
def test_instant_recovery_variants_pass(spec: VBRSpec, body):
    spec.validate_schema("InstantViVMRecoverySpec", body)
    spec.validate_request("POST", IR_PATH, body)


def test_instant_recovery_customized_without_datastore_fails(spec: VBRSpec):
    body = ir_customized()
    del body["datastore"]
    message = assert_fails(lambda: spec.validate_request("POST", IR_PATH, body), "$.datastore")
    assert "1 contract violation" in message  # the OriginalLocation variant is not consulted


def test_instant_recovery_unknown_type_fails(spec: VBRSpec):
    body = {**ir_original(), "type": "Elsewhere"}
    assert_fails(
        lambda: spec.validate_schema("InstantViVMRecoverySpec", body),
        "$.type",
        "'Elsewhere' is not a known 'type' discriminator value",
    )


def test_violations_are_all_listed_with_paths(spec: VBRSpec):
    body = ir_customized()
    body["restorePointId"] = "nope"
    body["destination"]["biosUuidPolicy"] = "preserve"
    del body["datastore"]["redirectEnabled"]
    violations = spec.request_violations("POST", IR_PATH, body)
    assert violations == [
        "request body $.datastore.redirectEnabled: required property is missing",
        "request body $.destination.biosUuidPolicy: 'preserve' is not one of "
        "['Preserve', 'GenerateNew']",
        "request body $.restorePointId: 'nope' is not a 'uuid'",
    ]


def test_inventory_object_selected_by_platform(spec: VBRSpec):
    host = vsphere_object("Host", "esx01")
    spec.validate_schema("InventoryObjectModel", host)
    # VSphere maps to VmwareObjectModel, which requires hostName ...
    del host["hostName"]
    assert_fails(lambda: spec.validate_schema("InventoryObjectModel", host), "$.hostName")
    # ... while HyperV maps to HyperVObjectModel, which also requires objectId
    hv = {"platform": "HyperV", "type": "Host", "hostName": "hv01", "name": "hv01"}
    assert_fails(lambda: spec.validate_schema("InventoryObjectModel", hv), "$.objectId")
    agent = {
        "platform": "Agent",
        "id": ID,
        "name": "srv01",
        "type": "WindowsComputer",
        "protectionGroupId": ID2,
    }
    spec.validate_schema("InventoryObjectModel", agent)
    assert_fails(
        lambda: spec.validate_schema("InventoryObjectModel", {**agent, "id": "srv01"}),
        "$.id: 'srv01' is not a 'uuid'",
    )


def test_inventory_platform_vmware_is_not_in_the_mapping(spec: VBRSpec):
    # The vendor's examples say "VMware"; the 1.3-rev1 mapping (and enum) say "VSphere".
    host = vsphere_object("Host", "esx01", platform="VMware")
    assert_fails(
        lambda: spec.validate_schema("InventoryObjectModel", host),
        "$.platform: 'VMware' is not a known 'platform' discriminator value",
    )


def test_disk_model_vmware_selected_via_mapping(spec: VBRSpec):
    # ObjectRestorePointDiskModel's mapping uses "VMware" (EPlatformType).
    disk = {
        "platform": "VMware",
        "uid": "6000C29",
        "type": "Disk",
        "name": "Hard disk 1",
        "capacity": 17179869184,
        "state": "Ready",
    }
    violations = spec.schema_violations("ObjectRestorePointDiskModel", disk)
    assert not [v for v in violations if "discriminator" in v or "diskExtents" in v], violations
    hyperv = {**disk, "platform": "HyperV"}
    assert any(
        "$.diskExtents" in v for v in spec.schema_violations("ObjectRestorePointDiskModel", hyperv)
    )


def test_schema_for_inlines_discriminated_variants(spec: VBRSpec):
    resolved = spec.schema_for("InstantViVMRecoverySpec")
    assert "oneOf" not in resolved
    mapping = resolved["x-discriminator"]["mapping"]
    assert set(mapping) == {"OriginalLocation", "Customized"}
    assert "$ref" not in json.dumps(resolved)
    customized_parts = mapping["Customized"]["allOf"]
    assert any("datastore" in part.get("required", []) for part in customized_parts)


# --------------------------------------------------------------------------- formats, models


def session(**overrides) -> dict:
    body = {
        "id": ID,
        "name": "app01",
        "jobId": ID2,
        "sessionType": "InstantRecovery",
        "creationTime": "2025-04-24T15:24:18.1234567+02:00",
        "state": "Working",
        "usn": 42,
        "progressPercent": 10,
        "result": {"result": "None", "message": "", "isCanceled": False},
    }
    body.update(overrides)
    return body


def test_session_model_passes(spec: VBRSpec):
    spec.validate_schema("SessionModel", session())
    spec.validate_schema("SessionModel", session(creationTime="2025-04-24T13:24:18Z"))


def test_session_model_non_uuid_id_fails(spec: VBRSpec):
    assert_fails(
        lambda: spec.validate_schema("SessionModel", session(id="session-1")),
        "$.id: 'session-1' is not a 'uuid'",
    )


@pytest.mark.parametrize(
    "value", ["2025-04-24T15:24:18", "2025-04-24", "yesterday", "2025-13-24T15:24:18Z"]
)
def test_date_time_is_checked(spec: VBRSpec, value):
    assert_fails(
        lambda: spec.validate_schema("SessionModel", session(creationTime=value)),
        "$.creationTime",
        "is not a 'date-time'",
    )


def test_integer_types(spec: VBRSpec):
    assert_fails(lambda: spec.validate_schema("SessionModel", session(usn="42")), "$.usn")
    assert_fails(lambda: spec.validate_schema("SessionModel", session(usn=True)), "$.usn")
    assert_fails(lambda: spec.validate_schema("SessionModel", session(usn=2**64)), "'int64'")


def test_error_model(spec: VBRSpec):
    spec.validate_schema("Error", {"errorCode": "NotFound", "message": "gone", "resourceId": ID})
    assert_fails(lambda: spec.validate_schema("Error", {"message": "x"}), "$.errorCode")
    assert_fails(
        lambda: spec.validate_schema("Error", {"errorCode": "Oops", "message": "x"}), "$.errorCode"
    )


def test_nullable_and_implicit_mapping():
    document = {
        "paths": {},
        "components": {
            "schemas": {
                "Pet": {
                    "type": "object",
                    "required": ["kind"],
                    "properties": {"kind": {"type": "string"}},
                    "oneOf": [{"$ref": "#/components/schemas/Cat"}],
                    "discriminator": {"propertyName": "kind"},
                },
                "Cat": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "nullable": True},
                        "mood": {"type": "string", "enum": ["calm"], "nullable": True},
                        "owner": {"$ref": "#/components/schemas/Owner", "nullable": True},
                    },
                },
                "Owner": {"type": "object", "readOnly": True, "example": {"x": 1}},
            }
        },
    }
    spec = VBRSpec(document)
    spec.validate_schema("Pet", {"kind": "Cat", "name": None, "mood": None, "owner": None})
    assert_fails(lambda: spec.validate_schema("Pet", {"kind": "Cat", "name": 3}), "$.name")
    assert_fails(lambda: spec.validate_schema("Pet", {"kind": "Dog"}), "not a known 'kind'")


# --------------------------------------------------------------------------- requests, responses


def test_token_form_body(spec: VBRSpec):
    form = {
        "grant_type": "Password",
        "username": "u",
        "password": "p",
        "use_short_term_refresh": "true",
    }
    spec.validate_request("POST", "/api/oauth2/token", form)
    spec.validate_request(
        "POST",
        "/api/oauth2/token",
        "grant_type=Refresh_token&refresh_token=abc&use_short_term_refresh=False",
        content_type="application/x-www-form-urlencoded",
    )
    assert_fails(
        lambda: spec.validate_request(
            "POST", "/api/oauth2/token", {"grant_type": "Password", "use_short_term_refresh": "y"}
        ),
        "$.use_short_term_refresh",
    )
    assert_fails(
        lambda: spec.validate_request("POST", "/api/oauth2/token", {"username": "u"}),
        "$.grant_type: required property is missing",
    )


def test_request_body_presence(spec: VBRSpec):
    assert_fails(lambda: spec.validate_request("POST", IR_PATH), "required", "missing")
    unmount = f"/api/v1/restore/instantRecovery/vSphere/vm/{ID}/unmount"
    spec.validate_request("POST", unmount)
    assert_fails(lambda: spec.validate_request("POST", unmount, {"x": 1}), "no request body")
    assert_fails(
        lambda: spec.validate_request("POST", IR_PATH, ir_original(), content_type="text/plain"),
        "content type text/plain",
    )


def test_parameters(spec: VBRSpec):
    headers = {"X-API-Version": "1.3-rev1"}
    ok = {
        "skip": "0",
        "limit": "50",
        "resultFilter": ["Success", "Failed"],
        "orderAsc": "true",
        "createdAfterFilter": "2025-01-01T00:00:00Z",
    }
    spec.validate_request("GET", "/api/v1/sessions", query=ok, headers=headers)
    violations = spec.request_violations(
        "GET",
        "/api/v1/sessions/not-a-uuid",
        query={"limit": "5"},
        headers={},
    )
    assert violations == [
        "path parameter id: 'not-a-uuid' is not a 'uuid'",
        "query parameter limit: not documented for this operation",
        "header x-api-version: required but missing",
    ]
    bad = {"limit": "many", "resultFilter": ["Nope"], "createdAfterFilter": "2025-01-01"}
    violations = spec.request_violations("GET", "/api/v1/sessions", query=bad, headers=headers)
    assert violations == [
        "query parameter limit: 'many' is not of type 'integer'",
        "query parameter resultFilter[0]: 'Nope' is not one of "
        "['None', 'Success', 'Warning', 'Failed']",
        "query parameter createdAfterFilter: '2025-01-01' is not a 'date-time'",
    ]


def test_response_documented_status(spec: VBRSpec):
    path = f"/api/v1/sessions/{ID}"
    spec.validate_response("GET", path, 200, session())
    spec.validate_response("GET", path, 404, {"errorCode": "NotFound", "message": "no session"})
    assert_fails(
        lambda: spec.validate_response("GET", path, 418, {"errorCode": "NotFound", "message": ""}),
        "status 418 is not documented",
        "documented: 200, 401, 403, 404, 500",
    )
    assert_fails(lambda: spec.validate_response("GET", path, 404, {"message": "x"}), "$.errorCode")
    assert_fails(lambda: spec.validate_response("GET", path, 200, NO_BODY), "body missing")
    assert_fails(
        lambda: spec.validate_response("GET", path, 200, session(), content_type="text/html"),
        "content type text/html",
    )


def test_response_no_content(spec: VBRSpec):
    migrate = f"/api/v1/restore/instantRecovery/hyperV/vm/{ID}/migrate"
    spec.validate_response("POST", migrate, 204)
    spec.validate_response("POST", migrate, 204, b"")
    assert_fails(lambda: spec.validate_response("POST", migrate, 204, {}), "documents no content")
    assert_fails(lambda: spec.validate_response("POST", migrate, 200), "status 200 is not")
    # logout documents EmptySuccessResponse: an empty body or an object are both fine
    spec.validate_response("POST", "/api/oauth2/logout", 200)
    spec.validate_response("POST", "/api/oauth2/logout", 200, {})


# --------------------------------------------------------------------------- vendor examples

#: Vendor examples that contradict their own schema: name -> (reason, expected violations).
#: Every violation of such an example must match one of the patterns, and every pattern must
#: still match, so a new contradiction (or a fixed one) fails the test.
KNOWN_CONTRADICTIONS: dict[str, tuple[str, list[str]]] = {
    "UnstructuredDataEntireShareRestoreSpecExample": (
        "booleans written as strings ('true'/'false')",
        [r"is not of type 'boolean'"],
    ),
    "InstantUnstructuredDataRestoreMigrationSpecExample": (
        "boolean written as the string 'False'",
        [r"\$\.destination\.preserveHierarchy: 'False' is not of type 'boolean'"],
    ),
    "UnstructuredDataSwitchoverSettingsModelExample": (
        "omits the required switchover 'type'",
        [r"\$\.type: required property is missing"],
    ),
    "InstantViVMRecoveryMountsResultExample": (
        "mount omits required jobName/restorePointDate; its Customized spec has no datastore",
        [r"\.jobName: required", r"\.restorePointDate: required", r"\.spec\.datastore: required"],
    ),
    "InstantViVMRecoveryMountExample": (
        "omits required jobName/restorePointDate",
        [r"\$\.jobName: required", r"\$\.restorePointDate: required"],
    ),
    "CustomizedInstantViVMRecoverySpecExample": (
        "inventory platform 'VMware' (schema: 'VSphere'); biosUuidPolicy 'preserve' (schema: "
        "'Preserve')",
        [r"platform: 'VMware' is not", r"biosUuidPolicy: 'preserve' is not one of"],
    ),
    "ViVMQuickMigrationSpecExample": (
        "inventory platform 'VMware' (schema: 'VSphere')",
        [r"platform: 'VMware' is not"],
    ),
    "InstantHvVMRecoveryMountsResultExample": (
        "restorePointDate without a UTC offset",
        [r"\.restorePointDate: '[^']*' is not a 'date-time'"],
    ),
    "InstantHvVMRecoveryMountExample": (
        "restorePointDate without a UTC offset",
        [r"\$\.restorePointDate: '[^']*' is not a 'date-time'"],
    ),
    "LinuxHelperHostFlrMountSpecExample": (
        "omits the required mountMode",
        [r"\$\.mountMode: required"],
    ),
    "LinuxHelperApplianceFlrMountSpecExample": (
        "omits the required mountMode",
        [r"\$\.mountMode: required"],
    ),
    "LinuxOriginalHostFlrMountSpecExample": (
        "omits the required mountMode",
        [r"\$\.mountMode: required"],
    ),
    "WindowsFlrMountSpecExample": ("omits the required mountMode", [r"\$\.mountMode: required"]),
    "ObjectRestorePointDisksResultExample": (
        "disks omit the required (discriminating) platform",
        [r"\.platform: required"],
    ),
}


def _example_cases():
    try:
        examples = VBRSpec.load().examples()
    except SpecMissingError as exc:
        return [pytest.param(None, None, None, str(exc), id="spec-missing")]
    return [
        pytest.param(name, schema, value, None, id=case) for case, name, schema, value in examples
    ]


@pytest.mark.parametrize(("name", "schema", "value", "missing"), _example_cases())
def test_vendor_example(spec: VBRSpec, name, schema, value, missing):
    if missing:
        pytest.fail(missing)
    violations = spec.violations_against(schema, value)
    if name not in KNOWN_CONTRADICTIONS:
        assert not violations, (
            f"vendor example {name} contradicts its schema (new contradiction: fix the "
            "validator or add it to KNOWN_CONTRADICTIONS with a reason):\n  "
            + "\n  ".join(violations)
        )
        return
    reason, patterns = KNOWN_CONTRADICTIONS[name]
    unexpected = [v for v in violations if not any(re.search(p, v) for p in patterns)]
    assert not unexpected, f"{name}: contradictions beyond the known ones ({reason}): {unexpected}"
    stale = [p for p in patterns if not any(re.search(p, v) for v in violations)]
    assert not stale, f"{name}: known contradiction no longer present, update the list: {stale}"


def test_known_contradictions_exist(spec: VBRSpec):
    names = {name for _, name, _, _ in spec.examples()}
    assert set(KNOWN_CONTRADICTIONS) <= names


class VendorExampleContradiction(UserWarning):
    """Informative: a vendor example that its own schema rejects (the schema wins)."""


def test_report_vendor_example_contradictions(spec: VBRSpec):
    seen: set[str] = set()
    lines = []
    for _, name, schema, value in spec.examples():
        if name in seen:
            continue
        seen.add(name)
        violations = spec.violations_against(schema, value)
        if violations:
            reason = KNOWN_CONTRADICTIONS.get(name, ("NEW",))[0]
            lines.append(f"{name}: {reason}\n      " + "\n      ".join(violations))
    assert len(lines) == len(KNOWN_CONTRADICTIONS)
    warnings.warn(
        VendorExampleContradiction(
            f"{len(lines)} vendor examples contradict their schema:\n  " + "\n  ".join(lines)
        ),
        stacklevel=1,
    )


# --------------------------------------------------------------------------- checking transport


class Network:
    """A marker for response.extensions['network_stream']."""


def json_response(status: int, body, **kwargs) -> httpx.Response:
    return httpx.Response(status, json=body, extensions={"network_stream": NETWORK}, **kwargs)


NETWORK = Network()
HEADERS = {"x-api-version": "1.3-rev1"}


def app(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/_sim/reset":
        return httpx.Response(200, text="not an API response")
    if path == "/api/oauth2/token":
        return json_response(
            200,
            {
                "access_token": "a",
                "token_type": "bearer",
                "refresh_token": "r",
                "expires_in": 900,
                ".issued": "2025-04-24T15:24:18+02:00",
                ".expires": "2025-04-24T15:39:18+02:00",
            },
        )
    if path == IR_PATH:
        return json_response(201, session())
    if path.startswith("/api/v1/sessions/") and path.endswith("/bad"):
        return json_response(200, session(id="session-1"))
    if path.startswith("/api/v1/sessions/"):
        return json_response(200, session())
    if path.endswith("/migrate"):
        return httpx.Response(204)
    return json_response(418, {"errorCode": "UnknownError", "message": "teapot"})


def test_transport_clean_exchange():
    checker = ContractCheckingTransport(httpx.MockTransport(app), VBRSpec.load())
    with httpx.Client(transport=checker, base_url="https://vbr.test:9419", headers=HEADERS) as c:
        token = c.post(
            "/api/oauth2/token", data={"grant_type": "Password", "username": "u", "password": "p"}
        )
        started = c.post(IR_PATH, json=ir_customized())
        polled = c.get(f"/api/v1/sessions/{ID}")
        migrated = c.post(f"/api/v1/restore/instantRecovery/hyperV/vm/{ID}/migrate")
        sim = c.post("/_sim/reset")
    assert token.json()["expires_in"] == 900
    assert started.status_code == 201
    assert started.json()["id"] == ID
    assert polled.extensions["network_stream"] is NETWORK
    assert polled.request.url.path == f"/api/v1/sessions/{ID}"
    assert migrated.status_code == 204
    assert sim.text == "not an API response"
    assert checker.checked == 4
    checker.assert_clean()


def test_transport_records_violations():
    checker = ContractCheckingTransport(httpx.MockTransport(app), VBRSpec.load())
    bad_request = ir_customized()
    del bad_request["datastore"]
    with httpx.Client(transport=checker, base_url="https://vbr.test:9419") as c:
        c.post(IR_PATH, json=bad_request, headers=HEADERS)
        c.get(f"/api/v1/sessions/{ID}/bad", headers=HEADERS)  # undocumented path
        c.get(f"/api/v1/sessions/{ID}")  # no x-api-version
        c.get("/api/v1/serverInfo", headers=HEADERS)  # answers 418
    assert checker.checked == 4
    joined = "\n".join(checker.violations)
    assert f"POST {IR_PATH} -> 201: request body $.datastore: required property" in joined
    assert f"/api/v1/sessions/{ID}/bad -> 200: GET " in joined
    assert "header x-api-version: required but missing" in joined
    assert "status 418 is not documented for GET /api/v1/serverInfo" in joined
    assert_fails(checker.assert_clean, "4 VBR contract violation(s) in 4 checked")
    checker.reset()
    checker.assert_clean()


def test_transport_response_body_is_invalid():
    def bad(request):
        return json_response(200, session(id="session-1"))

    checker = ContractCheckingTransport(httpx.MockTransport(bad), VBRSpec.load())
    with httpx.Client(transport=checker, headers=HEADERS) as c:
        assert c.get(f"https://vbr.test/api/v1/sessions/{ID}").json()["id"] == "session-1"
    assert checker.violations == [
        f"GET /api/v1/sessions/{ID} -> 200: status 200 body $.id: 'session-1' is not a 'uuid'"
    ]


class ChunkedStream(httpx.SyncByteStream):
    def __init__(self, chunks):
        self.chunks = chunks
        self.closed = False

    def __iter__(self):
        yield from self.chunks

    def close(self):
        self.closed = True


def test_transport_streaming_and_compressed_body():
    raw = gzip.compress(json.dumps(session()).encode())
    stream = ChunkedStream([raw[:10], raw[10:]])

    class Inner(httpx.BaseTransport):
        def handle_request(self, request):
            return httpx.Response(
                200,
                headers={"content-type": "application/json", "content-encoding": "gzip"},
                stream=stream,
                extensions={"network_stream": NETWORK, "http_version": b"HTTP/1.1"},
            )

    checker = ContractCheckingTransport(Inner(), VBRSpec.load())
    with httpx.Client(transport=checker, headers=HEADERS) as c:
        with c.stream("GET", f"https://vbr.test/api/v1/sessions/{ID}") as response:
            assert b"".join(response.iter_raw()) == raw
            assert response.extensions["network_stream"] is NETWORK
            assert response.http_version == "HTTP/1.1"
        assert c.get(f"https://vbr.test/api/v1/sessions/{ID}").json()["id"] == ID
    assert stream.closed
    assert checker.checked == 2
    checker.assert_clean()


def test_transport_not_json():
    checker = ContractCheckingTransport(
        httpx.MockTransport(
            lambda r: httpx.Response(
                200, text="{oops", headers={"content-type": "application/json"}
            )
        ),
        VBRSpec.load(),
    )
    with httpx.Client(transport=checker, headers=HEADERS) as c:
        assert c.get(f"https://vbr.test/api/v1/sessions/{ID}").text == "{oops"
    assert "body is not valid JSON" in checker.violations[0]


def test_async_transport():
    checker = AsyncContractCheckingTransport(httpx.MockTransport(app), VBRSpec.load())

    async def run():
        async with httpx.AsyncClient(
            transport=checker, base_url="https://vbr.test", headers=HEADERS
        ) as c:
            ok = await c.get(f"/api/v1/sessions/{ID}")
            bad = copy.deepcopy(ir_original())
            bad["type"] = "Elsewhere"
            await c.post(IR_PATH, json=bad)
            await c.get("/_sim/reset")
            return ok

    ok = asyncio.run(run())
    assert ok.json()["id"] == ID
    assert ok.extensions["network_stream"] is NETWORK
    assert checker.checked == 2
    assert all(
        v.startswith(f"POST {IR_PATH} -> 201: request body $.type") for v in checker.violations
    )
    assert any("'Elsewhere' is not a known 'type' discriminator" in v for v in checker.violations)
