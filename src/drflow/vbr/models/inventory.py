"""Inventory objects (hosts, folders, datastores, ...), discriminated by ``platform``."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Discriminator, Tag, field_validator

from ._base import OpenEnum, VBRModel


class VmwareInventoryType(OpenEnum):
    UNKNOWN = "Unknown"
    VIRTUAL_MACHINE = "VirtualMachine"
    VCENTER_SERVER = "vCenterServer"
    DATACENTER = "Datacenter"
    CLUSTER = "Cluster"
    HOST = "Host"
    RESOURCE_POOL = "ResourcePool"
    FOLDER = "Folder"
    DATASTORE = "Datastore"
    DATASTORE_CLUSTER = "DatastoreCluster"
    STORAGE_POLICY = "StoragePolicy"
    TEMPLATE = "Template"
    COMPUTE_RESOURCE = "ComputeResource"
    VIRTUAL_APP = "VirtualApp"
    TAG = "Tag"
    CATEGORY = "Category"
    MULTITAG = "Multitag"
    NETWORK = "Network"
    DVS_NETWORK = "DVSNetwork"
    DISK = "Disk"
    SHARED_DISK = "SharedDisk"


class HyperVInventoryType(OpenEnum):
    VM_GROUP = "VMGroup"
    MANAGEMENT_GROUP = "ManagementGroup"
    HOST_GROUP = "HostGroup"
    SCVMM = "Scvmm"
    CLUSTER = "Cluster"
    HOST = "Host"
    VIRTUAL_MACHINE = "VirtualMachine"
    NETWORK = "Network"
    VOLUME = "Volume"
    CSV = "CSV"
    TAG = "Tag"
    CLUSTER_VOLUME = "ClusterVolume"


class CloudDirectorInventoryType(OpenEnum):
    UNKNOWN = "Unknown"
    VIRTUAL_MACHINE = "VirtualMachine"
    CLOUD_DIRECTOR_SERVER = "CloudDirectorServer"
    ORGANIZATION = "Organization"
    ORGANIZATION_VDC = "OrganizationVDC"
    VAPP = "vApp"
    STORAGE_POLICY = "StoragePolicy"
    NETWORK = "Network"
    VCENTER = "vCenter"
    VM_TEMPLATE = "VmTemplate"
    DATASTORE = "Datastore"


class AgentInventoryObjectType(OpenEnum):
    PROTECTION_GROUP = "ProtectionGroup"
    WINDOWS_COMPUTER = "WindowsComputer"
    LINUX_COMPUTER = "LinuxComputer"
    WINDOWS_CLUSTER = "WindowsCluster"
    CONTAINER = "Container"
    GROUP = "Group"
    ORGANIZATION_UNIT = "OrganizationUnit"
    DOMAIN = "Domain"


class CommonMetaInfo(VBRModel):
    field: str
    data: str


class VmwareObjectModel(VBRModel):
    """A vSphere object. The vendor's examples say ``VMware``; the schema says ``VSphere``."""

    platform: Literal["VSphere"] = "VSphere"
    size: str | None = None
    host_name: str
    name: str
    type: VmwareInventoryType
    object_id: str | None = None
    urn: str | None = None
    is_enabled: bool | None = None
    metadata: list[CommonMetaInfo] | None = None

    @field_validator("platform", mode="before")
    @classmethod
    def _vmware_is_vsphere(cls, value: object) -> object:
        return "VSphere" if value == "VMware" else value


class HyperVObjectModel(VBRModel):
    platform: Literal["HyperV"] = "HyperV"
    size: str | None = None
    host_name: str
    name: str
    type: HyperVInventoryType
    object_id: str
    urn: str | None = None
    parent_object_id: str | None = None


class CloudDirectorObjectModel(VBRModel):
    platform: Literal["CloudDirector"] = "CloudDirector"
    size: str | None = None
    host_name: str
    name: str
    type: CloudDirectorInventoryType
    object_id: str | None = None
    urn: str | None = None


class AgentObjectModel(VBRModel):
    platform: Literal["Agent"] = "Agent"
    size: str | None = None
    id: UUID
    name: str
    type: AgentInventoryObjectType
    path: str | None = None
    parent_object_id: UUID | None = None
    protection_group_id: UUID


def _inventory_platform(value: Any) -> str | None:
    platform = (
        value.get("platform") if isinstance(value, dict) else getattr(value, "platform", None)
    )
    return "VSphere" if platform == "VMware" else platform


InventoryObjectModel = Annotated[
    Annotated[VmwareObjectModel, Tag("VSphere")]
    | Annotated[HyperVObjectModel, Tag("HyperV")]
    | Annotated[CloudDirectorObjectModel, Tag("CloudDirector")]
    | Annotated[AgentObjectModel, Tag("Agent")],
    Discriminator(_inventory_platform),
]
"""Any inventory object; ``platform`` picks the variant (``VMware`` counts as ``VSphere``)."""
