"""Entire VM restore (vSphere, Hyper-V, VMware Cloud Director): a restore session per request.

Every start answers 201 with a session named after the source VM (``RestoreVm``; Cloud
Director: ``CloudDirectorVmRestore``) that runs ``Starting`` for ``start`` seconds, ``Working``
for ``restore`` seconds (``quick_rollback`` seconds with ``quickRollback: true``), then
``Stopped``/``Success``. With ``powerUp`` the restored VM's workload answers the probe
(``/_sim/guests/{vm}/health``) ``boot`` seconds after the session succeeds (never, for a
``never_healthy`` trap VM); without it the VM stays powered off.

Target: ``OriginalLocation`` restores over the VM where it ran; ``Customized`` takes the name
and place of the spec (vSphere ``folder.vmName`` + ``destinationHost``; Hyper-V
``target.vmName`` + ``destinationHost``; Cloud Director ``location.newName`` + ``location.vApp``).

Overwriting (VBR checks the target inside the restore session, not when accepting the request,
so the request answers 201 and the *session* fails, at the end of ``Starting``): a target VM
name that already exists (an estate VM not marked ``missing``, or a VM an earlier restore
created) may be replaced only when the spec allows it: vSphere ``overwrite: true``; Hyper-V
``Customized`` ``target.overwriteExistingVm: true``. Where the spec has no such flag (Hyper-V
and Cloud Director to the original location) the original VM is replaced, as VBR's own restore
to the original location does; a Cloud Director ``Customized`` restore over an existing name
always fails. ``quickRollback`` needs the original VM: for a ``missing`` one the session fails.

Traps: a restore point marked ``damaged`` in the estate fails the session halfway through
``Working`` with the estate's message. Requests: an unknown restore point is 404; one that does
not offer the operation (``StartEntireVmRestore``, ``StartEntireVmRestoreHyperV``,
``StartEntireVmRestoreCloudDirector``) 400; a second restore to a target that is still being
restored 400 naming the running session. ``POST /sessions/{id}/stop`` cancels a restore.
The session's ``resourceId`` is the restore point it restores from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter

from drflow.vbr.models import SessionModel
from drflow.vbr.models import vm_restore as models

from ..auth import Principal
from ..errors import bad_request
from ..estate import VM, RestorePoint
from ..guests import GuestState, running_guest
from ..points import POINTS_PATH, find_point
from ..routes.operations import Operations
from ..sessions import LogTitles, Outcome, SessionRecord
from ..workload import Workload, WorkloadState

ViSpec = models.EntireViVMOriginalLocationRestoreSpec | models.EntireViVMCustomizedRestoreSpec
HvSpec = models.EntireHvVMOriginalLocationRestoreSpec | models.EntireHvVMCustomizedRestoreSpec
CdSpec = (
    models.EntireCloudDirectorVMOriginalLocationRestoreSpec
    | models.EntireCloudDirectorVMCustomizedRestoreSpec
)


@dataclass
class VmRestore:
    """One entire VM restore: its session and what it restores where."""

    session: SessionRecord
    platform: str  # VMware | HyperV | CloudDirector
    spec: Any
    vm: VM
    restore_point: RestorePoint
    target_name: str
    target_place: str
    power_up: bool
    boot_s: float
    initiated_by: str

    def succeeded_at(self, now: datetime) -> datetime | None:
        view = self.session.view(now)
        return view.end_time if view.stopped and view.result == "Success" else None

    def running(self, now: datetime) -> bool:
        return not self.session.view(now).stopped


@dataclass(frozen=True)
class _Target:
    platform: str
    name: str
    place: str  # "host X" or "vApp X"
    original: bool
    may_overwrite: bool
    overwrite_hint: str
    quick_rollback: bool


@dataclass
class RestoreState(WorkloadState):
    restores: dict[uuid.UUID, VmRestore] = field(default_factory=dict)
    """By session id."""


class VmRestoreWorkload(Workload[RestoreState]):
    """Entire VM restore to vSphere, Hyper-V and VMware Cloud Director."""

    kind = "vm_restore"
    router = APIRouter(tags=["Restore"])

    def new_state(self) -> RestoreState:
        return RestoreState()

    def start_vsphere(self, spec: ViSpec, who: Principal) -> SessionRecord:
        """Restore an entire vSphere VM."""
        with self.sim.lock:
            point = find_point(
                self.sim,
                spec.restore_point_id,
                "StartEntireVmRestore",
                "Entire VM restore to vSphere",
            )
            vm = point.vm
            name, host = vm.name, vm.host
            if isinstance(spec, models.EntireViVMCustomizedRestoreSpec):
                if spec.folder is not None and spec.folder.vm_name:
                    name = spec.folder.vm_name
                if spec.destination_host is not None:
                    host = spec.destination_host.name
            original = isinstance(spec, models.EntireViVMOriginalLocationRestoreSpec)
            target = _Target(
                "VMware",
                name,
                f"host {host}",
                original,
                bool(spec.overwrite),
                "restore with overwrite true to replace it",
                isinstance(spec, models.EntireViVMOriginalLocationRestoreSpec)
                and bool(spec.quick_rollback),
            )
            return self._start(spec, point, target, "RestoreVm", who)

    def start_hyperv(self, spec: HvSpec, who: Principal) -> SessionRecord:
        """Restore an entire Hyper-V VM."""
        with self.sim.lock:
            point = find_point(
                self.sim,
                spec.restore_point_id,
                "StartEntireVmRestoreHyperV",
                "Entire VM restore to Microsoft Hyper-V",
            )
            vm = point.vm
            name, host = vm.name, vm.host
            original = isinstance(spec, models.EntireHvVMOriginalLocationRestoreSpec)
            may_overwrite = original
            if isinstance(spec, models.EntireHvVMCustomizedRestoreSpec):
                if spec.target is not None:
                    name = spec.target.vm_name or name
                    may_overwrite = bool(spec.target.overwrite_existing_vm)
                if spec.destination_host is not None:
                    host = spec.destination_host.name
            target = _Target(
                "HyperV",
                name,
                f"host {host}",
                original,
                may_overwrite,
                "restore with target.overwriteExistingVm true to replace it",
                isinstance(spec, models.EntireHvVMOriginalLocationRestoreSpec)
                and bool(spec.quick_rollback),
            )
            return self._start(spec, point, target, "RestoreVm", who)

    def start_cloud_director(self, spec: CdSpec, who: Principal) -> SessionRecord:
        """Restore an entire VMware Cloud Director VM."""
        with self.sim.lock:
            point = find_point(
                self.sim,
                spec.restore_point_id,
                "StartEntireVmRestoreCloudDirector",
                "Entire VM restore to VMware Cloud Director",
            )
            vm = point.vm
            original = isinstance(spec, models.EntireCloudDirectorVMOriginalLocationRestoreSpec)
            name, vapp = vm.name, vm.vapp or f"{vm.name}-vapp"
            if isinstance(spec, models.EntireCloudDirectorVMCustomizedRestoreSpec):
                name = spec.location.new_name
                vapp = spec.location.v_app.name
            if not name.strip():
                raise bad_request("location.newName: must not be empty")
            target = _Target(
                "CloudDirector",
                name,
                f"vApp {vapp}",
                original,
                original,
                "choose another location.newName",
                isinstance(spec, models.EntireCloudDirectorVMOriginalLocationRestoreSpec)
                and bool(spec.quick_rollback),
            )
            return self._start(spec, point, target, "CloudDirectorVmRestore", who)

    def _start(
        self,
        spec: Any,
        point: RestorePoint,
        target: _Target,
        session_type: str,
        who: Principal,
    ) -> SessionRecord:
        sim = self.sim
        now = sim.now()
        vm = point.vm
        for other in self.state.restores.values():
            if (
                other.platform == target.platform
                and other.target_name.lower() == target.name.lower()
                and other.running(now)
            ):
                raise bad_request(
                    f"VM {target.name} is already being restored (session {other.session.id}).",
                    other.session.id,
                )
        exists = self._exists(target.platform, target.name, now)
        durations = vm.durations
        work = durations.quick_rollback if target.quick_rollback else durations.restore
        if exists and not target.may_overwrite:
            outcome = Outcome(
                "Failed",
                f"VM {target.name} already exists on {target.place}: {target.overwrite_hint}.",
            )
            work = 0.0
        elif target.quick_rollback and not exists:
            outcome = Outcome(
                "Failed",
                f"Quick rollback of VM {target.name} is impossible: the original VM no longer "
                "exists; restore without quickRollback.",
            )
            work = 0.0
        elif point.damaged:
            outcome = Outcome("Failed", point.damaged)
            work = work / 2
        else:
            outcome = Outcome("Success", f"VM {target.name} has been restored to {target.place}")
        date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
        how = "Quick rollback (changed blocks only)" if target.quick_rollback else "Restoring"
        succeeded = [f"VM {target.name} has been restored to {target.place}"]
        if spec.power_up:
            succeeded.append(f"Powering on VM {target.name}")
        session = self.open_session(
            session_type,
            vm.name,
            who.username,
            starting_s=sim.scaled(durations.start),
            work_s=sim.scaled(work),
            outcome=outcome,
            titles=LogTitles(
                started=f"Starting restore of VM {vm.name} to {target.place} as {target.name}",
                working=f"{how} VM {vm.name} from the restore point of {date}",
                succeeded=succeeded,
            ),
            resource_id=point.model.id,
            resource_path=POINTS_PATH,
            platform=target.platform,
            created=now,
            subject=target.name,
        )
        if spec.reason:
            session.extra_logs.append((now, "Succeeded", f"Restore reason: {spec.reason}"))
        if exists and target.may_overwrite:
            session.extra_logs.append(
                (session.working_at, "Succeeded", f"Removing existing VM {target.name}")
            )
        if spec.secure_restore is not None and spec.secure_restore.antivirus_scan_enabled:
            session.extra_logs.append(
                (session.working_at, "Succeeded", f"Scanning {vm.name} disks with antivirus")
            )
        self.state.restores[session.id] = VmRestore(
            session=session,
            platform=target.platform,
            spec=spec,
            vm=vm,
            restore_point=point,
            target_name=target.name,
            target_place=target.place,
            power_up=bool(spec.power_up),
            boot_s=sim.scaled(durations.boot),
            initiated_by=who.username,
        )
        self.state.starts.record(spec.reason, target=vm.name)
        return session

    def _exists(self, platform: str, name: str, now: datetime) -> bool:
        """Whether a VM named ``name`` is in production on ``platform`` at ``now``."""
        vm = self.sim.estate.vm(name)
        if vm is not None and vm.platform == platform and not vm.missing:
            return True
        return any(
            other.platform == platform
            and other.target_name.lower() == name.lower()
            and other.succeeded_at(now) is not None
            for other in self.state.restores.values()
        )

    def stop(self, record: SessionRecord, who: Principal) -> None:
        """Stopping a restore session cancels the restore."""
        self.sim.cancel(record, self.sim.now(), who.username, "restore")

    def guest_state(self, vm_name: str, now: datetime) -> GuestState | None:
        """What the newest restore of a VM named ``vm_name`` says of it."""
        restores = [
            r for r in self.state.restores.values() if r.target_name.lower() == vm_name.lower()
        ]
        if not restores:
            return None
        latest = max(restores, key=lambda r: r.session.created)
        since = latest.session.created
        view = latest.session.view(now)
        if not view.stopped:
            return GuestState(False, "VM is being restored (entire VM restore)", since)
        if view.result != "Success":
            return GuestState(False, f"entire VM restore failed: {view.message}", since)
        trap = latest.vm.trap
        return running_guest(
            started_at=latest.session.completes_at,
            powered_on=latest.power_up,
            boot_s=latest.boot_s,
            never_healthy=trap.message
            if trap is not None and trap.kind == "never_healthy"
            else None,
            now=now,
            running_as="VM restored from backup (entire VM restore)",
            powered_off_reason="VM is powered off (restored with powerUp false)",
        )


PATH = "/api/v1/restore/vmRestore"
api = Operations(VmRestoreWorkload, PATH)
api.post(
    "/vSphere",
    "EntireVmRestoreVmware",
    VmRestoreWorkload.start_vsphere,
    SessionModel,
    201,
    body=models.EntireViVMRestoreSpec,
)
api.post(
    "/hyperV",
    "EntireVmRestoreHv",
    VmRestoreWorkload.start_hyperv,
    SessionModel,
    201,
    body=models.EntireHvVMRestoreSpec,
)
api.post(
    "/cloudDirector",
    "EntireVmRestoreCloudDirector",
    VmRestoreWorkload.start_cloud_director,
    SessionModel,
    201,
    body=models.EntireCloudDirectorVMRestoreSpec,
)
