"""The estate as the simulator serves it: machines, restore points, backups, targets.

Built from an :class:`~drflow.simulator.estate.spec.EstateFile` by
:func:`~drflow.simulator.estate.build.build_estate`; read-only afterwards (only a reset replaces
it), so the state file writes it once and refers to its objects.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from drflow.vbr.models import BackupModel, ObjectRestorePointModel, ServerInfoModel
from drflow.vbr.models.backups import (
    CloudDirectorObjectRestorePointDiskModel,
    HyperVObjectRestorePointDiskModel,
    VmwareObjectRestorePointDiskModel,
)

from .spec import (
    AzureDurations,
    Durations,
    EntraIdDurations,
    EstateFile,
    ShareTrap,
    Trap,
    UnstructuredDurations,
)

Disk = (
    VmwareObjectRestorePointDiskModel
    | HyperVObjectRestorePointDiskModel
    | CloudDirectorObjectRestorePointDiskModel
)


@dataclass(frozen=True, eq=False)
class RestorePoint:
    model: ObjectRestorePointModel
    vm: VM
    disks: list[Disk]
    damaged: str | None = None
    """Why restoring data from this point fails (estate ``damaged``), if it does."""


@dataclass(frozen=True, eq=False)
class VM:
    name: str
    platform: str
    host: str
    job: Job
    object_id: uuid.UUID
    durations: Durations
    trap: Trap | None
    restore_points: list[RestorePoint] = field(default_factory=list, compare=False, repr=False)
    guest_os: str = "Linux"
    fcd: bool = True
    vapp: str | None = None
    missing: bool = False


@dataclass(frozen=True, eq=False)
class Job:
    name: str
    platform: str
    backup: BackupModel


@dataclass(frozen=True, eq=False)
class JobRun:
    """A finished backup job session (history shown by ``GET /api/v1/sessions``)."""

    id: uuid.UUID
    job: Job
    started: datetime
    ended: datetime


@dataclass(frozen=True, eq=False)
class AzureSubscription:
    id: uuid.UUID
    name: str
    locations: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class AzureAppliance:
    subscription_id: uuid.UUID
    location: str
    subnet: str
    storage_account: str


@dataclass
class AzureTargets:
    durations: AzureDurations
    subscriptions: dict[uuid.UUID, AzureSubscription] = field(default_factory=dict)
    appliances: list[AzureAppliance] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class UnstructuredServer:
    id: uuid.UUID
    name: str
    type: str  # SMB | NFS | S3
    regions: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class MountServer:
    id: uuid.UUID
    name: str


@dataclass(eq=False)
class UnstructuredObject:
    """A file share (``kind == "FileShare"``, protocol SMB or NFS) or a bucket (``"Bucket"``)."""

    kind: str
    name: str
    server: UnstructuredServer
    size_gb: int
    machine: VM
    backup: BackupModel
    region: str | None = None
    trap: ShareTrap | None = None
    points: list[RestorePoint] = field(default_factory=list)

    @property
    def protocol(self) -> str:
        return self.server.type


@dataclass
class UnstructuredEstate:
    durations: UnstructuredDurations
    servers: dict[uuid.UUID, UnstructuredServer] = field(default_factory=dict)
    mount_servers: dict[uuid.UUID, MountServer] = field(default_factory=dict)
    objects: list[UnstructuredObject] = field(default_factory=list)
    by_point: dict[uuid.UUID, tuple[UnstructuredObject, RestorePoint]] = field(default_factory=dict)
    by_backup: dict[uuid.UUID, list[UnstructuredObject]] = field(default_factory=dict)


@dataclass(eq=False)
class EntraTenant:
    name: str
    tenant_id: uuid.UUID
    app_client_id: uuid.UUID
    backup: BackupModel
    copy: BackupModel | None = None
    audit_log: BackupModel | None = None


@dataclass
class EntraIdEstate:
    durations: EntraIdDurations
    tenants: list[EntraTenant] = field(default_factory=list)
    backups: dict[uuid.UUID, tuple[EntraTenant, str]] = field(default_factory=dict)
    """backup id -> (tenant, ``"backup"`` | ``"copy"`` | ``"auditLog"``)"""
    points: dict[uuid.UUID, tuple[EntraTenant, str, RestorePoint]] = field(default_factory=dict)


@dataclass
class ExtraEstate:
    azure: AzureTargets
    unstructured: UnstructuredEstate
    entra_id: EntraIdEstate


def empty_extra() -> ExtraEstate:
    return ExtraEstate(
        AzureTargets(AzureDurations()),
        UnstructuredEstate(UnstructuredDurations()),
        EntraIdEstate(EntraIdDurations()),
    )


@dataclass
class Estate:
    spec: EstateFile
    loaded_at: datetime
    server: ServerInfoModel
    backups: dict[uuid.UUID, BackupModel]
    vms: dict[str, VM]
    restore_points: dict[uuid.UUID, RestorePoint]
    backup_objects: dict[uuid.UUID, VM]
    job_runs: list[JobRun]
    extra: ExtraEstate = field(default_factory=empty_extra)
    object_points: dict[uuid.UUID, list[RestorePoint]] = field(default_factory=dict)
    """The restore points of each backup object, by its id."""

    def vm(self, name: str) -> VM | None:
        return self.vms.get(name.lower())
