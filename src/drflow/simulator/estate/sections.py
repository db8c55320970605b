"""The estate's optional sections as served: agent backups, Azure targets, unstructured data,
Entra ID tenants (their file schema: :mod:`drflow.simulator.estate.spec`)."""

from __future__ import annotations

from drflow.vbr.models import JobType

from .builder import EstateBuilder
from .ids import GiB, estate_uuid
from .model import (
    AzureAppliance,
    AzureSubscription,
    AzureTargets,
    EntraIdEstate,
    EntraTenant,
    ExtraEstate,
    MountServer,
    UnstructuredEstate,
    UnstructuredObject,
    UnstructuredServer,
    empty_extra,
)
from .spec import (
    AgentJobSpec,
    AzureEstateSpec,
    EntraIdEstateSpec,
    EntraIdTenantSpec,
    EstateFile,
    UnstructuredEstateSpec,
    UnstructuredJobSpec,
)


def add_sections(builder: EstateBuilder, spec: EstateFile) -> ExtraEstate:
    """Add the optional sections of ``spec`` to the builder's estate; what they serve besides
    backups and restore points."""
    extra = empty_extra()
    for agent_job in spec.agent_jobs:
        _add_agent_job(builder, agent_job)
    if spec.azure is not None:
        extra.azure = _azure(spec.azure)
    if spec.unstructured is not None:
        extra.unstructured = _unstructured(builder, spec.unstructured)
    if spec.entra_id is not None:
        extra.entra_id = _entra_id(builder, spec.entra_id)
    return extra


def _add_agent_job(builder: EstateBuilder, agent_job: AgentJobSpec) -> None:
    windows = agent_job.os == "Windows"
    platform = "WindowsPhysical" if windows else "LinuxPhysical"
    job_type = JobType.WINDOWS_AGENT_BACKUP if windows else JobType.LINUX_AGENT_BACKUP
    ages = agent_job.restore_point_ages_hours
    job = builder.job(
        agent_job.name, platform, job_type, agent_job.repository, ages, len(agent_job.machines)
    )
    for index, machine in enumerate(agent_job.machines):
        vm = builder.object(machine.name, platform, machine.name.lower(), job)
        size = sum(machine.disks_gb) * GiB
        builder.points(vm, ages, index, (machine.name,), size=size, os=agent_job.os)


def _azure(spec: AzureEstateSpec) -> AzureTargets:
    targets = AzureTargets(spec.durations)
    for sub in spec.subscriptions:
        targets.subscriptions[sub.id] = AzureSubscription(sub.id, sub.name, tuple(sub.locations))
    for app in spec.appliances:
        targets.appliances.append(
            AzureAppliance(app.subscription_id, app.location, app.subnet, app.storage_account)
        )
    return targets


def _unstructured(builder: EstateBuilder, spec: UnstructuredEstateSpec) -> UnstructuredEstate:
    served = UnstructuredEstate(spec.durations)
    for server_spec in spec.servers:
        server = UnstructuredServer(
            estate_uuid("unstructuredServer", server_spec.name),
            server_spec.name,
            server_spec.type,
            tuple(server_spec.regions),
        )
        served.servers[server.id] = server
    for name in spec.mount_servers:
        mount_server = MountServer(estate_uuid("mountServer", name), name)
        served.mount_servers[mount_server.id] = mount_server
    for job_spec in spec.jobs:
        _add_unstructured_job(builder, served, job_spec)
    return served


def _add_unstructured_job(
    builder: EstateBuilder, served: UnstructuredEstate, job_spec: UnstructuredJobSpec
) -> None:
    servers = {server.name.lower(): server for server in served.servers.values()}
    ages = job_spec.restore_point_ages_hours
    job = builder.job(
        job_spec.name,
        "UnstructuredData",
        JobType.FILE_BACKUP if job_spec.shares else JobType.OBJECT_STORAGE_BACKUP,
        job_spec.repository,
        ages,
        len(job_spec.shares) + len(job_spec.buckets),
    )
    entries = [("FileShare", s.path, s.server, s.size_gb, None, s.trap) for s in job_spec.shares]
    entries += [("Bucket", b.name, b.server, b.size_gb, b.region, None) for b in job_spec.buckets]
    objects: list[UnstructuredObject] = []
    for index, (kind, name, server_name, size_gb, region, trap) in enumerate(entries):
        server = servers[server_name.lower()]
        machine = builder.object(name, "UnstructuredData", server.name, job)
        obj = UnstructuredObject(kind, name, server, size_gb, machine, job.backup, region, trap)
        obj.points = builder.points(machine, ages, index, (name,), size=size_gb * GiB)
        for point in obj.points:
            served.by_point[point.model.id] = (obj, point)
        objects.append(obj)
    served.objects.extend(objects)
    served.by_backup[job.backup.id] = objects


def _entra_id(builder: EstateBuilder, spec: EntraIdEstateSpec) -> EntraIdEstate:
    served = EntraIdEstate(spec.durations)
    for tenant_spec in spec.tenants:
        served.tenants.append(_add_tenant(builder, served, tenant_spec))
    return served


def _add_tenant(
    builder: EstateBuilder, served: EntraIdEstate, spec: EntraIdTenantSpec
) -> EntraTenant:
    parts = [
        ("backup", spec.backup, JobType.ENTRA_ID_TENANT_BACKUP, ()),
        ("copy", spec.backup_copy, JobType.ENTRA_ID_TENANT_BACKUP_COPY, ("copy",)),
        ("auditLog", spec.audit_log, JobType.ENTRA_ID_AUDIT_LOG_BACKUP, ("auditLog",)),
    ]
    tenant: EntraTenant | None = None
    for kind, part, job_type, suffix in parts:
        if part is None:
            continue
        ages = part.restore_point_ages_hours
        job = builder.job(part.name, "EntraID", job_type, spec.repository, ages, 1)
        object_name = f"{spec.name} audit log" if kind == "auditLog" else spec.name
        machine = builder.object(object_name, "EntraID", spec.name, job)
        backup = job.backup
        if tenant is None:
            tenant = EntraTenant(spec.name, spec.tenant_id, spec.app_client_id, backup)
        elif kind == "copy":
            tenant.copy = backup
        else:
            tenant.audit_log = backup
        served.backups[backup.id] = (tenant, kind)
        for point in builder.points(machine, ages, 0, (spec.name, *suffix), size=2 * GiB):
            served.points[point.model.id] = (tenant, kind, point)
    assert tenant is not None  # the tenant backup is required by the schema
    return tenant
