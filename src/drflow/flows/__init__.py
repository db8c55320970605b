"""End-to-end recovery flows, composed from :mod:`drflow.tasks`.

``FLOWS`` maps each flow's name (as the CLI and deployments call it) to the flow and the
pydantic model of its ``params``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import BaseModel

from ._report import RecoveryFailed, RecoveryReport
from .azure import AzureRecoveryParams, azure_instant_recovery
from .entra_id import (
    EntraIdAuditLogRestoreParams,
    EntraIdTenantRestoreParams,
    entra_id_audit_log_restore,
    entra_id_tenant_restore,
)
from .fcd import FcdRecoveryParams, fcd_instant_recovery
from .file_share import FileShareRecoveryParams, file_share_instant_recovery
from .flr import FileLevelRestoreParams, file_level_restore
from .hyperv import HyperVRecoveryParams, hyperv_instant_recovery
from .nas_restore import (
    FileShareRestoreParams,
    ObjectStorageRestoreParams,
    file_share_restore,
    object_storage_restore,
)
from .params import AskOptions, RecoveryParams, RestorePointPolicy
from .switchover_confirm import SwitchoverConfirmParams, switchover_confirm
from .vm_restore import EntireVMRestoreParams, entire_vm_restore
from .vsphere import MigrationTarget, VSphereRecoveryParams, vsphere_instant_recovery


class FlowEntry(NamedTuple):
    flow: Any
    params: type[BaseModel]


FLOWS: dict[str, FlowEntry] = {
    "vsphere-instant-recovery": FlowEntry(vsphere_instant_recovery, VSphereRecoveryParams),
    "hyperv-instant-recovery": FlowEntry(hyperv_instant_recovery, HyperVRecoveryParams),
    "fcd-instant-recovery": FlowEntry(fcd_instant_recovery, FcdRecoveryParams),
    "entire-vm-restore": FlowEntry(entire_vm_restore, EntireVMRestoreParams),
    "file-level-restore": FlowEntry(file_level_restore, FileLevelRestoreParams),
    "file-share-restore": FlowEntry(file_share_restore, FileShareRestoreParams),
    "object-storage-restore": FlowEntry(object_storage_restore, ObjectStorageRestoreParams),
    "entra-id-tenant-restore": FlowEntry(entra_id_tenant_restore, EntraIdTenantRestoreParams),
    "entra-id-audit-log-restore": FlowEntry(
        entra_id_audit_log_restore, EntraIdAuditLogRestoreParams
    ),
    "azure-instant-recovery": FlowEntry(azure_instant_recovery, AzureRecoveryParams),
    "file-share-instant-recovery": FlowEntry(file_share_instant_recovery, FileShareRecoveryParams),
    "switchover-confirm": FlowEntry(switchover_confirm, SwitchoverConfirmParams),
}

__all__ = [
    "FLOWS",
    "AskOptions",
    "AzureRecoveryParams",
    "EntireVMRestoreParams",
    "EntraIdAuditLogRestoreParams",
    "EntraIdTenantRestoreParams",
    "FcdRecoveryParams",
    "FileLevelRestoreParams",
    "FileShareRecoveryParams",
    "FileShareRestoreParams",
    "FlowEntry",
    "HyperVRecoveryParams",
    "MigrationTarget",
    "ObjectStorageRestoreParams",
    "RecoveryFailed",
    "RecoveryParams",
    "RecoveryReport",
    "RestorePointPolicy",
    "SwitchoverConfirmParams",
    "VSphereRecoveryParams",
    "azure_instant_recovery",
    "entire_vm_restore",
    "entra_id_audit_log_restore",
    "entra_id_tenant_restore",
    "fcd_instant_recovery",
    "file_level_restore",
    "file_share_instant_recovery",
    "file_share_restore",
    "hyperv_instant_recovery",
    "object_storage_restore",
    "switchover_confirm",
    "vsphere_instant_recovery",
]
