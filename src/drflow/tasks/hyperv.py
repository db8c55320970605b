"""Tasks over Hyper-V VM instant recovery."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import VBRClient
from drflow.vbr.models import (
    InstantHvVMRecoveryMount,
    InstantHvVMRecoveryMountsResult,
    InstantHvVMRecoverySpec,
    SessionModel,
    SessionType,
)

from ._common import find_running_session, require_mark, run_started_after, vbr_task
from ._connection import VBRConnection, get_client
from ._mounts import adopt_or_start, unmount_and_wait


def find_marked_hyperv_mount(
    client: VBRClient, vm_name: str, mark: str
) -> InstantHvVMRecoveryMount | None:
    """The Hyper-V instant recovery of ``vm_name`` whose ``reason`` carries ``mark``, if any."""
    for mount in client.hyperv.list_mounts(vm_name_filter=vm_name):
        if mount.vm_name == vm_name and mount.spec.reason and mark in mount.spec.reason:
            return mount
    return None


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


@vbr_task(
    "start-hyperv-instant-recovery",
    run_name="start-hyperv-instant-recovery[{vm_name}]",
    starts_work=True,
)
def start_hyperv_instant_recovery(
    connection: VBRConnection, vm_name: str, spec: InstantHvVMRecoverySpec, mark: str
) -> InstantHvVMRecoveryMount:
    """Start instant recovery of a Hyper-V VM, or adopt the one an earlier attempt started.

    ``spec.reason`` must contain ``mark``: that is how a retry recognises its own mount.
    """
    require_mark(spec.reason, mark)
    client = get_client(connection)
    return adopt_or_start(
        lambda: find_marked_hyperv_mount(client, vm_name, mark),
        lambda: client.hyperv.start_instant_recovery(spec),
        client.hyperv.get_mount,
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
    """Poll until the VM is ``Mounted``, inside this one task.

    A ``Failed`` mount raises ``MountFailed``; a mount that vanishes raises its session's
    failure (``SessionFailed``).
    """
    mount = get_client(connection).hyperv.wait_for_mount(
        mount.id, session_id=mount.session_id, timeout=timeout, on_poll=on_poll
    )
    get_run_logger().info(
        "%s is %s on %s", mount.vm_name, mount.state, mount.host_name or "its host"
    )
    return mount


@vbr_task("unmount-hyperv-vm", run_name="unmount-hyperv-vm[{vm_name}]", stops_work=True)
def unmount_hyperv_vm(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str = "", wait: bool = True
) -> SessionModel | None:
    """Stop the instant recovery of a Hyper-V VM and wait until it is gone.

    Already gone (404) counts as done, so cleanup can always call this.
    """
    client = get_client(connection)
    return unmount_and_wait(
        client.hyperv, mount_id, client.hyperv.unmount, what=vm_name or str(mount_id), wait=wait
    )


@vbr_task("migrate-hyperv-vm", run_name="migrate-hyperv-vm[{vm_name}]", starts_work=True)
def migrate_hyperv_vm(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str
) -> SessionModel | None:
    """Start migration of a recovered Hyper-V VM, or adopt the one already running.

    VBR answers 204 with no session: the running ``QuickMigration`` session named ``vm_name``
    created during this flow run is looked up before (to adopt) and after (to return it; None
    if VBR does not show it yet).
    """
    client = get_client(connection)
    logger = get_run_logger()
    since = run_started_after()
    running = find_running_session(client, [SessionType.QUICK_MIGRATION], vm_name, since=since)
    if running is not None:
        logger.warning("adopting the migration of %s already running (%s)", vm_name, running.id)
        return running
    client.hyperv.migrate(mount_id)
    session = find_running_session(client, [SessionType.QUICK_MIGRATION], vm_name, since=since)
    logger.info(
        "migration of %s started: session %s", vm_name, session.id if session else "not shown yet"
    )
    return session
