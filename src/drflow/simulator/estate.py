"""The simulated estate: backup jobs, their VMs and restore points, the server, traps.

The estate is read from a JSON file (``SimulatorConfig.estate``; the packaged demo is
``drflow/simulator/data/estate.json``) validated by :class:`EstateFile`::

    {
      "version": 1,
      "note": "free text, ignored",
      "server": {"name": "vbr01.lab.local", "build_version": "13.0.1.180", ...},
      "vcenter": "vcenter01.lab.local",
      "durations": {"start": 2, "mount": 20, "unmount": 5, "migrate": 60, "boot": 5},
      "repositories": ["Default Backup Repository", ...],
      "jobs": [
        {"name": "Web tier", "platform": "VMware",            # or "HyperV"
         "repository": "Default Backup Repository",
         "restore_point_ages_hours": [4, 28, 52],           # one restore point per age
         "vms": [
           {"name": "web01", "host": "esx01.lab.local", "guest_os": "Linux",
            "disks_gb": [40, 100],
            "restore_point_ages_hours": [2, 26],             # optional, overrides the job's
            "durations": {"mount": 30},                      # optional, per operation
            "malware": {"52": "Suspicious"},                 # optional, age -> malwareStatus
            "trap": {"kind": "mount_fails", "message": "..."}}   # optional
         ]}
      ]
    }

Durations are seconds at speed 1 (``start``: time a session spends in ``Starting``; ``mount``:
until the VM is mounted; ``unmount``; ``migrate``: Quick Migration; ``boot``: from mounted to a
healthy workload). Restore point times are "now" (when the estate is loaded) minus the age; the
oldest restore point of a machine is a ``Full``, the others ``Increment``.

Traps (``trap.kind``): ``mount_fails`` (instant recovery session fails with ``message``; the
mount ends ``Failed``), ``never_healthy`` (mounts fine, its workload never answers the probe).

Restore workloads (Hyper-V instant recovery, entire VM restore, FCD, FLR) add, all optional:

- ``durations.restore`` (entire VM restore, default 90 s) and ``durations.quick_rollback``
  (entire VM restore with ``quickRollback``, default 20 s); both can be overridden per VM;
- ``"platform": "CloudDirector"`` jobs (``cloud_director``: the server's name); their VMs may
  name their ``vapp``; restore points offer ``StartEntireVmRestoreCloudDirector`` and
  ``StartFlrRestore``;
- per VM: ``fcd`` (default true; false: its restore points do not offer
  ``StartFCDInstantRecovery``), ``missing`` (the production VM no longer exists, so a restore
  to the original location needs no ``overwrite``), ``damaged`` (age -> message: restoring data
  from that restore point fails with the message);
- ``guest_credentials``: the credentials records FLR credential validation knows
  (``estate_uuid("credentials", name)``), each for a ``guest_os``, ``valid`` false for a
  record whose password no longer works.

Agent backups, Azure targets, unstructured data (file shares, buckets) and Entra ID tenants:
the optional ``agent_jobs``, ``azure``, ``unstructured`` and ``entra_id`` sections, described in
:mod:`drflow.simulator.estate_extra` (served as ``Estate.extra``).

Ids are deterministic: ``estate_uuid(kind, *parts)`` = uuid5 of ``"kind:part:..."`` in a fixed
namespace. Kinds: ``job``/``backup`` (job name), ``repository`` (name), ``vm``/``backupObject``
(VM name), ``restorePoint``/``backupFile`` (VM name, age formatted with ``%g``, e.g. ``"4"``,
``"0.5"``), ``jobSession`` (job name, age), ``server`` (server name). For example the restore
point of web01 taken 4 hours ago is ``estate_uuid("restorePoint", "web01", "4")``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from drflow.vbr.models import (
    BackupModel,
    JobType,
    ObjectRestorePointModel,
    PlatformType,
    RestorePointType,
    ServerInfoModel,
)
from drflow.vbr.models.backups import (
    CloudDirectorObjectRestorePointDiskModel,
    GuestOSFamily,
    HyperVDiskExtentModel,
    HyperVObjectRestorePointDiskModel,
    RestorePointOperation,
    SuspiciousActivitySeverity,
    VmwareObjectRestorePointDiskModel,
)
from drflow.vbr.models.server import VeeamRegistrationInfo

from .estate_extra import (
    AgentJobSpec,
    AzureEstateSpec,
    EntraIdEstateSpec,
    ExtraEstate,
    UnstructuredEstateSpec,
    build_extra,
    check_extra,
    empty_extra,
)

SIM_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:drflow:vbr-simulator")
ZERO_UUID = uuid.UUID(int=0)
GiB = 1024**3


def estate_uuid(kind: str, *parts: str | float) -> uuid.UUID:
    """The deterministic id of an estate object (see the module docstring)."""
    text = ":".join([kind, *(format_age(p) if isinstance(p, float | int) else p for p in parts)])
    return uuid.uuid5(SIM_NAMESPACE, text)


def format_age(age: float) -> str:
    return f"{age:g}"


class EstateError(ValueError):
    """The estate file is missing, not JSON, or does not follow the schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = None


class Durations(_Strict):
    start: float = Field(default=2.0, ge=0)
    mount: float = Field(default=20.0, ge=0)
    unmount: float = Field(default=5.0, ge=0)
    migrate: float = Field(default=60.0, ge=0)
    boot: float = Field(default=5.0, ge=0)
    restore: float = Field(default=90.0, ge=0)
    quick_rollback: float = Field(default=20.0, ge=0)


class DurationOverrides(_Strict):
    start: float | None = Field(default=None, ge=0)
    mount: float | None = Field(default=None, ge=0)
    unmount: float | None = Field(default=None, ge=0)
    migrate: float | None = Field(default=None, ge=0)
    boot: float | None = Field(default=None, ge=0)
    restore: float | None = Field(default=None, ge=0)
    quick_rollback: float | None = Field(default=None, ge=0)


class Trap(_Strict):
    kind: Literal["mount_fails", "never_healthy"]
    message: str


class EstateVMSpec(_Strict):
    name: str = Field(min_length=1)
    host: str
    guest_os: Literal["Windows", "Linux", "Other", "Unknown"] = "Linux"
    disks_gb: list[int] = Field(default_factory=lambda: [40], min_length=1)
    restore_point_ages_hours: list[float] | None = None
    durations: DurationOverrides = Field(default_factory=DurationOverrides)
    malware: dict[str, Literal["Clean", "Suspicious", "Infected", "Informative"]] = Field(
        default_factory=dict
    )
    trap: Trap | None = None
    fcd: bool = True
    vapp: str | None = None
    missing: bool = False
    damaged: dict[str, str] = Field(default_factory=dict)


class GuestCredentialSpec(_Strict):
    """A credentials record of the backup server (FLR credential validation)."""

    name: str = Field(min_length=1)
    guest_os: Literal["Windows", "Linux"]
    valid: bool = True


def _default_guest_credentials() -> list[GuestCredentialSpec]:
    return [
        GuestCredentialSpec(name="LAB\\Administrator", guest_os="Windows"),
        GuestCredentialSpec(name="root", guest_os="Linux"),
    ]


class EstateJobSpec(_Strict):
    name: str = Field(min_length=1)
    platform: Literal["VMware", "HyperV", "CloudDirector"]
    repository: str
    restore_point_ages_hours: list[float] = Field(min_length=1)
    vms: list[EstateVMSpec] = Field(min_length=1)


class EstateServerSpec(_Strict):
    name: str = "vbr01.lab.local"
    build_version: str = "13.0.1.180"
    platform: Literal["Linux", "Windows"] = "Linux"
    patches: list[str] = Field(default_factory=list)
    database_vendor: str = "PostgreSQL"
    sql_server_edition: str = ""
    sql_server_version: str = "PostgreSQL 15.8"
    database_schema_version: str = "9688"
    database_content_version: str = "9688"
    license_valid_days: int = 365


class EstateFile(_Strict):
    version: Literal[1]
    server: EstateServerSpec = Field(default_factory=EstateServerSpec)
    vcenter: str = "vcenter01.lab.local"
    cloud_director: str = "vcd01.lab.local"
    guest_credentials: list[GuestCredentialSpec] = Field(default_factory=_default_guest_credentials)
    durations: Durations = Field(default_factory=Durations)
    repositories: list[str] = Field(min_length=1)
    jobs: list[EstateJobSpec] = Field(min_length=1)
    agent_jobs: list[AgentJobSpec] = Field(default_factory=list)
    azure: AzureEstateSpec | None = None
    unstructured: UnstructuredEstateSpec | None = None
    entra_id: EntraIdEstateSpec | None = None

    @model_validator(mode="after")
    def _consistent(self) -> EstateFile:
        seen: set[str] = set()
        jobs: set[str] = set()
        for job in self.jobs:
            if job.name in jobs:
                raise ValueError(f"job {job.name!r} is listed twice")
            jobs.add(job.name)
            if job.repository not in self.repositories:
                raise ValueError(f"job {job.name!r}: unknown repository {job.repository!r}")
            for vm in job.vms:
                if vm.name.lower() in seen:
                    raise ValueError(f"VM {vm.name!r} is listed twice")
                seen.add(vm.name.lower())
                ages = vm.restore_point_ages_hours or job.restore_point_ages_hours
                if not ages or any(age <= 0 for age in ages) or len(set(ages)) != len(ages):
                    raise ValueError(f"VM {vm.name!r}: ages must be positive and distinct")
                for key in vm.malware:
                    if key not in {format_age(age) for age in ages}:
                        raise ValueError(
                            f"VM {vm.name!r}: malware key {key!r} is not one of its ages"
                        )
                for key in vm.damaged:
                    if key not in {format_age(age) for age in ages}:
                        raise ValueError(
                            f"VM {vm.name!r}: damaged key {key!r} is not one of its ages"
                        )
        check_extra(self)
        return self


def load_estate_file(path: Path) -> EstateFile:
    """Read and validate an estate file; :class:`EstateError` says what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EstateError(f"cannot read estate file {path}: {exc}") from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EstateError(f"estate file {path} is not valid JSON: {exc}") from exc
    try:
        return EstateFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise EstateError(f"estate file {path} does not follow the schema: {problems}") from exc


# --- the estate as the simulator serves it -------------------------------------------------

_VMWARE_OPERATIONS = [
    RestorePointOperation.START_VI_VM_INSTANT_RECOVERY,
    RestorePointOperation.START_ENTIRE_VM_RESTORE,
    RestorePointOperation.START_FCD_INSTANT_RECOVERY,
    RestorePointOperation.START_FLR_RESTORE,
]
_HYPERV_OPERATIONS = [
    RestorePointOperation.START_HV_VM_INSTANT_RECOVERY,
    RestorePointOperation.START_ENTIRE_VM_RESTORE_HYPERV,
    RestorePointOperation.START_FLR_RESTORE,
]
_CLOUD_DIRECTOR_OPERATIONS = [
    RestorePointOperation.START_ENTIRE_VM_RESTORE_CLOUD_DIRECTOR,
    RestorePointOperation.START_FLR_RESTORE,
]
_JOB_TYPES = {
    "VMware": JobType.VSPHERE_BACKUP,
    "HyperV": JobType.HYPERV_BACKUP,
    "CloudDirector": JobType.CLOUD_DIRECTOR_BACKUP,
}


def _operations(platform: str, vm: EstateVMSpec) -> list[RestorePointOperation]:
    if platform == "VMware":
        return [
            op
            for op in _VMWARE_OPERATIONS
            if vm.fcd or op != RestorePointOperation.START_FCD_INSTANT_RECOVERY
        ]
    if platform == "CloudDirector":
        return list(_CLOUD_DIRECTOR_OPERATIONS)
    return list(_HYPERV_OPERATIONS)


@dataclass(frozen=True, eq=False)
class RestorePoint:
    model: ObjectRestorePointModel
    vm: VM
    disks: list[
        VmwareObjectRestorePointDiskModel
        | HyperVObjectRestorePointDiskModel
        | CloudDirectorObjectRestorePointDiskModel
    ]
    damaged: str | None = None
    """Why restoring data from this point fails (estate ``damaged``), if it does."""


@dataclass(frozen=True, eq=False)
class VM:
    name: str
    platform: str
    host: str
    job: Job
    object_id: uuid.UUID
    durations: Durations
    trap: Trap | None
    restore_points: list[RestorePoint] = field(default_factory=list, compare=False, repr=False)
    guest_os: str = "Linux"
    fcd: bool = True
    vapp: str | None = None
    missing: bool = False


@dataclass(frozen=True, eq=False)
class Job:
    name: str
    platform: str
    backup: BackupModel


@dataclass(frozen=True, eq=False)
class JobRun:
    """A finished backup job session (history shown by ``GET /api/v1/sessions``)."""

    id: uuid.UUID
    job: Job
    started: datetime
    ended: datetime


@dataclass
class Estate:
    spec: EstateFile
    loaded_at: datetime
    server: ServerInfoModel
    backups: dict[uuid.UUID, BackupModel]
    vms: dict[str, VM]
    restore_points: dict[uuid.UUID, RestorePoint]
    backup_objects: dict[uuid.UUID, VM]
    job_runs: list[JobRun]
    extra: ExtraEstate = field(default_factory=empty_extra)

    def vm(self, name: str) -> VM | None:
        return self.vms.get(name.lower())


def build_estate(spec: EstateFile, now: datetime) -> Estate:
    """Turn a validated estate file into the objects the API serves, relative to ``now``."""
    server = ServerInfoModel(
        vbr_id=str(estate_uuid("server", spec.server.name)),
        name=spec.server.name,
        build_version=spec.server.build_version,
        patches=spec.server.patches,
        database_vendor=spec.server.database_vendor,
        sql_server_edition=spec.server.sql_server_edition,
        sql_server_version=spec.server.sql_server_version,
        database_schema_version=spec.server.database_schema_version,
        database_content_version=spec.server.database_content_version,
        veeam_registration=VeeamRegistrationInfo(
            is_registered=True,
            expiration_date=now + timedelta(days=spec.server.license_valid_days),
        ),
        platform=spec.server.platform,
    )
    estate = Estate(spec, now, server, {}, {}, {}, {}, [])
    for job_spec in spec.jobs:
        ages_all = sorted(
            {
                age
                for vm in job_spec.vms
                for age in (vm.restore_point_ages_hours or job_spec.restore_point_ages_hours)
            },
            reverse=True,
        )
        platform = PlatformType(job_spec.platform)
        backup = BackupModel(
            id=estate_uuid("backup", job_spec.name),
            job_id=estate_uuid("job", job_spec.name),
            policy_unique_id=str(estate_uuid("job", job_spec.name)),
            name=job_spec.name,
            platform_name=platform,
            platform_id=ZERO_UUID,
            creation_time=now - timedelta(hours=ages_all[0], minutes=5),
            repository_id=estate_uuid("repository", job_spec.repository),
            repository_name=job_spec.repository,
            job_type=_JOB_TYPES[job_spec.platform],
        )
        estate.backups[backup.id] = backup
        job = Job(job_spec.name, job_spec.platform, backup)
        per_vm_seconds = 90
        for age in ages_all:
            started = now - timedelta(hours=age)
            estate.job_runs.append(
                JobRun(
                    id=estate_uuid("jobSession", job_spec.name, age),
                    job=job,
                    started=started,
                    ended=started + timedelta(seconds=per_vm_seconds * (len(job_spec.vms) + 1)),
                )
            )
        for index, vm_spec in enumerate(job_spec.vms):
            durations = spec.durations.model_copy(
                update={
                    k: v
                    for k, v in vm_spec.durations.model_dump().items()
                    if v is not None and k != "note"
                }
            )
            vm = VM(
                name=vm_spec.name,
                platform=job_spec.platform,
                host=vm_spec.host,
                job=job,
                object_id=estate_uuid("backupObject", vm_spec.name),
                durations=durations,
                trap=vm_spec.trap,
                guest_os=vm_spec.guest_os,
                fcd=vm_spec.fcd,
                vapp=vm_spec.vapp,
                missing=vm_spec.missing,
            )
            ages = sorted(vm_spec.restore_point_ages_hours or job_spec.restore_point_ages_hours)
            oldest = ages[-1]
            for age in ages:
                created = (
                    now - timedelta(hours=age) + timedelta(seconds=per_vm_seconds * (index + 1))
                )
                rp_id = estate_uuid("restorePoint", vm_spec.name, age)
                model = ObjectRestorePointModel(
                    id=rp_id,
                    name=vm_spec.name,
                    platform_name=platform,
                    platform_id=ZERO_UUID,
                    creation_time=created,
                    backup_id=backup.id,
                    type=RestorePointType.FULL if age == oldest else RestorePointType.INCREMENT,
                    session_id=estate_uuid("jobSession", job_spec.name, age),
                    allowed_operations=_operations(job_spec.platform, vm_spec),
                    malware_status=SuspiciousActivitySeverity(
                        vm_spec.malware.get(format_age(age), "Clean")
                    ),
                    backup_file_id=estate_uuid("backupFile", vm_spec.name, age),
                    guest_os_family=GuestOSFamily(vm_spec.guest_os),
                    original_size=sum(vm_spec.disks_gb) * GiB,
                )
                point = RestorePoint(
                    model,
                    vm,
                    _disks(vm_spec, job_spec.platform),
                    damaged=vm_spec.damaged.get(format_age(age)),
                )
                vm.restore_points.append(point)
                estate.restore_points[rp_id] = point
            estate.vms[vm.name.lower()] = vm
            estate.backup_objects[vm.object_id] = vm
    estate.extra = build_extra(estate, spec, now)
    return estate


def _disks(
    vm: EstateVMSpec, platform: str
) -> list[
    VmwareObjectRestorePointDiskModel
    | HyperVObjectRestorePointDiskModel
    | CloudDirectorObjectRestorePointDiskModel
]:
    vm_id = estate_uuid("vm", vm.name)
    disks: list[
        VmwareObjectRestorePointDiskModel
        | HyperVObjectRestorePointDiskModel
        | CloudDirectorObjectRestorePointDiskModel
    ] = []
    for index, size_gb in enumerate(vm.disks_gb):
        name = vm.name if index == 0 else f"{vm.name}_{index}"
        if platform == "CloudDirector":
            disks.append(
                CloudDirectorObjectRestorePointDiskModel(
                    uid=f"{vm_id}:{2000 + index}",
                    type="Vi",
                    name=name,
                    capacity=size_gb * GiB,
                    state="Processed",
                )
            )
        elif platform == "VMware":
            disks.append(
                VmwareObjectRestorePointDiskModel(
                    uid=f"{vm_id}:{2000 + index}",
                    type="Vi",
                    name=name,
                    capacity=size_gb * GiB,
                    state="Processed",
                )
            )
        else:
            file_name = f"{name}.vhdx"
            path = f"C:\\Hyper-V\\{vm.name}\\Virtual Hard Disks\\{file_name}"
            disks.append(
                HyperVObjectRestorePointDiskModel(
                    uid=f"{vm_id}:{index}",
                    type="Hv",
                    name=file_name,
                    capacity=size_gb * GiB,
                    state="Processed",
                    disk_extents=[
                        HyperVDiskExtentModel(
                            uid=f"{vm_id}:{index}:0", name=file_name, path=path, size=size_gb * GiB
                        )
                    ],
                )
            )
    return disks


def load_estate(path: Path, now: datetime) -> Estate:
    return build_estate(load_estate_file(path), now)


GENERATED_JOB_SIZE = 100
"""VMs per backup job of a generated estate."""


def generated_vm_name(index: int) -> str:
    """The name of VM ``index`` (from 1) of a generated estate: ``vm00001``."""
    return f"vm{index:05d}"


def generated_estate_file(vms: int) -> EstateFile:
    """An estate of ``vms`` vSphere VMs (:func:`generated_vm_name`), with the default durations.

    Jobs ``Generated NNN`` of :data:`GENERATED_JOB_SIZE` VMs each; every VM has restore points
    2 and 26 hours old and is spread over four ESXi hosts. No traps, no malware.
    """
    jobs = []
    for first in range(1, vms + 1, GENERATED_JOB_SIZE):
        last = min(first + GENERATED_JOB_SIZE - 1, vms)
        jobs.append(
            EstateJobSpec(
                name=f"Generated {first // GENERATED_JOB_SIZE + 1:03d}",
                platform="VMware",
                repository="Default Backup Repository",
                restore_point_ages_hours=[2, 26],
                vms=[
                    EstateVMSpec(name=generated_vm_name(i), host=f"esx{i % 4 + 1:02d}.lab.local")
                    for i in range(first, last + 1)
                ],
            )
        )
    return EstateFile(version=1, repositories=["Default Backup Repository"], jobs=jobs)
