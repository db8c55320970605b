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
from ...errors import ApiError, bad_request, not_found, reject_unknown_enums
from ...estate import MountServer, RestorePoint, UnstructuredObject
from ...sessions import LogTitles, Outcome, SessionRecord
from ...workload import Workload, WorkloadState
from ..switchover import check_settings
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
                mount_id = sim.new_id()
                date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
                trap = share.trap
                published = f"Share {share.name} has been published"
                session = SessionRecord(
                    id=mount_id,
                    name=share.name,
                    job_id=sim.new_id(),
                    session_type="FileInstantRecovery",
                    created=now,
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
                    hold=True,
                    initiated_by=who.username,
                    resource_id=mount_id,
                    resource_reference=f"{PATH}/{mount_id}",
                    platform_name="UnstructuredData",
                )
                self.add_session(session)
                one = option.model_copy(update={"mount_server_id": server.id})
                mount = ShareMount(
                    id=mount_id,
                    session=session,
                    share=share,
                    point=point,
                    spec=spec.model_copy(update={"restore_options": [one]}),
                    mount_server=server,
                    initiated_by=who.username,
                    settings=Settings(type="Auto"),
                    settings_at=now,
                )
                self.state.mounts[mount_id] = mount
                mounts.append(mount)
            self.state.starts.record(spec.reason)
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
        estate = self.sim.estate
        ud = estate.extra.unstructured
        where = f"restoreOptions[{index}]"
        found = ud.by_point.get(option.restore_point_id)
        if found is None:
            point = estate.restore_points.get(option.restore_point_id)
            if point is None:
                raise not_found("Restore point", option.restore_point_id)
            raise bad_request(
                f"{where}.restorePointId: {point.model.id} is a restore point of "
                f"{point.vm.name} ({point.model.platform_name.value}), not of a file share.",
                point.model.id,
            )
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
        sim = self.sim
        now = sim.now()
        with sim.lock:
            mount = self.get(mount_id)
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

    def migrate(
        self,
        mount_id: uuid.UUID,
        spec: InstantUnstructuredDataRestoreMigrationSpec,
        who: Principal,
    ) -> SessionRecord:
        sim = self.sim
        now = sim.now()
        with sim.lock:
            ud = sim.estate.extra.unstructured
            mount = self.get(mount_id)
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
            reject_unknown_enums(spec)
            check_settings(spec.switchover_settings, now, "switchoverSettings")
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
                resource_reference=f"{PATH}/{mount.id}",
                platform_name="UnstructuredData",
                parent_session_id=mount.session.id,
            )
            self.add_session(session)
            mount.migration, mount.migration_spec, mount.destination = session, spec, destination
            plan_switchover(mount)
            return session

    def get_settings(self, mount_id: uuid.UUID) -> Settings:
        sim = self.sim
        with sim.lock:
            mount = self.get(mount_id)
            _smb_only(mount, "Switchover")
            return mount.settings

    def update_settings(self, mount_id: uuid.UUID, settings: Settings) -> Settings:
        sim = self.sim
        now = sim.now()
        with sim.lock:
            mount = self.get(mount_id)
            _smb_only(mount, "Switchover")
            state, phase = mount.state(now), mount.phase(now)
            if phase in ("switching", "switched") or state in ("Unpublishing", "Unpublished"):
                what = {"switching": "is switching over", "switched": "has been switched over"}
                raise bad_request(
                    f"Cannot change the switchover settings of share {mount.share.name}: it "
                    f"{what.get(phase, f'is {state}')}.",
                    mount.id,
                )
            check_settings(settings, now, "request body")
            mount.settings, mount.settings_at = settings, now
            mount.switch_s = sim.scaled(sim.estate.extra.unstructured.durations.switchover)
            plan_switchover(mount)
            return mount.settings

    def switchover(self, mount_id: uuid.UUID, who: Principal) -> SessionRecord:
        sim = self.sim
        now = sim.now()
        with sim.lock:
            mount = self.get(mount_id)
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
            plan_switchover(mount)
            mount.migration.usn = sim.next_usn()
            return mount.migration

    def describe_mounts(self, now: datetime, include_gone: bool) -> list[dict[str, Any]]:
        """Entries of ``GET /_sim/mounts`` (an ``Unpublished`` mount is gone)."""
        with self.sim.lock:
            return [
                mount.describe(now)
                for mount in self.state.mounts.values()
                if include_gone or mount.state(now) != "Unpublished"
            ]

    def stop_session(self, record: SessionRecord, who: Principal) -> bool:
        """Stopping a share's instant recovery session unpublishes it; stopping a migration not
        switched over yet cancels it (the share stays published)."""
        if record.workload != self.kind:
            return False
        sim = self.sim
        now = sim.now()
        with sim.lock:
            mount = self.state.mounts[record.resource_id or record.id]
            if record is mount.session:
                with contextlib.suppress(ApiError):  # switching over: it cannot be stopped
                    self.unmount(mount.id, who)
            elif record is mount.migration and mount.phase(now) in ("migrating", "waiting"):
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


def _smb_only(mount: ShareMount, what: str) -> None:
    if mount.share.protocol != "SMB":
        raise bad_request(
            f"{what} is supported for SMB file shares only: {mount.share.name} is an "
            f"{mount.share.protocol} share.",
            mount.id,
        )
