"""Entire VM restore for vSphere, Hyper-V and VMware Cloud Director.

Each spec is a union discriminated by ``type`` (OriginalLocation or Customized); every start
answers 201 ``SessionModel``.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Discriminator, Field, Tag

from ._base import OpenEnum, VBRModel
from .hyperv import (
    HvRestoreTargetDatastoresSpec,
    HvRestoreTargetNameSpec,
    HvRestoreTargetNetworkSpec,
)
from .inventory import HyperVObjectModel, InventoryObjectModel
from .restore_common import RestoreProxySpec, SecureRestoreSpec


class EntireVMRestoreModeType(OpenEnum):
    ORIGINAL_LOCATION = "OriginalLocation"
    CUSTOMIZED = "Customized"


class DiskCreationMode(OpenEnum):
    SOURCE = "Source"
    THICK = "Thick"
    THIN = "Thin"
    THICK_EAGER_ZEROED = "ThickEagerZeroed"


class RestoreTargetDatastoreSpec(VBRModel):
    """Datastore and provisioning of one restored disk."""

    disk_name: str
    datastore: InventoryObjectModel
    disk_type: DiskCreationMode | None = None


class RestoreTargetDatastoresSpec(VBRModel):
    configuration_file_datastore: InventoryObjectModel | None = None
    disk_mappings: list[RestoreTargetDatastoreSpec] | None = None


class RestoreTargetFolderSpec(VBRModel):
    """Folder, and optionally a new name, for the restored VM."""

    vm_name: str | None = None
    folder: InventoryObjectModel
    restore_vm_tags: bool | None = None


class RestoreTargetNetworkMappingModel(VBRModel):
    source_network: InventoryObjectModel
    target_network: InventoryObjectModel


class RestoreTargetNetworkSpec(VBRModel):
    """Network mappings (at least one), or leave the restored VM disconnected."""

    networks: list[RestoreTargetNetworkMappingModel] = Field(min_length=1)
    disconnected: bool | None = None


# --- vSphere -------------------------------------------------------------------------------


class _EntireViVMRestoreSpecBase(VBRModel):
    restore_point_id: UUID
    restore_proxies: RestoreProxySpec | None = None
    secure_restore: SecureRestoreSpec | None = None
    power_up: bool | None = None
    reason: str | None = None
    overwrite: bool | None = None


class EntireViVMOriginalLocationRestoreSpec(_EntireViVMRestoreSpecBase):
    """Restore the VM over the original (``quickRollback``: changed blocks only)."""

    type: Literal["OriginalLocation"] = "OriginalLocation"
    quick_rollback: bool | None = None


class EntireViVMCustomizedRestoreSpec(_EntireViVMRestoreSpecBase):
    """Restore the VM to another host, resource pool, datastore, folder or network."""

    type: Literal["Customized"] = "Customized"
    destination_host: InventoryObjectModel | None = None
    resource_pool: InventoryObjectModel | None = None
    datastore: RestoreTargetDatastoresSpec | None = None
    folder: RestoreTargetFolderSpec | None = None
    network: RestoreTargetNetworkSpec | None = None


EntireViVMRestoreSpec = Annotated[
    Annotated[EntireViVMOriginalLocationRestoreSpec, Tag("OriginalLocation")]
    | Annotated[EntireViVMCustomizedRestoreSpec, Tag("Customized")],
    Discriminator("type"),
]


# --- Hyper-V -------------------------------------------------------------------------------


class _EntireHvVMRestoreSpecBase(VBRModel):
    restore_point_id: UUID
    secure_restore: SecureRestoreSpec | None = None
    power_up: bool | None = None
    reason: str | None = None


class EntireHvVMOriginalLocationRestoreSpec(_EntireHvVMRestoreSpecBase):
    type: Literal["OriginalLocation"] = "OriginalLocation"
    quick_rollback: bool | None = None


class EntireHvVMCustomizedRestoreSpec(_EntireHvVMRestoreSpecBase):
    type: Literal["Customized"] = "Customized"
    destination_host: HyperVObjectModel | None = None
    datastore: HvRestoreTargetDatastoresSpec | None = None
    network: HvRestoreTargetNetworkSpec | None = None
    target: HvRestoreTargetNameSpec | None = None


EntireHvVMRestoreSpec = Annotated[
    Annotated[EntireHvVMOriginalLocationRestoreSpec, Tag("OriginalLocation")]
    | Annotated[EntireHvVMCustomizedRestoreSpec, Tag("Customized")],
    Discriminator("type"),
]


# --- VMware Cloud Director -----------------------------------------------------------------


class EntireCloudDirectorVMRestoreLocationModel(VBRModel):
    """The vApp a VM is restored into; ``restoreVSphereVMTags`` is capitalised on the wire."""

    new_name: str
    v_app: InventoryObjectModel
    restore_v_sphere_vm_tags: bool = Field(alias="restoreVSphereVMTags")


class CloudDirectorRestoreTargetDatastoreSpec(VBRModel):
    datastore: InventoryObjectModel
    storage_policy: InventoryObjectModel | None = None


class _EntireCloudDirectorVMRestoreSpecBase(VBRModel):
    restore_point_id: UUID
    restore_proxies: RestoreProxySpec | None = None
    secure_restore: SecureRestoreSpec | None = None
    power_up: bool | None = None
    reason: str | None = None


class EntireCloudDirectorVMOriginalLocationRestoreSpec(_EntireCloudDirectorVMRestoreSpecBase):
    type: Literal["OriginalLocation"] = "OriginalLocation"
    quick_rollback: bool | None = None


class EntireCloudDirectorVMCustomizedRestoreSpec(_EntireCloudDirectorVMRestoreSpecBase):
    type: Literal["Customized"] = "Customized"
    location: EntireCloudDirectorVMRestoreLocationModel
    network: RestoreTargetNetworkSpec | None = None
    datastore: CloudDirectorRestoreTargetDatastoreSpec | None = None


EntireCloudDirectorVMRestoreSpec = Annotated[
    Annotated[EntireCloudDirectorVMOriginalLocationRestoreSpec, Tag("OriginalLocation")]
    | Annotated[EntireCloudDirectorVMCustomizedRestoreSpec, Tag("Customized")],
    Discriminator("type"),
]
