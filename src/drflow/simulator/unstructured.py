"""Unstructured data: instant file share recovery, entire share/bucket restore, browse mounts.

Instant file share recovery (one mount per share; mount ``id`` == its ``FileInstantRecovery``
session id, as in the vendor's examples):

- start (201, one session per share): ``Publishing`` for ``start`` + ``publish`` seconds, then
  ``Published`` (the session holds: ``Working`` 100 % / ``Success``); a ``publish_fails`` trap
  share ends ``PublishFailed`` (``errorMessage``; the session ``Stopped``/``Failed``);
- unmount (200, the session): ``Unpublishing`` for ``unpublish`` seconds, then ``Unpublished``
  (still listed); it cancels a migration that has not switched over yet, and is refused while
  switching;
- migrate (201, a ``FileInstantRecoveryMigration`` session; SMB shares only, from
  ``Published``): the data moves for ``start`` + ``migrate`` seconds, then the switchover
  settings decide as for Azure (``Auto`` at once, ``Scheduled`` at ``scheduleTime``,
  ``Manual`` on ``POST .../switchover``); switching takes ``switchover`` seconds, after which
  the share runs from its destination: the migration session ends ``Success`` and the mount
  is ``Unpublished`` (its session ends ``Success``). The migration session holds
  (``Working`` 100 %) while it waits for the switchover;
- switchover settings (SMB shares): readable at any time (``Auto`` until set), changeable
  (PUT, 200) until switching starts; ``Scheduled`` needs a future ``scheduleTime``;
- switchover (201, the migration session): now, or as soon as the data is migrated.

Entire share / bucket restore (201, a ``NasRestore`` session): ``start`` + ``restore``
seconds, then ``Success`` (``Warning`` when restoring to the original location with overwrite
mode ``Skip``: files that exist were skipped).

Browse (FLR) mounts (201 ``UnstructuredDataFlrBrowseMountModel``): a holding
``FileLevelRestore`` session, mounted after ``start`` + ``mount`` seconds, unmounted
(``unmount`` seconds) by ``POST /restore/unstructuredData/{sessionId}/unmount`` or, with
``autoUnmount`` enabled, after its inactivity period (no browsing exists, so counted from the
moment it is mounted).
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from drflow.vbr.models import (
    InstantUnstructuredDataRecoveryMount,
    InstantUnstructuredDataRestoreMigrationSpec,
    InstantUnstructuredDataRestoreSpec,
    UnstructuredDataEntireOSRestoreSpec,
    UnstructuredDataEntireShareRestoreSpec,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
    UnstructuredDataSwitchoverSettingsModel,
)
from drflow.vbr.models.flr import FlrBrowseProperties
from drflow.vbr.models.unstructured import UnstructuredDataBrowseSourceProperties

from .auth import Principal
from .errors import ApiError, bad_request, not_found, reject_unknown_enums
from .estate import MountServer, RestorePoint, UnstructuredObject
from .listing import aware
from .sessions import LogTitles, Outcome, SessionRecord

if TYPE_CHECKING:
    from .state import Simulator

IR_PATH = "/api/v1/restore/instantRecovery/unstructuredData"
RESTORE_PATH = "/api/v1/restore/unstructuredData"

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
    settings: Settings
    settings_at: datetime
    unpublish_s: float = 0.0
    migrate_s: float = 0.0
    switch_s: float = 0.0
    migration: SessionRecord | None = None
    migration_spec: InstantUnstructuredDataRestoreMigrationSpec | None = None
    destination: str = ""
    switch_requested_at: datetime | None = None
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
        if not self.migration_live():
            return None
        assert self.migration is not None
        migrated = self.migration.completes_at
        candidates = []
        if self.switch_requested_at is not None:
            candidates.append(max(self.switch_requested_at, migrated))
        kind = self.settings.type.value
        if kind == "Auto":
            candidates.append(max(migrated, self.settings_at))
        elif kind == "Scheduled" and self.settings.schedule_time is not None:
            candidates.append(max(migrated, self.settings_at, aware(self.settings.schedule_time)))
        if not candidates:
            return None
        start = min(candidates)
        if self.unmount_at is not None and self.unmount_at <= start:
            return None
        return start

    def switched_at(self, now: datetime) -> datetime | None:
        start = self.switch_start()
        if start is None:
            return None
        end = start + timedelta(seconds=self.switch_s)
        return end if now >= end else None

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


@dataclass
class BrowseMount:
    """A browse mount of unstructured data (``kind`` ``UnstructuredData``) or of an Entra ID
    audit log (``EntraIdAuditLog``, see :mod:`drflow.simulator.entra_id`)."""

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
class UnstructuredState:
    share_mounts: dict[uuid.UUID, ShareMount] = field(default_factory=dict)
    browse_mounts: dict[uuid.UUID, BrowseMount] = field(default_factory=dict)


# --- helpers -------------------------------------------------------------------------------


def _object(sim: Simulator, point_id: uuid.UUID) -> tuple[UnstructuredObject, RestorePoint] | None:
    return sim.estate.extra.unstructured.by_point.get(point_id)


def _check_settings(settings: Settings, now: datetime, field: str) -> None:
    if settings.type.value == "Scheduled":
        when = aware(settings.schedule_time)
        if when is None:
            raise bad_request(f"{field}.scheduleTime: required when type is Scheduled.")
        if when <= now:
            raise bad_request(
                f"{field}.scheduleTime: {when.isoformat()} is in the past; a scheduled "
                f"switchover needs a time in the future (now: {now.isoformat()})."
            )


def _smb_only(mount: ShareMount, what: str) -> None:
    if mount.share.protocol != "SMB":
        raise bad_request(
            f"{what} is supported for SMB file shares only: {mount.share.name} is an "
            f"{mount.share.protocol} share.",
            mount.id,
        )


def _plan(mount: ShareMount) -> None:
    """(Re)plan the ends of the migration and instant recovery sessions at switchover end."""
    if mount.migration is None or not mount.migration_live():
        return
    start = mount.switch_start()
    if start is None:
        mount.migration.cancel_release()
        if mount.unmount_at is None:
            mount.session.cancel_release()
        return
    end = start + timedelta(seconds=mount.switch_s)
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


# --- instant file share recovery -----------------------------------------------------------


def get_share_mount(sim: Simulator, mount_id: uuid.UUID) -> ShareMount:
    mount = sim.unstructured.share_mounts.get(mount_id)
    if mount is None:
        raise not_found("Instant file share recovery mount point", mount_id)
    return mount


def start_share_recovery(
    sim: Simulator, spec: InstantUnstructuredDataRestoreSpec, who: Principal
) -> list[ShareMount]:
    now = sim.now()
    with sim.lock:
        ud = sim.estate.extra.unstructured
        if not spec.restore_options:
            raise bad_request("restoreOptions: give at least one restore point to publish.")
        chosen: list[tuple[UnstructuredObject, RestorePoint, MountServer]] = []
        seen: set[str] = set()
        for index, option in enumerate(spec.restore_options):
            where = f"restoreOptions[{index}]"
            found = _object(sim, option.restore_point_id)
            if found is None:
                if option.restore_point_id in sim.estate.restore_points:
                    point = sim.estate.restore_points[option.restore_point_id]
                    raise bad_request(
                        f"{where}.restorePointId: {point.model.id} is a restore point of "
                        f"{point.vm.name} ({point.model.platform_name.value}), not of a file "
                        f"share.",
                        point.model.id,
                    )
                raise not_found("Restore point", option.restore_point_id)
            share, point = found
            if share.kind != "FileShare":
                raise bad_request(
                    f"{where}.restorePointId: {share.name} is an object storage bucket; instant "
                    f"recovery publishes file shares only.",
                    point.model.id,
                )
            if share.name.lower() in seen:
                raise bad_request(f"{where}: share {share.name} is listed twice.")
            seen.add(share.name.lower())
            if option.mount_server_id is not None:
                server = ud.mount_servers.get(option.mount_server_id)
                if server is None:
                    raise not_found("Mount server", option.mount_server_id)
            elif spec.auto_select_mount_servers is False:
                raise bad_request(
                    f"{where}.mountServerId: required when autoSelectMountServers is false."
                )
            elif ud.mount_servers:
                server = next(iter(ud.mount_servers.values()))
            else:
                raise bad_request(f"{where}: no mount server is available on the backup server.")
            for other in sim.unstructured.share_mounts.values():
                state = other.state(now)
                if other.share is share and state in ("Publishing", "Published", "Unpublishing"):
                    raise bad_request(
                        f"Share {share.name} is already published by instant recovery "
                        f"(mount point {other.id}, state {state}).",
                        other.id,
                    )
            chosen.append((share, point, server))
        d = ud.durations
        mounts = []
        for (share, point, server), option in zip(chosen, spec.restore_options, strict=True):
            mount_id = sim.new_id()
            date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
            trap = share.trap
            session = SessionRecord(
                id=mount_id,
                name=share.name,
                job_id=sim.new_id(),
                session_type="FileInstantRecovery",
                created=now,
                starting_s=sim.scaled(d.start),
                work_s=sim.scaled(d.publish),
                outcome=(
                    Outcome("Failed", trap.message)
                    if trap is not None
                    else Outcome("Success", f"Share {share.name} has been published")
                ),
                titles=LogTitles(
                    started=f"Starting instant recovery of share {share.name} on mount server "
                    f"{server.name}",
                    working=f"Publishing {share.name} from the restore point of {date}",
                    succeeded=[f"Share {share.name} has been published"],
                ),
                hold=True,
                initiated_by=who.username,
                resource_id=mount_id,
                resource_reference=f"{IR_PATH}/{mount_id}",
                platform_name="UnstructuredData",
            )
            sim.add_session(session)
            one = spec.model_copy(
                update={
                    "restore_options": [option.model_copy(update={"mount_server_id": server.id})]
                }
            )
            mount = ShareMount(
                id=mount_id,
                session=session,
                share=share,
                point=point,
                spec=one,
                mount_server=server,
                initiated_by=who.username,
                settings=Settings(type="Auto"),
                settings_at=now,
            )
            sim.unstructured.share_mounts[mount_id] = mount
            mounts.append(mount)
        return mounts


def unmount_share(sim: Simulator, mount_id: uuid.UUID, who: Principal) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        mount = get_share_mount(sim, mount_id)
        state = mount.state(now)
        if state in ("Unpublishing", "Unpublished"):
            return mount.session
        phase = mount.phase(now)
        if phase == "switching":
            raise bad_request(
                f"Share {mount.share.name} is switching over to {mount.destination}; it can be "
                f"unpublished once the switchover ends.",
                mount.id,
            )
        if state == "PublishFailed":
            mount.unmount_at, mount.unpublish_s = now, 0.0
            return mount.session
        if phase in ("migrating", "waiting"):
            assert mount.migration is not None
            mount.migration.request_stop(
                now,
                0.0,
                Outcome(
                    "Failed",
                    f"Migration canceled: share {mount.share.name} was unpublished by "
                    f"{who.username}",
                    canceled=True,
                ),
                title=f"Canceling migration of share {mount.share.name}",
            )
            mount.migration.usn = sim.next_usn()
        mount.unmount_at = now
        mount.unpublish_s = sim.scaled(sim.estate.extra.unstructured.durations.unpublish)
        mount.session.request_stop(
            now,
            mount.unpublish_s,
            Outcome("Success", f"Share {mount.share.name} has been unpublished"),
            title=f"Unpublishing share {mount.share.name} (requested by {who.username})",
            stopped_title=f"Share {mount.share.name} has been unpublished",
        )
        mount.session.usn = sim.next_usn()
        return mount.session


def migrate_share(
    sim: Simulator,
    mount_id: uuid.UUID,
    spec: InstantUnstructuredDataRestoreMigrationSpec,
    who: Principal,
) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        ud = sim.estate.extra.unstructured
        mount = get_share_mount(sim, mount_id)
        _smb_only(mount, "Migration")
        state = mount.state(now)
        if mount.migration_live() and mount.phase(now) != "none":
            raise bad_request(
                f"Share {mount.share.name} is already being migrated (session "
                f"{mount.migration.id}).",  # type: ignore[union-attr]
                mount.id,
            )
        if state != "Published":
            raise bad_request(
                f"Cannot migrate share {mount.share.name}: the mount point is {state}, not "
                f"Published.",
                mount.id,
            )
        dest = spec.destination
        if dest.unstructured_data_server_id is not None:
            server = ud.servers.get(dest.unstructured_data_server_id)
            if server is None:
                raise not_found("Unstructured data server", dest.unstructured_data_server_id)
            if server.type != "SMB":
                raise bad_request(
                    f"destination.unstructuredDataServerId: {server.name} is an {server.type} "
                    f"server; SMB share {mount.share.name} migrates to an SMB server."
                )
            if not dest.path:
                raise bad_request("destination.path: required when migrating to another server.")
            destination = f"{server.name} ({dest.path})"
        elif dest.path:
            raise bad_request(
                "destination.unstructuredDataServerId: required with destination.path."
            )
        else:
            destination = f"its original location {mount.share.name}"
        reject_unknown_enums(spec)
        _check_settings(spec.switchover_settings, now, "switchoverSettings")
        mount.settings, mount.settings_at = spec.switchover_settings, now
        mount.switch_requested_at = None
        mount.migrate_s = sim.scaled(ud.durations.migrate)
        mount.switch_s = sim.scaled(ud.durations.switchover)
        mode = spec.overwrite_mode.value if spec.overwrite_mode else "ReplaceOlder"
        session = SessionRecord(
            id=sim.new_id(),
            name=mount.share.name,
            job_id=sim.new_id(),
            session_type="FileInstantRecoveryMigration",
            created=now,
            starting_s=sim.scaled(ud.durations.start),
            work_s=mount.migrate_s,
            outcome=Outcome("Success", f"Data of share {mount.share.name} has been migrated"),
            titles=LogTitles(
                started=f"Starting migration of share {mount.share.name} to {destination} "
                f"(overwrite: {mode}; switchover: {mount.settings.type.value})",
                working=f"Copying data of share {mount.share.name}",
                succeeded=[
                    f"Data of share {mount.share.name} has been migrated; waiting for "
                    f"the switchover"
                ],
            ),
            hold=True,
            initiated_by=who.username,
            resource_id=mount.id,
            resource_reference=f"{IR_PATH}/{mount.id}",
            platform_name="UnstructuredData",
            parent_session_id=mount.session.id,
        )
        sim.add_session(session)
        mount.migration, mount.migration_spec, mount.destination = session, spec, destination
        _plan(mount)
        return session


def get_settings(sim: Simulator, mount_id: uuid.UUID) -> Settings:
    with sim.lock:
        mount = get_share_mount(sim, mount_id)
        _smb_only(mount, "Switchover")
        return mount.settings


def update_settings(sim: Simulator, mount_id: uuid.UUID, settings: Settings) -> Settings:
    now = sim.now()
    with sim.lock:
        mount = get_share_mount(sim, mount_id)
        _smb_only(mount, "Switchover")
        state, phase = mount.state(now), mount.phase(now)
        if phase in ("switching", "switched") or state in ("Unpublishing", "Unpublished"):
            what = {"switching": "is switching over", "switched": "has been switched over"}
            raise bad_request(
                f"Cannot change the switchover settings of share {mount.share.name}: it "
                f"{what.get(phase, f'is {state}')}.",
                mount.id,
            )
        _check_settings(settings, now, "request body")
        mount.settings, mount.settings_at = settings, now
        mount.switch_s = sim.scaled(sim.estate.extra.unstructured.durations.switchover)
        _plan(mount)
        return mount.settings


def switchover_share(sim: Simulator, mount_id: uuid.UUID, who: Principal) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        mount = get_share_mount(sim, mount_id)
        _smb_only(mount, "Switchover")
        phase = mount.phase(now)
        if phase == "none":
            raise bad_request(
                f"Cannot switch share {mount.share.name} over: it is not being migrated "
                f"(start a migration first).",
                mount.id,
            )
        assert mount.migration is not None
        if phase in ("switching", "switched"):
            return mount.migration
        if mount.switch_requested_at is None:
            mount.switch_requested_at = now
            mount.switch_s = sim.scaled(sim.estate.extra.unstructured.durations.switchover)
            mount.migration.extra_logs.append(
                (
                    now,
                    "Succeeded",
                    f"Switchover of share {mount.share.name} requested by {who.username}",
                )
            )
        _plan(mount)
        mount.migration.usn = sim.next_usn()
        return mount.migration


def list_share_mounts(sim: Simulator) -> list[ShareMount]:
    with sim.lock:
        return sorted(sim.unstructured.share_mounts.values(), key=lambda m: m.session.created)


# --- entire share / bucket restore ---------------------------------------------------------


def restore(
    sim: Simulator,
    spec: UnstructuredDataEntireShareRestoreSpec | UnstructuredDataEntireOSRestoreSpec,
    who: Principal,
) -> SessionRecord:
    now = sim.now()
    bucket = isinstance(spec, UnstructuredDataEntireOSRestoreSpec)
    want = "Bucket" if bucket else "FileShare"
    what = "object storage bucket" if bucket else "file share"
    with sim.lock:
        ud = sim.estate.extra.unstructured
        found = _object(sim, spec.restore_point_id)
        if found is None:
            point = sim.estate.restore_points.get(spec.restore_point_id)
            if point is None:
                raise not_found("Restore point", spec.restore_point_id)
            raise bad_request(
                f"restorePointId: {point.model.id} is a restore point of {point.vm.name} "
                f"({point.model.platform_name.value}), not of a {what}.",
                point.model.id,
            )
        obj, point = found
        if obj.kind != want:
            raise bad_request(
                f"restorePointId: {point.model.id} is a restore point of {obj.name}, which is "
                f"not a {what}.",
                point.model.id,
            )
        dest = spec.destination
        options = spec.restore_options
        mode = options.overwrite_mode.value if options and options.overwrite_mode else None
        original = dest is None or (
            dest.unstructured_data_server_id is None and not dest.restore_to_backup_server
        )
        if original:
            if dest is not None and (
                dest.path or (bucket and (dest.new_bucket_name or dest.region_id))  # type: ignore[union-attr]
            ):
                raise bad_request(
                    "destination.unstructuredDataServerId: required when restoring to another "
                    "location (or set restoreToBackupServer)."
                )
            target = f"the original location ({obj.name} on {obj.server.name})"
        else:
            assert dest is not None
            if dest.unstructured_data_server_id is not None and dest.restore_to_backup_server:
                raise bad_request(
                    "destination: give either unstructuredDataServerId or restoreToBackupServer."
                )
            if dest.restore_to_backup_server:
                host = sim.estate.server.name
            else:
                server = ud.servers.get(dest.unstructured_data_server_id)  # type: ignore[arg-type]
                if server is None:
                    raise not_found("Unstructured data server", dest.unstructured_data_server_id)
                fits = server.type == "S3" if bucket else server.type == obj.protocol
                if not fits:
                    raise bad_request(
                        f"destination.unstructuredDataServerId: {server.name} is an "
                        f"{server.type} server; {obj.name} needs "
                        f"{'an S3' if bucket else f'an {obj.protocol}'} server."
                    )
                region = getattr(dest, "region_id", None)
                if region and region not in server.regions:
                    raise bad_request(
                        f"destination.regionId: {region!r} is not a region of {server.name} "
                        f"({', '.join(server.regions) or 'none'})."
                    )
                host = server.name
            name = getattr(dest, "new_bucket_name", None)
            if not dest.path and not name:
                raise bad_request(
                    "destination.path: required when restoring to another location"
                    + (" (or give newBucketName)." if bucket else ".")
                )
            target = f"{host} ({name or dest.path})"
        reject_unknown_enums(spec)
        if original and mode == "Skip":
            outcome = Outcome(
                "Warning",
                f"{obj.name} has been restored to {target}; files that exist there were "
                f"skipped (overwrite mode Skip)",
            )
        else:
            outcome = Outcome("Success", f"{obj.name} has been restored to {target}")
        date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
        d = ud.durations
        session = SessionRecord(
            id=sim.new_id(),
            name=f"Restore of {obj.name}",
            job_id=sim.new_id(),
            session_type="NasRestore",
            created=now,
            starting_s=sim.scaled(d.start),
            work_s=sim.scaled(d.restore),
            outcome=outcome,
            titles=LogTitles(
                started=f"Starting restore of {what} {obj.name} from the restore point of "
                f"{date} to {target} (overwrite: {mode or 'default'})",
                working=f"Restoring {obj.name}",
                succeeded=[outcome.message],
            ),
            initiated_by=who.username,
            resource_id=point.model.id,
            platform_name="UnstructuredData",
        )
        return sim.add_session(session)


# --- browse (FLR) mounts -------------------------------------------------------------------


def start_browse(
    sim: Simulator,
    spec: UnstructuredDataMountSpec,
    who: Principal,
    *,
    kind: str,
    points: list[RestorePoint],
    backup_id: uuid.UUID,
    name: str,
    separator: str,
    mount_s: float,
    start_s: float,
    unmount_duration: float,
    resource_path: str,
) -> tuple[BrowseMount, UnstructuredDataFlrBrowseMountModel]:
    """Start a browse mount (shared by unstructured data and Entra ID audit logs)."""
    now = sim.now()
    with sim.lock:
        session_id = sim.new_id()
        session = SessionRecord(
            id=session_id,
            name=name,
            job_id=sim.new_id(),
            session_type="FileLevelRestore",
            created=now,
            starting_s=start_s,
            work_s=mount_s,
            outcome=Outcome("Success", f"{name} is mounted for browsing"),
            titles=LogTitles(
                started=f"Starting file restore session for {name}",
                working=f"Mounting {name}",
                succeeded=[f"{name} is mounted for browsing"],
            ),
            hold=True,
            initiated_by=who.username,
            resource_id=session_id,
            resource_reference=resource_path.format(id=session_id),
            platform_name="EntraID" if kind == "EntraIdAuditLog" else "UnstructuredData",
        )
        auto = spec.auto_unmount
        if auto is not None and auto.is_enabled:
            minutes = auto.no_activity_period_in_minutes or 30
            session.schedule_release(
                session.completes_at + timedelta(seconds=sim.scaled(minutes * 60)),
                Outcome(
                    "Success", f"{name} was unmounted after {minutes} minutes without activity"
                ),
                f"{name} was unmounted after {minutes} minutes without activity",
            )
        sim.add_session(session)
        mount = BrowseMount(
            kind,
            session,
            name,
            backup_id,
            [p.model.id for p in points],
            who.username,
            unmount_duration,
        )
        sim.unstructured.browse_mounts[session_id] = mount
        model = UnstructuredDataFlrBrowseMountModel(
            session_id=session_id,
            properties=FlrBrowseProperties(path_separator=separator),
            source_properties=UnstructuredDataBrowseSourceProperties(backup_id=backup_id),
        )
        return mount, model


def stop_browse(sim: Simulator, session_id: uuid.UUID, kind: str, who: Principal) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        mount = sim.unstructured.browse_mounts.get(session_id)
        if mount is None or mount.kind != kind:
            what = "Audit log mount" if kind == "EntraIdAuditLog" else "File restore session"
            raise not_found(what, session_id)
        if mount.session.request_stop(
            now,
            sim.scaled(mount.unmount_duration),
            Outcome("Success", f"{mount.name} has been unmounted"),
            title=f"Unmounting {mount.name} (requested by {who.username})",
            stopped_title=f"{mount.name} has been unmounted",
        ):
            mount.session.usn = sim.next_usn()
        return mount.session


def start_flr(
    sim: Simulator, spec: UnstructuredDataMountSpec, who: Principal
) -> UnstructuredDataFlrBrowseMountModel:
    with sim.lock:
        ud = sim.estate.extra.unstructured
        objects: list[tuple[UnstructuredObject, RestorePoint]] = []
        if spec.restore_point_id is None and spec.backup_id is None:
            raise bad_request("restorePointId: give restorePointId or backupId.")
        if spec.restore_point_id is not None:
            found = _object(sim, spec.restore_point_id)
            if found is None:
                raise bad_request(
                    f"restorePointId: no unstructured data restore point has ID "
                    f"{spec.restore_point_id}.",
                    spec.restore_point_id,
                )
            if spec.backup_id is not None and found[0].backup.id != spec.backup_id:
                raise bad_request(
                    f"backupId: restore point {spec.restore_point_id} belongs to backup "
                    f"{found[0].backup.id}, not {spec.backup_id}."
                )
            objects.append(found)
        else:
            members = ud.by_backup.get(spec.backup_id)  # type: ignore[arg-type]
            if not members:
                raise bad_request(
                    f"backupId: no unstructured data backup has ID {spec.backup_id}.",
                    spec.backup_id,
                )
            objects = [
                (obj, max(obj.points, key=lambda p: p.model.creation_time)) for obj in members
            ]
        if spec.unstructured_data_server_id is not None:
            server = ud.servers.get(spec.unstructured_data_server_id)
            if server is None:
                raise bad_request(
                    f"unstructuredDataServerId: no unstructured data server has ID "
                    f"{spec.unstructured_data_server_id}.",
                    spec.unstructured_data_server_id,
                )
            objects = [(o, p) for o, p in objects if o.server is server]
            if not objects:
                raise bad_request(
                    f"unstructuredDataServerId: the backup holds no data of {server.name}."
                )
        reject_unknown_enums(spec)
        first = objects[0][0]
        name = first.name if len(objects) == 1 else f"{first.backup.name} ({len(objects)} objects)"
        separator = "\\" if all(o.protocol == "SMB" for o, _ in objects) else "/"
        d = ud.durations
        _, model = start_browse(
            sim,
            spec,
            who,
            kind="UnstructuredData",
            points=[p for _, p in objects],
            backup_id=first.backup.id,
            name=name,
            separator=separator,
            start_s=sim.scaled(d.start),
            mount_s=sim.scaled(d.mount),
            unmount_duration=d.unmount,
            resource_path=RESTORE_PATH + "/{id}",
        )
        return model


def describe_mounts(sim: Simulator, now: datetime, include_gone: bool) -> list[dict[str, Any]]:
    with sim.lock:
        out = [
            mount.describe(now)
            for mount in list_share_mounts(sim)
            if include_gone or mount.state(now) != "Unpublished"
        ]
        for browse in sorted(
            sim.unstructured.browse_mounts.values(), key=lambda m: m.session.created
        ):
            if include_gone or browse.state(now) != "Unmounted":
                out.append(browse.describe(now))
        return out


def stop_session(sim: Simulator, record: SessionRecord, who: Principal) -> bool:
    """``POST /sessions/{id}/stop`` for the sessions of this module: a share's instant recovery
    session unpublishes it; a migration not switched over yet is canceled (the share stays
    published); a restore is canceled; a browse mount is unmounted. True when ``record`` is
    one of them."""
    now = sim.now()
    with sim.lock:
        for mount in sim.unstructured.share_mounts.values():
            if record is mount.session:
                with contextlib.suppress(ApiError):  # switching over: it cannot be stopped
                    unmount_share(sim, mount.id, who)
                return True
            if record is mount.migration:
                if mount.phase(now) in ("migrating", "waiting"):
                    record.request_stop(
                        now,
                        0.0,
                        Outcome("Failed", f"Migration stopped by {who.username}", canceled=True),
                        title=f"Stopping migration of share {mount.share.name}",
                    )
                    record.usn = sim.next_usn()
                    mount.switch_requested_at = None
                    mount.session.cancel_release()
                return True
        browse = sim.unstructured.browse_mounts.get(record.id)
        if browse is not None and browse.session is record:
            stop_browse(sim, record.id, browse.kind, who)
            return True
        if record.session_type == "NasRestore" and record.platform_name == "UnstructuredData":
            if record.request_stop(
                now,
                sim.scaled(1.0),
                Outcome("Failed", f"Stopped by user {who.username}", canceled=True),
                title=f"Stopping restore (requested by {who.username})",
            ):
                record.usn = sim.next_usn()
            return True
        return False
