"""Restore points and backups: what can be restored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

from .._exceptions import NoRestorePoint
from .._pagination import paginate
from ..models import (
    BackupModel,
    BackupsResult,
    ObjectRestorePointDisksResult,
    ObjectRestorePointModel,
    ObjectRestorePointsResult,
    ServerInfoModel,
)
from ..models.backups import (
    BackupsOrderColumn,
    JobType,
    PlatformType,
    RestorePointOperation,
    RestorePointsOrderColumn,
    SuspiciousActivitySeverity,
)
from ._base import API, query


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
    ) -> ObjectRestorePointsResult:
        """``GetAllObjectRestorePoints``: one page of restore points."""
        params = query(**{k: v for k, v in locals().items() if k != "self"})
        return self._client.request(
            "GET", "/api/v1/restorePoints", params=params, model=ObjectRestorePointsResult
        )

    def list(self, **filters: object) -> Iterator[ObjectRestorePointModel]:
        """Every restore point matching ``filters`` (keyword arguments of :meth:`list_page`)."""
        return paginate(lambda skip, limit: self.list_page(skip=skip, limit=limit, **filters))

    def latest(
        self,
        name: str,
        *,
        platform: PlatformType | None = None,
        operation: RestorePointOperation | None = None,
        before: datetime | None = None,
        backup_id: UUID | str | None = None,
    ) -> ObjectRestorePointModel:
        """The newest restore point of the object called exactly ``name``.

        ``operation`` keeps only points that allow it; ``before`` only points created before
        that time; ``backup_id`` only points in that backup (an object can be in several, e.g.
        a backup and its copy). Raises :class:`~drflow.vbr.NoRestorePoint` when none qualifies.
        """
        points = [
            point
            for point in self.list(
                name_filter=name,
                platform_name_filter=platform,
                created_before_filter=before,
                backup_id_filter=UUID(str(backup_id)) if backup_id else None,
            )
            if point.name == name and (operation is None or operation in point.allowed_operations)
        ]
        if not points:
            wanted = f" allowing {operation.value}" if operation else ""
            when = f" before {before.isoformat()}" if before else ""
            where = f" in backup {backup_id}" if backup_id else ""
            raise NoRestorePoint(f"VBR has no restore point of {name!r}{where}{wanted}{when}")
        return max(points, key=lambda point: point.creation_time)

    def select(
        self,
        name: str,
        *,
        restore_point_id: UUID | str | None = None,
        before: datetime | None = None,
        max_age: timedelta | None = None,
        platform: PlatformType | None = None,
        operation: RestorePointOperation | None = None,
        now: datetime | None = None,
        backup_id: UUID | str | None = None,
    ) -> ObjectRestorePointModel:
        """The restore point to recover ``name`` from.

        The given one (checked to be ``name``'s, in ``backup_id`` when given, and to allow
        ``operation``), else the latest (before ``before``, in ``backup_id`` when given). With
        ``max_age`` (the RPO), a point older than that is refused. Raises
        :class:`~drflow.vbr.NoRestorePoint` saying why none qualifies.
        """
        if restore_point_id is not None:
            point = self.get(restore_point_id)
            if point.name != name:
                raise NoRestorePoint(
                    f"restore point {restore_point_id} belongs to {point.name!r}, not to {name!r}"
                )
            if backup_id is not None and str(point.backup_id) != str(backup_id):
                raise NoRestorePoint(
                    f"restore point {restore_point_id} of {name!r} is in backup "
                    f"{point.backup_id}, not in {backup_id}"
                )
            if operation is not None and operation not in point.allowed_operations:
                raise NoRestorePoint(
                    f"restore point {restore_point_id} of {name!r} does not allow {operation.value}"
                )
        else:
            point = self.latest(
                name, platform=platform, operation=operation, before=before, backup_id=backup_id
            )
        if max_age is not None:
            age = (now or datetime.now(UTC)) - point.creation_time
            if age > max_age:
                raise NoRestorePoint(
                    f"the restore point of {name!r} from {point.creation_time.isoformat()} is "
                    f"{age.total_seconds() / 3600:.1f}h old, older than the RPO of "
                    f"{max_age.total_seconds() / 3600:g}h"
                )
        return point

    def get(self, restore_point_id: UUID | str) -> ObjectRestorePointModel:
        """``GetObjectRestorePoint``."""
        return self._client.request(
            "GET", f"/api/v1/restorePoints/{restore_point_id}", model=ObjectRestorePointModel
        )

    def disks(
        self, restore_point_id: UUID | str, *, skip: int | None = None, limit: int | None = None
    ) -> ObjectRestorePointDisksResult:
        """``GetObjectRestorePointDisksWithFiltering``: the disks in a restore point."""
        return self._client.request(
            "GET",
            f"/api/v1/restorePoints/{restore_point_id}/disks",
            params=query(skip=skip, limit=limit),
            model=ObjectRestorePointDisksResult,
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
    ) -> ObjectRestorePointsResult:
        """``GetBackupObjectRestorePointsWithFiltering``: restore points of one backup object."""
        params = query(
            **{k: v for k, v in locals().items() if k not in ("self", "backup_object_id")}
        )
        return self._client.request(
            "GET",
            f"/api/v1/backupObjects/{backup_object_id}/restorePoints",
            params=params,
            model=ObjectRestorePointsResult,
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
    ) -> BackupsResult:
        """``GetAllBackups``: one page of backups."""
        params = query(**{k: v for k, v in locals().items() if k != "self"})
        return self._client.request("GET", "/api/v1/backups", params=params, model=BackupsResult)

    def list(self, **filters: object) -> Iterator[BackupModel]:
        """Every backup matching ``filters``."""
        return paginate(lambda skip, limit: self.list_page(skip=skip, limit=limit, **filters))

    def get(self, backup_id: UUID | str) -> BackupModel:
        """``GetBackup``."""
        return self._client.request("GET", f"/api/v1/backups/{backup_id}", model=BackupModel)


class ServerAPI(API):
    """``/api/v1/serverInfo``."""

    def info(self) -> ServerInfoModel:
        """``GetServerInfo``: name, build and platform of the VBR server."""
        return self._client.request("GET", "/api/v1/serverInfo", model=ServerInfoModel)
