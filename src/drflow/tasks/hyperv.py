"""Tasks over Hyper-V VM instant recovery."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from drflow.vbr.models import (
    InstantHvVMRecoveryMount,
    InstantHvVMRecoveryMountsResult,
    InstantHvVMRecoverySpec,
    SessionModel,
    SessionType,
)
from drflow.vbr.mounts import HYPERV_VM

from ._common import (
    start_migration,
    start_vm_instant_recovery,
    stop_logged,
    vbr_task,
    wait_until_vm_mounted,
)
from ._connection import VBRConnection, get_client


@vbr_task("list-hyperv-mounts")
def list_hyperv_mounts(
    connection: VBRConnection, **filters: object
) -> InstantHvVMRecoveryMountsResult:
    """One page of Hyper-V instant recovery mounts (``hyperv.list_mounts_page`` filters)."""
    return get_client(connection).hyperv.list_mounts_page(**filters)


@vbr_task("get-hyperv-mount", run_name="get-hyperv-mount[{mount_id}]")
def get_hyperv_mount(connection: VBRConnection, mount_id: UUID) -> InstantHvVMRecoveryMount:
    """One Hyper-V instant recovery mount."""
    return get_client(connection).hyperv.get_mount(mount_id)


@vbr_task("start-hyperv-instant-recovery", run_name="start-hyperv-instant-recovery[{vm_name}]")
def start_hyperv_instant_recovery(
    connection: VBRConnection, vm_name: str, spec: InstantHvVMRecoverySpec, mark: str
) -> InstantHvVMRecoveryMount:
    """Start instant recovery of a Hyper-V VM, or adopt the one this run started already.

    ``spec.reason`` must contain ``mark``: that is how a start whose answer was lost (or an
    earlier run of this task) recognises its own mount.
    """
    return start_vm_instant_recovery(
        connection,
        HYPERV_VM,
        lambda client: client.hyperv,
        vm_name,
        spec,
        mark,
        what=f"Hyper-V instant recovery of {vm_name}",
    )


@vbr_task("wait-for-hyperv-mount", run_name="wait-for-hyperv-mount[{vm_name}]")
def wait_for_hyperv_mount(
    connection: VBRConnection,
    mount: InstantHvVMRecoveryMount,
    *,
    vm_name: str = "",
    timeout: float = 1800.0,
    on_poll: Callable[[InstantHvVMRecoveryMount], None] | None = None,
) -> InstantHvVMRecoveryMount:
    """Poll until the VM is ``Mounted``, inside this one task (see
    :func:`~drflow.tasks._common.wait_until_vm_mounted`)."""
    return wait_until_vm_mounted(connection, HYPERV_VM, mount, timeout=timeout, on_poll=on_poll)


@vbr_task("unmount-hyperv-vm", run_name="unmount-hyperv-vm[{vm_name}]")
def unmount_hyperv_vm(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str = "", wait: bool = True
) -> SessionModel | None:
    """Stop the instant recovery of a Hyper-V VM and wait until it is gone, through outages.

    Already being unmounted, or gone, counts as done, so cleanup can always call this.
    """
    return stop_logged(connection, HYPERV_VM, mount_id, vm_name or str(mount_id), wait=wait)


@vbr_task("migrate-hyperv-vm", run_name="migrate-hyperv-vm[{vm_name}]")
def migrate_hyperv_vm(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str
) -> SessionModel | None:
    """Start migration of a recovered Hyper-V VM, or adopt the one this run started already.

    VBR answers 204 with no session: the ``QuickMigration`` session whose ``resourceId`` is the
    mount is looked up before (to adopt) and after (to return it; None if VBR does not show it
    yet).
    """
    client = get_client(connection)
    return start_migration(
        client,
        lambda: client.hyperv.migrate(mount_id),
        SessionType.QUICK_MIGRATION,
        mount_id,
        what=f"migration of {vm_name}",
        answered=False,
    )
