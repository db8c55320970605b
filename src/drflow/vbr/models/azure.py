"""Instant recovery of machines to Microsoft Azure.

Unlike the other instant recoveries, start, unmount, migrate and switchover all answer 201 with
the mount itself (``AzureInstantVMRecoveryMount``), which carries no session id: the sessions are
listed under ``/restore/instantRecovery/azure/vm/{mountId}/sessions``. The helper appliance must
already exist in the chosen subnet.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from ._base import OpenEnum, Page, VBRModel


class AzureComputeVMDiskType(OpenEnum):
    STANDARD_HDD = "StandardHDD"
    STANDARD_SSD = "StandardSSD"
    PREMIUM_SSD = "PremiumSSD"


class AzureInstantRecoveryMountState(OpenEnum):
    READY = "Ready"
    MIGRATING = "Migrating"
    READY_TO_SWITCH = "ReadyToSwitch"
    SWITCHING = "Switching"
    STARTING = "Starting"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


class AzureInstantVMRecoveryMountsOrderColumn(OpenEnum):
    STATE = "State"
    NAME = "Name"


class AzureInstantVMRecoverySwitchoverType(OpenEnum):
    AUTO = "Auto"
    MANUAL = "Manual"
    SCHEDULED = "Scheduled"


class AzureComputeSubscriptionModel(VBRModel):
    """Azure subscription and region the machine is recovered to."""

    subscription_id: UUID
    location: str


class AzureComputeVMTagModel(VBRModel):
    name: str
    value: str | None = None


class AzureComputeNameModel(VBRModel):
    """Name and tags of the recovered machine."""

    name: str | None = None
    tags: list[AzureComputeVMTagModel] | None = None


class AzureComputeVMDiskConfigurationModel(VBRModel):
    disk_uid: str
    disk_type: AzureComputeVMDiskType | None = None
    include: bool


class AzureComputeVMSizeModel(VBRModel):
    """Azure instance size and which disks to recover, on which storage tier."""

    instance_size: str
    disks: list[AzureComputeVMDiskConfigurationModel] | None = None


class AzureComputeResourceGroupModel(VBRModel):
    """An existing resource group, or the name of one to create."""

    resource_group: str | None = None
    new_resource_group_name: str | None = None


class AzureComputeNetworkModel(VBRModel):
    """Virtual network and subnet (Azure resource ids) the machine is attached to."""

    network: str
    subnet: str
    network_security_group: str | None = None
    assign_public_ip: bool | None = None


class AzureInstantVMRecoveryApplianceModel(VBRModel):
    """Where the (already deployed) helper appliance works."""

    subnet: str
    storage_account: str | None = None


class AzureInstantVMRecoverySpec(VBRModel):
    """Start instant recovery of a restore point to Azure."""

    restore_point_id: UUID
    subscription: AzureComputeSubscriptionModel
    name: AzureComputeNameModel | None = None
    vm_size: AzureComputeVMSizeModel
    resource_group: AzureComputeResourceGroupModel
    network: AzureComputeNetworkModel
    appliance: AzureInstantVMRecoveryApplianceModel
    reason: str | None = None
    verify_vm_boot: bool | None = Field(default=None, alias="verifyVMBoot")


class AzureInstantVMRecoverySwitchoverSettingsModel(VBRModel):
    """When the recovered machine switches over to its migrated disks.

    ``scheduleTime`` applies to ``Scheduled``; ``verifyVMBoot`` and ``powerOnVM`` are
    capitalised on the wire. The settings PUT answers 201.
    """

    type: AzureInstantVMRecoverySwitchoverType
    schedule_time: datetime | None = None
    verify_vm_boot: bool | None = Field(default=None, alias="verifyVMBoot")
    power_on_vm: bool | None = Field(default=None, alias="powerOnVM")


class AzureInstantVMRecoveryMigrationSpec(VBRModel):
    """Migrate a recovered machine to Azure storage."""

    switchover_settings: AzureInstantVMRecoverySwitchoverSettingsModel | None = None


class AzureInstantVMRecoveryMount(VBRModel):
    """A machine running in Azure from a backup (no session id: list its sessions)."""

    id: UUID
    state: AzureInstantRecoveryMountState
    spec: AzureInstantVMRecoverySpec
    error_message: str | None = None


AzureInstantVMRecoveryMountsResult = Page[AzureInstantVMRecoveryMount]
