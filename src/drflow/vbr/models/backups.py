"""Backups, restore points and their disks: what can be restored, and from when."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Discriminator, Tag

from ._base import OpenEnum, Page, VBRModel


class PlatformType(OpenEnum):
    VMWARE = "VMware"
    HYPERV = "HyperV"
    CLOUD_DIRECTOR = "CloudDirector"
    WINDOWS_PHYSICAL = "WindowsPhysical"
    LINUX_PHYSICAL = "LinuxPhysical"
    TAPE = "Tape"
    CUSTOM_PLATFORM = "CustomPlatform"
    ENTRA_ID = "EntraID"
    UNSTRUCTURED_DATA = "UnstructuredData"
    TEST = "Test"
    MONGO_DB = "MongoDb"
    AWS_EC2 = "AWSEC2"
    AZURE_COMPUTE = "AzureCompute"
    GCE = "GCE"


class JobType(OpenEnum):
    UNKNOWN = "Unknown"
    VSPHERE_BACKUP = "VSphereBackup"
    HYPERV_BACKUP = "HyperVBackup"
    VSPHERE_REPLICA = "VSphereReplica"
    CLOUD_DIRECTOR_BACKUP = "CloudDirectorBackup"
    ENTRA_ID_TENANT_BACKUP = "EntraIDTenantBackup"
    ENTRA_ID_AUDIT_LOG_BACKUP = "EntraIDAuditLogBackup"
    FILE_BACKUP_COPY = "FileBackupCopy"
    LEGACY_BACKUP_COPY = "LegacyBackupCopy"
    BACKUP_COPY = "BackupCopy"
    WINDOWS_AGENT_BACKUP = "WindowsAgentBackup"
    LINUX_AGENT_BACKUP = "LinuxAgentBackup"
    FILE_BACKUP = "FileBackup"
    OBJECT_STORAGE_BACKUP = "ObjectStorageBackup"
    ENTRA_ID_TENANT_BACKUP_COPY = "EntraIDTenantBackupCopy"
    SURE_BACKUP_CONTENT_SCAN = "SureBackupContentScan"
    CLOUD_BACKUP_AZURE = "CloudBackupAzure"
    CLOUD_BACKUP_AWS = "CloudBackupAWS"
    CLOUD_BACKUP_GOOGLE = "CloudBackupGoogle"
    WINDOWS_AGENT_BACKUP_WORKSTATION_POLICY = "WindowsAgentBackupWorkstationPolicy"
    LINUX_AGENT_BACKUP_WORKSTATION_POLICY = "LinuxAgentBackupWorkstationPolicy"
    WINDOWS_AGENT_BACKUP_SERVER_POLICY = "WindowsAgentBackupServerPolicy"
    LINUX_AGENT_BACKUP_SERVER_POLICY = "LinuxAgentBackupServerPolicy"


class BackupsOrderColumn(OpenEnum):
    NAME = "Name"
    CREATION_TIME = "CreationTime"
    PLATFORM_ID = "PlatformId"
    JOB_ID = "JobId"
    POLICY_TAG = "PolicyTag"


class BackupModel(VBRModel):
    id: UUID
    job_id: UUID | None = None
    policy_unique_id: str | None = None
    name: str
    platform_name: PlatformType
    platform_id: UUID
    creation_time: datetime
    repository_id: UUID
    repository_name: str | None = None
    job_type: JobType


BackupsResult = Page[BackupModel]


class RestorePointType(OpenEnum):
    INCREMENT = "Increment"
    FULL = "Full"
    ROLLBACK = "Rollback"
    SNAPSHOT = "Snapshot"
    CDP = "Cdp"
    DIFFERENT = "Different"


class RestorePointOperation(OpenEnum):
    START_VI_VM_INSTANT_RECOVERY = "StartViVMInstantRecovery"
    START_ENTIRE_VM_RESTORE = "StartEntireVmRestore"
    START_ENTIRE_VM_RESTORE_CLOUD_DIRECTOR = "StartEntireVmRestoreCloudDirector"
    START_FCD_INSTANT_RECOVERY = "StartFCDInstantRecovery"
    START_FLR_RESTORE = "StartFlrRestore"
    START_HV_VM_INSTANT_RECOVERY = "StartHvVMInstantRecovery"
    START_ENTIRE_VM_RESTORE_HYPERV = "StartEntireVmRestoreHyperV"


class SuspiciousActivitySeverity(OpenEnum):
    CLEAN = "Clean"
    SUSPICIOUS = "Suspicious"
    INFECTED = "Infected"
    INFORMATIVE = "Informative"


class GuestOSFamily(OpenEnum):
    WINDOWS = "Windows"
    LINUX = "Linux"
    UNKNOWN = "Unknown"
    OTHER = "Other"


class RestorePointsOrderColumn(OpenEnum):
    CREATION_TIME = "CreationTime"
    PLATFORM_ID = "PlatformId"
    BACKUP_ID = "BackupId"


class ObjectRestorePointModel(VBRModel):
    """A restore point of one machine (or other object) in a backup."""

    id: UUID
    name: str
    platform_name: PlatformType
    platform_id: UUID
    creation_time: datetime
    backup_id: UUID
    type: RestorePointType | None = None
    session_id: UUID | None = None
    allowed_operations: list[RestorePointOperation]
    malware_status: SuspiciousActivitySeverity | None = None
    backup_file_id: UUID | None = None
    guest_os_family: GuestOSFamily | None = None
    original_size: int | None = None


ObjectRestorePointsResult = Page[ObjectRestorePointModel]


class DiskInfoType(OpenEnum):
    UNKNOWN = "Unknown"
    SIMPLE = "Simple"
    VI = "Vi"
    HV = "Hv"
    HV_RAW_DISK_FILE = "HvRawDiskFile"
    END_POINT = "EndPoint"


class DiskInfoProcessState(OpenEnum):
    NOT_PROCESSED = "NotProcessed"
    IN_PROCESSING = "InProcessing"
    PARTIALLY_PROCESSED = "PartiallyProcessed"
    PROCESSED = "Processed"


class _RestorePointDiskBase(VBRModel):
    uid: str
    type: DiskInfoType
    name: str
    capacity: int
    state: DiskInfoProcessState


class VmwareObjectRestorePointDiskModel(_RestorePointDiskBase):
    platform: Literal["VMware"] = "VMware"


class CloudDirectorObjectRestorePointDiskModel(_RestorePointDiskBase):
    platform: Literal["CloudDirector"] = "CloudDirector"


class HyperVDiskExtentModel(VBRModel):
    uid: str
    name: str
    path: str
    size: int


class HyperVObjectRestorePointDiskModel(_RestorePointDiskBase):
    platform: Literal["HyperV"] = "HyperV"
    disk_extents: list[HyperVDiskExtentModel]


ObjectRestorePointDiskModel = Annotated[
    Annotated[VmwareObjectRestorePointDiskModel, Tag("VMware")]
    | Annotated[CloudDirectorObjectRestorePointDiskModel, Tag("CloudDirector")]
    | Annotated[HyperVObjectRestorePointDiskModel, Tag("HyperV")],
    Discriminator("platform"),
]

ObjectRestorePointDisksResult = Page[ObjectRestorePointDiskModel]
