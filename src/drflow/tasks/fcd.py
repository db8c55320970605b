"""Tasks over instant recovery of vSphere First Class Disks (FCD)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import wait_for_mount
from drflow.vbr.adoption import find_fcd_mount
from drflow.vbr.models import (
    SessionModel,
    SessionType,
    VmwareFcdInstantRecoveryMount,
    VmwareFcdInstantRecoveryMountsResult,
    VmwareFcdInstantRecoverySpec,
    VmwareFcdQuickMigrationSpec,
)
from drflow.vbr.mounts import FCD

from ._common import (
    EVER,
    require_mark,
    start_migration,
    start_once,
    stop_logged,
    vbr_task,
)
from ._connection import VBRConnection, get_client


@vbr_task("list-fcd-mounts")
def list_fcd_mounts(
    connection: VBRConnection, **filters: object
) -> VmwareFcdInstantRecoveryMountsResult:
    """One page of FCD instant recovery mounts (``fcd.list_mounts_page`` filters)."""
    return get_client(connection).fcd.list_mounts_page(**filters)


@vbr_task("get-fcd-mount", run_name="get-fcd-mount[{mount_id}]")
def get_fcd_mount(connection: VBRConnection, mount_id: UUID) -> VmwareFcdInstantRecoveryMount:
    """One FCD instant recovery mount."""
    return get_client(connection).fcd.get_mount(mount_id)


@vbr_task("start-fcd-instant-recovery", run_name="start-fcd-instant-recovery[{vm_name}]")
def start_fcd_instant_recovery(
    connection: VBRConnection, vm_name: str, spec: VmwareFcdInstantRecoverySpec, mark: str
) -> VmwareFcdInstantRecoveryMount:
    """Mount disks of ``vm_name`` as First Class Disks, or adopt the mount this run started.

    The FCD spec has no ``reason``: the nearest field is each disk's ``registeredFcdName``
    (the name the disk gets in vSphere), which must carry ``mark``. The mount of the same
    restore point whose disk names carry it is this run's.
    """
    for disk in spec.disks_mapping:
        require_mark(disk.registered_fcd_name, mark, "every disksMapping[].registeredFcdName")
    client = get_client(connection)
    return start_once(
        client,
        lambda: client.fcd.start_instant_recovery(spec),
        lambda _since: find_fcd_mount(client, spec.restore_point_id, mark),
        then=lambda session: client.fcd.get_mount(session.id),
        what=f"FCD instant recovery of {vm_name}",
        earlier=EVER,
    )


@vbr_task("wait-for-fcd-mount", run_name="wait-for-fcd-mount[{vm_name}]")
def wait_for_fcd_mount(
    connection: VBRConnection,
    mount: VmwareFcdInstantRecoveryMount,
    *,
    vm_name: str = "",
    timeout: float = 1800.0,
    on_poll: Callable[[VmwareFcdInstantRecoveryMount], None] | None = None,
) -> VmwareFcdInstantRecoveryMount:
    """Poll until the disks are ``Mounted``, inside this one task.

    A ``Failed`` mount raises ``MountFailed``; a mount that vanishes raises its session's
    failure (``SessionFailed``), else ``MountGone``.
    """
    mount = wait_for_mount(
        get_client(connection),
        FCD,
        mount.id,
        session_id=mount.session_id,
        timeout=timeout,
        on_poll=on_poll,
    )
    get_run_logger().info("disks of %s are %s", vm_name or mount.id, mount.state)
    return mount


@vbr_task("dismount-fcd", run_name="dismount-fcd[{vm_name}]")
def dismount_fcd(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str = "", wait: bool = True
) -> SessionModel | None:
    """Dismount First Class Disks and wait until the mount is gone, through outages.

    Already being dismounted, or gone, counts as done, so cleanup can always call this.
    """
    return stop_logged(connection, FCD, mount_id, f"disks of {vm_name or mount_id}", wait=wait)


@vbr_task("migrate-fcd", run_name="migrate-fcd[{vm_name}]")
def migrate_fcd(
    connection: VBRConnection,
    mount_id: UUID,
    spec: VmwareFcdQuickMigrationSpec,
    *,
    vm_name: str = "",
) -> SessionModel:
    """Start Quick Migration of mounted First Class Disks to production storage, or adopt the
    one this run started (the ``FirstClassDiskQuickMigration`` session whose ``resourceId`` is
    the mount)."""
    client = get_client(connection)
    return start_migration(
        client,
        lambda: client.fcd.migrate(mount_id, spec),
        SessionType.FIRST_CLASS_DISK_QUICK_MIGRATION,
        mount_id,
        what=f"Quick Migration of the disks of {vm_name or mount_id}",
    )
