"""Instant recovery of First Class Disks: mount disks → verify → dismount, migrate, keep or ask."""

import re
from typing import Self

from prefect import flow
from pydantic import BaseModel, ConfigDict, Field, model_validator

from drflow.tasks import (
    dismount_fcd,
    get_restore_point_disks,
    migrate_fcd,
    start_fcd_instant_recovery,
    wait_for_fcd_mount,
)
from drflow.vbr import NoRestorePoint
from drflow.vbr.models import (
    ObjectRestorePointModel,
    VmwareFcdInstantRecoveryDiskSpec,
    VmwareFcdInstantRecoveryMount,
    VmwareFcdInstantRecoverySpec,
    VmwareFcdQuickMigrationSpec,
    VmwareFcdWriteCacheSpec,
    VmwareObjectModel,
)
from drflow.vbr.models.backups import PlatformType, RestorePointOperation
from drflow.vbr.models.inventory import VmwareInventoryType

from .engine import (
    CLEANUP_HOOKS,
    Choice,
    Disposition,
    MountStrategy,
    Progress,
    RecoveryParams,
    RecoveryReport,
    mount_problems,
    run_recovery,
)


class VSphereCluster(BaseModel):
    """The vSphere cluster the disks are mounted to."""

    model_config = ConfigDict(extra="forbid")

    vcenter: str = Field(min_length=1, description="vCenter Server name as VBR knows it.")
    name: str = Field(min_length=1, description="Name of the cluster in that vCenter.")


class FcdWriteCache(BaseModel):
    """Redirect writes to the mounted disks to a datastore (instead of the vPower NFS cache)."""

    model_config = ConfigDict(extra="forbid")

    datastore: str = Field(min_length=1, description="Datastore that takes the written blocks.")
    storage_policy: str | None = Field(
        default=None, description="vSphere storage policy for the cache (optional)."
    )


class FcdMigrationTarget(BaseModel):
    """Where Quick Migration moves the mounted disks (makes them permanent)."""

    model_config = ConfigDict(extra="forbid")

    datastore: str = Field(min_length=1, description="Production datastore for the disks.")
    storage_policy: str | None = Field(
        default=None, description="vSphere storage policy of the migrated disks."
    )
    disks: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Disks (names in the backup) to migrate; unset: every mounted disk. "
        "Mounted disks not migrated are dismounted.",
    )


class FcdRecoveryParams(RecoveryParams):
    """Instant recovery of the disks of one vSphere VM as First Class Disks (FCD)."""

    vm: str = Field(min_length=1, description="Name of the VM as it appears in its backup.")
    cluster: VSphereCluster = Field(description="vSphere cluster to mount the disks to.")
    disks: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Disks to mount, by their name in the backup; unset: every disk of the "
        "restore point.",
    )
    write_cache: FcdWriteCache | None = Field(
        default=None, description="Redirect writes to a datastore; unset: no redirect."
    )
    fcd_name_prefix: str = Field(
        default="drflow-",
        max_length=40,
        description="Prefix of the names the disks get in vSphere (the run id is appended).",
    )
    migration: FcdMigrationTarget | None = Field(
        default=None, description="Where to migrate the disks (needed for then=migrate)."
    )

    @model_validator(mode="after")
    def _migration_needs_a_target(self) -> Self:
        if self.then == "migrate" and self.migration is None:
            raise ValueError("then=migrate needs migration (datastore): where to move the disks")
        if self.migration and self.migration.disks and self.disks:
            extra = sorted(set(self.migration.disks) - set(self.disks))
            if extra:
                raise ValueError(
                    f"migration.disks: {', '.join(extra)} would not be mounted (disks: "
                    f"{', '.join(self.disks)})"
                )
        return self


def _plain(name: str) -> str:
    """A disk name fit for a file or object name: ``[ds1] web01/web01_1.vmdk`` → ``web01_1``."""
    base = re.sub(r"\.vmdk$", "", name.rsplit("/", 1)[-1].strip(), flags=re.IGNORECASE)
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", base).strip("-") or "disk"


class FirstClassDisks(MountStrategy[FcdRecoveryParams, VmwareFcdInstantRecoveryMount]):
    kind = "fcd"
    platform = PlatformType.VMWARE
    operation = RestorePointOperation.START_FCD_INSTANT_RECOVERY

    @property
    def name(self) -> str:
        return self.params.vm

    def _vsphere(self, name: str, kind: VmwareInventoryType) -> VmwareObjectModel:
        return VmwareObjectModel(host_name=self.params.cluster.vcenter, name=name, type=kind)

    def _disks(self, point: ObjectRestorePointModel) -> list[str]:
        """The disks to mount: the requested ones, checked against the restore point (as are
        the disks to migrate), before anything is started."""
        available = [
            disk.name for disk in get_restore_point_disks(self.params.connection, point.id).data
        ]
        chosen = list(dict.fromkeys(self.params.disks or available))
        migration = self.params.migration
        for field, names in (("disks", chosen), ("migration.disks", migration and migration.disks)):
            missing = [disk for disk in names or [] if disk not in available]
            if missing:
                raise NoRestorePoint(
                    f"{field}: restore point {point.id} of {self.name!r} has no disk "
                    f"{', '.join(repr(d) for d in missing)} (disks: {', '.join(available)})"
                )
        if not chosen:
            raise NoRestorePoint(f"restore point {point.id} of {self.name!r} has no disks")
        return chosen

    def start(
        self, point: ObjectRestorePointModel, mark: str, report: RecoveryReport
    ) -> VmwareFcdInstantRecoveryMount:
        # FCD specs have no reason: the run mark goes into every registered FCD name
        prefix = self.params.fcd_name_prefix
        run = mark.rsplit(":", 1)[-1][:8]
        disks = self._disks(point)
        plain = [_plain(disk) for disk in disks]
        plain = [f"{p}-{i}" if plain.count(p) > 1 else p for i, p in enumerate(plain, 1)]
        mapping = [
            VmwareFcdInstantRecoveryDiskSpec(
                name_in_backup=disk,
                mounted_disk_name=f"{prefix}{short}-{run}.vmdk",
                registered_fcd_name=f"{prefix}{short} [{mark}]",
            )
            for disk, short in zip(disks, plain, strict=True)
        ]
        cache = self.params.write_cache
        spec = VmwareFcdInstantRecoverySpec(
            restore_point_id=point.id,
            destination_cluster=self._vsphere(
                self.params.cluster.name, VmwareInventoryType.CLUSTER
            ),
            disks_mapping=mapping,
            write_cache=VmwareFcdWriteCacheSpec(
                redirect_is_enabled=True,
                cache_datastore=self._vsphere(cache.datastore, VmwareInventoryType.DATASTORE),
                storage_policy=self._vsphere(
                    cache.storage_policy, VmwareInventoryType.STORAGE_POLICY
                )
                if cache.storage_policy
                else None,
            )
            if cache
            else None,
        )
        mount = self.started(
            start_fcd_instant_recovery(self.params.connection, self.name, spec, mark), report
        )
        report.details["cluster"] = f"{self.params.cluster.name} ({self.params.cluster.vcenter})"
        report.details["disks"] = ", ".join(d.name_in_backup for d in mapping)
        return mount

    def wait_ready(
        self, mount: VmwareFcdInstantRecoveryMount, progress: Progress
    ) -> VmwareFcdInstantRecoveryMount:
        return wait_for_fcd_mount(
            self.params.connection, mount, vm_name=self.name, timeout=self.params.timeout_seconds
        )

    def problems(self, mount: VmwareFcdInstantRecoveryMount) -> list[str]:
        problems = mount_problems(mount.state, mount.error_message)
        mounted = {disk.name_in_backup: disk for disk in mount.mounted_disks or []}
        for wanted in mount.spec.disks_mapping:
            disk = mounted.get(wanted.name_in_backup)
            if disk is None:
                problems.append(f"disk {wanted.name_in_backup} is not among the mounted disks")
            elif not disk.object_id:
                problems.append(f"disk {wanted.name_in_backup} has no vSphere FCD object id")
        return problems

    def release(self, mount: VmwareFcdInstantRecoveryMount) -> None:
        dismount_fcd(self.params.connection, mount.id, vm_name=self.name)

    def migrate(self, mount: VmwareFcdInstantRecoveryMount, report: RecoveryReport) -> Disposition:
        target = self.params.migration
        assert target is not None
        by_backup_name = {d.name_in_backup: d.mounted_disk_name for d in mount.spec.disks_mapping}
        chosen = target.disks or list(by_backup_name)  # checked against the mount by _disks
        spec = VmwareFcdQuickMigrationSpec(
            mounted_disk_names=[by_backup_name[disk] for disk in chosen],
            target_datastore=self._vsphere(target.datastore, VmwareInventoryType.DATASTORE),
            storage_policy=self._vsphere(target.storage_policy, VmwareInventoryType.STORAGE_POLICY)
            if target.storage_policy
            else None,
        )
        session = migrate_fcd(self.params.connection, mount.id, spec, vm_name=self.name)
        report.details["migrated"] = f"{', '.join(chosen)} to {target.datastore}"
        self.follow_migration(session.id, report, f"migrate disks of {self.name}")
        if set(chosen) != set(by_backup_name):
            # what was not chosen for production is not left behind
            self.release(mount)
            report.details["dismounted"] = ", ".join(sorted(set(by_backup_name) - set(chosen)))
        return Disposition.MIGRATED

    def choices(self) -> list[Choice]:
        return ["unmount", "migrate", "keep"] if self.params.migration else ["unmount", "keep"]


@flow(
    name="fcd-instant-recovery",
    flow_run_name="fcd-instant-recovery[{params.vm}]",
    **CLEANUP_HOOKS,
)
def fcd_instant_recovery(params: FcdRecoveryParams) -> RecoveryReport:
    """Mount a VM's disks as First Class Disks, verify them, then dismount, migrate or keep them.

    The chosen disks (default: every disk of the restore point) are mounted to a vSphere
    cluster and verified (VBR says ``Mounted``, every requested disk is in ``mountedDisks``,
    then the workload checks); then dismounted, migrated (to a datastore with a storage
    policy), kept, or the operator is asked.

    The disks are registered as ``<prefix><disk> [drflow-run:<run id>]``: the FCD spec has no
    reason, so that name carries the run's mark. Anything mounted is dismounted again if the
    run fails, is cancelled or crashes, unless it was kept.
    """
    return run_recovery(FirstClassDisks(params))
