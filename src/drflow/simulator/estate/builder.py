"""Registering backups, machines, restore points and backup job runs in an estate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from drflow.vbr.models import BackupModel, JobType, ObjectRestorePointModel, PlatformType
from drflow.vbr.models.backups import (
    GuestOSFamily,
    RestorePointOperation,
    RestorePointType,
    SuspiciousActivitySeverity,
)

from .ids import ZERO_UUID, estate_uuid, format_age
from .model import VM, Disk, Estate, Job, JobRun, RestorePoint

OBJECT_SECONDS = 90
"""How long a backup job takes per object: a job run of N objects lasts (N + 1) times this, and
object ``i`` (from 0) of a run is backed up ``(i + 1)`` times this after the run starts."""


class EstateBuilder:
    """Adds objects to ``estate``, with times relative to ``now`` (when the estate loads)."""

    def __init__(self, estate: Estate, now: datetime) -> None:
        self.estate = estate
        self.now = now

    def job(
        self,
        name: str,
        platform: str,
        job_type: JobType,
        repository: str,
        ages: Sequence[float],
        objects: int,
    ) -> Job:
        """A backup job with its backup and one finished run per age (hours ago)."""
        backup = BackupModel(
            id=estate_uuid("backup", name),
            job_id=estate_uuid("job", name),
            policy_unique_id=str(estate_uuid("job", name)),
            name=name,
            platform_name=PlatformType(platform),
            platform_id=ZERO_UUID,
            creation_time=self.now - timedelta(hours=max(ages), minutes=5),
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
                    ended=started + timedelta(seconds=OBJECT_SECONDS * (objects + 1)),
                )
            )
        return job

    def machine(self, vm: VM) -> VM:
        """Serve ``vm`` as a backup object (the first of a name wins)."""
        self.estate.backup_objects.setdefault(vm.object_id, vm)
        return vm

    def object(self, name: str, platform: str, host: str, job: Job) -> VM:
        """A backed-up object that is not a VM job's VM (an agent machine, a share, a tenant)."""
        return self.machine(
            VM(
                name=name,
                platform=platform,
                host=host,
                job=job,
                object_id=estate_uuid("backupObject", name),
                durations=self.estate.spec.durations,
                trap=None,
            )
        )

    def points(
        self,
        vm: VM,
        ages: Sequence[float],
        index: int,
        key: Sequence[str],
        *,
        size: int,
        os: str | None = None,
        operations: Sequence[RestorePointOperation] = (),
        malware: Mapping[str, str] | None = None,
        disks: Sequence[Disk] = (),
        damaged: Mapping[str, str] | None = None,
    ) -> list[RestorePoint]:
        """One restore point of ``vm`` per age, the oldest a ``Full``; ``index`` is the object's
        place in its job's runs; ids are ``restorePoint`` / ``backupFile`` of ``key`` + age."""
        backup = vm.job.backup
        out = []
        oldest = max(ages)
        for age in sorted(ages):
            model = ObjectRestorePointModel(
                id=estate_uuid("restorePoint", *key, age),
                name=vm.name,
                platform_name=PlatformType(vm.platform),
                platform_id=ZERO_UUID,
                creation_time=(
                    self.now
                    - timedelta(hours=age)
                    + timedelta(seconds=OBJECT_SECONDS * (index + 1))
                ),
                backup_id=backup.id,
                type=RestorePointType.FULL if age == oldest else RestorePointType.INCREMENT,
                session_id=estate_uuid("jobSession", backup.name, age),
                allowed_operations=list(operations),
                malware_status=SuspiciousActivitySeverity(
                    (malware or {}).get(format_age(age), "Clean")
                ),
                backup_file_id=estate_uuid("backupFile", *key, age),
                guest_os_family=GuestOSFamily(os) if os else None,
                original_size=size,
            )
            damage = (damaged or {}).get(format_age(age))
            point = RestorePoint(model, vm, list(disks), damaged=damage)
            vm.restore_points.append(point)
            self.estate.restore_points[model.id] = point
            self.estate.object_points.setdefault(vm.object_id, []).append(point)
            out.append(point)
        return out
