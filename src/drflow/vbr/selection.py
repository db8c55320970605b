"""Choosing the restore point to recover from: the latest, one given, within the RPO."""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from ._exceptions import NoRestorePoint
from ._pagination import DEFAULT_PAGE_SIZE, paginate
from .models import ObjectRestorePointModel, ObjectRestorePointsResult
from .models.backups import PlatformType, RestorePointOperation

if TYPE_CHECKING:
    from ._client import VBRClient

__all__ = ["latest_restore_point", "newest_restore_points", "select_restore_point"]


def latest_restore_point(
    client: VBRClient,
    name: str,
    *,
    platform: PlatformType | None = None,
    operation: RestorePointOperation | None = None,
    before: datetime | None = None,
    backup_id: UUID | str | None = None,
) -> ObjectRestorePointModel:
    """The newest restore point of the object called exactly ``name``.

    ``operation`` keeps only points that allow it; ``before`` only points created before that
    time; ``backup_id`` only points in that backup (an object can be in several, e.g. a backup
    and its copy). Raises :class:`~drflow.vbr.NoRestorePoint` when none qualifies.
    """
    points = [
        point
        for point in client.restore_points.list(
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


def newest_restore_points(
    client: VBRClient, names: Collection[str], *, since: datetime
) -> dict[str, ObjectRestorePointModel] | None:
    """The newest restore point of each object of ``names`` that has one created after
    ``since``, from one walk of every point VBR holds since then, rather than one list per
    object; None when that walk takes more calls than those lists would (VBR holds many more
    points since then than ``names`` need). An object without a point since then is left out:
    look it up alone (:func:`latest_restore_point`), as for any of them.
    """
    wanted = set(names)

    def fetch(skip: int, limit: int) -> ObjectRestorePointsResult:
        return client.restore_points.list_page(skip=skip, limit=limit, created_after_filter=since)

    first = fetch(0, DEFAULT_PAGE_SIZE)
    if math.ceil(first.pagination.total / DEFAULT_PAGE_SIZE) >= len(wanted):
        return None
    newest: dict[str, ObjectRestorePointModel] = {}
    for point in paginate(fetch, first=first):
        known = newest.get(point.name)
        if point.name in wanted and (known is None or point.creation_time > known.creation_time):
            newest[point.name] = point
    return newest


def select_restore_point(
    client: VBRClient,
    name: str,
    *,
    restore_point_id: UUID | str | None = None,
    before: datetime | None = None,
    max_age: timedelta | None = None,
    platform: PlatformType | None = None,
    operation: RestorePointOperation | None = None,
    now: datetime | None = None,
    backup_id: UUID | str | None = None,
    newest: ObjectRestorePointModel | None = None,
) -> ObjectRestorePointModel:
    """The restore point to recover ``name`` from.

    The given one (checked to be ``name``'s, in ``backup_id`` when given, and to allow
    ``operation``), else the latest (before ``before``, in ``backup_id`` when given). With
    ``max_age`` (the RPO), a point older than that is refused. Raises
    :class:`~drflow.vbr.NoRestorePoint` saying why none qualifies.

    ``newest``: the newest restore point of ``name`` of any platform and operation, as the
    caller read it (:func:`latest_restore_point` without filters). When the latest is wanted
    and it qualifies, it is the latest that qualifies, and VBR is not asked again; unless it
    has grown older than ``max_age`` since it was read: VBR may hold a newer one by now.
    """
    now = now or datetime.now(UTC)
    if restore_point_id is not None:
        point = client.restore_points.get(restore_point_id)
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
    elif (
        newest is not None
        and newest.name == name
        and before is None
        and backup_id is None
        and platform in (None, newest.platform_name)
        and operation in (None, *newest.allowed_operations)
        and (max_age is None or now - newest.creation_time <= max_age)
    ):
        point = newest
    else:
        point = latest_restore_point(
            client, name, platform=platform, operation=operation, before=before, backup_id=backup_id
        )
    if max_age is not None:
        age = now - point.creation_time
        if age > max_age:
            raise NoRestorePoint(
                f"the restore point of {name!r} from {point.creation_time.isoformat()} is "
                f"{age.total_seconds() / 3600:.1f}h old, older than the RPO of "
                f"{max_age.total_seconds() / 3600:g}h"
            )
    return point
