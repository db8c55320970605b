"""What can be restored: backups, restore points and their disks, backup objects, server."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import JSONResponse

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
from ..estate import RestorePoint
from ..listing import aware, known, name_matches
from ..state import Simulator
from ._common import OrderBy, Page, Paging, answer, errors, page, sim_of

router = APIRouter()
T = TypeVar("T")

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


def _found(table: Mapping[UUID, T], id: UUID, what: str) -> T:
    """``table[id]`` (else 404 naming ``what``)."""
    found = table.get(id)
    if found is None:
        raise not_found(what, id)
    return found


class RestorePointFilter:
    """The filters and order of the restore point lists (a FastAPI dependency)."""

    def __init__(
        self,
        order: OrderBy[RestorePointsOrderColumn] = None,
        created_after: Annotated[datetime | None, Query(alias="createdAfterFilter")] = None,
        created_before: Annotated[datetime | None, Query(alias="createdBeforeFilter")] = None,
        name: Annotated[str | None, Query(alias="nameFilter")] = None,
        platform_name: Annotated[PlatformType | None, Query(alias="platformNameFilter")] = None,
        platform_id: Annotated[UUID | None, Query(alias="platformIdFilter")] = None,
        backup_id: Annotated[UUID | None, Query(alias="backupIdFilter")] = None,
        backup_object_id: Annotated[UUID | None, Query(alias="backupObjectIdFilter")] = None,
        malware: Annotated[
            SuspiciousActivitySeverity | None, Query(alias="malwareStatusFilter")
        ] = None,
    ) -> None:
        self.order = known(order, "orderColumn")
        self.platform_name = known(platform_name, "platformNameFilter")
        self.malware = known(malware, "malwareStatusFilter")
        self.created_after, self.created_before = aware(created_after), aware(created_before)
        self.name, self.platform_id = name, platform_id
        self.backup_id, self.backup_object_id = backup_id, backup_object_id

    def answer(self, sim: Simulator, paging: Paging, of: UUID | None = None) -> JSONResponse:
        """The restore points (of backup object ``of``) that pass, newest first unless the
        request orders them."""
        objects = {id for id in (of, self.backup_object_id) if id is not None}
        points: Iterable[RestorePoint] = ()  # two different objects: no point is of both
        if not objects:
            points = sim.estate.restore_points.values()
        elif len(objects) == 1:
            points = sim.estate.object_points.get(objects.pop(), ())
        selected = [point.model for point in points if self._keeps(point.model)]
        if self.order is None:
            selected.sort(key=_RP_SORT["CreationTime"], reverse=True)
        return page(
            ObjectRestorePointsResult,
            selected,
            lambda model: model,
            paging,
            order=self.order,
            keys=_RP_SORT,
        )

    def _keeps(self, m: ObjectRestorePointModel) -> bool:
        return (
            (self.created_after is None or m.creation_time > self.created_after)
            and (self.created_before is None or m.creation_time < self.created_before)
            and name_matches(self.name, m.name)
            and (self.platform_name is None or m.platform_name == self.platform_name)
            and (self.platform_id is None or m.platform_id == self.platform_id)
            and (self.backup_id is None or m.backup_id == self.backup_id)
            and (self.malware is None or m.malware_status == self.malware)
        )


Sim = Annotated[Simulator, Depends(sim_of)]
Points = Annotated[RestorePointFilter, Depends()]


@router.get(
    "/api/v1/restorePoints",
    operation_id="GetAllObjectRestorePoints",
    summary="Get all restore points",
    tags=["Restore Points"],
    response_model=ObjectRestorePointsResult,
    responses=errors(401, 403, 500),
)
async def get_all_restore_points(sim: Sim, paging: Page, points: Points):
    return points.answer(sim, paging)


@router.get(
    "/api/v1/restorePoints/{id}",
    operation_id="GetObjectRestorePoint",
    summary="Get a restore point",
    tags=["Restore Points"],
    response_model=ObjectRestorePointModel,
    responses=errors(401, 403, 404, 500),
)
async def get_restore_point(id: UUID, sim: Sim):
    return answer(_found(sim.estate.restore_points, id, "Restore point").model)


@router.get(
    "/api/v1/restorePoints/{id}/disks",
    operation_id="GetObjectRestorePointDisksWithFiltering",
    summary="Get the disks of a restore point",
    tags=["Restore Points"],
    response_model=ObjectRestorePointDisksResult,
    responses=errors(401, 403, 404, 500),
)
async def get_restore_point_disks(id: UUID, sim: Sim, paging: Page):
    point = _found(sim.estate.restore_points, id, "Restore point")
    return page(ObjectRestorePointDisksResult, point.disks, lambda disk: disk, paging)


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
    paging: Page,
    order: OrderBy[BackupsOrderColumn] = None,
    name_filter: Annotated[str | None, Query(alias="nameFilter")] = None,
    created_after: Annotated[datetime | None, Query(alias="createdAfterFilter")] = None,
    created_before: Annotated[datetime | None, Query(alias="createdBeforeFilter")] = None,
    platform_id: Annotated[UUID | None, Query(alias="platformIdFilter")] = None,
    job_id: Annotated[UUID | None, Query(alias="jobIdFilter")] = None,
    policy_tag: Annotated[str | None, Query(alias="policyTagFilter")] = None,
    job_type: Annotated[JobType | None, Query(alias="jobTypeFilter")] = None,
):
    known(order, "orderColumn")
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
    if order is None:
        selected.sort(key=_BACKUP_SORT["Name"])
    return page(BackupsResult, selected, lambda m: m, paging, order=order, keys=_BACKUP_SORT)


@router.get(
    "/api/v1/backups/{id}",
    operation_id="GetBackup",
    summary="Get a backup",
    tags=["Backups"],
    response_model=BackupModel,
    responses=errors(401, 403, 404, 500),
)
async def get_backup(id: UUID, sim: Sim):
    return answer(_found(sim.estate.backups, id, "Backup"))


@router.get(
    "/api/v1/backupObjects/{id}/restorePoints",
    operation_id="GetBackupObjectRestorePointsWithFiltering",
    summary="Get the restore points of a backup object",
    tags=["Backup Objects"],
    response_model=ObjectRestorePointsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_backup_object_restore_points(id: UUID, sim: Sim, paging: Page, points: Points):
    _found(sim.estate.backup_objects, id, "Backup object")
    return points.answer(sim, paging, id)


@router.get(
    "/api/v1/serverInfo",
    operation_id="GetServerInfo",
    summary="Get backup server information",
    tags=["Service"],
    response_model=ServerInfoModel,
    responses=errors(401, 403, 500),
)
async def get_server_info(request: Request, sim: Sim):
    """The estate's server, named as the simulator serves, with this state's installation id
    (see :mod:`drflow.simulator.app`)."""
    name = request.url.hostname or sim.estate.server.name
    return answer(sim.estate.server.model_copy(update={"vbr_id": sim.vbr_id, "name": name}))
