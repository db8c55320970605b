"""Browse mounts: backup files mounted for browsing, for unstructured data and for Entra ID
audit logs (201 ``UnstructuredDataFlrBrowseMountModel``).

A browse mount is a holding ``FileLevelRestore`` session whose ``id`` is the mount's: mounted
after ``start`` + ``mount`` seconds, unmounted (``unmount`` seconds) on request or, with
``autoUnmount`` enabled, after its inactivity period (no browsing exists, so counted from the
moment it is mounted).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from drflow.vbr.models import UnstructuredDataFlrBrowseMountModel, UnstructuredDataMountSpec
from drflow.vbr.models.flr import FlrBrowseProperties
from drflow.vbr.models.unstructured import UnstructuredDataBrowseSourceProperties

from ..auth import Principal
from ..errors import not_found
from ..estate import RestorePoint
from ..sessions import LogTitles, Outcome, SessionRecord
from ..workload import Workload, WorkloadState


@dataclass
class BrowseMount:
    """A browse mount; ``kind`` is its kind in ``/_sim/mounts``."""

    kind: str
    session: SessionRecord
    name: str
    backup_id: uuid.UUID
    point_ids: list[uuid.UUID]
    initiated_by: str
    unmount_duration: float
    """Seconds at speed 1 (scaled when the unmount starts)."""

    def state(self, now: datetime) -> str:
        view = self.session.view(now)
        if view.stopped:
            return "Unmounted"
        if view.state == "Stopping":
            return "Unmounting"
        return "Mounted" if now >= self.session.completes_at else "Mounting"

    def describe(self, now: datetime) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": str(self.session.id),
            "sessionId": str(self.session.id),
            "state": self.state(now),
            "name": self.name,
            "reason": None,
            "backupId": str(self.backup_id),
            "restorePointIds": [str(p) for p in self.point_ids],
            "initiatedBy": self.initiated_by,
            "createdAt": self.session.created.isoformat(),
        }


@dataclass
class BrowseState(WorkloadState):
    browse: dict[uuid.UUID, BrowseMount] = field(default_factory=dict)
    """Browse mounts by session id."""


@dataclass(frozen=True)
class BrowseKind:
    """What tells the browse mounts of one workload kind apart."""

    label: str
    """``kind`` in ``/_sim/mounts``: ``UnstructuredData``, ``EntraIdAuditLog``."""
    platform: str
    """``platformName`` of the sessions."""
    what: str
    """The mount in a 404."""
    path: str
    """The path the session's ``resourceReference`` points to (``{id}``: the session id)."""


def open_browse(
    workload: Workload[Any],
    mounts: dict[uuid.UUID, BrowseMount],
    spec: UnstructuredDataMountSpec,
    who: Principal,
    of: BrowseKind,
    *,
    points: Sequence[RestorePoint],
    name: str,
    separator: str,
    start_s: float,
    mount_s: float,
    unmount_duration: float,
) -> UnstructuredDataFlrBrowseMountModel:
    """Start a browse mount of ``points`` into ``mounts``."""
    sim = workload.sim
    now = sim.now()
    backup_id = points[0].model.backup_id
    with sim.lock:
        mounted = f"{name} is mounted for browsing"
        session = workload.open_session(
            "FileLevelRestore",
            name,
            who.username,
            starting_s=start_s,
            work_s=mount_s,
            outcome=Outcome("Success", mounted),
            titles=LogTitles(
                started=f"Starting file restore session for {name}",
                working=f"Mounting {name}",
                succeeded=[mounted],
            ),
            resource_path=of.path,
            platform=of.platform,
            hold=True,
            created=now,
        )
        auto = spec.auto_unmount
        if auto is not None and auto.is_enabled:
            minutes = auto.no_activity_period_in_minutes or 30
            idle = f"{name} was unmounted after {minutes} minutes without activity"
            session.schedule_release(
                session.completes_at + timedelta(seconds=sim.scaled(minutes * 60)),
                Outcome("Success", idle),
                idle,
            )
        mounts[session.id] = BrowseMount(
            of.label,
            session,
            name,
            backup_id,
            [p.model.id for p in points],
            who.username,
            unmount_duration,
        )
        return UnstructuredDataFlrBrowseMountModel(
            session_id=session.id,
            properties=FlrBrowseProperties(path_separator=separator),
            source_properties=UnstructuredDataBrowseSourceProperties(backup_id=backup_id),
        )


def close_browse(
    workload: Workload[Any],
    mounts: dict[uuid.UUID, BrowseMount],
    session_id: uuid.UUID,
    of: BrowseKind,
    who: Principal,
) -> SessionRecord:
    """Unmount a browse mount of ``mounts`` (404 when it is not one): answers its session."""
    sim = workload.sim
    now = sim.now()
    with sim.lock:
        mount = mounts.get(session_id)
        if mount is None:
            raise not_found(of.what, session_id)
        sim.stop(
            mount.session,
            now,
            sim.scaled(mount.unmount_duration),
            title=f"Unmounting {mount.name} (requested by {who.username})",
            done=f"{mount.name} has been unmounted",
        )
        return mount.session


def describe_browse(
    mounts: dict[uuid.UUID, BrowseMount], now: datetime, include_gone: bool
) -> list[dict[str, Any]]:
    """Entries of ``GET /_sim/mounts`` (an ``Unmounted`` mount is gone)."""
    return [
        mount.describe(now)
        for mount in mounts.values()
        if include_gone or mount.state(now) != "Unmounted"
    ]
