"""Estate sections beyond the VM jobs: agent backups, Azure targets, unstructured data, Entra ID.

Optional top-level keys of the estate file (see :mod:`drflow.simulator.estate` for the rest)::

    "agent_jobs": [                                  # Veeam Agent backups (Windows or Linux)
      {"name": "Branch servers", "os": "Windows", "repository": "...",
       "restore_point_ages_hours": [7, 31],
       "machines": [{"name": "branch-dc01", "disks_gb": [80]}]}
    ],
    "azure": {                                       # where instant recovery to Azure can go
      "durations": {"start": 5, "mount": 40, "boot": 20, "migrate": 90, "switchover": 20,
                    "unmount": 10},
      "subscriptions": [{"id": "<uuid>", "name": "DR", "locations": ["westeurope"]}],
      "appliances": [{"subscription_id": "<uuid>", "location": "westeurope",
                      "subnet": "/subscriptions/.../subnets/veeam", "storage_account": "acct"}]
    },
    "unstructured": {
      "durations": {"start": 2, "publish": 20, "unpublish": 5, "migrate": 60,
                    "switchover": 10, "restore": 90, "mount": 10, "unmount": 3},
      "servers": [{"name": "fs01.lab.local", "type": "SMB"},      # SMB | NFS | S3
                  {"name": "s3.lab.local", "type": "S3", "regions": ["eu-central-1"]}],
      "mount_servers": ["vbr01.lab.local"],
      "jobs": [{"name": "File shares", "repository": "...", "restore_point_ages_hours": [5, 29],
                "shares": [{"path": "\\\\fs01\\finance", "server": "fs01.lab.local",
                            "size_gb": 120, "trap": {"kind": "publish_fails", "message": "..."}}],
                "buckets": [{"name": "invoices", "server": "s3.lab.local",
                             "region": "eu-central-1"}]}]
    },
    "entra_id": {
      "durations": {"start": 2, "mount": 15, "unmount": 5, "from_copy": 30, "device_code_ttl": 900},
      "tenants": [{"name": "contoso.onmicrosoft.com", "tenant_id": "<uuid>",
                   "app_client_id": "<uuid>", "repository": "...",
                   "backup": {"name": "Entra ID tenant", "restore_point_ages_hours": [2, 26]},
                   "backup_copy": {"name": "...", "restore_point_ages_hours": [...]},
                   "audit_log": {"name": "...", "restore_point_ages_hours": [...]}}]
    }

Machines, shares, buckets and tenants are served as backups, backup objects and restore points
next to the VMs (``/api/v1/backups``, ``/api/v1/restorePoints``). Ids follow
:func:`~drflow.simulator.estate.estate_uuid`: ``restorePoint`` (object name, age) for agents,
shares (their path), buckets and tenant backups; ``restorePoint`` (tenant, ``"copy"``, age) for
a tenant's backup copy and (tenant, ``"auditLog"``, age) for its audit-log backup; ``backup``
(job name); ``backupObject`` (object name); ``unstructuredServer`` / ``mountServer`` (name).

Traps: a share with ``trap.kind == "publish_fails"`` fails to publish by instant recovery with
``trap.message`` (mount ``PublishFailed``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from drflow.vbr.models import BackupModel, JobType, ObjectRestorePointModel, PlatformType
from drflow.vbr.models.backups import GuestOSFamily, RestorePointType, SuspiciousActivitySeverity

if TYPE_CHECKING:
    from .estate import VM, Estate, EstateFile, RestorePoint

GiB = 1024**3


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = None


# --- agent backups -------------------------------------------------------------------------


class AgentMachineSpec(_Strict):
    name: str = Field(min_length=1)
    disks_gb: list[int] = Field(default_factory=lambda: [80], min_length=1)


class AgentJobSpec(_Strict):
    name: str = Field(min_length=1)
    os: Literal["Windows", "Linux"]
    repository: str
    restore_point_ages_hours: list[float] = Field(min_length=1)
    machines: list[AgentMachineSpec] = Field(min_length=1)


# --- Azure ---------------------------------------------------------------------------------


class AzureDurations(_Strict):
    start: float = Field(default=5.0, ge=0)
    mount: float = Field(default=40.0, ge=0)
    boot: float = Field(default=20.0, ge=0)
    migrate: float = Field(default=90.0, ge=0)
    switchover: float = Field(default=20.0, ge=0)
    unmount: float = Field(default=10.0, ge=0)


class AzureSubscriptionSpec(_Strict):
    id: uuid.UUID
    name: str
    locations: list[str] = Field(min_length=1)


class AzureApplianceSpec(_Strict):
    subscription_id: uuid.UUID
    location: str
    subnet: str = Field(min_length=1)
    storage_account: str = Field(min_length=1)


class AzureEstateSpec(_Strict):
    durations: AzureDurations = Field(default_factory=AzureDurations)
    subscriptions: list[AzureSubscriptionSpec] = Field(default_factory=list)
    appliances: list[AzureApplianceSpec] = Field(default_factory=list)


# --- unstructured data ---------------------------------------------------------------------


class UnstructuredDurations(_Strict):
    start: float = Field(default=2.0, ge=0)
    publish: float = Field(default=20.0, ge=0)
    unpublish: float = Field(default=5.0, ge=0)
    migrate: float = Field(default=60.0, ge=0)
    switchover: float = Field(default=10.0, ge=0)
    restore: float = Field(default=90.0, ge=0)
    mount: float = Field(default=10.0, ge=0)
    unmount: float = Field(default=3.0, ge=0)


class UnstructuredServerSpec(_Strict):
    name: str = Field(min_length=1)
    type: Literal["SMB", "NFS", "S3"]
    regions: list[str] = Field(default_factory=list)


class ShareTrap(_Strict):
    kind: Literal["publish_fails"]
    message: str


class ShareSpec(_Strict):
    path: str = Field(min_length=1)
    server: str
    size_gb: int = Field(default=100, ge=1)
    trap: ShareTrap | None = None


class BucketSpec(_Strict):
    name: str = Field(min_length=1)
    server: str
    region: str | None = None
    size_gb: int = Field(default=50, ge=1)


class UnstructuredJobSpec(_Strict):
    name: str = Field(min_length=1)
    repository: str
    restore_point_ages_hours: list[float] = Field(min_length=1)
    shares: list[ShareSpec] = Field(default_factory=list)
    buckets: list[BucketSpec] = Field(default_factory=list)


class UnstructuredEstateSpec(_Strict):
    durations: UnstructuredDurations = Field(default_factory=UnstructuredDurations)
    servers: list[UnstructuredServerSpec] = Field(default_factory=list)
    mount_servers: list[str] = Field(default_factory=list)
    jobs: list[UnstructuredJobSpec] = Field(default_factory=list)


# --- Entra ID ------------------------------------------------------------------------------


class EntraIdDurations(_Strict):
    start: float = Field(default=2.0, ge=0)
    mount: float = Field(default=15.0, ge=0)
    unmount: float = Field(default=5.0, ge=0)
    from_copy: float = Field(default=30.0, ge=0)
    device_code_ttl: float = Field(default=900.0, gt=0)


class EntraIdBackupSpec(_Strict):
    name: str = Field(min_length=1)
    restore_point_ages_hours: list[float] = Field(min_length=1)


class EntraIdTenantSpec(_Strict):
    name: str = Field(min_length=1)
    tenant_id: uuid.UUID
    app_client_id: uuid.UUID
    repository: str
    backup: EntraIdBackupSpec
    backup_copy: EntraIdBackupSpec | None = None
    audit_log: EntraIdBackupSpec | None = None


class EntraIdEstateSpec(_Strict):
    durations: EntraIdDurations = Field(default_factory=EntraIdDurations)
    tenants: list[EntraIdTenantSpec] = Field(default_factory=list)


# --- consistency ---------------------------------------------------------------------------


def check_extra(spec: EstateFile) -> None:
    """Cross-checks of the sections above (raises ValueError, reported as EstateError)."""
    repositories = set(spec.repositories)
    job_names = {job.name for job in spec.jobs}
    object_names = {vm.name.lower() for job in spec.jobs for vm in job.vms}

    def job(name: str, repository: str, ages: list[float]) -> None:
        if name in job_names:
            raise ValueError(f"job {name!r} is listed twice")
        job_names.add(name)
        if repository not in repositories:
            raise ValueError(f"job {name!r}: unknown repository {repository!r}")
        if any(age <= 0 for age in ages) or len(set(ages)) != len(ages):
            raise ValueError(f"job {name!r}: ages must be positive and distinct")

    def obj(name: str) -> None:
        if name.lower() in object_names:
            raise ValueError(f"object {name!r} is listed twice")
        object_names.add(name.lower())

    for agent_job in spec.agent_jobs:
        job(agent_job.name, agent_job.repository, agent_job.restore_point_ages_hours)
        for machine in agent_job.machines:
            obj(machine.name)
    if spec.azure is not None:
        subscriptions = {s.id: s for s in spec.azure.subscriptions}
        for appliance in spec.azure.appliances:
            sub = subscriptions.get(appliance.subscription_id)
            if sub is None:
                raise ValueError(
                    f"Azure appliance {appliance.subnet!r}: unknown subscription "
                    f"{appliance.subscription_id}"
                )
            if appliance.location not in sub.locations:
                raise ValueError(
                    f"Azure appliance {appliance.subnet!r}: location {appliance.location!r} is "
                    f"not one of subscription {sub.name!r}"
                )
    if spec.unstructured is not None:
        servers = {s.name.lower(): s for s in spec.unstructured.servers}
        if len(servers) != len(spec.unstructured.servers):
            raise ValueError("unstructured: a server is listed twice")
        for ud_job in spec.unstructured.jobs:
            job(ud_job.name, ud_job.repository, ud_job.restore_point_ages_hours)
            if not ud_job.shares and not ud_job.buckets:
                raise ValueError(f"job {ud_job.name!r}: no shares and no buckets")
            for share in ud_job.shares:
                obj(share.path)
                server = servers.get(share.server.lower())
                if server is None or server.type not in ("SMB", "NFS"):
                    raise ValueError(
                        f"share {share.path!r}: {share.server!r} is not an SMB or NFS server"
                    )
                smb_path = share.path.startswith("\\\\")
                if (server.type == "SMB") != smb_path:
                    raise ValueError(
                        f"share {share.path!r}: the path does not fit a {server.type} share"
                    )
            for bucket in ud_job.buckets:
                obj(bucket.name)
                server = servers.get(bucket.server.lower())
                if server is None or server.type != "S3":
                    raise ValueError(f"bucket {bucket.name!r}: {bucket.server!r} is not S3")
    if spec.entra_id is not None:
        for tenant in spec.entra_id.tenants:
            obj(tenant.name)
            for part in (tenant.backup, tenant.backup_copy, tenant.audit_log):
                if part is not None:
                    job(part.name, tenant.repository, part.restore_point_ages_hours)


# --- what the simulator serves -------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AzureSubscription:
    id: uuid.UUID
    name: str
    locations: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class AzureAppliance:
    subscription_id: uuid.UUID
    location: str
    subnet: str
    storage_account: str


@dataclass
class AzureTargets:
    durations: AzureDurations
    subscriptions: dict[uuid.UUID, AzureSubscription] = field(default_factory=dict)
    appliances: list[AzureAppliance] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class UnstructuredServer:
    id: uuid.UUID
    name: str
    type: str  # SMB | NFS | S3
    regions: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class MountServer:
    id: uuid.UUID
    name: str


@dataclass(eq=False)
class UnstructuredObject:
    """A file share (``kind == "FileShare"``, protocol SMB or NFS) or a bucket (``"Bucket"``)."""

    kind: str
    name: str
    server: UnstructuredServer
    size_gb: int
    machine: VM
    backup: BackupModel
    region: str | None = None
    trap: ShareTrap | None = None
    points: list[RestorePoint] = field(default_factory=list)

    @property
    def protocol(self) -> str:
        return self.server.type


@dataclass
class UnstructuredEstate:
    durations: UnstructuredDurations
    servers: dict[uuid.UUID, UnstructuredServer] = field(default_factory=dict)
    mount_servers: dict[uuid.UUID, MountServer] = field(default_factory=dict)
    objects: list[UnstructuredObject] = field(default_factory=list)
    by_point: dict[uuid.UUID, tuple[UnstructuredObject, RestorePoint]] = field(default_factory=dict)
    by_backup: dict[uuid.UUID, list[UnstructuredObject]] = field(default_factory=dict)


@dataclass(eq=False)
class EntraTenant:
    name: str
    tenant_id: uuid.UUID
    app_client_id: uuid.UUID
    backup: BackupModel
    copy: BackupModel | None = None
    audit_log: BackupModel | None = None


@dataclass
class EntraIdEstate:
    durations: EntraIdDurations
    tenants: list[EntraTenant] = field(default_factory=list)
    backups: dict[uuid.UUID, tuple[EntraTenant, str]] = field(default_factory=dict)
    """backup id -> (tenant, ``"backup"`` | ``"copy"`` | ``"auditLog"``)"""
    points: dict[uuid.UUID, tuple[EntraTenant, str, RestorePoint]] = field(default_factory=dict)


@dataclass
class ExtraEstate:
    azure: AzureTargets
    unstructured: UnstructuredEstate
    entra_id: EntraIdEstate


def empty_extra() -> ExtraEstate:
    return ExtraEstate(
        AzureTargets(AzureDurations()),
        UnstructuredEstate(UnstructuredDurations()),
        EntraIdEstate(EntraIdDurations()),
    )


def build_extra(estate: Estate, spec: EstateFile, now: datetime) -> ExtraEstate:
    """Add the sections above to ``estate`` (backups, objects, restore points, job runs)."""
    from .estate import estate_uuid

    extra = empty_extra()
    builder = _Builder(estate, now)
    for agent_job in spec.agent_jobs:
        platform = "WindowsPhysical" if agent_job.os == "Windows" else "LinuxPhysical"
        job_type = (
            JobType.WINDOWS_AGENT_BACKUP
            if agent_job.os == "Windows"
            else JobType.LINUX_AGENT_BACKUP
        )
        backup, job = builder.job(
            agent_job.name,
            platform,
            job_type,
            agent_job.repository,
            agent_job.restore_point_ages_hours,
            len(agent_job.machines),
        )
        for index, machine in enumerate(agent_job.machines):
            vm = builder.machine(machine.name, platform, machine.name.lower(), job)
            builder.points(
                vm,
                backup,
                agent_job.restore_point_ages_hours,
                index,
                (machine.name,),
                size=sum(machine.disks_gb) * GiB,
                os=agent_job.os,
            )
    if spec.azure is not None:
        extra.azure.durations = spec.azure.durations
        for sub in spec.azure.subscriptions:
            extra.azure.subscriptions[sub.id] = AzureSubscription(
                sub.id, sub.name, tuple(sub.locations)
            )
        for app in spec.azure.appliances:
            extra.azure.appliances.append(
                AzureAppliance(app.subscription_id, app.location, app.subnet, app.storage_account)
            )
    if spec.unstructured is not None:
        ud = extra.unstructured
        ud.durations = spec.unstructured.durations
        servers: dict[str, UnstructuredServer] = {}
        for server_spec in spec.unstructured.servers:
            server = UnstructuredServer(
                estate_uuid("unstructuredServer", server_spec.name),
                server_spec.name,
                server_spec.type,
                tuple(server_spec.regions),
            )
            servers[server.name.lower()] = server
            ud.servers[server.id] = server
        for name in spec.unstructured.mount_servers:
            mount_server = MountServer(estate_uuid("mountServer", name), name)
            ud.mount_servers[mount_server.id] = mount_server
        for ud_job in spec.unstructured.jobs:
            kind_of_job = JobType.FILE_BACKUP if ud_job.shares else JobType.OBJECT_STORAGE_BACKUP
            backup, job = builder.job(
                ud_job.name,
                "UnstructuredData",
                kind_of_job,
                ud_job.repository,
                ud_job.restore_point_ages_hours,
                len(ud_job.shares) + len(ud_job.buckets),
            )
            objects: list[UnstructuredObject] = []
            for share in ud_job.shares:
                server = servers[share.server.lower()]
                vm = builder.machine(share.path, "UnstructuredData", server.name, job)
                objects.append(
                    UnstructuredObject(
                        "FileShare", share.path, server, share.size_gb, vm, backup, trap=share.trap
                    )
                )
            for bucket in ud_job.buckets:
                server = servers[bucket.server.lower()]
                vm = builder.machine(bucket.name, "UnstructuredData", server.name, job)
                objects.append(
                    UnstructuredObject(
                        "Bucket", bucket.name, server, bucket.size_gb, vm, backup, bucket.region
                    )
                )
            for index, obj in enumerate(objects):
                obj.points = builder.points(
                    obj.machine,
                    backup,
                    ud_job.restore_point_ages_hours,
                    index,
                    (obj.name,),
                    size=obj.size_gb * GiB,
                )
                for point in obj.points:
                    ud.by_point[point.model.id] = (obj, point)
                ud.objects.append(obj)
            ud.by_backup[backup.id] = objects
    if spec.entra_id is not None:
        entra = extra.entra_id
        entra.durations = spec.entra_id.durations
        for tenant_spec in spec.entra_id.tenants:
            parts = [
                ("backup", tenant_spec.backup, JobType.ENTRA_ID_TENANT_BACKUP, ()),
                ("copy", tenant_spec.backup_copy, JobType.ENTRA_ID_TENANT_BACKUP_COPY, ("copy",)),
                (
                    "auditLog",
                    tenant_spec.audit_log,
                    JobType.ENTRA_ID_AUDIT_LOG_BACKUP,
                    ("auditLog",),
                ),
            ]
            tenant: EntraTenant | None = None
            for kind, part, job_type, suffix in parts:
                if part is None:
                    continue
                backup, job = builder.job(
                    part.name,
                    "EntraID",
                    job_type,
                    tenant_spec.repository,
                    part.restore_point_ages_hours,
                    1,
                )
                object_name = (
                    tenant_spec.name if kind != "auditLog" else f"{tenant_spec.name} audit log"
                )
                vm = builder.machine(object_name, "EntraID", tenant_spec.name, job)
                if tenant is None:
                    tenant = EntraTenant(
                        tenant_spec.name, tenant_spec.tenant_id, tenant_spec.app_client_id, backup
                    )
                    entra.tenants.append(tenant)
                elif kind == "copy":
                    tenant.copy = backup
                else:
                    tenant.audit_log = backup
                entra.backups[backup.id] = (tenant, kind)
                points = builder.points(
                    vm,
                    backup,
                    part.restore_point_ages_hours,
                    0,
                    (tenant_spec.name, *suffix),
                    size=2 * GiB,
                )
                for point in points:
                    entra.points[point.model.id] = (tenant, kind, point)
    return extra


class _Builder:
    """Registers backups, objects, restore points and job runs in the estate."""

    def __init__(self, estate: Estate, now: datetime) -> None:
        self.estate = estate
        self.now = now

    def job(
        self,
        name: str,
        platform: str,
        job_type: JobType,
        repository: str,
        ages: list[float],
        objects: int,
    ) -> tuple[BackupModel, object]:
        from .estate import ZERO_UUID, Job, JobRun, estate_uuid

        oldest = max(ages)
        backup = BackupModel(
            id=estate_uuid("backup", name),
            job_id=estate_uuid("job", name),
            policy_unique_id=str(estate_uuid("job", name)),
            name=name,
            platform_name=PlatformType(platform),
            platform_id=ZERO_UUID,
            creation_time=self.now - timedelta(hours=oldest, minutes=5),
            repository_id=estate_uuid("repository", repository),
            repository_name=repository,
            job_type=job_type,
        )
        self.estate.backups[backup.id] = backup
        job = Job(name, platform, backup)
        for age in sorted(ages, reverse=True):
            started = self.now - timedelta(hours=age)
            self.estate.job_runs.append(
                JobRun(
                    id=estate_uuid("jobSession", name, age),
                    job=job,
                    started=started,
                    ended=started + timedelta(seconds=90 * (objects + 1)),
                )
            )
        return backup, job

    def machine(self, name: str, platform: str, host: str, job: object) -> VM:
        from .estate import VM, estate_uuid

        vm = VM(
            name=name,
            platform=platform,
            host=host,
            job=job,  # type: ignore[arg-type]
            object_id=estate_uuid("backupObject", name),
            durations=self.estate.spec.durations,
            trap=None,
        )
        self.estate.backup_objects.setdefault(vm.object_id, vm)
        return vm

    def points(
        self,
        vm: VM,
        backup: BackupModel,
        ages: list[float],
        index: int,
        key: tuple[str, ...],
        *,
        size: int,
        os: str | None = None,
    ) -> list[RestorePoint]:
        from .estate import ZERO_UUID, RestorePoint, estate_uuid

        out = []
        oldest = max(ages)
        for age in sorted(ages):
            created = self.now - timedelta(hours=age) + timedelta(seconds=90 * (index + 1))
            model = ObjectRestorePointModel(
                id=estate_uuid("restorePoint", *key, age),
                name=vm.name,
                platform_name=PlatformType(vm.platform),
                platform_id=ZERO_UUID,
                creation_time=created,
                backup_id=backup.id,
                type=RestorePointType.FULL if age == oldest else RestorePointType.INCREMENT,
                session_id=estate_uuid("jobSession", backup.name, age),
                allowed_operations=[],
                malware_status=SuspiciousActivitySeverity.CLEAN,
                backup_file_id=estate_uuid("backupFile", *key, age),
                guest_os_family=GuestOSFamily(os) if os else None,
                original_size=size,
            )
            point = RestorePoint(model, vm, [])
            vm.restore_points.append(point)
            self.estate.restore_points[model.id] = point
            out.append(point)
        return out
