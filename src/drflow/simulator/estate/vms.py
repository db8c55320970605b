"""The estate's VM backup jobs (vSphere, Hyper-V, Cloud Director): VMs, restore points, disks."""

from __future__ import annotations

from drflow.vbr.models import JobType
from drflow.vbr.models.backups import (
    CloudDirectorObjectRestorePointDiskModel,
    HyperVDiskExtentModel,
    HyperVObjectRestorePointDiskModel,
    RestorePointOperation,
    VmwareObjectRestorePointDiskModel,
)

from .builder import EstateBuilder
from .ids import GiB, estate_uuid
from .model import VM, Disk
from .spec import EstateJobSpec, EstateVMSpec

Op = RestorePointOperation
_OPERATIONS = {
    "VMware": [
        Op.START_VI_VM_INSTANT_RECOVERY,
        Op.START_ENTIRE_VM_RESTORE,
        Op.START_FCD_INSTANT_RECOVERY,
        Op.START_FLR_RESTORE,
    ],
    "HyperV": [
        Op.START_HV_VM_INSTANT_RECOVERY,
        Op.START_ENTIRE_VM_RESTORE_HYPERV,
        Op.START_FLR_RESTORE,
    ],
    "CloudDirector": [Op.START_ENTIRE_VM_RESTORE_CLOUD_DIRECTOR, Op.START_FLR_RESTORE],
}
_JOB_TYPES = {
    "VMware": JobType.VSPHERE_BACKUP,
    "HyperV": JobType.HYPERV_BACKUP,
    "CloudDirector": JobType.CLOUD_DIRECTOR_BACKUP,
}


def add_vm_job(builder: EstateBuilder, job_spec: EstateJobSpec) -> None:
    """A VM backup job: its backup, runs, VMs and their restore points."""
    ages_of = {
        vm.name: vm.restore_point_ages_hours or job_spec.restore_point_ages_hours
        for vm in job_spec.vms
    }
    every_age = {age for ages in ages_of.values() for age in ages}
    platform = job_spec.platform
    job = builder.job(
        job_spec.name,
        platform,
        _JOB_TYPES[platform],
        job_spec.repository,
        sorted(every_age),
        len(job_spec.vms),
    )
    defaults = builder.estate.spec.durations
    for index, vm_spec in enumerate(job_spec.vms):
        overrides = vm_spec.durations.model_dump(exclude={"note"}, exclude_none=True)
        vm = builder.machine(
            VM(
                name=vm_spec.name,
                platform=platform,
                host=vm_spec.host,
                job=job,
                object_id=estate_uuid("backupObject", vm_spec.name),
                durations=defaults.model_copy(update=overrides),
                trap=vm_spec.trap,
                guest_os=vm_spec.guest_os,
                fcd=vm_spec.fcd,
                vapp=vm_spec.vapp,
                missing=vm_spec.missing,
            )
        )
        builder.points(
            vm,
            ages_of[vm.name],
            index,
            (vm.name,),
            size=sum(vm_spec.disks_gb) * GiB,
            os=vm_spec.guest_os,
            operations=[
                op
                for op in _OPERATIONS[platform]
                if vm_spec.fcd or op != Op.START_FCD_INSTANT_RECOVERY
            ],
            malware=vm_spec.malware,
            disks=_disks(vm_spec, platform),
            damaged=vm_spec.damaged,
        )
        builder.estate.vms[vm.name.lower()] = vm


def _disks(vm: EstateVMSpec, platform: str) -> list[Disk]:
    vm_id = estate_uuid("vm", vm.name)
    disks: list[Disk] = []
    for index, size_gb in enumerate(vm.disks_gb):
        name = vm.name if index == 0 else f"{vm.name}_{index}"
        if platform == "HyperV":
            file_name = f"{name}.vhdx"
            path = f"C:\\Hyper-V\\{vm.name}\\Virtual Hard Disks\\{file_name}"
            extent = HyperVDiskExtentModel(
                uid=f"{vm_id}:{index}:0", name=file_name, path=path, size=size_gb * GiB
            )
            disks.append(
                HyperVObjectRestorePointDiskModel(
                    uid=f"{vm_id}:{index}",
                    type="Hv",
                    name=file_name,
                    capacity=size_gb * GiB,
                    state="Processed",
                    disk_extents=[extent],
                )
            )
            continue
        model = (
            CloudDirectorObjectRestorePointDiskModel
            if platform == "CloudDirector"
            else VmwareObjectRestorePointDiskModel
        )
        disks.append(
            model(
                uid=f"{vm_id}:{2000 + index}",
                type="Vi",
                name=name,
                capacity=size_gb * GiB,
                state="Processed",
            )
        )
    return disks
