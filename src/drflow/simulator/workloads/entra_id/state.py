"""What Entra ID restore keeps: tenant restore sessions, sign-ins, audit-log browse mounts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...estate import EntraTenant, RestorePoint
from ...sessions import SessionRecord
from ..browse import BrowseState


@dataclass
class TenantSession:
    session: SessionRecord
    tenant: EntraTenant
    backup_id: uuid.UUID
    source: str  # "backup" | "backupCopy"
    point: RestorePoint | None
    initiated_by: str

    def state(self, now: datetime) -> str:
        view = self.session.view(now)
        if view.stopped:
            return "Stopped"
        if view.state == "Stopping":
            return "Stopping"
        return "Mounted" if now >= self.session.completes_at else "Mounting"

    def describe(self, now: datetime) -> dict[str, Any]:
        return {
            "kind": "EntraIdTenant",
            "id": str(self.session.id),
            "sessionId": str(self.session.id),
            "state": self.state(now),
            "name": self.tenant.name,
            "reason": None,
            "source": self.source,
            "backupId": str(self.backup_id),
            "restorePointId": str(self.point.model.id) if self.point else None,
            "initiatedBy": self.initiated_by,
            "createdAt": self.session.created.isoformat(),
        }


@dataclass
class DeviceCode:
    user_code: str
    device_code: str
    session_id: uuid.UUID
    issued: datetime
    expires: datetime
    decision: str | None = None  # "confirmed" | "rejected"
    decided_at: datetime | None = None
    username: str | None = None
    credentials_id: uuid.UUID | None = None


@dataclass
class AuthRequest:
    state: str
    session_id: uuid.UUID
    vdc_session_id: str
    redirect_uri: str
    created: datetime
    code: str | None = None
    denied: bool = False
    used: bool = False
    username: str | None = None


@dataclass
class EntraIdState(BrowseState):
    """``browse``: the audit-log mounts."""

    tenant_sessions: dict[uuid.UUID, TenantSession] = field(default_factory=dict)
    device_codes: dict[str, DeviceCode] = field(default_factory=dict)
    authorizations: dict[str, AuthRequest] = field(default_factory=dict)
