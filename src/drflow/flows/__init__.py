"""Recovery flows: one per kind of workload, all carried out by one engine (:mod:`.engine`).

:mod:`.registry` lists every kind (``KINDS``) and every flow ``drflow run`` can start
(``FLOWS``). The janitor (:mod:`.janitor`) and ``release`` (:mod:`.release`) act on what the
flows started, by the rules of :mod:`.engine.ownership`.
"""

from .azure import AzureRecoveryParams, azure_instant_recovery
from .engine import (
    AskOptions,
    Disposition,
    OwnedObject,
    RecoveryFailed,
    RecoveryParams,
    RecoveryReport,
    RestorePointPolicy,
    VBRServer,
    human_duration,
)
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
from .registry import FLOWS, KINDS, PLAN_KINDS, FlowEntry, Kind, kind_of_flow
from .switchover_confirm import SwitchoverConfirmParams, switchover_confirm
from .vm_restore import EntireVMRestoreParams, entire_vm_restore
from .vsphere import MigrationTarget, VSphereRecoveryParams, vsphere_instant_recovery

__all__ = [
    "FLOWS",
    "KINDS",
    "PLAN_KINDS",
    "AskOptions",
    "AzureRecoveryParams",
    "Disposition",
    "EntireVMRestoreParams",
    "EntraIdAuditLogRestoreParams",
    "EntraIdTenantRestoreParams",
    "FcdRecoveryParams",
    "FileLevelRestoreParams",
    "FileShareRecoveryParams",
    "FileShareRestoreParams",
    "FlowEntry",
    "HyperVRecoveryParams",
    "Kind",
    "MigrationTarget",
    "ObjectStorageRestoreParams",
    "OwnedObject",
    "RecoveryFailed",
    "RecoveryParams",
    "RecoveryReport",
    "RestorePointPolicy",
    "SwitchoverConfirmParams",
    "VBRServer",
    "VSphereRecoveryParams",
    "azure_instant_recovery",
    "entire_vm_restore",
    "entra_id_audit_log_restore",
    "entra_id_tenant_restore",
    "fcd_instant_recovery",
    "file_level_restore",
    "file_share_instant_recovery",
    "file_share_restore",
    "human_duration",
    "hyperv_instant_recovery",
    "kind_of_flow",
    "object_storage_restore",
    "switchover_confirm",
    "vsphere_instant_recovery",
]
