"""Tasks that find what can be restored: restore points, backups, server info."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from drflow.vbr import selection
from drflow.vbr.models import ServerInfoModel, backups
from drflow.vbr.models.backups import PlatformType, RestorePointOperation

from ._common import vbr_task
from ._connection import VBRConnection, get_client


@vbr_task("list-restore-points")
def list_restore_points(
    connection: VBRConnection, **filters: object
) -> list[backups.ObjectRestorePointModel]:
    """Every restore point matching the filters (``restore_points.list_page`` arguments)."""
    return list(get_client(connection).restore_points.list(**filters))


@vbr_task("get-restore-point", run_name="get-restore-point[{restore_point_id}]")
def get_restore_point(
    connection: VBRConnection, restore_point_id: UUID
) -> backups.ObjectRestorePointModel:
    """One restore point."""
    return get_client(connection).restore_points.get(restore_point_id)


@vbr_task("get-restore-point-disks", run_name="get-restore-point-disks[{restore_point_id}]")
def get_restore_point_disks(
    connection: VBRConnection, restore_point_id: UUID
) -> backups.ObjectRestorePointDisksResult:
    """The disks of a restore point."""
    return get_client(connection).restore_points.disks(restore_point_id)


@vbr_task("list-backup-object-restore-points", run_name="list-restore-points[{backup_object_id}]")
def list_backup_object_restore_points(
    connection: VBRConnection, backup_object_id: UUID, **filters: object
) -> backups.ObjectRestorePointsResult:
    """Restore points of one backup object."""
    return get_client(connection).restore_points.of_backup_object_page(backup_object_id, **filters)


@vbr_task("list-backups")
def list_backups(connection: VBRConnection, **filters: object) -> backups.BackupsResult:
    """One page of backups."""
    return get_client(connection).backups.list_page(**filters)


@vbr_task("get-backup", run_name="get-backup[{backup_id}]")
def get_backup(connection: VBRConnection, backup_id: UUID) -> backups.BackupModel:
    """One backup."""
    return get_client(connection).backups.get(backup_id)


@vbr_task("get-server-info")
def get_server_info(connection: VBRConnection) -> ServerInfoModel:
    """Name, build and platform of the VBR server."""
    return get_client(connection).server.info()


@vbr_task("select-restore-point", run_name="select-restore-point[{name}]")
def select_restore_point(
    connection: VBRConnection,
    name: str,
    *,
    restore_point_id: UUID | None = None,
    before: datetime | None = None,
    max_age_hours: float | None = None,
    platform: PlatformType | None = None,
    operation: RestorePointOperation | None = None,
    backup_id: UUID | None = None,
    newest: backups.ObjectRestorePointModel | None = None,
) -> backups.ObjectRestorePointModel:
    """The restore point to recover ``name`` from (see ``drflow.vbr.select_restore_point``)."""
    return selection.select_restore_point(
        get_client(connection),
        name,
        restore_point_id=restore_point_id,
        before=before,
        max_age=timedelta(hours=max_age_hours) if max_age_hours else None,
        platform=platform,
        operation=operation,
        backup_id=backup_id,
        newest=newest,
    )
