"""Built-in VBR roles and, per operation, which of them may call it.

The table is keyed by the operation's ``operationId`` in the VBR 1.3-rev1 contract and
transcribes each operation's "Available to" line. The client names the roles an operation
needs when VBR refuses it (:class:`~drflow.vbr.Forbidden`); the simulator enforces the same
table (a route without a line here is refused to everyone: fail closed), and
``tests/simulator/test_roles.py`` checks the table against the contract.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A built-in VBR user role, spelled as VBR spells it."""

    BACKUP_ADMINISTRATOR = "Veeam Backup Administrator"
    BACKUP_OPERATOR = "Veeam Backup Operator"
    RESTORE_OPERATOR = "Veeam Restore Operator"
    BACKUP_VIEWER = "Veeam Backup Viewer"
    TAPE_OPERATOR = "Veeam Tape Operator"
    SECURITY_ADMINISTRATOR = "Veeam Security Administrator"


ALL_ROLES: frozenset[Role] = frozenset(Role)

_ADMIN = frozenset({Role.BACKUP_ADMINISTRATOR})
_RESTORE = frozenset({Role.BACKUP_ADMINISTRATOR, Role.RESTORE_OPERATOR})
_STOP_SESSIONS = frozenset({Role.BACKUP_ADMINISTRATOR, Role.BACKUP_OPERATOR, Role.RESTORE_OPERATOR})
_VIEW_ALL = ALL_ROLES
_VIEW_RESTORE_POINTS = ALL_ROLES - {Role.SECURITY_ADMINISTRATOR}

OPERATION_ROLES: dict[str, frozenset[Role]] = {
    # authentication ("All built-in user roles" / "All user roles")
    "CreateToken": ALL_ROLES,
    "Logout": ALL_ROLES,
    # sessions
    "GetAllSessions": _VIEW_ALL,
    "GetSession": _VIEW_ALL,
    "GetSessionLogs": _VIEW_ALL,
    "StopSession": _STOP_SESSIONS,
    # what can be restored
    "GetAllObjectRestorePoints": _VIEW_RESTORE_POINTS,
    "GetObjectRestorePoint": _VIEW_RESTORE_POINTS,
    "GetObjectRestorePointDisksWithFiltering": _VIEW_RESTORE_POINTS,
    "GetAllBackups": _VIEW_ALL,
    "GetBackup": _VIEW_ALL,
    "GetBackupObjectRestorePointsWithFiltering": _VIEW_RESTORE_POINTS,
    "GetServerInfo": _ADMIN,
    # instant recovery of vSphere VMs
    "GetAllInstantViVMRecoveryMounts": _VIEW_ALL,
    "InstantViVMRecoveryMount": _RESTORE,
    "GetInstantViVMRecoveryMount": _VIEW_ALL,
    "InstantViVMRecoveryUnmount": _RESTORE,
    "InstantViVMRecoveryMigrate": _RESTORE,
    # instant recovery of Hyper-V VMs
    "GetAllInstantHvVMRecoveryMounts": _VIEW_ALL,
    "InstantHvVMRecoveryMount": _RESTORE,
    "GetInstantHvVMRecoveryMount": _VIEW_ALL,
    "InstantHvVMRecoveryUnmount": _RESTORE,
    "InstantHvVMRecoveryMigrate": _RESTORE,
    # entire VM restore
    "EntireVmRestoreVmware": _RESTORE,
    "EntireVmRestoreHv": _RESTORE,
    "EntireVmRestoreCloudDirector": _RESTORE,
    # instant recovery of First Class Disks (reads: not the Security Administrator;
    # migration: the Backup Administrator only)
    "GetAllVmwareFcdInstantRecoveryMountModels": ALL_ROLES - {Role.SECURITY_ADMINISTRATOR},
    "InstantRecoveryVmwareFcdMountWithSession": _RESTORE,
    "GetVmwareFcdInstantRecoveryMountModel": ALL_ROLES - {Role.SECURITY_ADMINISTRATOR},
    "InstantRecoveryVmwareFcdDismountWithSession": _RESTORE,
    "InstantRecoveryVmwareFcdMigrateWithSession": _ADMIN,
    # file-level restore
    "StartFlrMount": _RESTORE,
    "StopFlrMount": _RESTORE,
    "FlrRestoreValidateCredentials": _RESTORE,
    # instant recovery to Microsoft Azure (migration, switchover and its settings: the Backup
    # Administrator only)
    "GetAllAzureInstantVMRecoveryMounts": _RESTORE,
    "AzureInstantVMRecoveryMount": _RESTORE,
    "GetAzureInstantVMRecoveryMount": _RESTORE,
    "GetAllAzureInstantVMRecoveryMountSessions": _RESTORE,
    "AzureInstantVMRecoveryUnmount": _RESTORE,
    "AzureInstantVMRecoveryMigrate": _ADMIN,
    "GetAzureInstantVMRecoverySwitchoverSettings": _ADMIN,
    "UpdateAzureInstantVMRecoverySwitchoverSettings": _ADMIN,
    "AzureInstantVMRecoverySwitchover": _ADMIN,
    # unstructured data: instant file share recovery, share/bucket restore, browse mounts
    "GetAllInstantUnstructuredDataRecoveryMounts": _RESTORE,
    "InstantUnstructuredDataRecoveryMount": _RESTORE,
    "GetInstantUnstructuredDataRecoveryMount": _RESTORE,
    "InstantUnstructuredDataRecoveryUnmount": _RESTORE,
    "InstantUnstructuredDataRecoveryMigrate": _RESTORE,
    "InstantUnstructuredDataShareSwitchover": _RESTORE,
    "GetUnstructuredDataShareIRSwitchoverSettings": _RESTORE,
    "UpdateUnstructuredDataShareIRSwitchoverSettings": _RESTORE,
    "EntireUnstructuredDataShareRestore": _RESTORE,
    "EntireUnstructuredDataOSRestore": _RESTORE,
    "StartUnstructuredDataFlrMount": _RESTORE,
    "StopUnstructuredDataFLRMount": _RESTORE,
    # Microsoft Entra ID
    "GetEntraIdTenantRestoreDeviceCode": _RESTORE,
    "GetEntraIdTenantRestoreDeviceCodeState": _RESTORE,
    "StartEntraIdTenantRestoreAuthorization": _RESTORE,
    "EntraIdTenantRestoreAuthorize": _RESTORE,
    "StartEntraIDTenantRestore": _RESTORE,
    "StartEntraIDTenantRestoreFromCopy": _RESTORE,
    "StopEntraIDTenantRestore": _RESTORE,
    "StartEntraIDAuditLogMount": _RESTORE,
    "StopEntraIDAuditLogMount": _RESTORE,
}


def roles_for(operation_id: str) -> frozenset[Role]:
    """Roles allowed to call ``operation_id``; empty (nobody) for an unlisted operation."""
    return OPERATION_ROLES.get(operation_id, frozenset())


def describe(roles: frozenset[Role]) -> str:
    """Roles in the order VBR lists them, comma separated."""
    return ", ".join(role.value for role in Role if role in roles)
