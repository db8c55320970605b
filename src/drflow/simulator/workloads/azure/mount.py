"""A mount of instant recovery to Microsoft Azure and its timeline (see the package docstring)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from drflow.vbr.models import (
    AzureInstantVMRecoveryMount,
    AzureInstantVMRecoverySpec,
    AzureInstantVMRecoverySwitchoverSettingsModel,
)

from ...estate import RestorePoint
from ...sessions import SessionRecord
from ..switchover import Switchover

Settings = AzureInstantVMRecoverySwitchoverSettingsModel


@dataclass
class AzureMount:
    id: uuid.UUID
    spec: AzureInstantVMRecoverySpec
    point: RestorePoint
    vm_name: str
    session: SessionRecord
    initiated_by: str
    switch: Switchover[Settings]
    stop_s: float = 0.0
    migrate_s: float = 0.0
    switch_base_s: float = 0.0
    """Switching without the boot check (the check's log record falls after it)."""
    migration: SessionRecord | None = None
    switchover: SessionRecord | None = None
    switch_ids: tuple[uuid.UUID, uuid.UUID] | None = None
    """The ids of the switchover session and its job, drawn when the migration starts."""
    stop_at: datetime | None = None

    # --- timeline -------------------------------------------------------------------------

    @property
    def ready_at(self) -> datetime:
        return self.session.completes_at

    def switch_start(self) -> datetime | None:
        """When switching starts (or started); None while it is not planned."""
        if self.switchover is not None:
            return self.switchover.created
        if self.migration is None:
            return None
        return self.switch.start(self.migration.completes_at, self.stop_at)

    def switched_at(self, now: datetime) -> datetime | None:
        return self.switch.ended(self.switch_start(), now)

    def state(self, now: datetime) -> str:
        if self.stop_at is not None and now >= self.stop_at:
            return "Stopping" if now < self.stop_at + timedelta(seconds=self.stop_s) else "Stopped"
        start = self.switch_start()
        if start is not None and now >= start:
            return "Stopped" if self.switch.ended(start, now) else "Switching"
        if self.migration is not None:
            return "Migrating" if now < self.migration.completes_at else "ReadyToSwitch"
        return "Starting" if now < self.ready_at else "Ready"

    def sessions(self) -> list[SessionRecord]:
        return [s for s in (self.session, self.migration, self.switchover) if s is not None]

    # --- wire -----------------------------------------------------------------------------

    def to_model(self, now: datetime) -> AzureInstantVMRecoveryMount:
        return AzureInstantVMRecoveryMount(
            id=self.id, state=self.state(now), spec=self.spec, error_message=""
        )

    def describe(self, now: datetime) -> dict[str, Any]:
        switched = self.switched_at(now)
        return {
            "kind": "AzureVM",
            "id": str(self.id),
            "sessionId": str(self.session.id),
            "state": self.state(now),
            "name": self.vm_name,
            "reason": self.spec.reason,
            "sourceName": self.point.vm.name,
            "restorePointId": str(self.point.model.id),
            "subscriptionId": str(self.spec.subscription.subscription_id),
            "location": self.spec.subscription.location,
            "initiatedBy": self.initiated_by,
            "createdAt": self.session.created.isoformat(),
            "switchedOverAt": switched.isoformat() if switched else None,
        }
