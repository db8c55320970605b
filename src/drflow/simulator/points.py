"""The restore point a start request names, if it offers the operation."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from .errors import ApiError, bad_request, not_found
from .estate import RestorePoint

if TYPE_CHECKING:
    from .state import Simulator


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
