"""Instant recovery of a Hyper-V VM: recover → verify → unmount, migrate, keep or ask."""

from prefect import flow
from pydantic import Field

from drflow.tasks import (
    migrate_hyperv_vm,
    start_hyperv_instant_recovery,
    unmount_hyperv_vm,
    wait_for_hyperv_mount,
)
from drflow.vbr.models import (
    InstantHvVMOriginalLocationRecoverySpec,
    InstantHvVMRecoveryMount,
)
from drflow.vbr.models.backups import PlatformType, RestorePointOperation

from .engine import (
    CLEANUP_HOOKS,
    Choice,
    Disposition,
    InstantVM,
    RecoveryParams,
    RecoveryReport,
    run_recovery,
)


class HyperVRecoveryParams(RecoveryParams):
    """Instant recovery of one Hyper-V VM (to its original host)."""

    vm: str = Field(min_length=1, description="Name of the VM as it appears in its backup.")
    power_up: bool = Field(default=True, description="Power the VM on once it is published.")


class HyperVVM(InstantVM[HyperVRecoveryParams, InstantHvVMRecoveryMount]):
    platform = PlatformType.HYPERV
    operation = RestorePointOperation.START_HV_VM_INSTANT_RECOVERY
    kind = "hyperv-vm"
    spec_model = InstantHvVMOriginalLocationRecoverySpec
    flow_name = "hyperv-instant-recovery"
    start_recovery = staticmethod(start_hyperv_instant_recovery)
    wait_for_mount = staticmethod(wait_for_hyperv_mount)
    unmount = staticmethod(unmount_hyperv_vm)

    def migrate(self, mount: InstantHvVMRecoveryMount, report: RecoveryReport) -> Disposition:
        session = migrate_hyperv_vm(self.params.connection, mount.id, vm_name=self.name)
        if session is None:  # VBR does not show the migration's session yet
            return Disposition.MIGRATED
        return self.follow_migration(session.id, report, f"migrate {self.name}")

    def choices(self) -> list[Choice]:
        return ["unmount", "migrate", "keep"]


@flow(
    name="hyperv-instant-recovery",
    flow_run_name="hyperv-instant-recovery[{params.vm}]",
    **CLEANUP_HOOKS,
)
def hyperv_instant_recovery(params: HyperVRecoveryParams) -> RecoveryReport:
    """Instantly recover a Hyper-V VM from its backup, verify it, then unmount, migrate or keep it.

    Anything mounted is unmounted again if the run fails, is cancelled or crashes, unless kept.
    """
    return run_recovery(HyperVVM(params))
