"""Unstructured data: instant file share recovery, entire share and bucket restore, and FLR mounts.

Instant recovery start answers 201 ``SessionsResult`` (one session per share), unmount 200,
migrate and switchover 201 ``SessionModel``, switchover settings GET/PUT 200. Migration and
switchover apply to SMB shares only. Entire share/bucket restore answers 201 ``SessionModel``.
The FLR mount (also used for Entra ID audit logs) answers 201
``UnstructuredDataFlrBrowseMountModel``; its unmount answers 201 ``SessionModel``.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ._base import OpenEnum, Page, VBRModel
from .flr import FlrAutoUnmountModel, FlrBrowseProperties


class UnstructuredDataInstantRecoveryMountState(OpenEnum):
    PUBLISHING = "Publishing"
    PUBLISH_FAILED = "PublishFailed"
    PUBLISHED = "Published"
    UNPUBLISHING = "Unpublishing"
    UNPUBLISH_FAILED = "UnpublishFailed"
    UNPUBLISHED = "Unpublished"


class InstantUnstructuredDataRecoveryMountsOrderColumn(OpenEnum):
    STATE = "State"
    NAME = "Name"


class UnstructuredDataInstantRecoverySwitchoverType(OpenEnum):
    AUTO = "Auto"
    MANUAL = "Manual"
    SCHEDULED = "Scheduled"


class UnstructuredDataInstantRestoreOverwriteMode(OpenEnum):
    REPLACE_OLDER = "ReplaceOlder"
    OVERWRITE = "Overwrite"


class UnstructuredDataRestoreOverwriteMode(OpenEnum):
    SKIP = "Skip"
    REPLACE_OLDER = "ReplaceOlder"
    REPLACE_NEWER = "ReplaceNewer"
    OVERWRITE = "Overwrite"


class AccountPermissionType(OpenEnum):
    DENY_EVERYONE = "DenyEveryone"
    ALLOW_EVERYONE = "AllowEveryone"
    ALLOW_SELECTED = "AllowSelected"


class UnstructuredDataRestorePermissionsModel(VBRModel):
    """Owner of the published share and who else may reach it."""

    owner: str
    permission_type: AccountPermissionType | None = None
    permission_scope: list[str] | None = None


class UnstructuredDataRestoreOptionsModel(VBRModel):
    """One share to publish: its restore point, mount server and permissions."""

    restore_point_id: UUID
    mount_server_id: UUID | None = None
    permissions: UnstructuredDataRestorePermissionsModel | None = None


class InstantUnstructuredDataRestoreSpec(VBRModel):
    """Publish one or more file shares straight from their backups."""

    auto_select_mount_servers: bool | None = None
    restore_options: list[UnstructuredDataRestoreOptionsModel]
    reason: str | None = None


class InstantUnstructuredDataRecoveryMount(VBRModel):
    """A file share published by instant recovery."""

    id: UUID
    session_id: UUID
    state: UnstructuredDataInstantRecoveryMountState
    spec: InstantUnstructuredDataRestoreSpec
    unstructured_server_id: UUID
    unstructured_server_name: str | None = None
    error_message: str | None = None


InstantUnstructuredDataRecoveryMountsResult = Page[InstantUnstructuredDataRecoveryMount]


class UnstructuredDataSwitchoverSettingsModel(VBRModel):
    """When the published share switches to the migrated one (``scheduleTime`` if Scheduled)."""

    type: UnstructuredDataInstantRecoverySwitchoverType
    schedule_time: datetime | None = None


class UnstructuredDataShareMigrationDestinationModel(VBRModel):
    unstructured_data_server_id: UUID | None = None
    path: str | None = None
    preserve_hierarchy: bool | None = None


class InstantUnstructuredDataRestoreMigrationSpec(VBRModel):
    """Migrate a published SMB share to production storage."""

    destination: UnstructuredDataShareMigrationDestinationModel
    overwrite_mode: UnstructuredDataInstantRestoreOverwriteMode | None = None
    switchover_settings: UnstructuredDataSwitchoverSettingsModel


class UnstructuredDataShareRestoreDestinationModel(VBRModel):
    """Where an entire share is restored (nothing set: to its original location)."""

    unstructured_data_server_id: UUID | None = None
    restore_to_backup_server: bool | None = None
    path: str | None = None
    preserve_hierarchy: bool | None = None


class UnstructuredDataShareRestoreOptionsModel(VBRModel):
    rollback: bool | None = None
    overwrite_mode: UnstructuredDataRestoreOverwriteMode | None = None
    restore_permissions: bool | None = None


class UnstructuredDataEntireShareRestoreSpec(VBRModel):
    """Restore an entire file share from a restore point."""

    restore_point_id: UUID
    destination: UnstructuredDataShareRestoreDestinationModel | None = None
    restore_options: UnstructuredDataShareRestoreOptionsModel | None = None


class UnstructuredDataOSRestoreDestinationModel(VBRModel):
    """Where an entire bucket is restored (nothing set: to its original location)."""

    unstructured_data_server_id: UUID | None = None
    restore_to_backup_server: bool | None = None
    path: str | None = None
    new_bucket_name: str | None = None
    region_id: str | None = None


class UnstructuredDataOSRestoreOptionsModel(VBRModel):
    rollback: bool | None = None
    overwrite_mode: UnstructuredDataRestoreOverwriteMode | None = None
    overwrite_bucket_attributes: bool | None = None


class UnstructuredDataEntireOSRestoreSpec(VBRModel):
    """Restore an entire object storage bucket from a restore point."""

    restore_point_id: UUID
    destination: UnstructuredDataOSRestoreDestinationModel | None = None
    restore_options: UnstructuredDataOSRestoreOptionsModel | None = None


class UnstructuredDataMountSpec(VBRModel):
    """Mount unstructured data (or Entra ID audit logs) for browsing; every field is optional."""

    unstructured_data_server_id: UUID | None = None
    restore_point_id: UUID | None = None
    backup_id: UUID | None = None
    auto_unmount: FlrAutoUnmountModel | None = None


class UnstructuredDataBrowseSourceProperties(VBRModel):
    backup_id: UUID | None = None


class UnstructuredDataFlrBrowseMountModel(VBRModel):
    """A browse mount of unstructured data; ``sessionId`` identifies it in later calls."""

    session_id: UUID
    properties: FlrBrowseProperties | None = None
    source_properties: UnstructuredDataBrowseSourceProperties | None = None
