"""When a migrated machine or share switches over (Azure instant recovery, file shares).

Switchover settings decide once the data is migrated: ``Auto`` switches at once, ``Scheduled``
at ``scheduleTime`` (or when the migration ends, if later), ``Manual`` on request; a request
made while the migration runs takes effect as soon as it ends. A change of settings applies
from the moment it is made (a switch never starts in the past), and a stop before the switch
starts cancels it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from drflow.vbr.models import OpenEnum

from ..errors import bad_request
from ..listing import aware


class Settings(Protocol):
    """What Azure's and file shares' switchover settings models both carry."""

    @property
    def type(self) -> OpenEnum: ...
    @property
    def schedule_time(self) -> datetime | None: ...


S = TypeVar("S", bound=Settings)


@dataclass
class Switchover(Generic[S]):
    """How and when a migration switches over: a part of the mounts that migrate."""

    settings: S
    settings_at: datetime
    """When the settings were last set (a switch never starts before)."""
    requested_at: datetime | None = None
    """When a switchover was requested (``POST .../switchover``), if it was."""
    seconds: float = 0.0
    """How long switching takes, at the speed of when it was last planned."""

    def change(self, settings: S, now: datetime) -> None:
        self.settings, self.settings_at = settings, now

    def start(self, migrated_at: datetime, stopped_at: datetime | None) -> datetime | None:
        """When switching starts, for data migrated at ``migrated_at`` and a mount stopped at
        ``stopped_at``; None: not planned."""
        candidates = []
        if self.requested_at is not None:
            candidates.append(max(self.requested_at, migrated_at))
        settings = self.settings
        kind = settings.type.value
        if kind == "Auto":
            candidates.append(max(migrated_at, self.settings_at))
        elif kind == "Scheduled" and settings.schedule_time is not None:
            candidates.append(max(migrated_at, self.settings_at, aware(settings.schedule_time)))
        if not candidates:
            return None
        start = min(candidates)
        if stopped_at is not None and stopped_at <= start:
            return None
        return start

    def ended(self, start: datetime | None, now: datetime) -> datetime | None:
        """When switching that starts at ``start`` ended, if it has by ``now``."""
        if start is None:
            return None
        end = start + timedelta(seconds=self.seconds)
        return end if now >= end else None


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
