"""Instant recovery of a file share: publish → verify → unpublish, migrate (+ switchover), keep
or ask."""

import re
from datetime import datetime
from typing import Literal, Self
from uuid import UUID

from prefect import flow
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from drflow.tasks import (
    get_file_share_mount,
    migrate_file_share,
    start_file_share_instant_recovery,
    switchover_file_share,
    unmount_file_share,
    wait_for_file_share_mount,
)
from drflow.vbr.models import (
    InstantUnstructuredDataRecoveryMount,
    InstantUnstructuredDataRestoreMigrationSpec,
    InstantUnstructuredDataRestoreSpec,
    ObjectRestorePointModel,
    SessionResult,
    SessionState,
    UnstructuredDataInstantRecoveryMountState,
    UnstructuredDataRestoreOptionsModel,
    UnstructuredDataRestorePermissionsModel,
    UnstructuredDataShareMigrationDestinationModel,
    UnstructuredDataSwitchoverSettingsModel,
)
from drflow.vbr.models.backups import PlatformType

from .engine import (
    CLEANUP_HOOKS,
    Choice,
    Disposition,
    Progress,
    RecoveryParams,
    RecoveryReport,
    reason,
    run_recovery,
)
from .engine.switchover import (
    Status,
    Switching,
    SwitchingStrategy,
    Switchover,
    accept,
    run_name,
)

_S = UnstructuredDataInstantRecoveryMountState

_NFS_PATH = re.compile(r"^[^\\/:]+:/")


def share_protocol(share: str) -> Literal["SMB", "NFS"] | None:
    """The protocol of a share, from the name VBR gives it: ``\\\\server\\share`` is SMB,
    ``server:/path`` is NFS; None when the name follows neither convention."""
    if share.startswith("\\\\"):
        return "SMB"
    if _NFS_PATH.match(share):
        return "NFS"
    return None


class SharePermissions(BaseModel):
    """Who owns the published share and who else may reach it."""

    model_config = ConfigDict(extra="forbid")

    owner: str = Field(min_length=1, description="Owner account of the published share.")
    permission_type: Literal["DenyEveryone", "AllowEveryone", "AllowSelected"] = Field(
        default="AllowEveryone", description="Access of the other accounts."
    )
    permission_scope: list[str] = Field(
        default_factory=list, description="Accounts allowed with AllowSelected."
    )


class ShareMigration(BaseModel):
    """Where a published SMB share is migrated to (unset server: its original location)."""

    model_config = ConfigDict(extra="forbid")

    server_id: UUID | None = Field(
        default=None,
        description="Id of the SMB server (unstructured data server) to migrate to; unset: "
        "the share's original location.",
    )
    path: str | None = Field(
        default=None, min_length=1, description="Path on that server (required with server_id)."
    )
    preserve_hierarchy: bool | None = Field(
        default=None, description="Keep the share's folder hierarchy under path."
    )
    overwrite_mode: Literal["ReplaceOlder", "Overwrite"] = Field(
        default="ReplaceOlder", description="Files that exist at the destination."
    )

    @model_validator(mode="after")
    def _server_and_path_together(self) -> Self:
        if (self.server_id is None) != (self.path is None):
            raise ValueError("give both server_id and path, or neither (original location)")
        return self

    def describe(self, share: str) -> str:
        where = f"server {self.server_id} ({self.path})" if self.server_id else share
        return f"{where}, overwrite {self.overwrite_mode}"


class FileShareRecoveryParams(RecoveryParams):
    """Instant recovery of one file share (published from its backup by a mount server)."""

    share: str = Field(
        min_length=1,
        description="The share as it appears in its backup: \\\\server\\share (SMB) or "
        "server:/path (NFS).",
    )
    mount_server_id: UUID | None = Field(
        default=None, description="Mount server that publishes the share; unset: VBR picks."
    )
    permissions: SharePermissions | None = Field(
        default=None, description="Owner and access of the published share; unset: VBR's."
    )
    migration: ShareMigration = Field(
        default_factory=ShareMigration,
        description="then=migrate (SMB shares only): destination server and path, overwrite.",
    )
    switchover: Switchover = Field(
        default_factory=Switchover,
        description="then=migrate: when the published share switches over to the migrated one.",
    )

    @field_validator("share")
    @classmethod
    def _migrate_smb_only(cls, share: str, info: ValidationInfo) -> str:
        if info.data.get("then") == "migrate" and share_protocol(share) == "NFS":
            raise ValueError(
                f"{share} is an NFS share: VBR migrates and switches over SMB shares only, so "
                "then=migrate is refused (use unmount, keep or ask)"
            )
        return share

    @property
    def protocol(self) -> Literal["SMB", "NFS"] | None:
        return share_protocol(self.share)

    def choices(self) -> list[Choice]:
        if self.protocol == "NFS":
            return ["unmount", "keep"]
        return ["unmount", "migrate", "keep"]


class FileShareSwitching(Switching):
    """The migration of a published share; its phase is the migration session's."""

    kind = "file-share"

    def __init__(
        self,
        params: FileShareRecoveryParams,
        mount_id: UUID,
        migration_session_id: UUID | None = None,
    ) -> None:
        super().__init__(params.connection, mount_id, params.share)
        self.params = params
        self.migration_session_id = migration_session_id

    def start(self, settings: Switchover) -> list[str]:
        target = self.params.migration
        spec = InstantUnstructuredDataRestoreMigrationSpec(
            destination=UnstructuredDataShareMigrationDestinationModel(
                unstructured_data_server_id=target.server_id,
                path=target.path,
                preserve_hierarchy=target.preserve_hierarchy,
            ),
            overwrite_mode=target.overwrite_mode,
            switchover_settings=UnstructuredDataSwitchoverSettingsModel(
                type=settings.type, schedule_time=settings.schedule_time
            ),
        )
        session = migrate_file_share(self.connection, self.mount_id, spec, share_name=self.what)
        self.migration_session_id = session.id
        return [str(session.id)]

    def status(self) -> Status:
        assert self.migration_session_id is not None
        session = self.client.sessions.get(self.migration_session_id)
        result = session.result.result if session.result else None
        if session.state == SessionState.STOPPED:
            if result == SessionResult.SUCCESS:
                return Status("switched")
            message = session.result.message if session.result else None
            return Status("ended", message or f"the migration session ended {result}")
        if result == SessionResult.SUCCESS:  # data migrated: holds until the switchover
            return Status("ready")
        return Status("migrating")

    def switch_now(self) -> list[str]:
        session = switchover_file_share(self.connection, self.mount_id, share_name=self.what)
        return [str(session.id)]

    def session_ids(self) -> list[str]:
        return [str(self.migration_session_id)] if self.migration_session_id else []

    def switched_at(self) -> datetime | None:
        if self.migration_session_id is None:
            return None
        return self.client.sessions.get(self.migration_session_id).end_time

    def state(self) -> dict[str, str]:
        return {"migration_session_id": str(self.migration_session_id)}


class FileShare(SwitchingStrategy[FileShareRecoveryParams]):
    kind = "file-share"
    platform = PlatformType.UNSTRUCTURED_DATA
    operation = None  # VBR lists no allowed operations for file share restore points

    @property
    def name(self) -> str:
        return self.params.share

    def start(
        self, point: ObjectRestorePointModel, mark: str, report: RecoveryReport
    ) -> InstantUnstructuredDataRecoveryMount:
        p = self.params
        permissions = (
            UnstructuredDataRestorePermissionsModel(
                owner=p.permissions.owner,
                permission_type=p.permissions.permission_type,
                permission_scope=p.permissions.permission_scope or None,
            )
            if p.permissions
            else None
        )
        spec = InstantUnstructuredDataRestoreSpec(
            auto_select_mount_servers=p.mount_server_id is None,
            restore_options=[
                UnstructuredDataRestoreOptionsModel(
                    restore_point_id=point.id,
                    mount_server_id=p.mount_server_id,
                    permissions=permissions,
                )
            ],
            reason=reason("file-share-instant-recovery", p.then, mark),
        )
        mounts = start_file_share_instant_recovery(p.connection, self.name, spec, mark)
        mount = self.started(mounts[0], report)
        report.details["protocol"] = p.protocol or "unknown"
        server = (
            mount.spec.restore_options[0].mount_server_id if mount.spec.restore_options else None
        )
        if server:
            report.details["mount server"] = str(server)
        return mount

    def wait_ready(
        self, mount: InstantUnstructuredDataRecoveryMount, progress: Progress
    ) -> InstantUnstructuredDataRecoveryMount:
        return wait_for_file_share_mount(
            self.params.connection,
            mount.id,
            share_name=self.name,
            timeout=self.params.timeout_seconds,
        )

    def problems(self, mount: InstantUnstructuredDataRecoveryMount) -> list[str]:
        problems = []
        if mount.state != _S.PUBLISHED:
            problems.append(f"the share is {mount.state}, not Published")
        if mount.error_message:
            problems.append(f"VBR reports: {mount.error_message}")
        return problems

    def release(self, mount: InstantUnstructuredDataRecoveryMount) -> None:
        unmount_file_share(self.params.connection, mount.id, share_name=self.name)

    def migrate(
        self, mount: InstantUnstructuredDataRecoveryMount, report: RecoveryReport
    ) -> Disposition:
        if self.params.protocol == "NFS":  # the parameters refuse this; VBR would too
            raise ValueError(f"{self.name} is an NFS share: it cannot be migrated")
        report.details["migrated to"] = self.params.migration.describe(self.name)
        return super().migrate(mount, report)

    def choices(self) -> list[Choice]:
        return self.params.choices()

    def switching(self, mount_id: UUID, state: dict[str, str] | None = None) -> FileShareSwitching:
        session = (state or {}).get("migration_session_id")
        return FileShareSwitching(self.params, mount_id, UUID(session) if session else None)

    def load(self, mount_id: UUID) -> InstantUnstructuredDataRecoveryMount:
        return get_file_share_mount(self.params.connection, mount_id)


@flow(
    name="file-share-instant-recovery",
    flow_run_name=run_name("file-share-instant-recovery", "share"),
    validate_parameters=False,
    **CLEANUP_HOOKS,
)
def file_share_instant_recovery(params: FileShareRecoveryParams) -> RecoveryReport:
    """Publish a file share from its backup, verify it is Published, then unpublish it, migrate
    it (SMB only: to its original location or another SMB server, with an Auto, Manual or
    Scheduled switchover), keep it or ask.

    NFS shares are refused for migration before anything is started. The share is unpublished
    again if the run fails, is cancelled or crashes, unless it was kept.
    """
    return run_recovery(FileShare(accept(FileShareRecoveryParams, params)))
