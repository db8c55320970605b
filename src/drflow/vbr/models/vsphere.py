"""Instant recovery of vSphere VMs: spec, mount and Quick Migration."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Discriminator, Field, Tag

from ._base import OpenEnum, Page, VBRModel
from .inventory import InventoryObjectModel
from .restore_common import InstantRecoveryMountState, SecureRestoreSpec


class BiosUuidPolicyType(OpenEnum):
    PRESERVE = "Preserve"
    GENERATE_NEW = "GenerateNew"


class InstantViVMCustomizedRecoveryDestinationSpec(VBRModel):
    restored_vm_name: str | None = None
    destination_host: InventoryObjectModel | None = None
    folder: InventoryObjectModel | None = None
    resource_pool: InventoryObjectModel | None = None
    bios_uuid_policy: BiosUuidPolicyType | None = None


class InstantViVMCustomizedRecoveryDatastoreSpec(VBRModel):
    redirect_enabled: bool
    cache_datastore: InventoryObjectModel | None = None


class _InstantViVMRecoverySpecBase(VBRModel):
    restore_point_id: UUID
    secure_restore: SecureRestoreSpec
    vm_tags_restore_enabled: bool | None = None
    nics_enabled: bool | None = None
    power_up: bool | None = None
    reason: str | None = None
    overwrite: bool | None = None


class InstantViVMOriginalLocationRecoverySpec(_InstantViVMRecoverySpecBase):
    """Recover the VM where it was, under its own name."""

    type: Literal["OriginalLocation"] = "OriginalLocation"


class InstantViVMCustomizedRecoverySpec(_InstantViVMRecoverySpecBase):
    """Recover the VM to another host, folder, resource pool or name."""

    type: Literal["Customized"] = "Customized"
    destination: InstantViVMCustomizedRecoveryDestinationSpec | None = None
    datastore: InstantViVMCustomizedRecoveryDatastoreSpec


InstantViVMRecoverySpec = Annotated[
    Annotated[InstantViVMOriginalLocationRecoverySpec, Tag("OriginalLocation")]
    | Annotated[InstantViVMCustomizedRecoverySpec, Tag("Customized")],
    Discriminator("type"),
]


class InstantViVMRecoveryMount(VBRModel):
    """A VM published from a backup by instant recovery."""

    id: UUID
    session_id: UUID
    state: InstantRecoveryMountState
    spec: InstantViVMRecoverySpec
    vm_name: str
    # Required by the schema, absent from some of the vendor's own examples: read tolerantly.
    job_name: str | None = None
    restore_point_date: datetime | None = None
    host_name: str | None = None
    error_message: str | None = None


InstantViVMRecoveryMountsResult = Page[InstantViVMRecoveryMount]


class InstantViVMRecoveryMountsOrderColumn(OpenEnum):
    STATE = "State"
    VM_NAME = "VmName"
    JOB_NAME = "JobName"
    RESTORE_POINT_DATE = "RestorePointDate"
    HOST_NAME = "HostName"


class ViVMQuickMigrationSpec(VBRModel):
    """Quick Migration of a recovered VM to production storage.

    Two fields are PascalCase on the wire (``VeeamQMEnabled``, ``DeleteSourceVmsFiles``).
    """

    destination_host: InventoryObjectModel
    resource_pool: InventoryObjectModel | None = None
    folder: InventoryObjectModel | None = None
    datastore: InventoryObjectModel | None = None
    source_proxy_ids: list[UUID] | None = None
    target_proxy_ids: list[UUID] | None = None
    veeam_qm_enabled: bool | None = Field(default=None, alias="VeeamQMEnabled")
    delete_source_vms_files: bool | None = Field(default=None, alias="DeleteSourceVmsFiles")
