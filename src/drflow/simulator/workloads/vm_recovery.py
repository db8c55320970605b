"""What instant recovery of vSphere and of Hyper-V VMs share: starting a VM mount, its wire
model, its entry in ``/_sim/mounts``, and the workload probe of the VM it runs.

The life of a VM mount is :mod:`~drflow.simulator.workloads.mounts`' (its one part is the VM).
Starting a second instant recovery of a VM name that is still mounted (not ``Failed``) answers
400 naming the mount. With ``powerUp`` the VM's workload answers the probe ``boot`` seconds
after it is mounted (never, for a ``never_healthy`` trap VM), and once migrated it runs in
production.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar

from drflow.vbr.models.hyperv import InstantHvVMRecoveryMount
from drflow.vbr.models.restore_common import SecureRestoreSpec
from drflow.vbr.models.vsphere import InstantViVMRecoveryMount, ViVMQuickMigrationSpec

from ..auth import Principal
from ..errors import bad_request
from ..estate import VM
from ..guests import GuestState, running_guest
from ..points import find_point
from ..sessions import LogTitles, SessionRecord
from .mounts import DISMOUNTING, FAILED, MOUNTING, Mount, MountWords, MountWorkload

VM_WORDS = MountWords(
    what="Instant recovery mount point",
    busy="VM {name} is being migrated (session {session}); stop the migration first.",
    migrating="VM {name} is already being migrated (session {session}).",
    not_mounted="Cannot migrate VM {name}: the mount point is {state}, not Mounted.",
    unmounting="Stopping publishing of VM {name} (requested by {who})",
    unmounted="VM {name} has been unpublished",
    migrated="VM {name} has been migrated to production",
)

VM_SORT = {
    "State": lambda pair: pair[1],
    "VmName": lambda pair: pair[0].name.lower(),
    "JobName": lambda pair: pair[0].vm.job.name.lower(),
    "RestorePointDate": lambda pair: pair[0].restore_point.model.creation_time,
    "HostName": lambda pair: pair[0].place.lower(),
}
"""``orderColumn`` of the mount lists, over (mount, state) pairs."""


class VmSpec(Protocol):
    """What the instant recovery specs of vSphere and Hyper-V VMs both carry."""

    @property
    def restore_point_id(self) -> uuid.UUID: ...
    @property
    def power_up(self) -> bool | None: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def secure_restore(self) -> SecureRestoreSpec | None: ...


VmSpecT = TypeVar("VmSpecT", bound=VmSpec)


class VmRecovery(MountWorkload[VmSpecT]):
    """Instant recovery of VMs of one platform (vSphere or Hyper-V)."""

    words = VM_WORDS
    session_type = "InstantRecovery"
    model: ClassVar[type[InstantViVMRecoveryMount | InstantHvVMRecoveryMount]]
    label: ClassVar[str]
    """``kind`` of its entries in ``/_sim/mounts``."""
    placed: ClassVar[str]
    """How the VM is put on its host, in the session log: ``published on``."""
    running_as: ClassVar[str]
    """The probe's reason while the VM runs from backup."""
    operation: ClassVar[str]
    """The restore point operation a start needs, e.g. ``StartViVMInstantRecovery``."""
    target: ClassVar[str]
    """Where it recovers to, in a refusal: ``VMware vSphere``."""

    def placement(self, spec: VmSpecT, vm: VM) -> tuple[str, str]:
        """The name the recovered VM gets and the host it runs on."""
        raise NotImplementedError

    def start(self, spec: VmSpecT, who: Principal) -> SessionRecord:
        """Start instant recovery of a VM (mount ``id`` == the session's)."""
        now = self.sim.now()
        with self.sim.lock:
            point = find_point(
                self.sim,
                spec.restore_point_id,
                self.operation,
                f"Instant recovery to {self.target}",
            )
            vm_name, host_name = self.placement(spec, point.vm)
            for other, state in self.live(now):
                if state != FAILED and other.name.lower() == vm_name.lower():
                    raise bad_request(
                        f"VM {vm_name} is already being recovered with instant recovery "
                        f"(mount point {other.id}, state {state}).",
                        other.id,
                    )
            vm = point.vm
            date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
            succeeded = [f"VM {vm_name} has been {self.placed} host {host_name}"]
            if spec.power_up:
                succeeded.append(f"Powering on VM {vm_name}")
            mount = self.open(
                spec,
                point,
                who,
                now,
                name=vm_name,
                place=host_name,
                parts=[vm_name],
                outcome=f"VM {vm_name} has been published",
                titles=LogTitles(
                    started=f"Starting instant recovery of {vm.name} to host {host_name}",
                    working=f"Publishing {vm.name} from the restore point of {date}",
                    succeeded=succeeded,
                ),
            )
            if spec.secure_restore is not None and spec.secure_restore.antivirus_scan_enabled:
                session = mount.session
                session.extra_logs.append(
                    (session.working_at, "Succeeded", f"Scanning {vm.name} disks with antivirus")
                )
            self.state.starts.record(spec.reason, target=vm.name)
            return mount.session

    def migration_titles(
        self, mount: Mount[VmSpecT], spec: ViVMQuickMigrationSpec | None
    ) -> LogTitles:
        """The log of a migration of ``mount`` (its outcome: the one success title)."""
        raise NotImplementedError

    def quick_migration(
        self, mount_id: uuid.UUID, who: Principal, spec: ViVMQuickMigrationSpec | None
    ) -> SessionRecord:
        """Start migrating the VM of a mount to production: a ``QuickMigration`` session
        (``spec``: vSphere's migration request)."""
        now = self.sim.now()
        with self.sim.lock:
            mount = self.get(mount_id, now)
            self.check_migration(mount, now)
            titles = self.migration_titles(mount, spec)
            return self.migrate(
                mount,
                mount.parts,
                who,
                now,
                session_type="QuickMigration",
                outcome=titles.succeeded[0],
                titles=titles,
            )

    def to_model(
        self, mount: Mount[VmSpecT], now: datetime
    ) -> InstantViVMRecoveryMount | InstantHvVMRecoveryMount:
        return self.model(
            id=mount.id,
            session_id=mount.session.id,
            state=mount.state(now),
            spec=mount.spec,
            vm_name=mount.name,
            job_name=mount.vm.job.name,
            restore_point_date=mount.restore_point.model.creation_time,
            host_name=mount.place,
            error_message=mount.error_message(now),
        )

    def describe(self, mount: Mount[VmSpecT], now: datetime) -> dict[str, Any]:
        migrated = mount.migrated_at(now)
        spec = mount.spec
        return {
            "kind": self.label,
            "id": str(mount.id),
            "sessionId": str(mount.session.id),
            "state": mount.state(now) or "Gone",
            "name": mount.name,
            "vmName": mount.name,
            "sourceVm": mount.vm.name,
            "hostName": mount.place,
            "restorePointId": str(mount.restore_point.model.id),
            "reason": spec.reason,
            "powerUp": bool(spec.power_up),
            "initiatedBy": mount.initiated_by,
            "createdAt": mount.session.created.isoformat(),
            "migratedAt": migrated.isoformat() if migrated else None,
        }

    def guest_state(self, vm_name: str, now: datetime) -> GuestState | None:
        """The newest mount of ``vm_name`` that is not gone, or that was migrated."""
        mounts = [m for m in self.state.mounts.values() if m.name.lower() == vm_name.lower()]
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
            if state == MOUNTING:
                return GuestState(False, "VM is being published by instant recovery", since)
            if state == FAILED:
                return GuestState(
                    False, f"instant recovery failed: {mount.error_message(now)}", since
                )
            if state == DISMOUNTING:
                return GuestState(False, "VM is being unpublished", since)
            spec = mount.spec
            return running_guest(
                started_at=mount.mounted_at,
                powered_on=bool(spec.power_up),
                boot_s=mount.boot_s,
                never_healthy=never,
                now=now,
                running_as=self.running_as,
                powered_off_reason="VM is powered off (instant recovery started with "
                "powerUp false)",
                since=since,
            )
        return None
