"""The estate file's schema (:class:`EstateFile`), validated when it is loaded.

The VM jobs are described in :mod:`drflow.simulator.estate`. Optional top-level sections add
agent backups, Azure targets, unstructured data and Entra ID tenants::

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

import json
import uuid
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .ids import format_age


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
    build_version: str = Field(default="13.0.1.180", pattern=r"^\d+(\.\d+){3}$")
    """A VBR build number (``major.minor.patch.build``), served by ``GET /serverInfo``."""
    platform: Literal["Linux", "Windows"] = "Linux"
    patches: list[str] = Field(default_factory=list)
    database_vendor: str = "PostgreSQL"
    sql_server_edition: str = ""
    sql_server_version: str = "PostgreSQL 15.8"
    database_schema_version: str = "9688"
    database_content_version: str = "9688"
    license_valid_days: int = 365


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
                keys = {format_age(age) for age in ages}
                for what, by_age in (("malware", vm.malware), ("damaged", vm.damaged)):
                    for key in sorted(by_age.keys() - keys):
                        raise ValueError(
                            f"VM {vm.name!r}: {what} key {key!r} is not one of its ages"
                        )
        _check_sections(self)
        return self


def _check_sections(spec: EstateFile) -> None:
    """Cross-checks of the optional sections (ValueError, reported as EstateError)."""
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
