"""The restore models against the vendor's contract: examples, fields, unions, tolerance."""

from __future__ import annotations

import copy
import inspect
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from drflow.vbr import models
from drflow.vbr.models import (
    azure,
    entra_id,
    fcd,
    flr,
    hyperv,
    restore_common,
    unstructured,
    vm_restore,
)
from drflow.vbr.models._base import OpenEnum, VBRModel


def _repo_root() -> Path:
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    raise RuntimeError("no pyproject.toml above the tests")


SPEC_PATH = _repo_root().parent / "shared" / "reference" / "vbr-rest-1.3-rev1-restore.json"
RESTORE_PREFIX = "/api/v1/restore/"
NEW_MODULES = (azure, entra_id, fcd, flr, hyperv, unstructured, vm_restore)


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def _schemas() -> dict[str, Any]:
    return spec()["components"]["schemas"]


# Every schema a restore operation sends or receives, and the type that reads it. Schemas of
# vSphere instant recovery (vsphere.py) and of sessions are modelled elsewhere.
SCHEMA_TYPES: dict[str, Any] = {
    # Hyper-V instant recovery
    "InstantHvVMRecoverySpec": models.InstantHvVMRecoverySpec,
    "InstantHvVMRecoveryMount": models.InstantHvVMRecoveryMount,
    "InstantHvVMRecoveryMountsResult": models.InstantHvVMRecoveryMountsResult,
    # Azure instant recovery
    "AzureInstantVMRecoverySpec": models.AzureInstantVMRecoverySpec,
    "AzureInstantVMRecoveryMount": models.AzureInstantVMRecoveryMount,
    "AzureInstantVMRecoveryMountsResult": models.AzureInstantVMRecoveryMountsResult,
    "AzureInstantVMRecoveryMigrationSpec": models.AzureInstantVMRecoveryMigrationSpec,
    "AzureInstantVMRecoverySwitchoverSettingsModel": (
        models.AzureInstantVMRecoverySwitchoverSettingsModel
    ),
    # First Class Disks
    "VmwareFcdInstantRecoverySpec": models.VmwareFcdInstantRecoverySpec,
    "VmwareFcdInstantRecoveryMount": models.VmwareFcdInstantRecoveryMount,
    "VmwareFcdInstantRecoveryMountsResult": models.VmwareFcdInstantRecoveryMountsResult,
    "VmwareFcdQuickMigrationSpec": models.VmwareFcdQuickMigrationSpec,
    # Unstructured data
    "InstantUnstructuredDataRestoreSpec": models.InstantUnstructuredDataRestoreSpec,
    "InstantUnstructuredDataRecoveryMount": models.InstantUnstructuredDataRecoveryMount,
    "InstantUnstructuredDataRecoveryMountsResult": (
        models.InstantUnstructuredDataRecoveryMountsResult
    ),
    "InstantUnstructuredDataRestoreMigrationSpec": (
        models.InstantUnstructuredDataRestoreMigrationSpec
    ),
    "UnstructuredDataSwitchoverSettingsModel": models.UnstructuredDataSwitchoverSettingsModel,
    "UnstructuredDataEntireShareRestoreSpec": models.UnstructuredDataEntireShareRestoreSpec,
    "UnstructuredDataEntireOSRestoreSpec": models.UnstructuredDataEntireOSRestoreSpec,
    "UnstructuredDataMountSpec": models.UnstructuredDataMountSpec,
    "UnstructuredDataFlrBrowseMountModel": models.UnstructuredDataFlrBrowseMountModel,
    # Entire VM restore
    "EntireViVMRestoreSpec": models.EntireViVMRestoreSpec,
    "EntireHvVMRestoreSpec": models.EntireHvVMRestoreSpec,
    "EntireCloudDirectorVMRestoreSpec": models.EntireCloudDirectorVMRestoreSpec,
    # File-level restore
    "FlrMountSpec": models.FlrMountSpec,
    "FlrBrowseMountModel": models.FlrBrowseMountModel,
    "FlrRestoreCredentialsValidationSpec": models.FlrRestoreCredentialsValidationSpec,
    "FlrRestoreCredentialsValidationResult": models.FlrRestoreCredentialsValidationResult,
    # Entra ID
    "EntraIdTenantStartRestoreSpec": models.EntraIdTenantStartRestoreSpec,
    "EntraIdTenantStartRestoreFromCopySpec": models.EntraIdTenantStartRestoreFromCopySpec,
    "EntraIdTenantBrowseMountModel": models.EntraIdTenantBrowseMountModel,
    "EntraIdTenantRestoreDeviceCodeSpec": models.EntraIdTenantRestoreDeviceCodeSpec,
    "EntraIdTenantRestoreDeviceCodeModel": models.EntraIdTenantRestoreDeviceCodeModel,
    "EntraIdTenantRestoreDeviceCodeStateSpec": models.EntraIdTenantRestoreDeviceCodeStateSpec,
    "EntraIdTenantRestoreDeviceCodeStateModel": models.EntraIdTenantRestoreDeviceCodeStateModel,
    "EntraIdTenantRestoreStartAuthorizationModel": (
        models.EntraIdTenantRestoreStartAuthorizationModel
    ),
    "EntraIdTenantRestoreAuthorizeSpec": models.EntraIdTenantRestoreAuthorizeSpec,
    "EntraIdTenantRestoreAuthorizeModel": models.EntraIdTenantRestoreAuthorizeModel,
    "JobStopSpec": models.JobStopSpec,
    # Answers modelled elsewhere, checked here because restore operations return them.
    "SessionModel": models.SessionModel,
    "SessionsResult": models.SessionsResult,
}
OWNED_ELSEWHERE = {
    "InstantViVMRecoverySpec",
    "InstantViVMRecoveryMount",
    "InstantViVMRecoveryMountsResult",
    "ViVMQuickMigrationSpec",
}


def _restore_operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, ops in spec()["paths"].items()
        if path.startswith(RESTORE_PREFIX)
        for method, op in ops.items()
        if method in {"get", "post", "put", "delete", "patch"}
    ]


def _bodies(op: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(where, media object) for the request body and every 2xx answer of an operation."""
    found = [("request", media) for media in op.get("requestBody", {}).get("content", {}).values()]
    for code, answer in op["responses"].items():
        if code.startswith("2"):
            found += [(code, media) for media in answer.get("content", {}).values()]
    return found


def _ref_name(schema: dict[str, Any]) -> str:
    return schema["$ref"].rsplit("/", 1)[-1]


def _collect_examples() -> list[tuple[str, str, str, Any]]:
    """(operation, schema name, example name, value) for every example of a restore operation."""
    named = spec()["components"].get("examples", {})
    found = []
    for method, path, op in _restore_operations():
        for where, media in _bodies(op):
            schema = _ref_name(media["schema"])
            if "example" in media:
                found.append((f"{method} {path} {where}", schema, "inline", media["example"]))
            for key, example in media.get("examples", {}).items():
                name = _ref_name(example) if "$ref" in example else key
                value = named[name]["value"] if "$ref" in example else example["value"]
                found.append((f"{method} {path} {where}", schema, name, value))
            if "example" in _schemas()[schema]:
                found.append((f"{method} {path} {where}", schema, "schema", _schemas()[schema]))
    return found


EXAMPLES = [e for e in _collect_examples() if e[1] not in OWNED_ELSEWHERE]


def _move_to_mount_server(example: dict[str, Any], key: str, server_type: str) -> dict[str, Any]:
    fixed = copy.deepcopy(example)
    fixed["mountMode"] = "Automatic"
    fixed["mountServer"] = {"mountServerType": server_type, key: fixed.pop(key)}
    return fixed


def _add_mount_mode(example: dict[str, Any]) -> dict[str, Any]:
    return {**example, "mountMode": "Automatic"}


# Vendor examples that contradict the schema of a model used for requests. Request models stay
# strict: the example must fail, and the same content shaped as the schema says must pass.
CONTRADICTING_REQUEST_EXAMPLES = {
    # No required mountMode; Linux examples also put helperHost/helperAppliance/originalHost at
    # the top level, where the schema has them under mountServer.
    "WindowsFlrMountSpecExample": _add_mount_mode,
    "LinuxHelperHostFlrMountSpecExample": lambda ex: _move_to_mount_server(
        ex, "helperHost", "HelperHost"
    ),
    "LinuxHelperApplianceFlrMountSpecExample": lambda ex: _move_to_mount_server(
        ex, "helperAppliance", "HelperAppliance"
    ),
    "LinuxOriginalHostFlrMountSpecExample": lambda ex: _move_to_mount_server(
        ex, "originalHost", "OriginalHost"
    ),
    # Wrapped in {"switchoverSettings": {...}}; the schema has `type` at the top level.
    "UnstructuredDataSwitchoverSettingsModelExample": lambda ex: ex["switchoverSettings"],
}


def _adapter(schema: str) -> TypeAdapter[Any]:
    return TypeAdapter(SCHEMA_TYPES[schema])


def _assert_round_trip(schema: str, parsed: BaseModel) -> None:
    wire = parsed.to_api()
    assert json.loads(json.dumps(wire)) == wire
    assert _adapter(schema).validate_python(wire) == parsed


def test_spec_has_51_restore_operations() -> None:
    assert len(_restore_operations()) == 51


def test_every_restore_body_schema_has_a_type() -> None:
    for method, path, op in _restore_operations():
        for _where, media in _bodies(op):
            name = _ref_name(media["schema"])
            assert name in SCHEMA_TYPES or name in OWNED_ELSEWHERE, f"{method} {path}: {name}"


def test_examples_were_found() -> None:
    assert len(EXAMPLES) >= 30


@pytest.mark.parametrize(
    ("operation", "schema", "name", "value"),
    EXAMPLES,
    ids=[f"{e[2]}@{e[0]}" for e in EXAMPLES],
)
def test_vendor_example(operation: str, schema: str, name: str, value: Any) -> None:
    adapter = _adapter(schema)
    if name in CONTRADICTING_REQUEST_EXAMPLES:
        with pytest.raises(ValidationError):
            adapter.validate_python(value)
        value = CONTRADICTING_REQUEST_EXAMPLES[name](value)
    parsed = adapter.validate_python(value)
    assert isinstance(parsed, VBRModel)
    _assert_round_trip(schema, parsed)


# --- the models against the schemas -----------------------------------------------------------


def _flatten(name: str) -> tuple[dict[str, Any], set[str]]:
    schema = _schemas()[name]
    properties: dict[str, Any] = {}
    required: set[str] = set()
    for part in [schema, *schema.get("allOf", [])]:
        if "$ref" in part:
            sub_props, sub_req = _flatten(_ref_name(part))
            properties |= sub_props
            required |= sub_req
        else:
            properties |= part.get("properties", {})
            required |= set(part.get("required", []))
    return properties, required


def _new_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for module in (*NEW_MODULES, restore_common):
        for name, value in vars(module).items():
            public = name.isidentifier() and not name.startswith("_")
            if public and inspect.isclass(value) and value.__module__ == module.__name__:
                found[name] = value
    return found


def _schema_name(name: str, cls: type) -> str:
    return f"E{name}" if issubclass(cls, OpenEnum) else name


# Enums named like their neighbours in vsphere.py/sessions.py (without "Filters").
ENUM_SCHEMA_NAMES = {
    "InstantHvVMRecoveryMountsOrderColumn": "EInstantHvVMRecoveryMountsFiltersOrderColumn",
    "AzureInstantVMRecoveryMountsOrderColumn": "EAzureInstantVMRecoveryMountsFiltersOrderColumn",
    "VmwareFcdInstantRecoveryMountsOrderColumn": (
        "EVmwareFcdInstantRecoveryMountsFiltersOrderColumn"
    ),
    "InstantUnstructuredDataRecoveryMountsOrderColumn": (
        "EInstantUnstructuredDataRecoveryMountsFiltersOrderColumn"
    ),
}
# Required by the schema, optional when reading (see the comment on each field).
TOLERANT_FIELDS = {"InstantHvVMRecoveryMount": {"jobName", "restorePointDate"}}
NEW_CLASSES = sorted(_new_classes().items())


@pytest.mark.parametrize(("name", "cls"), NEW_CLASSES, ids=[n for n, _ in NEW_CLASSES])
def test_class_matches_schema(name: str, cls: type) -> None:
    schema_name = ENUM_SCHEMA_NAMES.get(name, _schema_name(name, cls))
    assert schema_name in _schemas(), f"{name}: no schema {schema_name}"
    if issubclass(cls, OpenEnum):
        assert [m.value for m in cls] == _schemas()[schema_name]["enum"]
        return
    assert issubclass(cls, VBRModel)
    properties, required = _flatten(schema_name)
    fields = {field.alias or key: field for key, field in cls.model_fields.items()}
    assert set(fields) == set(properties)
    model_required = {alias for alias, field in fields.items() if field.is_required()}
    # A variant's `type` has a default (the union's discriminator demands it anyway).
    expected = required - TOLERANT_FIELDS.get(name, set()) - {"type"}
    assert model_required - {"type"} == expected


def test_every_reachable_schema_is_modelled() -> None:
    """Walk every restore operation's bodies through $ref/allOf/oneOf/items/properties."""
    schemas = _schemas()
    reached: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[-1]
                if name not in reached:
                    reached.add(name)
                    visit(schemas[name])
                return
            for key, value in node.items():
                if key not in {"example", "examples", "description"}:
                    visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    for _method, _path, op in _restore_operations():
        visit(op.get("requestBody"))
        for code, answer in op["responses"].items():
            if code.startswith("2"):
                visit(answer)
    modelled = set(models.__all__) | set(ENUM_SCHEMA_NAMES.values())
    for module in vars(models).values():
        if inspect.ismodule(module) and module.__name__.startswith(models.__name__):
            for name, value in vars(module).items():
                if inspect.isclass(value) and issubclass(value, (VBRModel, OpenEnum)):
                    modelled |= {name, f"E{name}"}
    unions = {n for n in reached if "oneOf" in schemas[n]}
    bases = {f"{n}Base" for n in unions}
    # Modelled elsewhere under another name, or as a Literal discriminator.
    elsewhere = {
        "PaginationResult",
        "EInventoryPlatformType",
        "EInstantViVmRecoveryBiosUuidPolicyType",
        "EInstantViVMRecoveryMountsFiltersOrderColumn",
        "ESessionsFiltersOrderColumn",
    }
    missing = sorted(reached - modelled - bases - elsewhere)
    assert missing == []


def test_new_classes_are_exported() -> None:
    exported = set(models.__all__)
    for name, _cls in NEW_CLASSES:
        if name in {"InstantVMRecoveryModeType", "VirusDetectionAction"}:
            continue  # present before this change, not exported then either
        assert name in exported, name
        assert getattr(models, name) is _cls


# --- discriminated unions --------------------------------------------------------------------

RP = "af75ddaa-d680-4c50-ac82-07834a007707"
VM_HOST = {
    "platform": "VMware",
    "type": "Host",
    "hostName": "vc01",
    "name": "esx01",
    "objectId": "host-1",
}
HV_HOST = {
    "platform": "HyperV",
    "type": "Host",
    "hostName": "hv01",
    "name": "hv01",
    "objectId": "h1",
}
CD_VM = {"platform": "CloudDirector", "type": "VirtualMachine", "hostName": "vcd", "name": "vm1"}
AUTO_UNMOUNT = {"isEnabled": True}

UNION_CASES = [
    (models.InstantHvVMRecoverySpec, {"type": "OriginalLocation", "restorePointId": RP},
     models.InstantHvVMOriginalLocationRecoverySpec),
    (models.InstantHvVMRecoverySpec,
     {"type": "Customized", "restorePointId": RP, "destinationHost": HV_HOST},
     models.InstantHvVMCustomizedRecoverySpec),
    (models.EntireViVMRestoreSpec,
     {"type": "OriginalLocation", "restorePointId": RP, "quickRollback": True},
     models.EntireViVMOriginalLocationRestoreSpec),
    (models.EntireViVMRestoreSpec,
     {"type": "Customized", "restorePointId": RP, "destinationHost": VM_HOST},
     models.EntireViVMCustomizedRestoreSpec),
    (models.EntireHvVMRestoreSpec, {"type": "OriginalLocation", "restorePointId": RP},
     models.EntireHvVMOriginalLocationRestoreSpec),
    (models.EntireHvVMRestoreSpec, {"type": "Customized", "restorePointId": RP},
     models.EntireHvVMCustomizedRestoreSpec),
    (models.EntireCloudDirectorVMRestoreSpec, {"type": "OriginalLocation", "restorePointId": RP},
     models.EntireCloudDirectorVMOriginalLocationRestoreSpec),
    (models.EntireCloudDirectorVMRestoreSpec,
     {"type": "Customized", "restorePointId": RP,
      "location": {"newName": "vm1-restored", "vApp": CD_VM, "restoreVSphereVMTags": False}},
     models.EntireCloudDirectorVMCustomizedRestoreSpec),
    (models.FlrMountSpec,
     {"type": "Windows", "restorePointId": RP, "autoUnmount": AUTO_UNMOUNT, "mountMode": "Manual"},
     models.WindowsFlrMountSpec),
    (models.FlrMountSpec,
     {"type": "Linux", "restorePointId": RP, "autoUnmount": AUTO_UNMOUNT,
      "mountMode": "Automatic"},
     models.LinuxFlrMountSpec),
    (models.FlrRestoreTargetHostModel, {"type": "VMware", "vmObject": VM_HOST},
     models.VmwareFlrRestoreTargetHostModel),
    (models.FlrRestoreTargetHostModel, {"type": "HyperV", "vmObject": HV_HOST},
     models.HyperVFlrRestoreTargetHostModel),
    (models.FlrRestoreTargetHostModel, {"type": "Agent", "protectedComputerId": RP},
     models.AgentFlrRestoreTargetHostModel),
    (models.FlrRestoreTargetHostModel, {"type": "CloudDirector", "vmObject": CD_VM},
     models.CloudDirectorFlrRestoreTargetHostModel),
    (models.LinuxFlrHelperApplianceResourceModel,
     {"type": "VMware", "host": VM_HOST, "resourcePool": VM_HOST, "network": VM_HOST},
     models.VmwareLinuxFlrHelperApplianceResourceModel),
    (models.LinuxFlrHelperApplianceResourceModel,
     {"type": "HyperV", "host": "hv01", "network": "LAN", "vlanId": 12},
     models.HyperVLinuxFlrHelperApplianceResourceModel),
]  # fmt: skip


@pytest.mark.parametrize(
    ("union", "payload", "variant"), UNION_CASES, ids=[c[2].__name__ for c in UNION_CASES]
)
def test_union_picks_variant(union: Any, payload: dict[str, Any], variant: type) -> None:
    adapter = TypeAdapter(union)
    parsed = adapter.validate_python(payload)
    assert type(parsed) is variant
    wire = parsed.to_api()
    assert wire["type"] == payload["type"]
    assert adapter.validate_python(wire) == parsed


@pytest.mark.parametrize(
    "union",
    [
        models.InstantHvVMRecoverySpec,
        models.EntireViVMRestoreSpec,
        models.EntireHvVMRestoreSpec,
        models.EntireCloudDirectorVMRestoreSpec,
        models.FlrMountSpec,
        models.FlrRestoreTargetHostModel,
        models.LinuxFlrHelperApplianceResourceModel,
    ],
)
def test_union_needs_a_known_type(union: Any) -> None:
    adapter = TypeAdapter(union)
    with pytest.raises(ValidationError):
        adapter.validate_python({"restorePointId": RP})
    with pytest.raises(ValidationError):
        adapter.validate_python({"type": "Elsewhere", "restorePointId": RP})


def test_vmware_inventory_objects_serialise_as_vsphere() -> None:
    target = TypeAdapter(models.FlrRestoreTargetHostModel).validate_python(
        {"type": "VMware", "vmObject": VM_HOST}
    )
    wire = target.to_api()
    assert wire["type"] == "VMware"  # FLR's own platform enum says VMware
    assert wire["vmObject"]["platform"] == "VSphere"  # the inventory enum says VSphere


def test_variant_defaults_its_type() -> None:
    spec_ = models.EntireViVMCustomizedRestoreSpec(restore_point_id=RP)
    assert spec_.to_api() == {"type": "Customized", "restorePointId": RP}


# --- wire names that are not camelCase -------------------------------------------------------


def test_irregular_wire_names() -> None:
    assert models.HvRestoreTargetNameSpec(preserve_uuid=True).to_api() == {"preserveUUID": True}
    switchover = models.AzureInstantVMRecoverySwitchoverSettingsModel(
        type="Auto", verify_vm_boot=True, power_on_vm=False
    )
    assert switchover.to_api() == {"type": "Auto", "verifyVMBoot": True, "powerOnVM": False}
    ip = models.IpSettingsModel(
        ipv4_settings=models.IPv4SettingsModel(
            ip_address="10.0.0.5", preferred_dns_server="1.1.1.1"
        )
    )
    assert ip.to_api() == {
        "IPv4Settings": {"ipAddress": "10.0.0.5", "preferredDNSServer": "1.1.1.1"}
    }
    appliance = models.LinuxFlrHelperApplianceSpec(restore_from_nss=True, network_settings=ip)
    assert appliance.to_api()["restoreFromNSS"] is True
    location = models.EntireCloudDirectorVMRestoreLocationModel.model_validate(
        {"newName": "x", "vApp": CD_VM, "restoreVSphereVMTags": True}
    )
    assert location.to_api()["restoreVSphereVMTags"] is True


# --- tolerance when reading, strictness when sending ----------------------------------------

AZURE_SPEC = {
    "restorePointId": RP,
    "subscription": {"subscriptionId": RP, "location": "westeurope"},
    "vmSize": {"instanceSize": "Standard_F4s_v2"},
    "resourceGroup": {"resourceGroup": "rg"},
    "network": {"network": "vnet", "subnet": "default"},
    "appliance": {"subnet": "default"},
}


def test_unknown_enum_values_and_fields_are_kept() -> None:
    mount = models.AzureInstantVMRecoveryMount.model_validate(
        {
            "id": RP,
            "state": "Deallocating",
            "spec": {**AZURE_SPEC, "vmSize": {"instanceSize": "x", "disks": [
                {"diskUid": "d1", "include": True, "diskType": "UltraSSD"}
            ]}},
            "sessionId": RP,  # a field a newer server might add
        }
    )  # fmt: skip
    assert mount.state == "Deallocating"
    assert not mount.state.known
    assert mount.spec.vm_size.disks[0].disk_type == "UltraSSD"
    wire = mount.to_api()
    assert wire["state"] == "Deallocating"
    assert wire["sessionId"] == RP
    assert models.AzureInstantVMRecoveryMount.model_validate(wire) == mount


@pytest.mark.parametrize(
    ("cls", "payload", "enum_field"),
    [
        (models.InstantUnstructuredDataRecoveryMount,
         {"id": RP, "sessionId": RP, "state": "Archived", "unstructuredServerId": RP,
          "spec": {"restoreOptions": [{"restorePointId": RP}]}, "shareCredentialsId": RP},
         "state"),
        (models.VmwareFcdInstantRecoveryMount,
         {"id": RP, "sessionId": RP, "state": "Paused", "newField": 1,
          "spec": {"restorePointId": RP, "destinationCluster": VM_HOST, "disksMapping": []}},
         "state"),
        (models.InstantHvVMRecoveryMount,
         {"id": RP, "sessionId": RP, "state": "ActionRequired", "vmName": "vm", "extra": [1],
          "spec": {"type": "OriginalLocation", "restorePointId": RP}},
         "state"),
        (models.FlrBrowseMountModel,
         {"sessionId": RP, "type": "Solaris", "restorePointId": RP, "mountErrors": [],
          "sourceProperties": {"machineName": "m", "restorePointName": "m"}, "more": True},
         "type"),
        (models.EntraIdTenantRestoreDeviceCodeStateModel,
         {"status": "Expired", "somethingNew": "x"}, "status"),
        (models.UnstructuredDataSwitchoverSettingsModel,
         {"type": "OnDemand", "somethingNew": "x"}, "type"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)  # fmt: skip
def test_response_models_are_tolerant(
    cls: type[VBRModel], payload: dict[str, Any], enum_field: str
) -> None:
    parsed = cls.model_validate(payload)
    value = getattr(parsed, enum_field)
    assert isinstance(value, OpenEnum)
    assert not value.known
    assert parsed.model_extra
    assert cls.model_validate(parsed.to_api()) == parsed


def test_mount_without_job_name_reads() -> None:
    mount = models.InstantHvVMRecoveryMount.model_validate(
        {
            "id": RP,
            "sessionId": RP,
            "state": "Mounted",
            "vmName": "vm",
            "spec": {"type": "OriginalLocation", "restorePointId": RP},
        }
    )
    assert mount.job_name is None
    assert mount.restore_point_date is None


def test_vendor_string_booleans_and_naive_timestamps_read() -> None:
    mount = models.InstantHvVMRecoveryMount.model_validate(
        {
            "id": RP,
            "sessionId": RP,
            "state": "Mounted",
            "vmName": "vm",
            "restorePointDate": "2025-07-29T13:25:32.973718",
            "spec": {"type": "OriginalLocation", "restorePointId": RP},
        }
    )
    assert mount.restore_point_date is not None
    assert mount.restore_point_date.tzinfo is None
    migration = models.InstantUnstructuredDataRestoreMigrationSpec.model_validate(
        {
            "destination": {"preserveHierarchy": "False"},
            "switchoverSettings": {"type": "Manual"},
        }
    )
    assert migration.destination.preserve_hierarchy is False
    assert migration.to_api()["destination"] == {"preserveHierarchy": False}


@pytest.mark.parametrize(
    ("adapter_type", "payload"),
    [
        (models.AzureInstantVMRecoverySpec,
         {k: v for k, v in AZURE_SPEC.items() if k != "appliance"}),
        (models.AzureInstantVMRecoverySwitchoverSettingsModel,
         {"scheduleTime": "2025-01-01T00:00:00Z"}),
        (models.VmwareFcdInstantRecoverySpec,
         {"restorePointId": RP, "destinationCluster": VM_HOST}),
        (models.VmwareFcdQuickMigrationSpec, {"mountedDiskNames": ["d1"]}),
        (models.InstantUnstructuredDataRestoreSpec, {"reason": "x"}),
        (models.InstantUnstructuredDataRestoreMigrationSpec, {"destination": {}}),
        (models.UnstructuredDataEntireShareRestoreSpec, {"destination": {"path": "/x"}}),
        (models.UnstructuredDataEntireOSRestoreSpec, {}),
        (models.InstantHvVMRecoverySpec, {"type": "Customized"}),
        (models.EntireViVMRestoreSpec, {"type": "Customized", "restorePointId": RP,
                                        "network": {"networks": []}}),
        (models.EntireCloudDirectorVMRestoreSpec, {"type": "Customized", "restorePointId": RP}),
        (models.FlrMountSpec, {"type": "Windows", "restorePointId": RP, "mountMode": "Manual"}),
        (models.FlrMountSpec, {"type": "Linux", "restorePointId": RP, "autoUnmount": AUTO_UNMOUNT}),
        (models.FlrRestoreCredentialsValidationSpec, {"credentialsId": RP}),
        (models.EntraIdTenantStartRestoreSpec, {}),
        (models.EntraIdTenantRestoreDeviceCodeStateSpec, {"sessionId": RP}),
        (models.EntraIdTenantRestoreAuthorizeSpec, {"code": "abc"}),
        (models.JobStopSpec, {"cancelChainedJobs": True}),
        (models.RestoreProxySpec, {"proxyIds": [RP]}),
    ],
)  # fmt: skip
def test_request_models_reject_missing_required_fields(
    adapter_type: Any, payload: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(adapter_type).validate_python(payload)


def test_optional_fields_are_left_out_of_requests() -> None:
    stop = models.JobStopSpec(graceful_stop=True)
    assert stop.to_api() == {"gracefulStop": True}
    mount = models.UnstructuredDataMountSpec(
        backup_id=RP, auto_unmount=models.FlrAutoUnmountModel(is_enabled=True)
    )
    assert mount.to_api() == {"backupId": RP, "autoUnmount": {"isEnabled": True}}
