"""Restore points and backups: what can be restored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

from .._pagination import paginate
from ..models import ServerInfoModel, backups
from ..models.backups import (
    BackupsOrderColumn,
    JobType,
    PlatformType,
    RestorePointsOrderColumn,
    SuspiciousActivitySeverity,
)
from ._base import API


class RestorePointsAPI(API):
    """``/api/v1/restorePoints`` and ``/api/v1/backupObjects/{id}/restorePoints``."""

    def list_page(
        self,
        *,
        skip: int | None = None,
        limit: int | None = None,
        order_column: RestorePointsOrderColumn | None = None,
        order_asc: bool | None = None,
        created_after_filter: datetime | None = None,
        created_before_filter: datetime | None = None,
        name_filter: str | None = None,
        platform_name_filter: PlatformType | None = None,
        platform_id_filter: UUID | None = None,
        backup_id_filter: UUID | None = None,
        backup_object_id_filter: UUID | None = None,
        malware_status_filter: SuspiciousActivitySeverity | None = None,
    ) -> backups.ObjectRestorePointsResult:
        """``GetAllObjectRestorePoints``: one page of restore points."""
        return self._page("/api/v1/restorePoints", backups.ObjectRestorePointsResult, locals())

    def list(self, **filters: object) -> Iterator[backups.ObjectRestorePointModel]:
        """Every restore point matching ``filters`` (keyword arguments of :meth:`list_page`)."""
        return paginate(lambda skip, limit: self.list_page(skip=skip, limit=limit, **filters))

    def get(self, restore_point_id: UUID | str) -> backups.ObjectRestorePointModel:
        """``GetObjectRestorePoint``."""
        return self._client.request(
            "GET",
            f"/api/v1/restorePoints/{restore_point_id}",
            model=backups.ObjectRestorePointModel,
        )

    def disks(
        self, restore_point_id: UUID | str, *, skip: int | None = None, limit: int | None = None
    ) -> backups.ObjectRestorePointDisksResult:
        """``GetObjectRestorePointDisksWithFiltering``: the disks in a restore point."""
        return self._page(
            f"/api/v1/restorePoints/{restore_point_id}/disks",
            backups.ObjectRestorePointDisksResult,
            locals(),
            "restore_point_id",
        )

    def of_backup_object_page(
        self,
        backup_object_id: UUID | str,
        *,
        skip: int | None = None,
        limit: int | None = None,
        order_column: RestorePointsOrderColumn | None = None,
        order_asc: bool | None = None,
        created_after_filter: datetime | None = None,
        created_before_filter: datetime | None = None,
        name_filter: str | None = None,
    ) -> backups.ObjectRestorePointsResult:
        """``GetBackupObjectRestorePointsWithFiltering``: restore points of one backup object."""
        return self._page(
            f"/api/v1/backupObjects/{backup_object_id}/restorePoints",
            backups.ObjectRestorePointsResult,
            locals(),
            "backup_object_id",
        )


class BackupsAPI(API):
    """``/api/v1/backups``."""

    def list_page(
        self,
        *,
        skip: int | None = None,
        limit: int | None = None,
        order_column: BackupsOrderColumn | None = None,
        order_asc: bool | None = None,
        name_filter: str | None = None,
        created_after_filter: datetime | None = None,
        created_before_filter: datetime | None = None,
        platform_id_filter: UUID | None = None,
        job_id_filter: UUID | None = None,
        policy_tag_filter: str | None = None,
        job_type_filter: JobType | None = None,
    ) -> backups.BackupsResult:
        """``GetAllBackups``: one page of backups."""
        return self._page("/api/v1/backups", backups.BackupsResult, locals())

    def list(self, **filters: object) -> Iterator[backups.BackupModel]:
        """Every backup matching ``filters``."""
        return paginate(lambda skip, limit: self.list_page(skip=skip, limit=limit, **filters))

    def get(self, backup_id: UUID | str) -> backups.BackupModel:
        """``GetBackup``."""
        return self._client.request(
            "GET", f"/api/v1/backups/{backup_id}", model=backups.BackupModel
        )


class ServerAPI(API):
    """``/api/v1/serverInfo``."""

    def info(self) -> ServerInfoModel:
        """``GetServerInfo``: name, build and platform of the VBR server."""
        return self._client.request("GET", "/api/v1/serverInfo", model=ServerInfoModel)
