"""Every restore operation of the VBR REST API 1.3-rev1, and what drflow calls it.

``OPERATIONS`` maps each ``operationId`` under ``/api/v1/restore/`` to its HTTP method and path
template, the :class:`~drflow.vbr.VBRClient` method that sends it (``"<group>.<method>"``) and
the Prefect task in :mod:`drflow.tasks` over it. Task names are strings: this module does not
import Prefect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """One REST operation and the drflow code over it."""

    method: str
    path: str
    client_method: str
    task: str


_IR = "/api/v1/restore/instantRecovery"
_VI = f"{_IR}/vSphere/vm"
_HV = f"{_IR}/hyperV/vm"
_AZ = f"{_IR}/azure/vm"
_FCD = f"{_IR}/vSphere/fcd"
_UD = f"{_IR}/unstructuredData"
_ENTRA = "/api/v1/restore/entraId"


def _op(method: str, path: str, client_method: str, task: str) -> Operation:
    return Operation(method, path, client_method, task)


OPERATIONS: dict[str, Operation] = {
    # vSphere VM instant recovery
    "GetAllInstantViVMRecoveryMounts": _op(
        "GET", _VI, "vsphere.list_mounts_page", "list_vsphere_mounts"
    ),
    "InstantViVMRecoveryMount": _op(
        "POST", _VI, "vsphere.start_instant_recovery", "start_vsphere_instant_recovery"
    ),
    "GetInstantViVMRecoveryMount": _op(
        "GET", f"{_VI}/{{mountId}}", "vsphere.get_mount", "get_vsphere_mount"
    ),
    "InstantViVMRecoveryUnmount": _op(
        "POST", f"{_VI}/{{mountId}}/unmount", "vsphere.unmount", "unmount_vsphere_vm"
    ),
    "InstantViVMRecoveryMigrate": _op(
        "POST", f"{_VI}/{{mountId}}/migrate", "vsphere.migrate", "migrate_vsphere_vm"
    ),
    # Hyper-V VM instant recovery
    "GetAllInstantHvVMRecoveryMounts": _op(
        "GET", _HV, "hyperv.list_mounts_page", "list_hyperv_mounts"
    ),
    "InstantHvVMRecoveryMount": _op(
        "POST", _HV, "hyperv.start_instant_recovery", "start_hyperv_instant_recovery"
    ),
    "GetInstantHvVMRecoveryMount": _op(
        "GET", f"{_HV}/{{mountId}}", "hyperv.get_mount", "get_hyperv_mount"
    ),
    "InstantHvVMRecoveryUnmount": _op(
        "POST", f"{_HV}/{{mountId}}/unmount", "hyperv.unmount", "unmount_hyperv_vm"
    ),
    "InstantHvVMRecoveryMigrate": _op(
        "POST", f"{_HV}/{{mountId}}/migrate", "hyperv.migrate", "migrate_hyperv_vm"
    ),
    # Instant recovery to Microsoft Azure
    "GetAllAzureInstantVMRecoveryMounts": _op(
        "GET", _AZ, "azure.list_mounts_page", "list_azure_mounts"
    ),
    "AzureInstantVMRecoveryMount": _op(
        "POST", _AZ, "azure.start_instant_recovery", "start_azure_instant_recovery"
    ),
    "GetAzureInstantVMRecoveryMount": _op(
        "GET", f"{_AZ}/{{mountId}}", "azure.get_mount", "get_azure_mount"
    ),
    "GetAllAzureInstantVMRecoveryMountSessions": _op(
        "GET",
        f"{_AZ}/{{mountId}}/sessions",
        "azure.list_sessions_page",
        "list_azure_mount_sessions",
    ),
    "AzureInstantVMRecoveryUnmount": _op(
        "POST", f"{_AZ}/{{mountId}}/unmount", "azure.unmount", "unmount_azure_vm"
    ),
    "AzureInstantVMRecoveryMigrate": _op(
        "POST", f"{_AZ}/{{mountId}}/migrate", "azure.migrate", "migrate_azure_vm"
    ),
    "GetAzureInstantVMRecoverySwitchoverSettings": _op(
        "GET",
        f"{_AZ}/{{mountId}}/switchoverSettings",
        "azure.get_switchover_settings",
        "get_azure_switchover_settings",
    ),
    "UpdateAzureInstantVMRecoverySwitchoverSettings": _op(
        "PUT",
        f"{_AZ}/{{mountId}}/switchoverSettings",
        "azure.update_switchover_settings",
        "update_azure_switchover_settings",
    ),
    "AzureInstantVMRecoverySwitchover": _op(
        "POST", f"{_AZ}/{{mountId}}/switchover", "azure.switchover", "switchover_azure_vm"
    ),
    # vSphere First Class Disk instant recovery
    "GetAllVmwareFcdInstantRecoveryMountModels": _op(
        "GET", _FCD, "fcd.list_mounts_page", "list_fcd_mounts"
    ),
    "InstantRecoveryVmwareFcdMountWithSession": _op(
        "POST", _FCD, "fcd.start_instant_recovery", "start_fcd_instant_recovery"
    ),
    "GetVmwareFcdInstantRecoveryMountModel": _op(
        "GET", f"{_FCD}/{{mountId}}", "fcd.get_mount", "get_fcd_mount"
    ),
    "InstantRecoveryVmwareFcdDismountWithSession": _op(
        "POST", f"{_FCD}/{{mountId}}/dismount", "fcd.dismount", "dismount_fcd"
    ),
    "InstantRecoveryVmwareFcdMigrateWithSession": _op(
        "POST", f"{_FCD}/{{mountId}}/migrate", "fcd.migrate", "migrate_fcd"
    ),
    # Instant file share recovery
    "GetAllInstantUnstructuredDataRecoveryMounts": _op(
        "GET", _UD, "unstructured.list_share_mounts_page", "list_file_share_mounts"
    ),
    "InstantUnstructuredDataRecoveryMount": _op(
        "POST",
        _UD,
        "unstructured.start_share_instant_recovery",
        "start_file_share_instant_recovery",
    ),
    "GetInstantUnstructuredDataRecoveryMount": _op(
        "GET", f"{_UD}/{{mountId}}", "unstructured.get_share_mount", "get_file_share_mount"
    ),
    "InstantUnstructuredDataRecoveryUnmount": _op(
        "POST", f"{_UD}/{{mountId}}/unmount", "unstructured.unmount_share", "unmount_file_share"
    ),
    "InstantUnstructuredDataRecoveryMigrate": _op(
        "POST", f"{_UD}/{{mountId}}/migrate", "unstructured.migrate_share", "migrate_file_share"
    ),
    "InstantUnstructuredDataShareSwitchover": _op(
        "POST",
        f"{_UD}/{{mountId}}/switchover",
        "unstructured.switchover_share",
        "switchover_file_share",
    ),
    "GetUnstructuredDataShareIRSwitchoverSettings": _op(
        "GET",
        f"{_UD}/{{mountId}}/switchoverSettings",
        "unstructured.get_share_switchover_settings",
        "get_file_share_switchover_settings",
    ),
    "UpdateUnstructuredDataShareIRSwitchoverSettings": _op(
        "PUT",
        f"{_UD}/{{mountId}}/switchoverSettings",
        "unstructured.update_share_switchover_settings",
        "update_file_share_switchover_settings",
    ),
    # Entire file share / object storage bucket restore
    "EntireUnstructuredDataShareRestore": _op(
        "POST",
        "/api/v1/restore/unstructuredData/fileShare",
        "unstructured.restore_file_share",
        "restore_file_share",
    ),
    "EntireUnstructuredDataOSRestore": _op(
        "POST",
        "/api/v1/restore/unstructuredData/objectStorage",
        "unstructured.restore_bucket",
        "restore_object_storage_bucket",
    ),
    # Unstructured data browse (FLR) mounts
    "StartUnstructuredDataFlrMount": _op(
        "POST",
        "/api/v1/restore/flr/unstructuredData",
        "unstructured.start_flr_mount",
        "start_unstructured_flr_mount",
    ),
    "StopUnstructuredDataFLRMount": _op(
        "POST",
        "/api/v1/restore/unstructuredData/{sessionId}/unmount",
        "unstructured.unmount_flr",
        "unmount_unstructured_flr",
    ),
    # Entire VM restore
    "EntireVmRestoreVmware": _op(
        "POST",
        "/api/v1/restore/vmRestore/vSphere",
        "vm_restore.restore_vsphere_vm",
        "restore_vsphere_vm",
    ),
    "EntireVmRestoreHv": _op(
        "POST",
        "/api/v1/restore/vmRestore/hyperV",
        "vm_restore.restore_hyperv_vm",
        "restore_hyperv_vm",
    ),
    "EntireVmRestoreCloudDirector": _op(
        "POST",
        "/api/v1/restore/vmRestore/cloudDirector",
        "vm_restore.restore_cloud_director_vm",
        "restore_cloud_director_vm",
    ),
    # File-level restore
    "StartFlrMount": _op("POST", "/api/v1/restore/flr", "flr.start_mount", "start_flr_mount"),
    "StopFlrMount": _op(
        "POST", "/api/v1/restore/flr/{sessionId}/unmount", "flr.unmount", "unmount_flr"
    ),
    "FlrRestoreValidateCredentials": _op(
        "POST",
        "/api/v1/restore/flr/{sessionId}/validateCredentials",
        "flr.validate_credentials",
        "validate_flr_credentials",
    ),
    # Microsoft Entra ID
    "GetEntraIdTenantRestoreDeviceCode": _op(
        "POST",
        f"{_ENTRA}/tenant/deviceCode",
        "entra_id.get_device_code",
        "get_entra_id_device_code",
    ),
    "GetEntraIdTenantRestoreDeviceCodeState": _op(
        "POST",
        f"{_ENTRA}/tenant/deviceCode/state",
        "entra_id.get_device_code_state",
        "get_entra_id_device_code_state",
    ),
    "StartEntraIdTenantRestoreAuthorization": _op(
        "GET",
        f"{_ENTRA}/tenant/{{sessionId}}/authCode/startAuthorization",
        "entra_id.start_authorization",
        "start_entra_id_authorization",
    ),
    "EntraIdTenantRestoreAuthorize": _op(
        "POST",
        f"{_ENTRA}/tenant/authCode/authorize",
        "entra_id.authorize",
        "authorize_entra_id",
    ),
    "StartEntraIDTenantRestore": _op(
        "POST", f"{_ENTRA}/tenant", "entra_id.start_tenant_restore", "start_entra_id_tenant_restore"
    ),
    "StartEntraIDTenantRestoreFromCopy": _op(
        "POST",
        f"{_ENTRA}/tenant/fromCopy",
        "entra_id.start_tenant_restore_from_copy",
        "start_entra_id_tenant_restore_from_copy",
    ),
    "StopEntraIDTenantRestore": _op(
        "POST",
        f"{_ENTRA}/tenant/{{sessionId}}/stop",
        "entra_id.stop_tenant_restore",
        "stop_entra_id_tenant_restore",
    ),
    "StartEntraIDAuditLogMount": _op(
        "POST", f"{_ENTRA}/auditLog", "entra_id.mount_audit_log", "mount_entra_id_audit_log"
    ),
    "StopEntraIDAuditLogMount": _op(
        "POST",
        f"{_ENTRA}/auditLog/{{sessionId}}/unmount",
        "entra_id.unmount_audit_log",
        "unmount_entra_id_audit_log",
    ),
}


def _template_pattern(path: str) -> re.Pattern[str]:
    """``/a/{id}/b`` -> a pattern matching ``/a/<anything but a slash>/b`` exactly."""
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


_PATTERNS = [(op.method, _template_pattern(op.path), name) for name, op in OPERATIONS.items()]


def operation_at(method: str, path: str) -> str | None:
    """The ``operationId`` a request (method and concrete path) calls, if it is one of these."""
    for op_method, pattern, name in _PATTERNS:
        if op_method == method.upper() and pattern.match(path):
            return name
    return None
