"""Every restore operation: what the client sends, what it parses, and the operations table."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from prefect import Task
from pydantic import TypeAdapter

import drflow.tasks
from drflow.vbr import VBRClient, VBRSettings
from drflow.vbr.models import (
    AzureInstantRecoveryMountState,
    AzureInstantVMRecoveryMigrationSpec,
    AzureInstantVMRecoveryMount,
    AzureInstantVMRecoveryMountsOrderColumn,
    AzureInstantVMRecoveryMountsResult,
    AzureInstantVMRecoverySpec,
    AzureInstantVMRecoverySwitchoverSettingsModel,
    EntireCloudDirectorVMRestoreSpec,
    EntireHvVMRestoreSpec,
    EntireViVMRestoreSpec,
    EntraIdTenantBrowseMountModel,
    EntraIdTenantRestoreAuthorizeModel,
    EntraIdTenantRestoreAuthorizeSpec,
    EntraIdTenantRestoreDeviceCodeModel,
    EntraIdTenantRestoreDeviceCodeSpec,
    EntraIdTenantRestoreDeviceCodeStateModel,
    EntraIdTenantRestoreDeviceCodeStateSpec,
    EntraIdTenantRestoreStartAuthorizationModel,
    EntraIdTenantStartRestoreFromCopySpec,
    EntraIdTenantStartRestoreSpec,
    FlrBrowseMountModel,
    FlrMountSpec,
    FlrRestoreCredentialsValidationResult,
    FlrRestoreCredentialsValidationSpec,
    InstantHvVMRecoveryMount,
    InstantHvVMRecoveryMountsOrderColumn,
    InstantHvVMRecoveryMountsResult,
    InstantHvVMRecoverySpec,
    InstantRecoveryMountState,
    InstantUnstructuredDataRecoveryMount,
    InstantUnstructuredDataRecoveryMountsOrderColumn,
    InstantUnstructuredDataRecoveryMountsResult,
    InstantUnstructuredDataRestoreMigrationSpec,
    InstantUnstructuredDataRestoreSpec,
    InstantViVMRecoveryMount,
    InstantViVMRecoveryMountsResult,
    InstantViVMRecoverySpec,
    JobStopSpec,
    SessionModel,
    SessionResult,
    SessionsResult,
    SessionState,
    SessionType,
    UnstructuredDataEntireOSRestoreSpec,
    UnstructuredDataEntireShareRestoreSpec,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
    UnstructuredDataSwitchoverSettingsModel,
    ViVMQuickMigrationSpec,
    VmwareFcdInstantRecoveryMount,
    VmwareFcdInstantRecoveryMountsOrderColumn,
    VmwareFcdInstantRecoveryMountsResult,
    VmwareFcdInstantRecoverySpec,
    VmwareFcdQuickMigrationSpec,
)
from drflow.vbr.models.sessions import SessionsOrderColumn
from drflow.vbr.operations import OPERATIONS

SPEC_FILE = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "reference"
    / "vbr-rest-1.3-rev1-restore.json"
)

TOKEN = {
    "access_token": "a",
    "token_type": "bearer",
    "refresh_token": "r",
    "expires_in": 900,
    ".issued": "2026-01-01T00:00:00Z",
    ".expires": "2026-01-01T00:15:00Z",
}

MOUNT_ID = "0f6c2a8e-1b4d-4c7e-9a3f-5d8b2e6c1a01"
SESSION_ID = "0f6c2a8e-1b4d-4c7e-9a3f-5d8b2e6c1a02"
RP_ID = "0f6c2a8e-1b4d-4c7e-9a3f-5d8b2e6c1a03"
OTHER_ID = "0f6c2a8e-1b4d-4c7e-9a3f-5d8b2e6c1a04"

SESSION = {
    "id": SESSION_ID,
    "name": "app01",
    "jobId": OTHER_ID,
    "sessionType": "InstantRecovery",
    "creationTime": "2026-01-01T00:00:00Z",
    "state": "Working",
    "usn": 1,
}
VI_HOST = {"platform": "VSphere", "hostName": "vc01", "name": "esx01", "type": "Host"}
VI_CLUSTER = {"platform": "VSphere", "hostName": "vc01", "name": "cl01", "type": "Cluster"}
VI_DATASTORE = {"platform": "VSphere", "hostName": "vc01", "name": "ds01", "type": "Datastore"}

VI_IR_SPEC = {
    "type": "OriginalLocation",
    "restorePointId": RP_ID,
    "secureRestore": {"antivirusScanEnabled": False},
    "reason": "drflow-run:x",
}
VI_MOUNT = {
    "id": MOUNT_ID,
    "sessionId": SESSION_ID,
    "state": "Mounted",
    "spec": VI_IR_SPEC,
    "vmName": "app01",
}
VI_QM_SPEC = {"destinationHost": VI_HOST, "VeeamQMEnabled": True, "DeleteSourceVmsFiles": False}

HV_IR_SPEC = {
    "type": "Customized",
    "restorePointId": RP_ID,
    "destinationHost": {
        "platform": "HyperV",
        "hostName": "hv01",
        "name": "hv01",
        "type": "Host",
        "objectId": "h-1",
    },
    "target": {"vmName": "app01-dr", "preserveUUID": False},
    "powerUp": True,
    "reason": "drflow-run:x",
}
HV_MOUNT = {
    "id": MOUNT_ID,
    "sessionId": SESSION_ID,
    "state": "Mounting",
    "spec": HV_IR_SPEC,
    "vmName": "app01",
}

AZ_IR_SPEC = {
    "restorePointId": RP_ID,
    "subscription": {"subscriptionId": OTHER_ID, "location": "westeurope"},
    "name": {"name": "app01", "tags": [{"name": "owner", "value": "dr"}]},
    "vmSize": {"instanceSize": "Standard_F4s_v2"},
    "resourceGroup": {"resourceGroup": "rg-dr"},
    "network": {"network": "/vnet", "subnet": "/vnet/subnets/a"},
    "appliance": {"subnet": "/vnet/subnets/b"},
    "reason": "drflow-run:x",
    "verifyVMBoot": True,
}
AZ_MOUNT = {"id": MOUNT_ID, "state": "Starting", "spec": AZ_IR_SPEC}
AZ_SWITCHOVER = {
    "type": "Scheduled",
    "scheduleTime": "2026-01-02T03:00:00Z",
    "verifyVMBoot": True,
    "powerOnVM": False,
}

FCD_SPEC = {
    "restorePointId": RP_ID,
    "destinationCluster": VI_CLUSTER,
    "disksMapping": [
        {"nameInBackup": "d1", "mountedDiskName": "m1", "registeredFcdName": "r1-drflow-run:x"}
    ],
    "writeCache": {"redirectIsEnabled": False},
}
FCD_MOUNT = {"id": MOUNT_ID, "sessionId": SESSION_ID, "state": "Mounted", "spec": FCD_SPEC}
FCD_QM_SPEC = {"mountedDiskNames": ["m1"], "targetDatastore": VI_DATASTORE}

SHARE_IR_SPEC = {
    "autoSelectMountServers": True,
    "restoreOptions": [
        {
            "restorePointId": RP_ID,
            "permissions": {"owner": "Administrator", "permissionType": "AllowEveryone"},
        }
    ],
    "reason": "drflow-run:x",
}
SHARE_MOUNT = {
    "id": MOUNT_ID,
    "sessionId": SESSION_ID,
    "state": "Published",
    "spec": SHARE_IR_SPEC,
    "unstructuredServerId": OTHER_ID,
}
SHARE_MIGRATION_SPEC = {
    "destination": {"unstructuredDataServerId": OTHER_ID, "path": "\\\\fs02\\share"},
    "overwriteMode": "ReplaceOlder",
    "switchoverSettings": {"type": "Manual"},
}
SHARE_SWITCHOVER = {"type": "Scheduled", "scheduleTime": "2026-01-02T03:00:00Z"}
SHARE_RESTORE_SPEC = {
    "restorePointId": RP_ID,
    "destination": {"path": "\\\\fs02\\restore", "preserveHierarchy": True},
    "restoreOptions": {"overwriteMode": "Skip", "restorePermissions": True},
}
BUCKET_RESTORE_SPEC = {
    "restorePointId": RP_ID,
    "destination": {"newBucketName": "restored", "regionId": "eu-west-1"},
    "restoreOptions": {"rollback": False, "overwriteBucketAttributes": True},
}
UD_MOUNT_SPEC = {
    "unstructuredDataServerId": OTHER_ID,
    "restorePointId": RP_ID,
    "autoUnmount": {"isEnabled": True, "noActivityPeriodInMinutes": 30},
}
UD_FLR_MOUNT = {
    "sessionId": SESSION_ID,
    "properties": {"pathSeparator": "\\"},
    "sourceProperties": {"backupId": OTHER_ID},
}

ENTIRE_VI_SPEC = {
    "type": "OriginalLocation",
    "restorePointId": RP_ID,
    "quickRollback": True,
    "powerUp": True,
    "reason": "drflow-run:x",
}
ENTIRE_HV_SPEC = {
    "type": "OriginalLocation",
    "restorePointId": RP_ID,
    "powerUp": False,
    "reason": "drflow-run:x",
}
ENTIRE_VCD_SPEC = {
    "type": "Customized",
    "restorePointId": RP_ID,
    "location": {
        "newName": "app01-dr",
        "vApp": {"platform": "CloudDirector", "hostName": "vcd01", "name": "va", "type": "vApp"},
        "restoreVSphereVMTags": False,
    },
    "reason": "drflow-run:x",
}

FLR_SPEC = {
    "type": "Windows",
    "restorePointId": RP_ID,
    "autoUnmount": {"isEnabled": True},
    "mountMode": "Automatic",
    "reason": "drflow-run:x",
}
FLR_MOUNT = {
    "sessionId": SESSION_ID,
    "type": "Windows",
    "properties": {"pathSeparator": "\\"},
    "sourceProperties": {"machineName": "app01", "restorePointName": "app01 rp"},
    "mountErrors": [{"type": "Warning", "message": "one volume skipped"}],
    "restorePointId": RP_ID,
}
FLR_VALIDATION_SPEC = {
    "restoreMode": "Customized",
    "credentialsId": OTHER_ID,
    "targetHost": {"type": "Agent", "protectedComputerId": OTHER_ID},
}

ENTRA_MOUNT = {
    "sessionId": SESSION_ID,
    "sourceProperties": {"backupId": OTHER_ID, "tenantName": "contoso"},
}
DEVICE_CODE = {
    "userCode": "ABCD-EFGH",
    "deviceCode": "dc",
    "verificationUrl": "https://microsoft.com/devicelogin",
    "expiresOn": "2026-01-01T00:15:00Z",
}
DEVICE_CODE_STATE = {"status": "Success", "credentialsId": OTHER_ID, "username": "ops@contoso"}
AUTHORIZE_SPEC = {"code": "c0de", "state": "s", "sessionId": SESSION_ID}


def page(*items: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": list(items),
        "pagination": {"total": len(items), "count": len(items), "skip": 0, "limit": 200},
    }


def build(model: Any, wire: dict[str, Any]) -> Any:
    """A request model from its wire form (works for the discriminated unions too)."""
    return TypeAdapter(model).validate_python(wire)


@dataclass
class Case:
    op_id: str
    call: Callable[[VBRClient], Any]
    path: str
    status: int
    answer: dict[str, Any] | None
    parsed: Any
    params: list[tuple[str, str]] = field(default_factory=list)
    body: Any = None


def vi(suffix: str = "") -> str:
    return f"/api/v1/restore/instantRecovery/vSphere/vm{suffix}"


def hv(suffix: str = "") -> str:
    return f"/api/v1/restore/instantRecovery/hyperV/vm{suffix}"


def az(suffix: str = "") -> str:
    return f"/api/v1/restore/instantRecovery/azure/vm{suffix}"


def fcd(suffix: str = "") -> str:
    return f"/api/v1/restore/instantRecovery/vSphere/fcd{suffix}"


def ud(suffix: str = "") -> str:
    return f"/api/v1/restore/instantRecovery/unstructuredData{suffix}"


CASES = [
    # --- vSphere -------------------------------------------------------------------------
    Case(
        "GetAllInstantViVMRecoveryMounts",
        lambda c: c.vsphere.list_mounts_page(
            skip=0, limit=10, vm_name_filter="app01", mount_id_filter=[MOUNT_ID]
        ),
        vi(),
        200,
        page(VI_MOUNT),
        InstantViVMRecoveryMountsResult,
        params=[
            ("limit", "10"),
            ("mountIdFilter", MOUNT_ID),
            ("skip", "0"),
            ("vmNameFilter", "app01"),
        ],
    ),
    Case(
        "InstantViVMRecoveryMount",
        lambda c: c.vsphere.start_instant_recovery(build(InstantViVMRecoverySpec, VI_IR_SPEC)),
        vi(),
        201,
        SESSION,
        SessionModel,
        body=VI_IR_SPEC,
    ),
    Case(
        "GetInstantViVMRecoveryMount",
        lambda c: c.vsphere.get_mount(MOUNT_ID),
        vi(f"/{MOUNT_ID}"),
        200,
        VI_MOUNT,
        InstantViVMRecoveryMount,
    ),
    Case(
        "InstantViVMRecoveryUnmount",
        lambda c: c.vsphere.unmount(MOUNT_ID),
        vi(f"/{MOUNT_ID}/unmount"),
        200,
        SESSION,
        SessionModel,
    ),
    Case(
        "InstantViVMRecoveryMigrate",
        lambda c: c.vsphere.migrate(MOUNT_ID, build(ViVMQuickMigrationSpec, VI_QM_SPEC)),
        vi(f"/{MOUNT_ID}/migrate"),
        200,
        SESSION,
        SessionModel,
        body=VI_QM_SPEC,
    ),
    # --- Hyper-V -------------------------------------------------------------------------
    Case(
        "GetAllInstantHvVMRecoveryMounts",
        lambda c: c.hyperv.list_mounts_page(
            skip=5,
            limit=20,
            order_column=InstantHvVMRecoveryMountsOrderColumn.VM_NAME,
            order_asc=True,
            state_filter=InstantRecoveryMountState.MOUNTED,
            vm_name_filter="app*",
        ),
        hv(),
        200,
        page(HV_MOUNT),
        InstantHvVMRecoveryMountsResult,
        params=[
            ("limit", "20"),
            ("orderAsc", "true"),
            ("orderColumn", "VmName"),
            ("skip", "5"),
            ("stateFilter", "Mounted"),
            ("vmNameFilter", "app*"),
        ],
    ),
    Case(
        "InstantHvVMRecoveryMount",
        lambda c: c.hyperv.start_instant_recovery(build(InstantHvVMRecoverySpec, HV_IR_SPEC)),
        hv(),
        201,
        SESSION,
        SessionModel,
        body=HV_IR_SPEC,
    ),
    Case(
        "GetInstantHvVMRecoveryMount",
        lambda c: c.hyperv.get_mount(MOUNT_ID),
        hv(f"/{MOUNT_ID}"),
        200,
        HV_MOUNT,
        InstantHvVMRecoveryMount,
    ),
    Case(
        "InstantHvVMRecoveryUnmount",
        lambda c: c.hyperv.unmount(MOUNT_ID),
        hv(f"/{MOUNT_ID}/unmount"),
        200,
        SESSION,
        SessionModel,
    ),
    Case(
        "InstantHvVMRecoveryMigrate",
        lambda c: c.hyperv.migrate(MOUNT_ID),
        hv(f"/{MOUNT_ID}/migrate"),
        204,
        None,
        None,
    ),
    # --- Azure ---------------------------------------------------------------------------
    Case(
        "GetAllAzureInstantVMRecoveryMounts",
        lambda c: c.azure.list_mounts_page(
            limit=50,
            order_column=AzureInstantVMRecoveryMountsOrderColumn.NAME,
            order_asc=False,
            state_filter=AzureInstantRecoveryMountState.READY_TO_SWITCH,
        ),
        az(),
        200,
        page(AZ_MOUNT),
        AzureInstantVMRecoveryMountsResult,
        params=[
            ("limit", "50"),
            ("orderAsc", "false"),
            ("orderColumn", "Name"),
            ("stateFilter", "ReadyToSwitch"),
        ],
    ),
    Case(
        "AzureInstantVMRecoveryMount",
        lambda c: c.azure.start_instant_recovery(build(AzureInstantVMRecoverySpec, AZ_IR_SPEC)),
        az(),
        201,
        AZ_MOUNT,
        AzureInstantVMRecoveryMount,
        body=AZ_IR_SPEC,
    ),
    Case(
        "GetAzureInstantVMRecoveryMount",
        lambda c: c.azure.get_mount(MOUNT_ID),
        az(f"/{MOUNT_ID}"),
        200,
        AZ_MOUNT,
        AzureInstantVMRecoveryMount,
    ),
    Case(
        "GetAllAzureInstantVMRecoveryMountSessions",
        lambda c: c.azure.list_sessions_page(
            MOUNT_ID,
            skip=0,
            limit=100,
            order_column=SessionsOrderColumn.CREATION_TIME,
            order_asc=False,
            type_filter=SessionType.AZURE_INSTANT_RECOVERY_MIGRATION,
            state_filter=SessionState.WORKING,
            result_filter=[SessionResult.SUCCESS, SessionResult.WARNING],
        ),
        az(f"/{MOUNT_ID}/sessions"),
        200,
        page(SESSION),
        SessionsResult,
        params=[
            ("limit", "100"),
            ("orderAsc", "false"),
            ("orderColumn", "CreationTime"),
            ("resultFilter", "Success"),
            ("resultFilter", "Warning"),
            ("skip", "0"),
            ("stateFilter", "Working"),
            ("typeFilter", "AzureInstantRecoveryMigration"),
        ],
    ),
    Case(
        "AzureInstantVMRecoveryUnmount",
        lambda c: c.azure.unmount(MOUNT_ID),
        az(f"/{MOUNT_ID}/unmount"),
        201,
        {**AZ_MOUNT, "state": "Stopping"},
        AzureInstantVMRecoveryMount,
    ),
    Case(
        "AzureInstantVMRecoveryMigrate",
        lambda c: c.azure.migrate(
            MOUNT_ID,
            build(AzureInstantVMRecoveryMigrationSpec, {"switchoverSettings": AZ_SWITCHOVER}),
        ),
        az(f"/{MOUNT_ID}/migrate"),
        201,
        {**AZ_MOUNT, "state": "Migrating"},
        AzureInstantVMRecoveryMount,
        body={"switchoverSettings": AZ_SWITCHOVER},
    ),
    Case(
        "GetAzureInstantVMRecoverySwitchoverSettings",
        lambda c: c.azure.get_switchover_settings(MOUNT_ID),
        az(f"/{MOUNT_ID}/switchoverSettings"),
        200,
        AZ_SWITCHOVER,
        AzureInstantVMRecoverySwitchoverSettingsModel,
    ),
    Case(
        "UpdateAzureInstantVMRecoverySwitchoverSettings",
        lambda c: c.azure.update_switchover_settings(
            MOUNT_ID, build(AzureInstantVMRecoverySwitchoverSettingsModel, AZ_SWITCHOVER)
        ),
        az(f"/{MOUNT_ID}/switchoverSettings"),
        201,
        AZ_SWITCHOVER,
        AzureInstantVMRecoverySwitchoverSettingsModel,
        body=AZ_SWITCHOVER,
    ),
    Case(
        "AzureInstantVMRecoverySwitchover",
        lambda c: c.azure.switchover(MOUNT_ID),
        az(f"/{MOUNT_ID}/switchover"),
        201,
        {**AZ_MOUNT, "state": "Switching"},
        AzureInstantVMRecoveryMount,
    ),
    # --- First Class Disks -----------------------------------------------------------------
    Case(
        "GetAllVmwareFcdInstantRecoveryMountModels",
        lambda c: c.fcd.list_mounts_page(
            skip=1,
            limit=2,
            order_column=VmwareFcdInstantRecoveryMountsOrderColumn.STATE,
            order_asc=True,
            state_filter=InstantRecoveryMountState.FAILED,
        ),
        fcd(),
        200,
        page(FCD_MOUNT),
        VmwareFcdInstantRecoveryMountsResult,
        params=[
            ("limit", "2"),
            ("orderAsc", "true"),
            ("orderColumn", "State"),
            ("skip", "1"),
            ("stateFilter", "Failed"),
        ],
    ),
    Case(
        "InstantRecoveryVmwareFcdMountWithSession",
        lambda c: c.fcd.start_instant_recovery(build(VmwareFcdInstantRecoverySpec, FCD_SPEC)),
        fcd(),
        201,
        {**SESSION, "sessionType": "FirstClassDiskInstantRestore"},
        SessionModel,
        body=FCD_SPEC,
    ),
    Case(
        "GetVmwareFcdInstantRecoveryMountModel",
        lambda c: c.fcd.get_mount(MOUNT_ID),
        fcd(f"/{MOUNT_ID}"),
        200,
        FCD_MOUNT,
        VmwareFcdInstantRecoveryMount,
    ),
    Case(
        "InstantRecoveryVmwareFcdDismountWithSession",
        lambda c: c.fcd.dismount(MOUNT_ID),
        fcd(f"/{MOUNT_ID}/dismount"),
        200,
        SESSION,
        SessionModel,
    ),
    Case(
        "InstantRecoveryVmwareFcdMigrateWithSession",
        lambda c: c.fcd.migrate(MOUNT_ID, build(VmwareFcdQuickMigrationSpec, FCD_QM_SPEC)),
        fcd(f"/{MOUNT_ID}/migrate"),
        200,
        {**SESSION, "sessionType": "FirstClassDiskQuickMigration"},
        SessionModel,
        body=FCD_QM_SPEC,
    ),
    # --- Instant file share recovery --------------------------------------------------------
    Case(
        "GetAllInstantUnstructuredDataRecoveryMounts",
        lambda c: c.unstructured.list_share_mounts_page(
            skip=0,
            limit=10,
            order_column=InstantUnstructuredDataRecoveryMountsOrderColumn.NAME,
            order_asc=True,
            state_filter=InstantRecoveryMountState.MOUNTED,
            share_name_filter="share*",
        ),
        ud(),
        200,
        page(SHARE_MOUNT),
        InstantUnstructuredDataRecoveryMountsResult,
        params=[
            ("limit", "10"),
            ("orderAsc", "true"),
            ("orderColumn", "Name"),
            ("shareNameFilter", "share*"),
            ("skip", "0"),
            ("stateFilter", "Mounted"),
        ],
    ),
    Case(
        "InstantUnstructuredDataRecoveryMount",
        lambda c: c.unstructured.start_share_instant_recovery(
            build(InstantUnstructuredDataRestoreSpec, SHARE_IR_SPEC)
        ),
        ud(),
        201,
        page({**SESSION, "sessionType": "FileInstantRecovery"}),
        SessionsResult,
        body=SHARE_IR_SPEC,
    ),
    Case(
        "GetInstantUnstructuredDataRecoveryMount",
        lambda c: c.unstructured.get_share_mount(MOUNT_ID),
        ud(f"/{MOUNT_ID}"),
        200,
        SHARE_MOUNT,
        InstantUnstructuredDataRecoveryMount,
    ),
    Case(
        "InstantUnstructuredDataRecoveryUnmount",
        lambda c: c.unstructured.unmount_share(MOUNT_ID),
        ud(f"/{MOUNT_ID}/unmount"),
        200,
        SESSION,
        SessionModel,
    ),
    Case(
        "InstantUnstructuredDataRecoveryMigrate",
        lambda c: c.unstructured.migrate_share(
            MOUNT_ID, build(InstantUnstructuredDataRestoreMigrationSpec, SHARE_MIGRATION_SPEC)
        ),
        ud(f"/{MOUNT_ID}/migrate"),
        201,
        {**SESSION, "sessionType": "FileInstantRecoveryMigration"},
        SessionModel,
        body=SHARE_MIGRATION_SPEC,
    ),
    Case(
        "InstantUnstructuredDataShareSwitchover",
        lambda c: c.unstructured.switchover_share(MOUNT_ID),
        ud(f"/{MOUNT_ID}/switchover"),
        201,
        SESSION,
        SessionModel,
    ),
    Case(
        "GetUnstructuredDataShareIRSwitchoverSettings",
        lambda c: c.unstructured.get_share_switchover_settings(MOUNT_ID),
        ud(f"/{MOUNT_ID}/switchoverSettings"),
        200,
        SHARE_SWITCHOVER,
        UnstructuredDataSwitchoverSettingsModel,
    ),
    Case(
        "UpdateUnstructuredDataShareIRSwitchoverSettings",
        lambda c: c.unstructured.update_share_switchover_settings(
            MOUNT_ID, build(UnstructuredDataSwitchoverSettingsModel, SHARE_SWITCHOVER)
        ),
        ud(f"/{MOUNT_ID}/switchoverSettings"),
        200,
        SHARE_SWITCHOVER,
        UnstructuredDataSwitchoverSettingsModel,
        body=SHARE_SWITCHOVER,
    ),
    # --- Entire share / bucket restore, unstructured browse mounts ---------------------------
    Case(
        "EntireUnstructuredDataShareRestore",
        lambda c: c.unstructured.restore_file_share(
            build(UnstructuredDataEntireShareRestoreSpec, SHARE_RESTORE_SPEC)
        ),
        "/api/v1/restore/unstructuredData/fileShare",
        201,
        {**SESSION, "sessionType": "NasRestore"},
        SessionModel,
        body=SHARE_RESTORE_SPEC,
    ),
    Case(
        "EntireUnstructuredDataOSRestore",
        lambda c: c.unstructured.restore_bucket(
            build(UnstructuredDataEntireOSRestoreSpec, BUCKET_RESTORE_SPEC)
        ),
        "/api/v1/restore/unstructuredData/objectStorage",
        201,
        SESSION,
        SessionModel,
        body=BUCKET_RESTORE_SPEC,
    ),
    Case(
        "StartUnstructuredDataFlrMount",
        lambda c: c.unstructured.start_flr_mount(build(UnstructuredDataMountSpec, UD_MOUNT_SPEC)),
        "/api/v1/restore/flr/unstructuredData",
        201,
        UD_FLR_MOUNT,
        UnstructuredDataFlrBrowseMountModel,
        body=UD_MOUNT_SPEC,
    ),
    Case(
        "StopUnstructuredDataFLRMount",
        lambda c: c.unstructured.unmount_flr(SESSION_ID),
        f"/api/v1/restore/unstructuredData/{SESSION_ID}/unmount",
        201,
        SESSION,
        SessionModel,
    ),
    # --- Entire VM restore -------------------------------------------------------------------
    Case(
        "EntireVmRestoreVmware",
        lambda c: c.vm_restore.restore_vsphere_vm(build(EntireViVMRestoreSpec, ENTIRE_VI_SPEC)),
        "/api/v1/restore/vmRestore/vSphere",
        201,
        {**SESSION, "sessionType": "RestoreVm"},
        SessionModel,
        body=ENTIRE_VI_SPEC,
    ),
    Case(
        "EntireVmRestoreHv",
        lambda c: c.vm_restore.restore_hyperv_vm(build(EntireHvVMRestoreSpec, ENTIRE_HV_SPEC)),
        "/api/v1/restore/vmRestore/hyperV",
        201,
        {**SESSION, "sessionType": "RestoreVm"},
        SessionModel,
        body=ENTIRE_HV_SPEC,
    ),
    Case(
        "EntireVmRestoreCloudDirector",
        lambda c: c.vm_restore.restore_cloud_director_vm(
            build(EntireCloudDirectorVMRestoreSpec, ENTIRE_VCD_SPEC)
        ),
        "/api/v1/restore/vmRestore/cloudDirector",
        201,
        {**SESSION, "sessionType": "CloudDirectorVmRestore"},
        SessionModel,
        body=ENTIRE_VCD_SPEC,
    ),
    # --- File-level restore --------------------------------------------------------------------
    Case(
        "StartFlrMount",
        lambda c: c.flr.start_mount(build(FlrMountSpec, FLR_SPEC)),
        "/api/v1/restore/flr",
        201,
        FLR_MOUNT,
        FlrBrowseMountModel,
        body=FLR_SPEC,
    ),
    Case(
        "StopFlrMount",
        lambda c: c.flr.unmount(SESSION_ID),
        f"/api/v1/restore/flr/{SESSION_ID}/unmount",
        201,
        {**SESSION, "sessionType": "FileLevelRestore"},
        SessionModel,
    ),
    Case(
        "FlrRestoreValidateCredentials",
        lambda c: c.flr.validate_credentials(
            SESSION_ID, build(FlrRestoreCredentialsValidationSpec, FLR_VALIDATION_SPEC)
        ),
        f"/api/v1/restore/flr/{SESSION_ID}/validateCredentials",
        200,
        {"isSuccessful": False, "message": "logon failure"},
        FlrRestoreCredentialsValidationResult,
        body=FLR_VALIDATION_SPEC,
    ),
    # --- Entra ID ------------------------------------------------------------------------------
    Case(
        "GetEntraIdTenantRestoreDeviceCode",
        lambda c: c.entra_id.get_device_code(
            build(EntraIdTenantRestoreDeviceCodeSpec, {"sessionId": SESSION_ID})
        ),
        "/api/v1/restore/entraId/tenant/deviceCode",
        201,
        DEVICE_CODE,
        EntraIdTenantRestoreDeviceCodeModel,
        body={"sessionId": SESSION_ID},
    ),
    Case(
        "GetEntraIdTenantRestoreDeviceCodeState",
        lambda c: c.entra_id.get_device_code_state(
            build(
                EntraIdTenantRestoreDeviceCodeStateSpec,
                {"sessionId": SESSION_ID, "userCode": "ABCD-EFGH"},
            )
        ),
        "/api/v1/restore/entraId/tenant/deviceCode/state",
        200,
        DEVICE_CODE_STATE,
        EntraIdTenantRestoreDeviceCodeStateModel,
        body={"sessionId": SESSION_ID, "userCode": "ABCD-EFGH"},
    ),
    Case(
        "StartEntraIdTenantRestoreAuthorization",
        lambda c: c.entra_id.start_authorization(
            SESSION_ID, vdc_session_id="vdc-1", redirect_uri="https://dr.example/callback"
        ),
        f"/api/v1/restore/entraId/tenant/{SESSION_ID}/authCode/startAuthorization",
        200,
        {"uri": "https://login.example/authorize?x=1"},
        EntraIdTenantRestoreStartAuthorizationModel,
        params=[("redirectUri", "https://dr.example/callback"), ("vdcSessionId", "vdc-1")],
    ),
    Case(
        "EntraIdTenantRestoreAuthorize",
        lambda c: c.entra_id.authorize(build(EntraIdTenantRestoreAuthorizeSpec, AUTHORIZE_SPEC)),
        "/api/v1/restore/entraId/tenant/authCode/authorize",
        200,
        {"successful": True, "credentialsId": OTHER_ID},
        EntraIdTenantRestoreAuthorizeModel,
        body=AUTHORIZE_SPEC,
    ),
    Case(
        "StartEntraIDTenantRestore",
        lambda c: c.entra_id.start_tenant_restore(
            build(EntraIdTenantStartRestoreSpec, {"backupId": OTHER_ID})
        ),
        "/api/v1/restore/entraId/tenant",
        201,
        ENTRA_MOUNT,
        EntraIdTenantBrowseMountModel,
        body={"backupId": OTHER_ID},
    ),
    Case(
        "StartEntraIDTenantRestoreFromCopy",
        lambda c: c.entra_id.start_tenant_restore_from_copy(
            build(EntraIdTenantStartRestoreFromCopySpec, {"restorePointId": RP_ID})
        ),
        "/api/v1/restore/entraId/tenant/fromCopy",
        201,
        {**SESSION, "sessionType": "EntraIdRestoreFromCopy"},
        SessionModel,
        body={"restorePointId": RP_ID},
    ),
    Case(
        "StopEntraIDTenantRestore",
        lambda c: c.entra_id.stop_tenant_restore(
            SESSION_ID, build(JobStopSpec, {"gracefulStop": True})
        ),
        f"/api/v1/restore/entraId/tenant/{SESSION_ID}/stop",
        201,
        {**SESSION, "sessionType": "EntraIdRestore"},
        SessionModel,
        body={"gracefulStop": True},
    ),
    Case(
        "StartEntraIDAuditLogMount",
        lambda c: c.entra_id.mount_audit_log(build(UnstructuredDataMountSpec, UD_MOUNT_SPEC)),
        "/api/v1/restore/entraId/auditLog",
        201,
        UD_FLR_MOUNT,
        UnstructuredDataFlrBrowseMountModel,
        body=UD_MOUNT_SPEC,
    ),
    Case(
        "StopEntraIDAuditLogMount",
        lambda c: c.entra_id.unmount_audit_log(SESSION_ID),
        f"/api/v1/restore/entraId/auditLog/{SESSION_ID}/unmount",
        201,
        SESSION,
        SessionModel,
    ),
]


class Recorder:
    """A fake VBR: token and logout endpoints, one scripted answer for every other request."""

    def __init__(self, status: int, answer: dict[str, Any] | None) -> None:
        self.status = status
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth2/token":
            return httpx.Response(200, json=TOKEN)
        if request.url.path == "/api/oauth2/logout":
            return httpx.Response(200)
        self.requests.append(request)
        if self.answer is None:
            return httpx.Response(self.status)
        return httpx.Response(self.status, json=self.answer)


def client_for(recorder: Recorder) -> VBRClient:
    return VBRClient(
        VBRSettings(url="http://vbr.test", username="u", password="p"),
        transport=httpx.MockTransport(recorder.handler),
    )


def _spec() -> dict[str, Any]:
    return json.loads(SPEC_FILE.read_text())


def _spec_restore_operations() -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for path, item in _spec()["paths"].items():
        if not path.startswith("/api/v1/restore/"):
            continue
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                found[op["operationId"]] = (method.upper(), path)
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.op_id for c in CASES])
def test_client_method_sends_and_parses(case: Case) -> None:
    recorder = Recorder(case.status, case.answer)
    with client_for(recorder) as client:
        result = case.call(client)

    assert len(recorder.requests) == 1
    request = recorder.requests[0]
    op = OPERATIONS[case.op_id]
    assert request.method == op.method
    assert request.url.path == case.path
    template = op.path.replace("{mountId}", MOUNT_ID).replace("{sessionId}", SESSION_ID)
    assert request.url.path == template
    assert sorted(request.url.params.multi_items()) == sorted(case.params)
    assert request.headers["x-api-version"] == "1.3-rev1"
    sent = json.loads(request.content) if request.content else None
    assert sent == case.body

    model = case.parsed
    if model is None:
        assert result is None
    else:
        assert isinstance(result, model)
        assert result == TypeAdapter(model).validate_python(case.answer)


def test_every_restore_operation_has_a_client_case() -> None:
    assert {c.op_id for c in CASES} == set(OPERATIONS)
    for case in CASES:
        method_name = OPERATIONS[case.op_id].client_method.split(".")[-1]
        assert method_name in case.call.__code__.co_names, case.op_id


def test_hyperv_migrate_sends_no_body() -> None:
    recorder = Recorder(204, None)
    with client_for(recorder) as client:
        assert client.hyperv.migrate(MOUNT_ID) is None
    assert recorder.requests[0].content == b""


def test_entra_id_stop_without_spec_sends_no_body() -> None:
    recorder = Recorder(201, SESSION)
    with client_for(recorder) as client:
        client.entra_id.stop_tenant_restore(SESSION_ID)
    assert recorder.requests[0].content == b""


def test_operations_table_matches_the_spec() -> None:
    spec_ops = _spec_restore_operations()
    assert len(spec_ops) == 51
    assert set(OPERATIONS) == set(spec_ops)
    for op_id, op in OPERATIONS.items():
        assert (op.method, op.path) == spec_ops[op_id], op_id


def test_operations_name_real_client_methods_and_tasks() -> None:
    client = VBRClient(VBRSettings(url="http://vbr.test", username="u", password="p"))
    for op_id, op in OPERATIONS.items():
        assert callable(operator.attrgetter(op.client_method)(client)), op_id
        task = getattr(drflow.tasks, op.task, None)
        assert isinstance(task, Task), op_id
        assert op.task in drflow.tasks.__all__, op_id
    assert len({op.task for op in OPERATIONS.values()}) == len(OPERATIONS)
    assert len({op.client_method for op in OPERATIONS.values()}) == len(OPERATIONS)


def test_vsphere_rows_are_the_existing_ones() -> None:
    vsphere = {k: (o.client_method, o.task) for k, o in OPERATIONS.items() if "ViVM" in k}
    assert vsphere == {
        "GetAllInstantViVMRecoveryMounts": ("vsphere.list_mounts_page", "list_vsphere_mounts"),
        "InstantViVMRecoveryMount": (
            "vsphere.start_instant_recovery",
            "start_vsphere_instant_recovery",
        ),
        "GetInstantViVMRecoveryMount": ("vsphere.get_mount", "get_vsphere_mount"),
        "InstantViVMRecoveryUnmount": ("vsphere.unmount", "unmount_vsphere_vm"),
        "InstantViVMRecoveryMigrate": ("vsphere.migrate", "migrate_vsphere_vm"),
    }


def test_operations_module_does_not_import_prefect() -> None:
    import drflow.vbr.operations as module

    source = Path(module.__file__).read_text()
    assert "import prefect" not in source
    assert "from prefect" not in source


# --- adoption by the start tasks (run without Prefect: logger and client patched) ------------


class Routes:
    """A fake VBR answering by (method, path); records every API request."""

    def __init__(self, routes: dict[tuple[str, str], tuple[int, Any]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/oauth2/"):
            return httpx.Response(200, json=TOKEN)
        self.requests.append(request)
        status, body = self.routes[(request.method, request.url.path)]
        return httpx.Response(status) if body is None else httpx.Response(status, json=body)

    def sent(self, method: str) -> list[str]:
        return [r.url.path for r in self.requests if r.method == method]


@pytest.fixture
def fake_vbr(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Routes]:
    import logging

    from drflow.tasks import _common, azure, fcd, hyperv, vm_restore

    def make(routes: dict[tuple[str, str], tuple[int, Any]]) -> Routes:
        fake = Routes(routes)
        client = VBRClient(
            VBRSettings(url="http://vbr.test", username="u", password="p"),
            transport=httpx.MockTransport(fake.handler),
        )
        for module in (_common, azure, fcd, hyperv, vm_restore):
            monkeypatch.setattr(module, "get_client", lambda _connection: client)
        for module in (_common, azure, fcd):
            monkeypatch.setattr(module, "get_run_logger", lambda: logging.getLogger("test"))
        return fake

    return make


CONNECTION = drflow.tasks.VBRConnection(url="http://vbr.test")


def test_hyperv_start_adopts_the_marked_mount(fake_vbr: Callable[..., Routes]) -> None:
    fake = fake_vbr({("GET", hv()): (200, page(HV_MOUNT))})
    spec = build(InstantHvVMRecoverySpec, HV_IR_SPEC)
    mount = drflow.tasks.start_hyperv_instant_recovery.fn(CONNECTION, "app01", spec, "drflow-run:x")
    assert str(mount.id) == MOUNT_ID
    assert fake.sent("POST") == []


def test_hyperv_start_posts_when_nothing_is_marked(fake_vbr: Callable[..., Routes]) -> None:
    other = {**HV_MOUNT, "spec": {**HV_IR_SPEC, "reason": "drflow-run:other"}}
    fake = fake_vbr(
        {
            ("GET", hv()): (200, page(other)),
            ("POST", hv()): (201, SESSION),
            ("GET", hv(f"/{SESSION_ID}")): (200, {**HV_MOUNT, "id": SESSION_ID}),
        }
    )
    spec = build(InstantHvVMRecoverySpec, HV_IR_SPEC)
    mount = drflow.tasks.start_hyperv_instant_recovery.fn(CONNECTION, "app01", spec, "drflow-run:x")
    assert str(mount.id) == SESSION_ID
    assert fake.sent("POST") == [hv()]


def test_start_refuses_a_spec_without_the_mark(fake_vbr: Callable[..., Routes]) -> None:
    fake = fake_vbr({})
    spec = build(InstantHvVMRecoverySpec, {**HV_IR_SPEC, "reason": "no mark"})
    with pytest.raises(ValueError, match="run mark"):
        drflow.tasks.start_hyperv_instant_recovery.fn(CONNECTION, "app01", spec, "drflow-run:x")
    fcd_spec = build(
        VmwareFcdInstantRecoverySpec,
        {
            **FCD_SPEC,
            "disksMapping": [
                {"nameInBackup": "d1", "mountedDiskName": "m1", "registeredFcdName": "r1"}
            ],
        },
    )
    with pytest.raises(ValueError, match="registeredFcdName"):
        drflow.tasks.start_fcd_instant_recovery.fn(CONNECTION, "app01", fcd_spec, "drflow-run:x")
    assert fake.requests == []


def test_azure_start_adopts_only_a_live_mount(fake_vbr: Callable[..., Routes]) -> None:
    stopped = {**AZ_MOUNT, "state": "Stopped"}
    fake = fake_vbr({("GET", az()): (200, page(stopped)), ("POST", az()): (201, AZ_MOUNT)})
    spec = build(AzureInstantVMRecoverySpec, AZ_IR_SPEC)
    mount = drflow.tasks.start_azure_instant_recovery.fn(CONNECTION, "app01", spec, "drflow-run:x")
    assert mount.state == AzureInstantRecoveryMountState.STARTING
    assert fake.sent("POST") == [az()]


def test_azure_migrate_adopts_a_migration_under_way(fake_vbr: Callable[..., Routes]) -> None:
    fake = fake_vbr({("GET", az(f"/{MOUNT_ID}")): (200, {**AZ_MOUNT, "state": "Migrating"})})
    spec = build(AzureInstantVMRecoveryMigrationSpec, {})
    mount = drflow.tasks.migrate_azure_vm.fn(CONNECTION, MOUNT_ID, spec, vm_name="app01")
    assert mount.state == AzureInstantRecoveryMountState.MIGRATING
    assert fake.sent("POST") == []


def test_fcd_start_adopts_by_the_marked_disk_name(fake_vbr: Callable[..., Routes]) -> None:
    fake = fake_vbr({("GET", fcd()): (200, page(FCD_MOUNT))})
    spec = build(VmwareFcdInstantRecoverySpec, FCD_SPEC)
    mount = drflow.tasks.start_fcd_instant_recovery.fn(CONNECTION, "app01", spec, "drflow-run:x")
    assert str(mount.id) == MOUNT_ID
    assert fake.sent("POST") == []


def test_entire_vm_restore_adopts_the_session_of_this_run(
    fake_vbr: Callable[..., Routes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """VBR logs a restore's reason: the session whose log carries the run's mark is adopted,
    whatever the session is called."""
    from drflow.tasks import vm_restore

    monkeypatch.setattr(vm_restore, "run_started_after", lambda _client: RUN_STARTED)
    running = {**SESSION, "name": "Restore Job", "sessionType": "RestoreVm", "state": "Working"}
    fake = fake_vbr(
        {
            ("GET", "/api/v1/sessions"): (200, page(running)),
            ("GET", f"/api/v1/sessions/{SESSION_ID}/logs"): (200, logs(REASON_LOG)),
        }
    )
    spec = build(EntireViVMRestoreSpec, ENTIRE_VI_SPEC)
    session = drflow.tasks.restore_vsphere_vm.fn(CONNECTION, "app01", spec, "drflow-run:x")
    assert str(session.id) == SESSION_ID
    assert fake.sent("POST") == []
    lookup = fake.requests[0].url.params
    assert lookup.get_list("typeFilter") == ["RestoreVm"]
    assert "nameFilter" not in lookup  # never by name: a real VBR names it after the job
    assert lookup["createdAfterFilter"] == RUN_STARTED.isoformat()


def test_entire_vm_restore_starts_when_no_session_is_this_runs(
    fake_vbr: Callable[..., Routes], monkeypatch: pytest.MonkeyPatch
) -> None:
    from drflow.tasks import vm_restore

    monkeypatch.setattr(vm_restore, "run_started_after", lambda _client: RUN_STARTED)
    stopped = {**SESSION, "sessionType": "RestoreVm", "state": "Stopped"}
    fake = fake_vbr(
        {
            ("GET", "/api/v1/sessions"): (200, page(stopped)),
            ("GET", f"/api/v1/sessions/{SESSION_ID}/logs"): (200, logs("Restore reason: other")),
            ("POST", "/api/v1/restore/vmRestore/vSphere"): (201, SESSION),
        }
    )
    spec = build(EntireViVMRestoreSpec, ENTIRE_VI_SPEC)
    drflow.tasks.restore_vsphere_vm.fn(CONNECTION, "app01", spec, "drflow-run:x")
    assert fake.sent("POST") == ["/api/v1/restore/vmRestore/vSphere"]


RUN_STARTED = datetime(2026, 1, 1, tzinfo=UTC)
REASON_LOG = "Restore reason: drflow-run:x"


def logs(*titles: str) -> dict[str, Any]:
    return {
        "totalRecords": len(titles),
        "records": [{"id": i, "title": t} for i, t in enumerate(titles)],
    }
