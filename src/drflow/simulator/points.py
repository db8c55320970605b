"""The restore point a start request names: one that offers the operation, or the restore
point of a share or bucket."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from .errors import ApiError, bad_request, not_found
from .estate import RestorePoint, UnstructuredObject

if TYPE_CHECKING:
    from .state import Simulator

POINTS_PATH = "/api/v1/restorePoints"
"""Where restore points are read (the ``resourceReference`` of a restore from one)."""


def find_point(
    sim: Simulator,
    point_id: uuid.UUID,
    operation: str,
    what: str,
    *,
    unknown_status: int = 404,
) -> RestorePoint:
    """The restore point ``point_id`` if it allows ``operation``.

    Unknown: 404 ``NotFound`` (or 400 where the operation documents no 404, with
    ``unknown_status=400``); known but not offering ``operation``: 400 naming why.
    """
    point = sim.estate.restore_points.get(point_id)
    if point is None:
        if unknown_status == 404:
            raise not_found("Restore point", point_id)
        raise ApiError(
            400,
            "UnexpectedContent",
            f"restorePointId: restore point with ID {point_id} was not found.",
            point_id,
        )
    allowed = [op.value for op in point.model.allowed_operations]
    if operation not in allowed:
        raise bad_request(
            f"restorePointId: {what} is not available for restore point {point_id} "
            f"({point.vm.platform} backup of {point.vm.name}); it allows: "
            f"{', '.join(allowed) or 'nothing'}.",
            point_id,
        )
    return point


def find_unstructured(
    sim: Simulator, point_id: uuid.UUID, what: str, field: str = "restorePointId"
) -> tuple[UnstructuredObject, RestorePoint]:
    """The share or bucket of restore point ``point_id`` and the point. Unknown: 404; a
    restore point of something else: 400 naming ``field`` and ``what`` was expected."""
    found = sim.estate.extra.unstructured.by_point.get(point_id)
    if found is not None:
        return found
    point = sim.estate.restore_points.get(point_id)
    if point is None:
        raise not_found("Restore point", point_id)
    raise bad_request(
        f"{field}: {point.model.id} is a restore point of {point.vm.name} "
        f"({point.model.platform_name.value}), not of a {what}.",
        point.model.id,
    )
