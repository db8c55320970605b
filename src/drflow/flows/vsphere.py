"""Instant recovery of a vSphere VM: recover → verify → unmount, migrate or keep."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from drflow.checks import Check
from drflow.tasks import (
    VBRConnection,
    migrate_vsphere_vm,
    run_mark,
    select_restore_point,
    start_vsphere_instant_recovery,
    unmount_vsphere_vm,
    verify_workload,
    wait_for_session,
    wait_for_vsphere_mount,
)
from drflow.vbr import MountFailed, SessionFailed, VBRError
from drflow.vbr.models import (
    InstantRecoveryMountState,
    InstantViVMOriginalLocationRecoverySpec,
    SecureRestoreSpec,
    ViVMQuickMigrationSpec,
    VmwareObjectModel,
)
from drflow.vbr.models.backups import PlatformType, RestorePointOperation
from drflow.vbr.models.inventory import VmwareInventoryType

from ._report import RecoveryReport, artifact_key

Then = Literal["unmount", "migrate", "keep"]


class MigrationTarget(BaseModel):
    """Where Quick Migration moves a recovered VM (needed for ``then=migrate``)."""

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

        return ViVMQuickMigrationSpec(
            destination_host=obj(self.host, VmwareInventoryType.HOST),
            datastore=obj(self.datastore, VmwareInventoryType.DATASTORE)
            if self.datastore
            else None,
            veeam_qm_enabled=self.veeam_qm,
            delete_source_vms_files=self.delete_source_files,
        )


class RecoveryFailed(Exception):
    """A recovery did not reach its verdict ``passed``; ``report`` tells what happened."""

    def __init__(self, report: RecoveryReport) -> None:
        super().__init__(f"recovery of {report.workload} failed: {report.reason}")
        self.report = report


@flow(name="vsphere-instant-recovery", flow_run_name="vsphere-instant-recovery[{vm}]")
def vsphere_instant_recovery(
    vm: str,
    restore_point_id: UUID | None = None,
    then: Then = "unmount",
    isolated: bool = True,
    power_up: bool = True,
    checks: list[Check] | None = None,
    migration: MigrationTarget | None = None,
    mount_timeout: float = 1800.0,
    connection: VBRConnection | None = None,
) -> RecoveryReport:
    """Instantly recover a vSphere VM from its backup, verify it, then unmount, migrate or keep it.

    Args:
        vm: Name of the VM as it appears in its backup.
        restore_point_id: Restore point to recover from; the latest one when empty.
        then: After verification: `unmount` (a drill), `migrate` (Quick Migration to
            production, needs `migration`) or `keep` (leave it running from the backup).
        isolated: Recover with the network adapters disconnected (drills should).
        power_up: Power the VM on once it is published.
        checks: Workload checks (HTTP, TCP) the VM must pass, each with its own deadline.
        migration: Where to migrate the VM, for `then=migrate`.
        mount_timeout: Seconds to wait for the VM to be mounted.
        connection: How to reach VBR; credentials come from a Secret block or the environment.
    """
    logger = get_run_logger()
    connection = connection or VBRConnection()
    checks = checks or []
    if then == "migrate" and migration is None:
        raise ValueError("then=migrate needs a migration target (vcenter, host)")
    report = RecoveryReport(
        workload=vm, then=then, flow_run_id=str(flow_run.get_id() or "") or None
    )
    mount = None
    kept = False
    try:
        phase = report.begin("select restore point")
        point = select_restore_point(
            connection,
            vm,
            restore_point_id=restore_point_id,
            platform=PlatformType.VMWARE,
            operation=RestorePointOperation.START_VI_VM_INSTANT_RECOVERY,
        )
        report.restore_point_id = str(point.id)
        report.restore_point_time = point.creation_time
        report.restore_point_age_seconds = round(
            (datetime.now(UTC) - point.creation_time).total_seconds()
        )
        report.end(phase)
        logger.info("restoring %s from %s (%s)", vm, point.creation_time, point.id)

        phase = report.begin("instant recovery")
        mark = run_mark()
        spec = InstantViVMOriginalLocationRecoverySpec(
            restore_point_id=point.id,
            secure_restore=SecureRestoreSpec(antivirus_scan_enabled=False),
            nics_enabled=not isolated,
            power_up=power_up,
            reason=f"drflow vsphere-instant-recovery [{mark}]",
        )
        mount = start_vsphere_instant_recovery(connection, vm, spec, mark)
        report.mount_id = str(mount.id)
        report.session_ids.append(str(mount.session_id))
        mount = wait_for_vsphere_mount(connection, mount, vm_name=vm, timeout=mount_timeout)
        report.end(phase)

        phase = report.begin("verify")
        problems = _vbr_side_problems(mount)
        if checks:
            report.checks = verify_workload(vm, checks)
            problems += [f"{c.check}: {c.detail}" for c in report.checks if not c.passed]
        report.end(phase)
        if problems:
            raise _Unverified("; ".join(problems))
        report.verified()
        logger.info("%s verified, RTO %.1fs", vm, report.rto_seconds)

        phase = report.begin(then)
        if then == "unmount":
            unmount_vsphere_vm(connection, mount.id, vm_name=vm)
            report.cleaned_up = True
        elif then == "migrate":
            assert migration is not None
            session = migrate_vsphere_vm(connection, mount.id, migration.spec(), vm_name=vm)
            report.session_ids.append(str(session.id))
            wait_for_session(connection, session.id, label=f"migrate {vm}")
        else:
            kept = True
        report.end(phase)
        report.verdict = "passed"
    except (_Unverified, VBRError) as exc:
        report.reason = _reason(exc)
        logger.error("recovery of %s failed: %s", vm, report.reason)
    finally:
        if mount is not None and report.verdict != "passed" and not kept:
            report.cleaned_up = _cleanup(connection, mount.id, vm)
        _publish(report)
    if report.verdict != "passed":
        raise RecoveryFailed(report)
    return report


class _Unverified(Exception):
    """The recovered VM did not pass verification."""


def _vbr_side_problems(mount: object) -> list[str]:
    problems = []
    state = getattr(mount, "state", None)
    if state != InstantRecoveryMountState.MOUNTED:
        problems.append(f"mount is {state}, not Mounted")
    error = getattr(mount, "error_message", None)
    if error:
        problems.append(f"VBR reports: {error}")
    return problems


def _reason(exc: BaseException) -> str:
    if isinstance(exc, SessionFailed):
        return f"VBR session failed: {exc.reason or exc}"
    if isinstance(exc, MountFailed):
        return f"mount failed: {exc.error_message or exc}"
    if isinstance(exc, _Unverified):
        return f"verification failed: {exc}"
    return str(exc)


def _cleanup(connection: VBRConnection, mount_id: UUID, vm: str) -> bool:
    """Unmount what this run mounted; never let a cleanup error hide the original one."""
    logger = get_run_logger()
    try:
        unmount_vsphere_vm(connection, mount_id, vm_name=vm)
    except Exception as exc:  # the janitor will find the mount by its mark
        logger.error("cleanup of %s failed, leaving it to the janitor: %s", vm, exc)
        return False
    logger.info("cleaned up: %s unmounted", vm)
    return True


def _publish(report: RecoveryReport) -> None:
    create_markdown_artifact(
        report.markdown(),
        key=artifact_key("recovery", report.workload),
        description=f"Recovery of {report.workload}: {report.verdict}",
    )
