"""Instant recovery of Hyper-V VMs: mounts, unmount, migration, guest health.

The life of a mount is that of a vSphere one (:mod:`.vsphere`; mount ``id`` == its
``InstantRecovery`` session id), on the VM's ``start``/``mount``/``unmount``/``migrate``/``boot``
durations:

- start (``POST .../hyperV/vm``, 201 with the session): ``Mounting`` -> ``Mounted`` after
  ``start`` + ``mount`` seconds; the session then stays ``Working`` (100 %, ``Success``) for as
  long as the VM is published. A ``mount_fails`` trap VM ends ``Failed`` with ``errorMessage``
  (the session ``Stopped``/``Failed``), listed until unmounted. The restore point must offer
  ``StartHvVMInstantRecovery`` (else 400); an unknown one is 404.
- ``Customized`` names the VM ``target.vmName`` and runs it on ``destinationHost``.
- unmount (200 with the same session): ``Dismounting`` for ``unmount`` seconds, then gone (404);
  unmounting while ``Mounting`` cancels the session (``Failed``, ``isCanceled``).
- migrate (204, no body; only from ``Mounted``, else 400): a ``QuickMigration`` session named
  after the VM (as VBR names it; that is how a caller finds it) works ``migrate`` seconds; when
  it succeeds the mount is gone, the instant recovery session ends ``Success`` and the VM runs
  in production. Stopping the migration session (``POST /sessions/{id}/stop``) keeps the VM
  mounted.

A second instant recovery of a VM name still mounted answers 400 naming the mount.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from drflow.vbr.models.hyperv import (
    InstantHvVMCustomizedRecoverySpec,
    InstantHvVMOriginalLocationRecoverySpec,
    InstantHvVMRecoveryMount,
)

from .auth import Principal
from .errors import bad_request, not_found
from .restore_support import GuestState, find_point, running_guest
from .sessions import LogTitles, Outcome, SessionRecord
from .vsphere import VsphereMount, open_mount, stop_mount

if TYPE_CHECKING:
    from .state import Simulator

MOUNT_PATH = "/api/v1/restore/instantRecovery/hyperV/vm"

HvSpec = InstantHvVMOriginalLocationRecoverySpec | InstantHvVMCustomizedRecoverySpec


@dataclass
class HyperVMount(VsphereMount):
    """A Hyper-V VM published by instant recovery (same state machine as a vSphere one)."""

    def to_model(self, now: datetime) -> InstantHvVMRecoveryMount:  # type: ignore[override]
        state = self.state(now)
        assert state is not None
        return InstantHvVMRecoveryMount(
            id=self.id,
            session_id=self.session.id,
            state=state,
            spec=self.spec,  # type: ignore[arg-type]
            vm_name=self.vm_name,
            job_name=self.vm.job.name,
            restore_point_date=self.restore_point.model.creation_time,
            host_name=self.host_name,
            error_message=self.error_message(now),
        )

    def describe(self, now: datetime) -> dict[str, Any]:
        migrated = self.migrated_at(now)
        return {
            "kind": "HyperVVM",
            "id": str(self.id),
            "sessionId": str(self.session.id),
            "state": self.state(now) or "Gone",
            "name": self.vm_name,
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


def get_mount(sim: Simulator, mount_id: uuid.UUID, now: datetime) -> HyperVMount:
    mount = sim.hyperv_mounts.get(mount_id)
    if mount is None or mount.state(now) is None:
        raise not_found("Instant recovery mount point", mount_id)
    return mount


def start(sim: Simulator, spec: HvSpec, who: Principal) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        point = find_point(
            sim,
            spec.restore_point_id,
            "StartHvVMInstantRecovery",
            "Instant recovery to Microsoft Hyper-V",
        )
        vm = point.vm
        vm_name, host_name = vm.name, vm.host
        if isinstance(spec, InstantHvVMCustomizedRecoverySpec):
            if spec.target is not None and spec.target.vm_name:
                vm_name = spec.target.vm_name
            if spec.destination_host is not None:
                host_name = spec.destination_host.name
        return open_mount(
            sim,
            sim.hyperv_mounts,
            HyperVMount,
            spec,
            point,
            vm_name,
            host_name,
            who,
            now,
            platform_name="HyperV",
            reference=f"{MOUNT_PATH}/{{id}}",
            placed="registered on",
        )


def unmount(sim: Simulator, mount_id: uuid.UUID, who: Principal) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        return stop_mount(sim, get_mount(sim, mount_id, now), who, now)


def migrate(sim: Simulator, mount_id: uuid.UUID, who: Principal) -> SessionRecord:
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
        session = SessionRecord(
            id=sim.new_id(),
            name=mount.vm_name,
            job_id=sim.new_id(),
            session_type="QuickMigration",
            created=now,
            starting_s=sim.scaled(mount.vm.durations.start),
            work_s=sim.scaled(mount.vm.durations.migrate),
            outcome=Outcome(
                "Success", f"VM {mount.vm_name} has been migrated to host {mount.host_name}"
            ),
            titles=LogTitles(
                started=f"Starting migration of VM {mount.vm_name} to production",
                working=f"Moving the files of VM {mount.vm_name} to production storage "
                f"on host {mount.host_name}",
                succeeded=[f"VM {mount.vm_name} has been migrated to host {mount.host_name}"],
            ),
            initiated_by=who.username,
            resource_id=mount.id,
            resource_reference=f"{MOUNT_PATH}/{mount.id}",
            platform_name="HyperV",
            parent_session_id=mount.session.id,
        )
        sim.add_session(session)
        mount.migration = session
        mount.session.schedule_release(
            session.completes_at,
            Outcome("Success", f"VM {mount.vm_name} has been migrated to production"),
            f"VM {mount.vm_name} has been migrated to production",
        )
        return session


def stop_session(sim: Simulator, record: SessionRecord, who: Principal) -> bool:
    """``POST /sessions/{id}/stop`` for the sessions this module owns (True if it was one)."""
    now = sim.now()
    with sim.lock:
        for mount in sim.hyperv_mounts.values():
            if mount.session is record and mount.state(now) is not None:
                unmount(sim, mount.id, who)
                return True
            if mount.migration is record and mount.migration_running(now):
                record.request_stop(
                    now,
                    sim.scaled(1.0),
                    Outcome("Failed", f"Stopped by user {who.username}", canceled=True),
                    title=f"Stopping migration (requested by {who.username})",
                )
                mount.session.cancel_release()
                return True
        return False


def guest_state(sim: Simulator, vm_name: str) -> GuestState | None:
    """What Hyper-V instant recovery says about ``vm_name`` (None: nothing)."""
    now = sim.now()
    with sim.lock:
        mounts = [m for m in sim.hyperv_mounts.values() if m.vm_name.lower() == vm_name.lower()]
        mounts.sort(key=lambda m: m.session.created, reverse=True)
        for mount in mounts:
            state = mount.state(now)
            trap = mount.vm.trap
            never = trap.message if trap is not None and trap.kind == "never_healthy" else None
            since = mount.session.created
            if state is None:
                migrated = mount.migrated_at(now)
                if migrated is None:
                    continue
                if never is not None:
                    return GuestState(False, never, migrated)
                return GuestState(True, "VM runs in production (migrated)", migrated)
            if state == "Mounting":
                return GuestState(False, "VM is being published by instant recovery", since)
            if state == "Failed":
                return GuestState(
                    False, f"instant recovery failed: {mount.error_message(now)}", since
                )
            if state == "Dismounting":
                return GuestState(False, "VM is being unpublished", since)
            return running_guest(
                started_at=mount.mounted_at,
                powered_on=bool(mount.spec.power_up),
                boot_s=mount.boot_s,
                never_healthy=never,
                now=now,
                running_as="VM runs from backup (Hyper-V instant recovery)",
                powered_off_reason="VM is powered off (instant recovery started with "
                "powerUp false)",
            )
        return None


def list_mounts(
    sim: Simulator, now: datetime
) -> list[tuple[HyperVMount, InstantHvVMRecoveryMount]]:
    with sim.lock:
        return [
            (mount, mount.to_model(now))
            for mount in sim.hyperv_mounts.values()
            if mount.state(now) is not None
        ]
