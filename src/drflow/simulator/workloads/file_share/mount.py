"""A mount of instant file share recovery and its timeline (see the package docstring)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from drflow.vbr.models import (
    InstantUnstructuredDataRecoveryMount,
    InstantUnstructuredDataRestoreMigrationSpec,
    InstantUnstructuredDataRestoreSpec,
    UnstructuredDataSwitchoverSettingsModel,
)

from ...estate import MountServer, RestorePoint, UnstructuredObject
from ...sessions import Outcome, SessionRecord
from ..switchover import Switchover

Settings = UnstructuredDataSwitchoverSettingsModel


@dataclass
class ShareMount:
    id: uuid.UUID
    session: SessionRecord
    share: UnstructuredObject
    point: RestorePoint
    spec: InstantUnstructuredDataRestoreSpec
    mount_server: MountServer
    initiated_by: str
    switch: Switchover[Settings]
    unpublish_s: float = 0.0
    migrate_s: float = 0.0
    migration: SessionRecord | None = None
    migration_spec: InstantUnstructuredDataRestoreMigrationSpec | None = None
    destination: str = ""
    unmount_at: datetime | None = None

    @property
    def fails(self) -> bool:
        return self.share.trap is not None

    @property
    def published_at(self) -> datetime:
        return self.session.completes_at

    def migration_live(self) -> bool:
        """A migration that was not canceled."""
        return self.migration is not None and not (
            self.migration.stop_outcome is not None and self.migration.stop_outcome.canceled
        )

    def switch_start(self) -> datetime | None:
        """When switching starts (or started); None while it is not planned."""
        if self.migration is None or not self.migration_live():
            return None
        return self.switch.start(self.migration.completes_at, self.unmount_at)

    def switched_at(self, now: datetime) -> datetime | None:
        return self.switch.ended(self.switch_start(), now)

    def phase(self, now: datetime) -> str:
        """Migration phase: none, migrating, waiting, switching, switched."""
        if not self.migration_live():
            return "none"
        assert self.migration is not None
        start = self.switch_start()
        if start is not None and now >= start:
            return "switched" if self.switched_at(now) else "switching"
        return "migrating" if now < self.migration.completes_at else "waiting"

    def state(self, now: datetime) -> str:
        if self.unmount_at is not None and now >= self.unmount_at:
            gone = self.unmount_at + timedelta(seconds=self.unpublish_s)
            return "Unpublishing" if now < gone else "Unpublished"
        if self.switched_at(now) is not None:
            return "Unpublished"
        if now < self.published_at:
            return "Publishing"
        return "PublishFailed" if self.fails else "Published"

    def error_message(self, now: datetime) -> str:
        if self.fails and now >= self.published_at and self.share.trap is not None:
            return self.share.trap.message
        return ""

    def to_model(self, now: datetime) -> InstantUnstructuredDataRecoveryMount:
        return InstantUnstructuredDataRecoveryMount(
            id=self.id,
            session_id=self.session.id,
            state=self.state(now),
            spec=self.spec,
            unstructured_server_id=self.share.server.id,
            unstructured_server_name=self.share.name,
            error_message=self.error_message(now),
        )

    def describe(self, now: datetime) -> dict[str, Any]:
        switched = self.switched_at(now)
        return {
            "kind": "FileShare",
            "id": str(self.id),
            "sessionId": str(self.session.id),
            "state": self.state(now),
            "name": self.share.name,
            "reason": self.spec.reason,
            "protocol": self.share.protocol,
            "restorePointId": str(self.point.model.id),
            "mountServer": self.mount_server.name,
            "migration": self.phase(now),
            "initiatedBy": self.initiated_by,
            "createdAt": self.session.created.isoformat(),
            "switchedOverAt": switched.isoformat() if switched else None,
        }


def plan_switchover(mount: ShareMount) -> None:
    """(Re)plan the ends of the migration and instant recovery sessions at switchover end."""
    if mount.migration is None or not mount.migration_live():
        return
    start = mount.switch_start()
    if start is None:
        mount.migration.cancel_release()
        if mount.unmount_at is None:
            mount.session.cancel_release()
        return
    end = start + timedelta(seconds=mount.switch.seconds)
    name = mount.share.name
    mount.migration.schedule_release(
        end,
        Outcome("Success", f"Share {name} has been switched over to {mount.destination}"),
        f"Share {name} has been switched over to {mount.destination}",
    )
    mount.session.schedule_release(
        end,
        Outcome("Success", f"Share {name} runs from {mount.destination}; instant recovery ended"),
        f"Share {name} has been unpublished after the switchover",
    )
