"""Instant recovery of Hyper-V VMs, and the Hyper-V restore targets shared with entire VM restore.

Starting a recovery answers 201 ``SessionModel``; the mount is then listed under
``/restore/instantRecovery/hyperV/vm``. Migrating a mount answers 204 with no body.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Discriminator, Field, Tag

from ._base import OpenEnum, Page, VBRModel
from .backups import HyperVDiskExtentModel
from .inventory import HyperVObjectModel
from .restore_common import InstantRecoveryMountState, SecureRestoreSpec


class HvRestoreTargetDatastoreSpec(VBRModel):
    """Where one disk of the VM goes."""

    disk: HyperVDiskExtentModel
    target_folder: str


class HvRestoreTargetDatastoresSpec(VBRModel):
    """Where the configuration files and each disk of the VM go."""

    configuration_files_path: str | None = None
    disk_mappings: list[HvRestoreTargetDatastoreSpec] | None = None


class HvRestoreSourceNetworkModel(VBRModel):
    network: HyperVObjectModel
    disconnect: bool


class HvRestoreTargetNetworkMappingModel(VBRModel):
    """One source network and the network it maps to (none: leave it disconnected)."""

    source_network: HvRestoreSourceNetworkModel
    target_network: HyperVObjectModel | None = None


class HvRestoreTargetNetworkSpec(VBRModel):
    mappings: list[HvRestoreTargetNetworkMappingModel]


class HvRestoreTargetNameSpec(VBRModel):
    """Name and identity of the restored VM; ``preserveUUID`` is capitalised on the wire."""

    vm_name: str | None = None
    preserve_uuid: bool | None = Field(default=None, alias="preserveUUID")
    register_as_cluster_resource: bool | None = None
    overwrite_existing_vm: bool | None = None
    overwrite_existing_disks: bool | None = None


class InstantHvVMCustomizedRecoveryDatastoreSpec(HvRestoreTargetDatastoresSpec):
    allocate_required_disk_space: bool | None = None


class _InstantHvVMRecoverySpecBase(VBRModel):
    restore_point_id: UUID
    secure_restore: SecureRestoreSpec | None = None
    power_up: bool | None = None
    reason: str | None = None


class InstantHvVMOriginalLocationRecoverySpec(_InstantHvVMRecoverySpecBase):
    """Recover the VM on its original host."""

    type: Literal["OriginalLocation"] = "OriginalLocation"


class InstantHvVMCustomizedRecoverySpec(_InstantHvVMRecoverySpecBase):
    """Recover the VM to another host, path, network or name."""

    type: Literal["Customized"] = "Customized"
    destination_host: HyperVObjectModel | None = None
    datastore: InstantHvVMCustomizedRecoveryDatastoreSpec | None = None
    network: HvRestoreTargetNetworkSpec | None = None
    target: HvRestoreTargetNameSpec | None = None


InstantHvVMRecoverySpec = Annotated[
    Annotated[InstantHvVMOriginalLocationRecoverySpec, Tag("OriginalLocation")]
    | Annotated[InstantHvVMCustomizedRecoverySpec, Tag("Customized")],
    Discriminator("type"),
]


class InstantHvVMRecoveryMount(VBRModel):
    """A Hyper-V VM published from a backup by instant recovery."""

    id: UUID
    session_id: UUID
    state: InstantRecoveryMountState
    spec: InstantHvVMRecoverySpec
    vm_name: str
    # Required by the schema; the vendor's vSphere mount examples omit them, and both mounts
    # come from the same server code: read tolerantly.
    job_name: str | None = None
    restore_point_date: datetime | None = None
    host_name: str | None = None
    error_message: str | None = None


InstantHvVMRecoveryMountsResult = Page[InstantHvVMRecoveryMount]


class InstantHvVMRecoveryMountsOrderColumn(OpenEnum):
    STATE = "State"
    VM_NAME = "VmName"
    JOB_NAME = "JobName"
    RESTORE_POINT_DATE = "RestorePointDate"
    HOST_NAME = "HostName"
