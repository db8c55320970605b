"""Instant recovery of vSphere First Class Disks (FCD), and their Quick Migration.

Starting answers 201 ``SessionModel``; dismount and migrate answer 200 ``SessionModel``.
The dismount operation is ``.../fcd/{mountId}/dismount`` (not ``unmount``).
"""

from __future__ import annotations

from uuid import UUID

from ._base import OpenEnum, Page, VBRModel
from .inventory import InventoryObjectModel
from .restore_common import InstantRecoveryMountState


class VmwareFcdInstantRecoveryMountsOrderColumn(OpenEnum):
    STATE = "State"
    NAME = "Name"


class VmwareFcdInstantRecoveryDiskSpec(VBRModel):
    """One disk from the backup and the names it gets when mounted and registered."""

    name_in_backup: str
    mounted_disk_name: str
    registered_fcd_name: str


class VmwareFcdWriteCacheSpec(VBRModel):
    """Where writes to the mounted disks are redirected (if at all)."""

    redirect_is_enabled: bool
    cache_datastore: InventoryObjectModel | None = None
    storage_policy: InventoryObjectModel | None = None


class VmwareFcdInstantRecoverySpec(VBRModel):
    """Mount disks from a restore point as First Class Disks on a cluster."""

    restore_point_id: UUID
    destination_cluster: InventoryObjectModel
    disks_mapping: list[VmwareFcdInstantRecoveryDiskSpec]
    write_cache: VmwareFcdWriteCacheSpec | None = None


class VmwareFcdInstantRecoveryDiskInfo(VBRModel):
    """A mounted disk and its vSphere object id."""

    name_in_backup: str
    mounted_disk_name: str
    registered_fcd_name: str
    object_id: str


class VmwareFcdInstantRecoveryMount(VBRModel):
    id: UUID
    session_id: UUID
    state: InstantRecoveryMountState
    spec: VmwareFcdInstantRecoverySpec
    error_message: str | None = None
    mounted_disks: list[VmwareFcdInstantRecoveryDiskInfo] | None = None


VmwareFcdInstantRecoveryMountsResult = Page[VmwareFcdInstantRecoveryMount]


class VmwareFcdQuickMigrationSpec(VBRModel):
    """Move mounted disks (all, or those named) to a production datastore."""

    mounted_disk_names: list[str] | None = None
    target_datastore: InventoryObjectModel
    storage_policy: InventoryObjectModel | None = None
