"""Tasks over vSphere VM instant recovery."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from drflow.vbr.models import (
    InstantViVMRecoveryMount,
    InstantViVMRecoveryMountsResult,
    InstantViVMRecoverySpec,
    SessionModel,
    SessionType,
    ViVMQuickMigrationSpec,
)
from drflow.vbr.mounts import VSPHERE_VM

from ._common import (
    start_migration,
    start_vm_instant_recovery,
    stop_logged,
    vbr_task,
    wait_until_vm_mounted,
)
from ._connection import VBRConnection, get_client


@vbr_task("list-vsphere-mounts")
def list_vsphere_mounts(
    connection: VBRConnection, **filters: object
) -> InstantViVMRecoveryMountsResult:
    """One page of vSphere instant recovery mounts (``vsphere.list_mounts_page`` filters)."""
    return get_client(connection).vsphere.list_mounts_page(**filters)


@vbr_task("get-vsphere-mount", run_name="get-vsphere-mount[{mount_id}]")
def get_vsphere_mount(connection: VBRConnection, mount_id: UUID) -> InstantViVMRecoveryMount:
    """One vSphere instant recovery mount."""
    return get_client(connection).vsphere.get_mount(mount_id)


@vbr_task("start-instant-recovery", run_name="start-instant-recovery[{vm_name}]")
def start_vsphere_instant_recovery(
    connection: VBRConnection, vm_name: str, spec: InstantViVMRecoverySpec, mark: str
) -> InstantViVMRecoveryMount:
    """Start instant recovery of ``vm_name``, or adopt the one this run started already.

    ``spec.reason`` must contain ``mark``: that is how a start whose answer was lost (or an
    earlier run of this task) recognises its own mount.
    """
    return start_vm_instant_recovery(
        connection,
        VSPHERE_VM,
        lambda client: client.vsphere,
        vm_name,
        spec,
        mark,
        what=f"instant recovery of {vm_name}",
    )


@vbr_task("wait-for-vsphere-mount", run_name="wait-for-mount[{vm_name}]")
def wait_for_vsphere_mount(
    connection: VBRConnection,
    mount: InstantViVMRecoveryMount,
    *,
    vm_name: str = "",
    timeout: float = 1800.0,
    on_poll: Callable[[InstantViVMRecoveryMount], None] | None = None,
) -> InstantViVMRecoveryMount:
    """Poll until the VM is ``Mounted``, inside this one task (see
    :func:`~drflow.tasks._common.wait_until_vm_mounted`)."""
    return wait_until_vm_mounted(connection, VSPHERE_VM, mount, timeout=timeout, on_poll=on_poll)


@vbr_task("unmount-instant-recovery", run_name="unmount-instant-recovery[{vm_name}]")
def unmount_vsphere_vm(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str = "", wait: bool = True
) -> SessionModel | None:
    """Stop the instant recovery of a VM and wait until it is gone, through outages.

    Already being unmounted, or gone, counts as done, so cleanup can always call this.
    Returns the unmount's session as VBR answered it (None when none was asked for).
    """
    return stop_logged(connection, VSPHERE_VM, mount_id, vm_name or str(mount_id), wait=wait)


@vbr_task("migrate-instant-recovery", run_name="migrate-instant-recovery[{vm_name}]")
def migrate_vsphere_vm(
    connection: VBRConnection, mount_id: UUID, spec: ViVMQuickMigrationSpec, *, vm_name: str
) -> SessionModel:
    """Start Quick Migration of a recovered VM, or adopt the one this run started already
    (the ``QuickMigration`` session whose ``resourceId`` is the mount)."""
    client = get_client(connection)
    return start_migration(
        client,
        lambda: client.vsphere.migrate(mount_id, spec),
        SessionType.QUICK_MIGRATION,
        mount_id,
        what=f"Quick Migration of {vm_name}",
    )
