"""What can be restored: backups, restore points and their disks, backup objects, server."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from drflow.vbr.models import (
    BackupModel,
    BackupsResult,
    ObjectRestorePointDisksResult,
    ObjectRestorePointModel,
    ObjectRestorePointsResult,
    PlatformType,
    ServerInfoModel,
)
from drflow.vbr.models.backups import (
    BackupsOrderColumn,
    JobType,
    RestorePointsOrderColumn,
    SuspiciousActivitySeverity,
)

from ..errors import not_found
from ..listing import aware, known, name_matches, paginate, sort_items
from ..state import Simulator
from ._common import answer, errors, sim_of

router = APIRouter()

_RP_SORT = {
    "CreationTime": lambda m: m.creation_time,
    "PlatformId": lambda m: str(m.platform_id),
    "BackupId": lambda m: str(m.backup_id),
}
_BACKUP_SORT = {
    "Name": lambda m: m.name.lower(),
    "CreationTime": lambda m: m.creation_time,
    "PlatformId": lambda m: str(m.platform_id),
    "JobId": lambda m: str(m.job_id) if m.job_id else None,
    "PolicyTag": lambda m: m.policy_unique_id,
}


def _restore_points(
    sim: Simulator,
    only_object: UUID | None,
    skip: int | None,
    limit: int | None,
    order_column: RestorePointsOrderColumn | None,
    order_asc: bool | None,
    created_after: datetime | None,
    created_before: datetime | None,
    name_filter: str | None,
    platform_name: PlatformType | None,
    platform_id: UUID | None,
    backup_id: UUID | None,
    backup_object_id: UUID | None,
    malware_status: SuspiciousActivitySeverity | None,
):
    known(order_column, "orderColumn")
    known(platform_name, "platformNameFilter")
    known(malware_status, "malwareStatusFilter")
    created_after, created_before = aware(created_after), aware(created_before)
    points = list(sim.estate.restore_points.values())

    def keep(point) -> bool:
        m: ObjectRestorePointModel = point.model
        object_id = point.vm.object_id
        return (
            (only_object is None or object_id == only_object)
            and (created_after is None or m.creation_time > created_after)
            and (created_before is None or m.creation_time < created_before)
            and name_matches(name_filter, m.name)
            and (platform_name is None or m.platform_name == platform_name)
            and (platform_id is None or m.platform_id == platform_id)
            and (backup_id is None or m.backup_id == backup_id)
            and (backup_object_id is None or object_id == backup_object_id)
            and (malware_status is None or m.malware_status == malware_status)
        )

    selected = [p.model for p in points if keep(p)]
    if order_column is None:  # newest first
        selected = sort_items(selected, _RP_SORT["CreationTime"], ascending=False)
    else:
        selected = sort_items(selected, _RP_SORT[order_column.value], order_asc is not False)
    page, pagination = paginate(selected, skip, limit)
    return answer(ObjectRestorePointsResult(data=page, pagination=pagination))


# the query parameters shared by both restore point lists
Skip = Annotated[int | None, Query()]
Limit = Annotated[int | None, Query()]
RPOrder = Annotated[RestorePointsOrderColumn | None, Query(alias="orderColumn")]
OrderAsc = Annotated[bool | None, Query(alias="orderAsc")]
CreatedAfter = Annotated[datetime | None, Query(alias="createdAfterFilter")]
CreatedBefore = Annotated[datetime | None, Query(alias="createdBeforeFilter")]
NameFilter = Annotated[str | None, Query(alias="nameFilter")]
PlatformName = Annotated[PlatformType | None, Query(alias="platformNameFilter")]
PlatformId = Annotated[UUID | None, Query(alias="platformIdFilter")]
BackupIdFilter = Annotated[UUID | None, Query(alias="backupIdFilter")]
BackupObjectIdFilter = Annotated[UUID | None, Query(alias="backupObjectIdFilter")]
Malware = Annotated[SuspiciousActivitySeverity | None, Query(alias="malwareStatusFilter")]
Sim = Annotated[Simulator, Depends(sim_of)]


@router.get(
    "/api/v1/restorePoints",
    operation_id="GetAllObjectRestorePoints",
    summary="Get all restore points",
    tags=["Restore Points"],
    response_model=ObjectRestorePointsResult,
    responses=errors(401, 403, 500),
)
async def get_all_restore_points(
    sim: Sim,
    skip: Skip = None,
    limit: Limit = 200,
    order_column: RPOrder = None,
    order_asc: OrderAsc = None,
    created_after: CreatedAfter = None,
    created_before: CreatedBefore = None,
    name_filter: NameFilter = None,
    platform_name: PlatformName = None,
    platform_id: PlatformId = None,
    backup_id: BackupIdFilter = None,
    backup_object_id: BackupObjectIdFilter = None,
    malware_status: Malware = None,
):
    return _restore_points(
        sim, None, skip, limit, order_column, order_asc, created_after, created_before,
        name_filter, platform_name, platform_id, backup_id, backup_object_id, malware_status,
    )  # fmt: skip


@router.get(
    "/api/v1/restorePoints/{id}",
    operation_id="GetObjectRestorePoint",
    summary="Get a restore point",
    tags=["Restore Points"],
    response_model=ObjectRestorePointModel,
    responses=errors(401, 403, 404, 500),
)
async def get_restore_point(id: UUID, sim: Sim):
    point = sim.estate.restore_points.get(id)
    if point is None:
        raise not_found("Restore point", id)
    return answer(point.model)


@router.get(
    "/api/v1/restorePoints/{id}/disks",
    operation_id="GetObjectRestorePointDisksWithFiltering",
    summary="Get the disks of a restore point",
    tags=["Restore Points"],
    response_model=ObjectRestorePointDisksResult,
    responses=errors(401, 403, 404, 500),
)
async def get_restore_point_disks(id: UUID, sim: Sim, skip: Skip = None, limit: Limit = 200):
    point = sim.estate.restore_points.get(id)
    if point is None:
        raise not_found("Restore point", id)
    page, pagination = paginate(point.disks, skip, limit)
    return answer(ObjectRestorePointDisksResult(data=page, pagination=pagination))


@router.get(
    "/api/v1/backups",
    operation_id="GetAllBackups",
    summary="Get all backups",
    tags=["Backups"],
    response_model=BackupsResult,
    responses=errors(401, 403, 500),
)
async def get_all_backups(
    sim: Sim,
    skip: Skip = None,
    limit: Limit = 200,
    order_column: Annotated[BackupsOrderColumn | None, Query(alias="orderColumn")] = None,
    order_asc: OrderAsc = None,
    name_filter: NameFilter = None,
    created_after: CreatedAfter = None,
    created_before: CreatedBefore = None,
    platform_id: PlatformId = None,
    job_id: Annotated[UUID | None, Query(alias="jobIdFilter")] = None,
    policy_tag: Annotated[str | None, Query(alias="policyTagFilter")] = None,
    job_type: Annotated[JobType | None, Query(alias="jobTypeFilter")] = None,
):
    known(order_column, "orderColumn")
    known(job_type, "jobTypeFilter")
    created_after, created_before = aware(created_after), aware(created_before)

    def keep(m: BackupModel) -> bool:
        return (
            name_matches(name_filter, m.name)
            and (created_after is None or m.creation_time > created_after)
            and (created_before is None or m.creation_time < created_before)
            and (platform_id is None or m.platform_id == platform_id)
            and (job_id is None or m.job_id == job_id)
            and (policy_tag is None or m.policy_unique_id == policy_tag)
            and (job_type is None or m.job_type == job_type)
        )

    selected = [m for m in sim.estate.backups.values() if keep(m)]
    if order_column is None:
        selected = sort_items(selected, _BACKUP_SORT["Name"], ascending=True)
    else:
        selected = sort_items(selected, _BACKUP_SORT[order_column.value], order_asc is not False)
    page, pagination = paginate(selected, skip, limit)
    return answer(BackupsResult(data=page, pagination=pagination))


@router.get(
    "/api/v1/backups/{id}",
    operation_id="GetBackup",
    summary="Get a backup",
    tags=["Backups"],
    response_model=BackupModel,
    responses=errors(401, 403, 404, 500),
)
async def get_backup(id: UUID, sim: Sim):
    backup = sim.estate.backups.get(id)
    if backup is None:
        raise not_found("Backup", id)
    return answer(backup)


@router.get(
    "/api/v1/backupObjects/{id}/restorePoints",
    operation_id="GetBackupObjectRestorePointsWithFiltering",
    summary="Get the restore points of a backup object",
    tags=["Backup Objects"],
    response_model=ObjectRestorePointsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_backup_object_restore_points(
    id: UUID,
    sim: Sim,
    skip: Skip = None,
    limit: Limit = 200,
    order_column: RPOrder = None,
    order_asc: OrderAsc = None,
    created_after: CreatedAfter = None,
    created_before: CreatedBefore = None,
    name_filter: NameFilter = None,
    platform_name: PlatformName = None,
    platform_id: PlatformId = None,
    backup_id: BackupIdFilter = None,
    backup_object_id: BackupObjectIdFilter = None,
    malware_status: Malware = None,
):
    if id not in sim.estate.backup_objects:
        raise not_found("Backup object", id)
    return _restore_points(
        sim, id, skip, limit, order_column, order_asc, created_after, created_before,
        name_filter, platform_name, platform_id, backup_id, backup_object_id, malware_status,
    )  # fmt: skip


@router.get(
    "/api/v1/serverInfo",
    operation_id="GetServerInfo",
    summary="Get backup server information",
    tags=["Service"],
    response_model=ServerInfoModel,
    responses=errors(401, 403, 500),
)
async def get_server_info(sim: Sim):
    return answer(sim.estate.server)
