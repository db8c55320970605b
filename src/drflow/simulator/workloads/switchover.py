"""When a migrated machine or share switches over (Azure instant recovery, file shares).

Switchover settings decide once the data is migrated: ``Auto`` switches at once, ``Scheduled``
at ``scheduleTime`` (or when the migration ends, if later), ``Manual`` on request; a request
made while the migration runs takes effect as soon as it ends. A change of settings applies
from the moment it is made (a switch never starts in the past), and a stop before the switch
starts cancels it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from drflow.vbr.models._base import OpenEnum

from ..errors import bad_request
from ..listing import aware


class Settings(Protocol):
    """What Azure's and file shares' switchover settings models both carry."""

    @property
    def type(self) -> OpenEnum: ...
    @property
    def schedule_time(self) -> datetime | None: ...


def switch_start(
    settings: Settings,
    settings_at: datetime,
    migrated_at: datetime,
    requested_at: datetime | None,
    stopped_at: datetime | None,
) -> datetime | None:
    """When switching starts, for data migrated at ``migrated_at``; None: not planned."""
    candidates = []
    if requested_at is not None:
        candidates.append(max(requested_at, migrated_at))
    kind = settings.type.value
    if kind == "Auto":
        candidates.append(max(migrated_at, settings_at))
    elif kind == "Scheduled" and settings.schedule_time is not None:
        candidates.append(max(migrated_at, settings_at, aware(settings.schedule_time)))
    if not candidates:
        return None
    start = min(candidates)
    if stopped_at is not None and stopped_at <= start:
        return None
    return start


def check_settings(settings: Settings, now: datetime, field: str) -> None:
    """Refuse a ``Scheduled`` switchover without a ``scheduleTime`` in the future (400)."""
    if settings.type.value != "Scheduled":
        return
    when = aware(settings.schedule_time)
    if when is None:
        raise bad_request(f"{field}.scheduleTime: required when type is Scheduled.")
    if when <= now:
        raise bad_request(
            f"{field}.scheduleTime: {when.isoformat()} is in the past; a scheduled "
            f"switchover needs a time in the future (now: {now.isoformat()})."
        )
