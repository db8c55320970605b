"""Instant recovery of a vSphere VM: recover → verify → unmount, migrate, keep or ask."""

from typing import Any, Self

from prefect import flow
from pydantic import BaseModel, ConfigDict, Field, model_validator

from drflow.tasks import (
    migrate_vsphere_vm,
    start_vsphere_instant_recovery,
    unmount_vsphere_vm,
    wait_for_vsphere_mount,
)
from drflow.vbr.models import (
    InstantViVMOriginalLocationRecoverySpec,
    InstantViVMRecoveryMount,
    ViVMQuickMigrationSpec,
    VmwareObjectModel,
)
from drflow.vbr.models.backups import PlatformType, RestorePointOperation
from drflow.vbr.models.inventory import VmwareInventoryType

from .engine import (
    CLEANUP_HOOKS,
    Choice,
    Disposition,
    InstantVM,
    RecoveryParams,
    RecoveryReport,
    run_recovery,
)


class MigrationTarget(BaseModel):
    """Where Quick Migration moves a recovered VM."""

    model_config = ConfigDict(extra="forbid")

    vcenter: str = Field(description="vCenter Server (or ESXi host) name as VBR knows it.")
    host: str = Field(description="ESXi host or cluster to move the VM to.")
    datastore: str | None = Field(default=None, description="Target datastore.")
    veeam_qm: bool = Field(default=True, description="Use Veeam Quick Migration.")
    delete_source_files: bool = Field(
        default=False, description="Delete the VM files from the instant-recovery datastore."
    )

    def spec(self) -> ViVMQuickMigrationSpec:
        def obj(name: str, kind: VmwareInventoryType) -> VmwareObjectModel:
            return VmwareObjectModel(host_name=self.vcenter, name=name, type=kind)

        datastore = obj(self.datastore, VmwareInventoryType.DATASTORE) if self.datastore else None
        return ViVMQuickMigrationSpec(
            destination_host=obj(self.host, VmwareInventoryType.HOST),
            datastore=datastore,
            veeam_qm_enabled=self.veeam_qm,
            delete_source_vms_files=self.delete_source_files,
        )


class VSphereRecoveryParams(RecoveryParams):
    """Instant recovery of one vSphere VM."""

    vm: str = Field(min_length=1, description="Name of the VM as it appears in its backup.")
    isolated: bool = Field(
        default=True, description="Recover with network adapters disconnected (drills should)."
    )
    power_up: bool = Field(default=True, description="Power the VM on once it is published.")
    migration: MigrationTarget | None = Field(
        default=None, description="Where to migrate the VM (needed for then=migrate)."
    )

    @model_validator(mode="after")
    def _migration_needs_a_target(self) -> Self:
        if self.then == "migrate" and self.migration is None:
            raise ValueError("then=migrate needs migration (vcenter, host): where to move the VM")
        return self


class VSphereVM(InstantVM[VSphereRecoveryParams, InstantViVMRecoveryMount]):
    platform = PlatformType.VMWARE
    operation = RestorePointOperation.START_VI_VM_INSTANT_RECOVERY
    kind = "vsphere-vm"
    spec_model = InstantViVMOriginalLocationRecoverySpec
    flow_name = "vsphere-instant-recovery"
    start_recovery = staticmethod(start_vsphere_instant_recovery)
    wait_for_mount = staticmethod(wait_for_vsphere_mount)
    unmount = staticmethod(unmount_vsphere_vm)

    def spec_fields(self) -> dict[str, Any]:
        return {"nics_enabled": not self.params.isolated}

    def migrate(self, mount: InstantViVMRecoveryMount, report: RecoveryReport) -> Disposition:
        assert self.params.migration is not None
        session = migrate_vsphere_vm(
            self.params.connection, mount.id, self.params.migration.spec(), vm_name=self.name
        )
        return self.follow_migration(session.id, report, f"migrate {self.name}")

    def choices(self) -> list[Choice]:
        return ["unmount", "migrate", "keep"] if self.params.migration else ["unmount", "keep"]


@flow(
    name="vsphere-instant-recovery",
    flow_run_name="vsphere-instant-recovery[{params.vm}]",
    **CLEANUP_HOOKS,
)
def vsphere_instant_recovery(params: VSphereRecoveryParams) -> RecoveryReport:
    """Instantly recover a vSphere VM from its backup, verify it, then unmount, migrate or keep it.

    Isolated by default (network adapters disconnected) and powered on. Anything mounted is
    unmounted again if the run fails, is cancelled or crashes, unless it was kept.
    """
    return run_recovery(VSphereVM(params))
