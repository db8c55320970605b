"""Instant recovery of vSphere VMs: mounts, unmount, Quick Migration, guest health.

Life of a mount (mount ``id`` == its ``InstantRecovery`` session id, as in the vendor's
examples):

- start (``POST .../vSphere/vm``, 201 with the session): mount ``Mounting`` while the session
  is ``Starting`` then ``Working``; after ``start`` + ``mount`` seconds the VM is mounted:
  mount ``Mounted``, the session stays ``Working`` (100 %, result ``Success``) for as long as
  the VM is published, as a real instant recovery session does;
- a ``mount_fails`` trap VM instead ends with the mount ``Failed`` (``errorMessage``) and the
  session ``Stopped``/``Failed`` with the same message; the failed mount stays listed until it
  is unmounted;
- unmount (200 with the same session): mount ``Dismounting`` for ``unmount`` seconds, then gone
  (404, absent from lists); the session goes ``Stopping`` then ``Stopped``/``Success``
  (unmounting while still ``Mounting`` cancels: ``Failed``, ``isCanceled``);
- migrate (200 with a new ``QuickMigration`` session, only from ``Mounted``): the migration
  works for ``migrate`` seconds, then ends ``Success``; at that instant the mount is gone, the
  instant recovery session ends ``Success`` and the VM counts as in production.

Starting a second instant recovery of a VM name that is still mounted answers 400.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from drflow.vbr.models.restore_common import InstantRecoveryMountState
from drflow.vbr.models.vsphere import (
    InstantViVMCustomizedRecoverySpec,
    InstantViVMOriginalLocationRecoverySpec,
    InstantViVMRecoveryMount,
    ViVMQuickMigrationSpec,
)

from .auth import Principal
from .errors import bad_request, not_found
from .estate import VM, RestorePoint
from .sessions import LogTitles, Outcome, SessionRecord

if TYPE_CHECKING:
    from .state import Simulator

MOUNT_PATH = "/api/v1/restore/instantRecovery/vSphere/vm"
# The vendor's example of an instant recovery session points its resourceReference at
# ".../instantRecovery/vmware/vm/{id}" (not a path of the API); the simulator does the same.
RESOURCE_REFERENCE = "/api/v1/restore/instantRecovery/vmware/vm/{id}"

VsphereSpec = InstantViVMOriginalLocationRecoverySpec | InstantViVMCustomizedRecoverySpec


@dataclass
class VsphereMount:
    id: uuid.UUID
    session: SessionRecord
    spec: VsphereSpec
    vm: VM
    restore_point: RestorePoint
    vm_name: str
    host_name: str
    boot_s: float
    initiated_by: str
    unmount_at: datetime | None = None
    unmount_s: float = 0.0
    migration: SessionRecord | None = None

    @property
    def fails(self) -> bool:
        return self.vm.trap is not None and self.vm.trap.kind == "mount_fails"

    @property
    def mounted_at(self) -> datetime:
        return self.session.completes_at

    def migrated_at(self, now: datetime) -> datetime | None:
        if self.migration is None:
            return None
        view = self.migration.view(now)
        return view.end_time if view.stopped and view.result == "Success" else None

    def migration_running(self, now: datetime) -> bool:
        return self.migration is not None and not self.migration.view(now).stopped

    def state(self, now: datetime) -> str | None:
        """Mount state at ``now``; ``None`` once the mount is gone."""
        if self.unmount_at is not None:
            gone = self.unmount_at + timedelta(seconds=self.unmount_s)
            return None if now >= gone else InstantRecoveryMountState.DISMOUNTING.value
        if self.migrated_at(now) is not None:
            return None
        if now < self.mounted_at:
            return InstantRecoveryMountState.MOUNTING.value
        if self.fails:
            return InstantRecoveryMountState.FAILED.value
        return InstantRecoveryMountState.MOUNTED.value

    def to_model(self, now: datetime) -> InstantViVMRecoveryMount:
        state = self.state(now)
        assert state is not None
        return InstantViVMRecoveryMount(
            id=self.id,
            session_id=self.session.id,
            state=state,
            spec=self.spec,
            vm_name=self.vm_name,
            job_name=self.vm.job.name,
            restore_point_date=self.restore_point.model.creation_time,
            host_name=self.host_name,
            error_message=self.error_message(now),
        )

    def error_message(self, now: datetime) -> str:
        if self.fails and now >= self.mounted_at and self.vm.trap is not None:
            return self.vm.trap.message
        return ""

    def describe(self, now: datetime) -> dict[str, Any]:
        migrated = self.migrated_at(now)
        return {
            "kind": "vSphereVM",
            "id": str(self.id),
            "sessionId": str(self.session.id),
            "state": self.state(now) or "Gone",
            "vmName": self.vm_name,
            "sourceVm": self.vm.name,
            "hostName": self.host_name,
            "restorePointId": str(self.restore_point.model.id),
            "reason": self.spec.reason,
            "powerUp": bool(self.spec.power_up),
            "initiatedBy": self.initiated_by,
            "createdAt": self.session.created.isoformat(),
            "migratedAt": migrated.isoformat() if migrated else None,
        }


# --- operations ----------------------------------------------------------------------------


def get_mount(sim: Simulator, mount_id: uuid.UUID, now: datetime) -> VsphereMount:
    mount = sim.vsphere_mounts.get(mount_id)
    if mount is None or mount.state(now) is None:
        raise not_found("Instant recovery mount point", mount_id)
    return mount


def start(sim: Simulator, spec: VsphereSpec, who: Principal) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        point = sim.estate.restore_points.get(spec.restore_point_id)
        if point is None:
            raise not_found("Restore point", spec.restore_point_id)
        if "StartViVMInstantRecovery" not in [op.value for op in point.model.allowed_operations]:
            raise bad_request(
                f"Instant recovery to VMware vSphere is not allowed for restore point "
                f"{point.model.id} ({point.vm.platform} backup of {point.vm.name}).",
                point.model.id,
            )
        vm = point.vm
        vm_name, host_name = vm.name, vm.host
        if isinstance(spec, InstantViVMCustomizedRecoverySpec) and spec.destination is not None:
            vm_name = spec.destination.restored_vm_name or vm_name
            if spec.destination.destination_host is not None:
                host_name = spec.destination.destination_host.name
        return open_mount(
            sim,
            sim.vsphere_mounts,
            VsphereMount,
            spec,
            point,
            vm_name,
            host_name,
            who,
            now,
            platform_name="VMware",
            reference=RESOURCE_REFERENCE,
            placed="published on",
        )


def open_mount(
    sim: Simulator,
    mounts: dict[uuid.UUID, Any],
    mount_class: type[VsphereMount],
    spec: Any,
    point: RestorePoint,
    vm_name: str,
    host_name: str,
    who: Principal,
    now: datetime,
    *,
    platform_name: str,
    reference: str,
    placed: str,
) -> SessionRecord:
    """Start an instant recovery of a VM (vSphere or Hyper-V) into ``mounts``; call under
    ``sim.lock``. ``reference`` is the session's resource reference with ``{id}``."""
    for other in mounts.values():
        state = other.state(now)
        if state not in (None, "Failed") and other.vm_name.lower() == vm_name.lower():
            raise bad_request(
                f"VM {vm_name} is already being recovered with instant recovery "
                f"(mount point {other.id}, state {state}).",
                other.id,
            )
    vm = point.vm
    mount_id = sim.new_id()
    fails = vm.trap is not None and vm.trap.kind == "mount_fails"
    date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
    succeeded = [f"VM {vm_name} has been {placed} host {host_name}"]
    if spec.power_up:
        succeeded.append(f"Powering on VM {vm_name}")
    session = SessionRecord(
        id=mount_id,
        name=vm_name,
        job_id=sim.new_id(),
        session_type="InstantRecovery",
        created=now,
        starting_s=sim.scaled(vm.durations.start),
        work_s=sim.scaled(vm.durations.mount),
        outcome=(
            Outcome("Failed", vm.trap.message)
            if fails and vm.trap is not None
            else Outcome("Success", f"VM {vm_name} has been published")
        ),
        titles=LogTitles(
            started=f"Starting instant recovery of {vm.name} to host {host_name}",
            working=f"Publishing {vm.name} from the restore point of {date}",
            succeeded=succeeded,
        ),
        hold=True,
        initiated_by=who.username,
        resource_id=mount_id,
        resource_reference=reference.format(id=mount_id),
        platform_name=platform_name,
    )
    if spec.secure_restore is not None and spec.secure_restore.antivirus_scan_enabled:
        session.extra_logs.append(
            (session.working_at, "Succeeded", f"Scanning {vm.name} disks with antivirus")
        )
    sim.add_session(session)
    mounts[mount_id] = mount_class(
        id=mount_id,
        session=session,
        spec=spec,
        vm=vm,
        restore_point=point,
        vm_name=vm_name,
        host_name=host_name,
        boot_s=sim.scaled(vm.durations.boot),
        initiated_by=who.username,
    )
    return session


def unmount(sim: Simulator, mount_id: uuid.UUID, who: Principal) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        return stop_mount(sim, get_mount(sim, mount_id, now), who, now)


def stop_mount(sim: Simulator, mount: VsphereMount, who: Principal, now: datetime) -> SessionRecord:
    """Unmount a VM mount (vSphere or Hyper-V): answers its session; call under ``sim.lock``."""
    state = mount.state(now)
    if state == "Dismounting":
        return mount.session
    if mount.migration_running(now):
        raise bad_request(
            f"VM {mount.vm_name} is being migrated (session {mount.migration.id}); "  # type: ignore[union-attr]
            "stop the migration first.",
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
        Outcome("Success", f"VM {mount.vm_name} has been unpublished"),
        title=f"Stopping publishing of VM {mount.vm_name} (requested by {who.username})",
        stopped_title=f"VM {mount.vm_name} has been unpublished",
    )
    mount.session.usn = sim.next_usn()
    return mount.session


def migrate(
    sim: Simulator, mount_id: uuid.UUID, spec: ViVMQuickMigrationSpec, who: Principal
) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        mount = get_mount(sim, mount_id, now)
        state = mount.state(now)
        if mount.migration_running(now):
            raise bad_request(
                f"VM {mount.vm_name} is already being migrated (session {mount.migration.id}).",  # type: ignore[union-attr]
                mount.id,
            )
        if state != "Mounted":
            raise bad_request(
                f"Cannot migrate VM {mount.vm_name}: the mount point is {state}, not Mounted.",
                mount.id,
            )
        target = spec.destination_host.name
        method = "Veeam Quick Migration" if spec.veeam_qm_enabled else "VMware vMotion"
        session = SessionRecord(
            id=sim.new_id(),
            name=f"Quick Migration of {mount.vm_name}",
            job_id=sim.new_id(),
            session_type="QuickMigration",
            created=now,
            starting_s=sim.scaled(mount.vm.durations.start),
            work_s=sim.scaled(mount.vm.durations.migrate),
            outcome=Outcome("Success", f"VM {mount.vm_name} has been migrated to {target}"),
            titles=LogTitles(
                started=f"Starting migration of VM {mount.vm_name} to host {target}",
                working=f"Migrating VM {mount.vm_name} with {method}",
                succeeded=[f"VM {mount.vm_name} has been migrated to {target}"],
            ),
            initiated_by=who.username,
            resource_id=mount.id,
            resource_reference=RESOURCE_REFERENCE.format(id=mount.id),
            platform_name="VMware",
        )
        sim.add_session(session)
        mount.migration = session
        mount.session.schedule_release(
            session.completes_at,
            Outcome("Success", f"VM {mount.vm_name} has been migrated to production"),
            f"VM {mount.vm_name} has been migrated to production",
        )
        return session


def stop_session(sim: Simulator, record: SessionRecord, who: Principal) -> None:
    """``POST /sessions/{id}/stop`` for the sessions this module owns."""
    now = sim.now()
    with sim.lock:
        for mount in sim.vsphere_mounts.values():
            if mount.session is record and mount.state(now) is not None:
                unmount(sim, mount.id, who)
                return
            if mount.migration is record and mount.migration_running(now):
                record.request_stop(
                    now,
                    sim.scaled(1.0),
                    Outcome("Failed", f"Stopped by user {who.username}", canceled=True),
                    title=f"Stopping migration (requested by {who.username})",
                )
                mount.session.cancel_release()
                return


def guest_health(sim: Simulator, vm_name: str) -> tuple[bool, str]:
    """Whether the workload of ``vm_name`` answers, and why (``GET /_sim/guests/.../health``)."""
    now = sim.now()
    with sim.lock:
        mounts = [m for m in sim.vsphere_mounts.values() if m.vm_name.lower() == vm_name.lower()]
        mounts.sort(key=lambda m: m.session.created, reverse=True)
        for mount in mounts:
            state = mount.state(now)
            trap = mount.vm.trap
            never = trap is not None and trap.kind == "never_healthy"
            if state is None:
                if mount.migrated_at(now) is None:
                    continue
                if never:
                    return False, trap.message  # type: ignore[union-attr]
                return True, "VM runs in production (migrated)"
            if state == "Mounting":
                return False, "VM is being published by instant recovery"
            if state == "Failed":
                return False, f"instant recovery failed: {mount.error_message(now)}"
            if state == "Dismounting":
                return False, "VM is being unpublished"
            if not mount.spec.power_up:
                return False, "VM is powered off (instant recovery started with powerUp false)"
            if now < mount.mounted_at + timedelta(seconds=mount.boot_s):
                return False, "guest OS is booting"
            if never:
                return False, trap.message  # type: ignore[union-attr]
            return True, "VM runs from backup (instant recovery)"
        return False, f"no running VM named {vm_name}"


def list_mounts(
    sim: Simulator, now: datetime
) -> list[tuple[VsphereMount, InstantViVMRecoveryMount]]:
    with sim.lock:
        out = []
        for mount in sim.vsphere_mounts.values():
            if mount.state(now) is not None:
                out.append((mount, mount.to_model(now)))
        return out
