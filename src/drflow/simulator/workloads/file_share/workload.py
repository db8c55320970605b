"""The operations of instant file share recovery (see the package docstring)."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter

from drflow.vbr.models import (
    InstantUnstructuredDataRestoreMigrationSpec,
    InstantUnstructuredDataRestoreSpec,
    UnstructuredDataRestoreOptionsModel,
)

from ...auth import Principal
from ...errors import ApiError, bad_request, not_found
from ...estate import MountServer, RestorePoint, UnstructuredObject
from ...points import find_unstructured
from ...sessions import LogTitles, Outcome, SessionRecord
from ...workload import Workload, WorkloadState
from ..switchover import Switchover, check_settings
from .mount import Settings, ShareMount, plan_switchover

PATH = "/api/v1/restore/instantRecovery/unstructuredData"


@dataclass
class ShareState(WorkloadState):
    mounts: dict[uuid.UUID, ShareMount] = field(default_factory=dict)


class FileShareWorkload(Workload[ShareState]):
    """Instant recovery of file shares."""

    kind = "file_share"
    router = APIRouter(tags=["Restore"])

    def new_state(self) -> ShareState:
        return ShareState()

    def get(self, mount_id: uuid.UUID) -> ShareMount:
        """Get an instant file share recovery mount point."""
        mount = self.state.mounts.get(mount_id)
        if mount is None:
            raise not_found("Instant file share recovery mount point", mount_id)
        return mount

    def start(self, spec: InstantUnstructuredDataRestoreSpec, who: Principal) -> list[ShareMount]:
        """Publish the share of each restore option (all checked before any starts)."""
        sim = self.sim
        now = sim.now()
        with sim.lock:
            if not spec.restore_options:
                raise bad_request("restoreOptions: give at least one restore point to publish.")
            seen: set[str] = set()
            chosen = [
                self._choose(spec, index, option, seen, now)
                for index, option in enumerate(spec.restore_options)
            ]
            d = sim.estate.extra.unstructured.durations
            mounts = []
            for (share, point, server), option in zip(chosen, spec.restore_options, strict=True):
                date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
                trap = share.trap
                published = f"Share {share.name} has been published"
                session = self.open_session(
                    "FileInstantRecovery",
                    share.name,
                    who.username,
                    starting_s=sim.scaled(d.start),
                    work_s=sim.scaled(d.publish),
                    outcome=(
                        Outcome("Failed", trap.message) if trap else Outcome("Success", published)
                    ),
                    titles=LogTitles(
                        started=f"Starting instant recovery of share {share.name} on mount "
                        f"server {server.name}",
                        working=f"Publishing {share.name} from the restore point of {date}",
                        succeeded=[published],
                    ),
                    resource_path=PATH,
                    platform="UnstructuredData",
                    hold=True,
                    created=now,
                )
                one = option.model_copy(update={"mount_server_id": server.id})
                mount = ShareMount(
                    id=session.id,
                    session=session,
                    share=share,
                    point=point,
                    spec=spec.model_copy(update={"restore_options": [one]}),
                    mount_server=server,
                    initiated_by=who.username,
                    switch=Switchover(Settings(type="Auto"), now),
                )
                self.state.mounts[mount.id] = mount
                mounts.append(mount)
            shares = ", ".join(sorted(mount.share.name for mount in mounts))
            self.state.starts.record(spec.reason, target=shares)
            return mounts

    def _choose(
        self,
        spec: InstantUnstructuredDataRestoreSpec,
        index: int,
        option: UnstructuredDataRestoreOptionsModel,
        seen: set[str],
        now: datetime,
    ) -> tuple[UnstructuredObject, RestorePoint, MountServer]:
        """The share, restore point and mount server of one restore option (else 400/404)."""
        ud = self.sim.estate.extra.unstructured
        where = f"restoreOptions[{index}]"
        share, point = find_unstructured(
            self.sim, option.restore_point_id, "file share", f"{where}.restorePointId"
        )
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
        for other in self.state.mounts.values():
            state = other.state(now)
            if other.share is share and state in ("Publishing", "Published", "Unpublishing"):
                raise bad_request(
                    f"Share {share.name} is already published by instant recovery "
                    f"(mount point {other.id}, state {state}).",
                    other.id,
                )
        return share, point, server

    def unmount(self, mount_id: uuid.UUID, who: Principal) -> SessionRecord:
        """Stop publishing a file share (it cancels a migration not switched over)."""
        sim = self.sim
        now = sim.now()
        with sim.lock:
            mount = self.get(mount_id)
            share, state, phase = mount.share.name, mount.state(now), mount.phase(now)
            if state in ("Unpublishing", "Unpublished"):
                return mount.session
            if phase == "switching":
                raise bad_request(
                    f"Share {share} is switching over to {mount.destination}; it can be "
                    f"unpublished once the switchover ends.",
                    mount.id,
                )
            mount.unmount_at = now
            if state == "PublishFailed":
                return mount.session
            if mount.migration is not None and phase in ("migrating", "waiting"):
                canceled = f"Migration canceled: share {share} was unpublished by {who.username}"
                sim.request_stop(
                    mount.migration,
                    now,
                    0.0,
                    Outcome("Failed", canceled, canceled=True),
                    title=f"Canceling migration of share {share}",
                )
            mount.unpublish_s = sim.scaled(sim.estate.extra.unstructured.durations.unpublish)
            sim.stop(
                mount.session,
                now,
                mount.unpublish_s,
                title=f"Unpublishing share {share} (requested by {who.username})",
                done=f"Share {share} has been unpublished",
            )
            return mount.session

    def migrate(
        self,
        mount_id: uuid.UUID,
        spec: InstantUnstructuredDataRestoreMigrationSpec,
        who: Principal,
    ) -> SessionRecord:
        """Start migrating a published SMB share to production."""
        sim = self.sim
        now = sim.now()
        with sim.lock:
            ud = sim.estate.extra.unstructured
            mount = self._smb(mount_id, "Migration")
            state = mount.state(now)
            if mount.migration is not None and mount.phase(now) != "none":
                raise bad_request(
                    f"Share {mount.share.name} is already being migrated (session "
                    f"{mount.migration.id}).",
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
                    raise bad_request(
                        "destination.path: required when migrating to another server."
                    )
                destination = f"{server.name} ({dest.path})"
            elif dest.path:
                raise bad_request(
                    "destination.unstructuredDataServerId: required with destination.path."
                )
            else:
                destination = f"its original location {mount.share.name}"
            check_settings(spec.switchover_settings, now, "switchoverSettings")
            mount.switch.change(spec.switchover_settings, now)
            mount.switch.requested_at = None
            mount.migrate_s = sim.scaled(ud.durations.migrate)
            mount.switch.seconds = self._switch_seconds()
            mode = spec.overwrite_mode.value if spec.overwrite_mode else "ReplaceOlder"
            session = self.open_session(
                "FileInstantRecoveryMigration",
                mount.share.name,
                who.username,
                starting_s=sim.scaled(ud.durations.start),
                work_s=mount.migrate_s,
                outcome=Outcome("Success", f"Data of share {mount.share.name} has been migrated"),
                titles=LogTitles(
                    started=f"Starting migration of share {mount.share.name} to {destination} "
                    f"(overwrite: {mode}; switchover: {mount.switch.settings.type.value})",
                    working=f"Copying data of share {mount.share.name}",
                    succeeded=[
                        f"Data of share {mount.share.name} has been migrated; waiting for "
                        f"the switchover"
                    ],
                ),
                resource_id=mount.id,
                resource_path=PATH,
                parent=mount.session,
                platform="UnstructuredData",
                hold=True,
                created=now,
            )
            mount.migration, mount.migration_spec, mount.destination = session, spec, destination
            plan_switchover(mount)
            return session

    def get_settings(self, mount_id: uuid.UUID) -> Settings:
        """Get the switchover settings of a published SMB share."""
        with self.sim.lock:
            return self._smb(mount_id, "Switchover").switch.settings

    def update_settings(self, mount_id: uuid.UUID, settings: Settings) -> Settings:
        """Change the switchover settings of a published SMB share."""
        now = self.sim.now()
        with self.sim.lock:
            mount = self._smb(mount_id, "Switchover")
            state, phase = mount.state(now), mount.phase(now)
            if phase in ("switching", "switched") or state in ("Unpublishing", "Unpublished"):
                what = {"switching": "is switching over", "switched": "has been switched over"}
                raise bad_request(
                    f"Cannot change the switchover settings of share {mount.share.name}: it "
                    f"{what.get(phase, f'is {state}')}.",
                    mount.id,
                )
            check_settings(settings, now, "request body")
            mount.switch.change(settings, now)
            mount.switch.seconds = self._switch_seconds()
            plan_switchover(mount)
            return settings

    def switchover(self, mount_id: uuid.UUID, who: Principal) -> SessionRecord:
        """Switch a migrated SMB share over (now, or once its data is migrated)."""
        now = self.sim.now()
        with self.sim.lock:
            mount = self._smb(mount_id, "Switchover")
            phase = mount.phase(now)
            if mount.migration is None or phase == "none":
                raise bad_request(
                    f"Cannot switch share {mount.share.name} over: it is not being migrated "
                    f"(start a migration first).",
                    mount.id,
                )
            if phase in ("switching", "switched"):
                return mount.migration
            if mount.switch.requested_at is None:
                mount.switch.requested_at = now
                mount.switch.seconds = self._switch_seconds()
                requested = f"Switchover of share {mount.share.name} requested by {who.username}"
                mount.migration.extra_logs.append((now, "Succeeded", requested))
            plan_switchover(mount)
            mount.migration.usn = self.sim.next_usn()
            return mount.migration

    def _smb(self, mount_id: uuid.UUID, what: str) -> ShareMount:
        """A mount of an SMB share (``what``: the operation, refused for other shares)."""
        mount = self.get(mount_id)
        if mount.share.protocol != "SMB":
            raise bad_request(
                f"{what} is supported for SMB file shares only: {mount.share.name} is an "
                f"{mount.share.protocol} share.",
                mount.id,
            )
        return mount

    def _switch_seconds(self) -> float:
        return self.sim.scaled(self.sim.estate.extra.unstructured.durations.switchover)

    def describe_mounts(self, now: datetime, include_gone: bool) -> list[dict[str, Any]]:
        """Entries of ``GET /_sim/mounts`` (an ``Unpublished`` mount is gone)."""
        with self.sim.lock:
            return [
                mount.describe(now)
                for mount in self.state.mounts.values()
                if include_gone or mount.state(now) != "Unpublished"
            ]

    def stop(self, record: SessionRecord, who: Principal) -> None:
        """Stopping a share's instant recovery session unpublishes it; stopping a migration not
        switched over yet cancels it (the share stays published)."""
        sim = self.sim
        now = sim.now()
        with sim.lock:
            mount = self.state.mounts[record.resource_id or record.id]
            if record is mount.session:
                with contextlib.suppress(ApiError):  # switching over: it cannot be stopped
                    self.unmount(mount.id, who)
            elif record is mount.migration and mount.phase(now) in ("migrating", "waiting"):
                sim.request_stop(
                    record,
                    now,
                    0.0,
                    Outcome("Failed", f"Migration stopped by {who.username}", canceled=True),
                    title=f"Stopping migration of share {mount.share.name}",
                )
                mount.switch.requested_at = None
                mount.session.cancel_release()
