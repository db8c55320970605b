"""Tasks over instant recovery of vSphere First Class Disks (FCD)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import VBRClient
from drflow.vbr.models import (
    SessionModel,
    VmwareFcdInstantRecoveryMount,
    VmwareFcdInstantRecoveryMountsResult,
    VmwareFcdInstantRecoverySpec,
    VmwareFcdQuickMigrationSpec,
)

from ._common import require_mark, vbr_task
from ._connection import VBRConnection, get_client
from ._mounts import adopt_or_start, unmount_and_wait


def find_marked_fcd_mount(
    client: VBRClient, spec: VmwareFcdInstantRecoverySpec, mark: str
) -> VmwareFcdInstantRecoveryMount | None:
    """A mount of ``spec``'s restore point whose registered FCD names carry ``mark``."""
    for mount in client.fcd.list_mounts():
        if mount.spec.restore_point_id == spec.restore_point_id and any(
            mark in disk.registered_fcd_name for disk in mount.spec.disks_mapping
        ):
            return mount
    return None


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


@vbr_task(
    "start-fcd-instant-recovery", run_name="start-fcd-instant-recovery[{vm_name}]", starts_work=True
)
def start_fcd_instant_recovery(
    connection: VBRConnection, vm_name: str, spec: VmwareFcdInstantRecoverySpec, mark: str
) -> VmwareFcdInstantRecoveryMount:
    """Mount disks of ``vm_name`` as First Class Disks, or adopt the mount of an earlier attempt.

    The FCD spec has no ``reason``: the nearest field is each disk's ``registeredFcdName``
    (the name the disk gets in vSphere), which must carry ``mark``. A retry adopts the mount
    of the same restore point whose disk names carry it.
    """
    for disk in spec.disks_mapping:
        require_mark(disk.registered_fcd_name, mark, "every disksMapping[].registeredFcdName")
    client = get_client(connection)
    return adopt_or_start(
        lambda: find_marked_fcd_mount(client, spec, mark),
        lambda: client.fcd.start_instant_recovery(spec),
        client.fcd.get_mount,
        what=f"FCD instant recovery of {vm_name}",
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
    failure (``SessionFailed``).
    """
    mount = get_client(connection).fcd.wait_for_mount(
        mount.id, session_id=mount.session_id, timeout=timeout, on_poll=on_poll
    )
    get_run_logger().info("disks of %s are %s", vm_name or mount.id, mount.state)
    return mount


@vbr_task("dismount-fcd", run_name="dismount-fcd[{vm_name}]", stops_work=True)
def dismount_fcd(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str = "", wait: bool = True
) -> SessionModel | None:
    """Dismount First Class Disks and wait until the mount is gone.

    Already gone (404) counts as done, so cleanup can always call this.
    """
    client = get_client(connection)
    return unmount_and_wait(
        client.fcd, mount_id, client.fcd.dismount, what=f"disks of {vm_name or mount_id}", wait=wait
    )


@vbr_task("migrate-fcd", run_name="migrate-fcd[{vm_name}]")
def migrate_fcd(
    connection: VBRConnection,
    mount_id: UUID,
    spec: VmwareFcdQuickMigrationSpec,
    *,
    vm_name: str = "",
) -> SessionModel:
    """Start Quick Migration of mounted First Class Disks to production storage.

    Not retried at task level: nothing VBR shows ties a ``FirstClassDiskQuickMigration``
    session to its mount, so a retry could not tell whether the first request started one.
    """
    session = get_client(connection).fcd.migrate(mount_id, spec)
    get_run_logger().info(
        "Quick Migration of the disks of %s started: session %s", vm_name or mount_id, session.id
    )
    return session
