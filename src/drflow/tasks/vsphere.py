"""Tasks over vSphere VM instant recovery."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import VBRClient
from drflow.vbr.models import (
    InstantViVMRecoveryMount,
    InstantViVMRecoveryMountsResult,
    InstantViVMRecoverySpec,
    SessionModel,
    SessionType,
    ViVMQuickMigrationSpec,
)

from ._common import find_running_session, require_mark, run_started_after, vbr_task
from ._connection import VBRConnection, get_client
from ._mounts import adopt_or_start, unmount_and_wait


def find_marked_mount(
    client: VBRClient, vm_name: str, mark: str
) -> InstantViVMRecoveryMount | None:
    """The instant recovery of ``vm_name`` whose ``reason`` carries ``mark``, if any."""
    for mount in client.vsphere.list_mounts(vm_name_filter=vm_name):
        if mount.vm_name == vm_name and mount.spec.reason and mark in mount.spec.reason:
            return mount
    return None


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


@vbr_task("start-instant-recovery", run_name="start-instant-recovery[{vm_name}]", starts_work=True)
def start_vsphere_instant_recovery(
    connection: VBRConnection, vm_name: str, spec: InstantViVMRecoverySpec, mark: str
) -> InstantViVMRecoveryMount:
    """Start instant recovery of ``vm_name``, or adopt the one an earlier attempt started.

    ``spec.reason`` must contain ``mark``: that is how a retry recognises its own mount.
    """
    require_mark(spec.reason, mark)
    client = get_client(connection)
    return adopt_or_start(
        lambda: find_marked_mount(client, vm_name, mark),
        lambda: client.vsphere.start_instant_recovery(spec),
        client.vsphere.read_started,
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
    """Poll until the VM is ``Mounted``, inside this one task.

    A ``Failed`` mount raises ``MountFailed``; a mount that vanishes raises its session's
    failure (``SessionFailed``).
    """
    logger = get_run_logger()
    mount = get_client(connection).vsphere.wait_for_mount(
        mount.id, session_id=mount.session_id, timeout=timeout, on_poll=on_poll
    )
    logger.info("%s is %s on %s", mount.vm_name, mount.state, mount.host_name or "its host")
    return mount


@vbr_task(
    "unmount-instant-recovery", run_name="unmount-instant-recovery[{vm_name}]", stops_work=True
)
def unmount_vsphere_vm(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str = "", wait: bool = True
) -> SessionModel | None:
    """Stop the instant recovery of a VM and wait until it is gone.

    Already gone (404) counts as done, so cleanup can always call this.
    """
    client = get_client(connection)
    return unmount_and_wait(
        client.vsphere, mount_id, client.vsphere.unmount, what=vm_name or str(mount_id), wait=wait
    )


@vbr_task(
    "migrate-instant-recovery", run_name="migrate-instant-recovery[{vm_name}]", starts_work=True
)
def migrate_vsphere_vm(
    connection: VBRConnection, mount_id: UUID, spec: ViVMQuickMigrationSpec, *, vm_name: str
) -> SessionModel:
    """Start Quick Migration of a recovered VM, or adopt the one already running."""
    client = get_client(connection)
    logger = get_run_logger()
    since = run_started_after()
    running = find_running_session(client, [SessionType.QUICK_MIGRATION], vm_name, since=since)
    if running is not None:
        logger.warning(
            "adopting the Quick Migration of %s already running (%s)", vm_name, running.id
        )
        return running
    session = client.vsphere.migrate(mount_id, spec)
    logger.info("Quick Migration of %s started: session %s", vm_name, session.id)
    return session
