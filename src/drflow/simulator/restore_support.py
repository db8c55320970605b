"""What the restore workloads (Hyper-V instant recovery, entire VM restore, FCD, FLR) share:
finding the restore point of a request, and the workload probe of a machine.

A guest's health is derived, like everything else, from timestamps: a machine is healthy once
it runs (mounted and powered on, or restored and powered on), its boot time has passed, and it
carries no ``never_healthy`` trap.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
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


@dataclass(frozen=True)
class GuestState:
    """What one source (a mount, a restore) says about a machine, as of ``since``."""

    healthy: bool
    reason: str
    since: datetime


def running_guest(
    *,
    started_at: datetime,
    powered_on: bool,
    boot_s: float,
    never_healthy: str | None,
    now: datetime,
    running_as: str,
    powered_off_reason: str,
) -> GuestState:
    """A machine that runs (or could run) from ``started_at``."""
    if not powered_on:
        return GuestState(False, powered_off_reason, started_at)
    booted = started_at.timestamp() + boot_s
    if now.timestamp() < booted:
        return GuestState(False, "guest OS is booting", started_at)
    if never_healthy is not None:
        return GuestState(False, never_healthy, started_at)
    return GuestState(True, running_as, started_at)
