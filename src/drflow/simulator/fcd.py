"""Instant recovery of vSphere First Class Disks (FCD): mounts, dismount, Quick Migration.

Life of a mount (mount ``id`` == its ``FirstClassDiskInstantRestore`` session id):

- start (``POST .../vSphere/fcd``, 201 with the session): the disks of ``disksMapping`` (each
  ``nameInBackup`` a disk of the restore point, as ``GET /restorePoints/{id}/disks`` names
  them) are published on ``destinationCluster``: ``Mounting`` for ``start`` + ``mount``
  seconds, then ``Mounted`` with ``mountedDisks`` (each with a vSphere FCD ``objectId``); the
  session stays ``Working`` (100 %, ``Success``) while any disk is mounted. A ``mount_fails``
  trap VM ends ``Failed`` (``errorMessage``; session ``Stopped``/``Failed``), listed until
  dismounted.
- dismount (200 with the same session): ``Dismounting`` for ``unmount`` seconds, then gone;
  while ``Mounting`` it cancels the session.
- migrate (200 with a new ``FirstClassDiskQuickMigration`` session; only ``Mounted``; one at a
  time): moves ``mountedDiskNames`` (all mounted disks when omitted) to ``targetDatastore``
  (with ``storagePolicy``) in ``migrate`` seconds. Migrated disks leave the mount; once no disk
  is left the mount is gone and the instant recovery session ends ``Success``. Stopping the
  migration session cancels it and the disks stay mounted.

Requests are checked as VBR would: unknown restore point 404; a restore point without
``StartFCDInstantRecovery``, a destination that is not a vSphere cluster, an empty or unknown
disk mapping, duplicate names (also against other live FCD mounts), a write cache redirect
without ``cacheDatastore``, or a migration target that is not a vSphere datastore: 400 naming
the field.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from drflow.vbr.models.fcd import (
    VmwareFcdInstantRecoveryDiskInfo,
    VmwareFcdInstantRecoveryMount,
    VmwareFcdInstantRecoverySpec,
    VmwareFcdQuickMigrationSpec,
)
from drflow.vbr.models.inventory import VmwareObjectModel
from drflow.vbr.models.restore_common import InstantRecoveryMountState

from .auth import Principal
from .errors import bad_request, not_found
from .estate import VM, RestorePoint
from .restore_support import find_point
from .sessions import LogTitles, Outcome, SessionRecord

if TYPE_CHECKING:
    from .state import Simulator

MOUNT_PATH = "/api/v1/restore/instantRecovery/vSphere/fcd"


@dataclass
class FcdMigration:
    session: SessionRecord
    disks: list[str]  # mounted disk names
    datastore: str


@dataclass
class FcdMount:
    id: uuid.UUID
    session: SessionRecord
    spec: VmwareFcdInstantRecoverySpec
    vm: VM
    restore_point: RestorePoint
    cluster: str
    initiated_by: str
    unmount_at: datetime | None = None
    unmount_s: float = 0.0
    migrations: list[FcdMigration] = field(default_factory=list)

    @property
    def fails(self) -> bool:
        return self.vm.trap is not None and self.vm.trap.kind == "mount_fails"

    @property
    def mounted_at(self) -> datetime:
        return self.session.completes_at

    def migrated(self, now: datetime) -> set[str]:
        """Mounted disk names moved to production by migrations finished by ``now``."""
        out: set[str] = set()
        for migration in self.migrations:
            view = migration.session.view(now)
            if view.stopped and view.result == "Success":
                out.update(migration.disks)
        return out

    def remaining(self, now: datetime) -> list[str]:
        done = self.migrated(now)
        return [
            d.mounted_disk_name for d in self.spec.disks_mapping if d.mounted_disk_name not in done
        ]

    def migration_running(self, now: datetime) -> FcdMigration | None:
        for migration in self.migrations:
            if not migration.session.view(now).stopped:
                return migration
        return None

    def state(self, now: datetime) -> str | None:
        """Mount state at ``now``; ``None`` once gone."""
        if self.unmount_at is not None:
            gone = self.unmount_at + timedelta(seconds=self.unmount_s)
            return None if now >= gone else InstantRecoveryMountState.DISMOUNTING.value
        if not self.remaining(now):
            return None
        if now < self.mounted_at:
            return InstantRecoveryMountState.MOUNTING.value
        if self.fails:
            return InstantRecoveryMountState.FAILED.value
        return InstantRecoveryMountState.MOUNTED.value

    def object_id(self, mounted_name: str) -> str:
        return str(uuid.uuid5(self.id, mounted_name))

    def error_message(self, now: datetime) -> str:
        if self.fails and now >= self.mounted_at and self.vm.trap is not None:
            return self.vm.trap.message
        return ""

    def to_model(self, now: datetime) -> VmwareFcdInstantRecoveryMount:
        state = self.state(now)
        assert state is not None
        disks = None
        if state in ("Mounted", "Dismounting") and not (self.fails and now >= self.mounted_at):
            left = set(self.remaining(now))
            disks = [
                VmwareFcdInstantRecoveryDiskInfo(
                    name_in_backup=d.name_in_backup,
                    mounted_disk_name=d.mounted_disk_name,
                    registered_fcd_name=d.registered_fcd_name,
                    object_id=self.object_id(d.mounted_disk_name),
                )
                for d in self.spec.disks_mapping
                if d.mounted_disk_name in left
            ]
        return VmwareFcdInstantRecoveryMount(
            id=self.id,
            session_id=self.session.id,
            state=state,
            spec=self.spec,
            error_message=self.error_message(now) or None,
            mounted_disks=disks,
        )

    def describe(self, now: datetime) -> dict[str, Any]:
        names = [d.registered_fcd_name for d in self.spec.disks_mapping]
        return {
            "kind": "vSphereFCD",
            "id": str(self.id),
            "sessionId": str(self.session.id),
            "state": self.state(now) or "Gone",
            "name": self.vm.name,
            "sourceVm": self.vm.name,
            "cluster": self.cluster,
            # the FCD spec has no reason: the registered FCD names are the nearest field
            "reason": ", ".join(names),
            "registeredFcdNames": names,
            "mountedDisks": self.remaining(now),
            "restorePointId": str(self.restore_point.model.id),
            "initiatedBy": self.initiated_by,
            "createdAt": self.session.created.isoformat(),
        }


# --- operations ----------------------------------------------------------------------------


def get_mount(sim: Simulator, mount_id: uuid.UUID, now: datetime) -> FcdMount:
    mount = sim.fcd_mounts.get(mount_id)
    if mount is None or mount.state(now) is None:
        raise not_found("FCD mount point", mount_id)
    return mount


def _check_spec(sim: Simulator, spec: VmwareFcdInstantRecoverySpec, point: RestorePoint) -> str:
    """Validate the request against the restore point; the destination cluster's name."""
    cluster = spec.destination_cluster
    if not isinstance(cluster, VmwareObjectModel):
        raise bad_request("destinationCluster.platform: must be VSphere (a vSphere cluster)")
    if cluster.type.value != "Cluster":
        raise bad_request(f"destinationCluster.type: must be Cluster, not {cluster.type.value!r}")
    if not spec.disks_mapping:
        raise bad_request("disksMapping: at least one disk is required")
    names = {disk.name for disk in point.disks}
    seen: dict[str, set[str]] = {
        "nameInBackup": set(),
        "mountedDiskName": set(),
        "registeredFcdName": set(),
    }
    for index, disk in enumerate(spec.disks_mapping):
        where = f"disksMapping[{index}]"
        if disk.name_in_backup not in names:
            raise bad_request(
                f"{where}.nameInBackup: restore point {point.model.id} has no disk "
                f"{disk.name_in_backup!r} (disks: {', '.join(sorted(names))})",
                point.model.id,
            )
        for key, value in (
            ("nameInBackup", disk.name_in_backup),
            ("mountedDiskName", disk.mounted_disk_name),
            ("registeredFcdName", disk.registered_fcd_name),
        ):
            if not value.strip():
                raise bad_request(f"{where}.{key}: must not be empty")
            if value.lower() in seen[key]:
                raise bad_request(f"{where}.{key}: {value!r} is given twice")
            seen[key].add(value.lower())
    cache = spec.write_cache
    if cache is not None and cache.redirect_is_enabled:
        if cache.cache_datastore is None:
            raise bad_request("writeCache.cacheDatastore: required when redirectIsEnabled is true")
        if not isinstance(cache.cache_datastore, VmwareObjectModel):
            raise bad_request("writeCache.cacheDatastore.platform: must be VSphere")
    now = sim.now()
    for other in sim.fcd_mounts.values():
        if other.state(now) in (None, "Failed"):
            continue
        taken = {d.registered_fcd_name.lower() for d in other.spec.disks_mapping}
        clash = seen["registeredFcdName"] & taken
        if clash:
            raise bad_request(
                f"disksMapping: an FCD named {sorted(clash)[0]!r} is already registered by "
                f"mount point {other.id}.",
                other.id,
            )
    return cluster.name


def start(sim: Simulator, spec: VmwareFcdInstantRecoverySpec, who: Principal) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        point = find_point(
            sim, spec.restore_point_id, "StartFCDInstantRecovery", "Instant FCD Recovery"
        )
        cluster = _check_spec(sim, spec, point)
        vm = point.vm
        mount_id = sim.new_id()
        fails = vm.trap is not None and vm.trap.kind == "mount_fails"
        date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
        disks = ", ".join(d.registered_fcd_name for d in spec.disks_mapping)
        succeeded = [
            f"Disk {d.registered_fcd_name} has been registered as an FCD"
            for d in spec.disks_mapping
        ]
        session = SessionRecord(
            id=mount_id,
            name=vm.name,
            job_id=sim.new_id(),
            session_type="FirstClassDiskInstantRestore",
            created=now,
            starting_s=sim.scaled(vm.durations.start),
            work_s=sim.scaled(vm.durations.mount),
            outcome=(
                Outcome("Failed", vm.trap.message)
                if fails and vm.trap is not None
                else Outcome("Success", f"Disks of {vm.name} have been published as FCDs")
            ),
            titles=LogTitles(
                started=f"Starting Instant FCD Recovery of {vm.name} to cluster {cluster}",
                working=f"Publishing disks {disks} from the restore point of {date}",
                succeeded=succeeded,
            ),
            hold=True,
            initiated_by=who.username,
            resource_id=mount_id,
            resource_reference=f"{MOUNT_PATH}/{mount_id}",
            platform_name="VMware",
        )
        if spec.write_cache is not None and spec.write_cache.redirect_is_enabled:
            store = spec.write_cache.cache_datastore.name  # type: ignore[union-attr]
            session.extra_logs.append(
                (session.working_at, "Succeeded", f"Redirecting writes to datastore {store}")
            )
        sim.add_session(session)
        sim.fcd_mounts[mount_id] = FcdMount(
            id=mount_id,
            session=session,
            spec=spec,
            vm=vm,
            restore_point=point,
            cluster=cluster,
            initiated_by=who.username,
        )
        return session


def dismount(sim: Simulator, mount_id: uuid.UUID, who: Principal) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        mount = get_mount(sim, mount_id, now)
        state = mount.state(now)
        if state == "Dismounting":
            return mount.session
        running = mount.migration_running(now)
        if running is not None:
            raise bad_request(
                f"Disks of mount point {mount.id} are being migrated (session "
                f"{running.session.id}); stop the migration first.",
                mount.id,
            )
        if state == "Failed":
            mount.unmount_at, mount.unmount_s = now, 0.0
            return mount.session
        mount.unmount_at = now
        mount.unmount_s = sim.scaled(mount.vm.durations.unmount)
        mount.session.request_stop(
            now,
            mount.unmount_s,
            Outcome("Success", f"Disks of {mount.vm.name} have been dismounted"),
            title=f"Dismounting FCDs (requested by {who.username})",
            stopped_title=f"Disks of {mount.vm.name} have been dismounted",
        )
        mount.session.usn = sim.next_usn()
        return mount.session


def migrate(
    sim: Simulator, mount_id: uuid.UUID, spec: VmwareFcdQuickMigrationSpec, who: Principal
) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        mount = get_mount(sim, mount_id, now)
        state = mount.state(now)
        running = mount.migration_running(now)
        if running is not None:
            raise bad_request(
                f"Disks of mount point {mount.id} are already being migrated (session "
                f"{running.session.id}).",
                mount.id,
            )
        if state != "Mounted":
            raise bad_request(
                f"Cannot migrate the disks of mount point {mount.id}: it is {state}, not Mounted.",
                mount.id,
            )
        datastore = spec.target_datastore
        if not isinstance(datastore, VmwareObjectModel):
            raise bad_request("targetDatastore.platform: must be VSphere (a vSphere datastore)")
        if datastore.type.value not in ("Datastore", "DatastoreCluster"):
            raise bad_request(
                f"targetDatastore.type: must be Datastore or DatastoreCluster, not "
                f"{datastore.type.value!r}"
            )
        policy = spec.storage_policy
        if policy is not None and (
            not isinstance(policy, VmwareObjectModel) or policy.type.value != "StoragePolicy"
        ):
            raise bad_request("storagePolicy: must be a vSphere object of type StoragePolicy")
        remaining = mount.remaining(now)
        disks = list(spec.mounted_disk_names or remaining)
        for index, name in enumerate(disks):
            if name not in remaining:
                raise bad_request(
                    f"mountedDiskNames[{index}]: {name!r} is not a disk mounted by mount point "
                    f"{mount.id} (mounted: {', '.join(remaining)})",
                    mount.id,
                )
        if len(set(disks)) != len(disks):
            raise bad_request("mountedDiskNames: a disk is listed twice")
        target = datastore.name + (f" (storage policy {policy.name})" if policy else "")
        session = SessionRecord(
            id=sim.new_id(),
            name=mount.vm.name,
            job_id=sim.new_id(),
            session_type="FirstClassDiskQuickMigration",
            created=now,
            starting_s=sim.scaled(mount.vm.durations.start),
            work_s=sim.scaled(mount.vm.durations.migrate),
            outcome=Outcome("Success", f"Disks {', '.join(disks)} have been migrated to {target}"),
            titles=LogTitles(
                started=f"Starting migration of disks {', '.join(disks)} to datastore {target}",
                working=f"Migrating FCDs of {mount.vm.name}",
                succeeded=[f"Disk {name} has been migrated to {target}" for name in disks],
            ),
            initiated_by=who.username,
            resource_id=mount.id,
            resource_reference=f"{MOUNT_PATH}/{mount.id}",
            platform_name="VMware",
            parent_session_id=mount.session.id,
        )
        sim.add_session(session)
        mount.migrations.append(FcdMigration(session, disks, datastore.name))
        if set(disks) == set(remaining):
            mount.session.schedule_release(
                session.completes_at,
                Outcome("Success", f"Disks of {mount.vm.name} have been migrated to production"),
                f"Disks of {mount.vm.name} have been migrated to production",
            )
        return session


def stop_session(sim: Simulator, record: SessionRecord, who: Principal) -> bool:
    """``POST /sessions/{id}/stop`` for the sessions this module owns (True if it was one)."""
    now = sim.now()
    with sim.lock:
        for mount in sim.fcd_mounts.values():
            if mount.session is record and mount.state(now) is not None:
                dismount(sim, mount.id, who)
                return True
            running = mount.migration_running(now)
            if running is not None and running.session is record:
                record.request_stop(
                    now,
                    sim.scaled(1.0),
                    Outcome("Failed", f"Stopped by user {who.username}", canceled=True),
                    title=f"Stopping migration (requested by {who.username})",
                )
                mount.session.cancel_release()
                return True
        return False


def list_mounts(
    sim: Simulator, now: datetime
) -> list[tuple[FcdMount, VmwareFcdInstantRecoveryMount]]:
    with sim.lock:
        return [
            (mount, mount.to_model(now))
            for mount in sim.fcd_mounts.values()
            if mount.state(now) is not None
        ]
