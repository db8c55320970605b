"""Tasks over instant recovery to Microsoft Azure.

Azure mounts carry their progress in ``state`` (Starting, Ready, Migrating, ReadyToSwitch,
Switching, Stopping, Stopped), so migrate, switchover and unmount adopt by reading it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import NotFound, VBRClient
from drflow.vbr.models import (
    AzureInstantRecoveryMountState,
    AzureInstantVMRecoveryMigrationSpec,
    AzureInstantVMRecoveryMount,
    AzureInstantVMRecoveryMountsResult,
    AzureInstantVMRecoverySpec,
    AzureInstantVMRecoverySwitchoverSettingsModel,
    SessionsResult,
)

from ._common import require_mark, vbr_task
from ._connection import VBRConnection, get_client

_S = AzureInstantRecoveryMountState
_ENDED = (_S.STOPPING, _S.STOPPED)
_MIGRATION_STARTED = (_S.MIGRATING, _S.READY_TO_SWITCH, _S.SWITCHING)


def find_marked_azure_mount(
    client: VBRClient, spec: AzureInstantVMRecoverySpec, mark: str
) -> AzureInstantVMRecoveryMount | None:
    """A live Azure mount of ``spec``'s restore point whose ``reason`` carries ``mark``."""
    for mount in client.azure.list_mounts():
        if (
            mount.spec.restore_point_id == spec.restore_point_id
            and mount.spec.reason
            and mark in mount.spec.reason
            and mount.state not in _ENDED
        ):
            return mount
    return None


@vbr_task("list-azure-mounts")
def list_azure_mounts(
    connection: VBRConnection, **filters: object
) -> AzureInstantVMRecoveryMountsResult:
    """One page of Azure instant recovery mounts (``azure.list_mounts_page`` filters)."""
    return get_client(connection).azure.list_mounts_page(**filters)


@vbr_task("get-azure-mount", run_name="get-azure-mount[{mount_id}]")
def get_azure_mount(connection: VBRConnection, mount_id: UUID) -> AzureInstantVMRecoveryMount:
    """One Azure instant recovery mount."""
    return get_client(connection).azure.get_mount(mount_id)


@vbr_task("list-azure-mount-sessions", run_name="list-azure-mount-sessions[{mount_id}]")
def list_azure_mount_sessions(
    connection: VBRConnection, mount_id: UUID, **filters: object
) -> SessionsResult:
    """One page of the sessions of an Azure mount (``azure.list_sessions_page`` filters)."""
    return get_client(connection).azure.list_sessions_page(mount_id, **filters)


@vbr_task(
    "start-azure-instant-recovery",
    run_name="start-azure-instant-recovery[{vm_name}]",
    starts_work=True,
)
def start_azure_instant_recovery(
    connection: VBRConnection, vm_name: str, spec: AzureInstantVMRecoverySpec, mark: str
) -> AzureInstantVMRecoveryMount:
    """Start instant recovery to Azure, or adopt the one an earlier attempt started.

    ``spec.reason`` must contain ``mark``; a retry adopts the live mount of the same restore
    point carrying it (the Azure list has no name filter).
    """
    require_mark(spec.reason, mark)
    logger = get_run_logger()
    client = get_client(connection)
    existing = find_marked_azure_mount(client, spec, mark)
    if existing is not None:
        logger.warning(
            "adopting instant recovery to Azure of %s started by an earlier attempt (mount %s, %s)",
            vm_name,
            existing.id,
            existing.state,
        )
        return existing
    mount = client.azure.start_instant_recovery(spec)
    logger.info("instant recovery to Azure of %s started: mount %s", vm_name, mount.id)
    return mount


@vbr_task("wait-for-azure-mount", run_name="wait-for-azure-mount[{vm_name}]")
def wait_for_azure_mount(
    connection: VBRConnection,
    mount_id: UUID,
    *,
    vm_name: str = "",
    until: Sequence[AzureInstantRecoveryMountState] = (_S.READY,),
    timeout: float = 3600.0,
    on_poll: Callable[[AzureInstantVMRecoveryMount], None] | None = None,
) -> AzureInstantVMRecoveryMount:
    """Poll until the Azure mount is in one of ``until`` (``Ready``), inside this one task.

    A mount that stops while another state is awaited raises ``MountFailed``.
    """
    mount = get_client(connection).azure.wait_for_mount(
        mount_id, until=until, timeout=timeout, on_poll=on_poll
    )
    get_run_logger().info("%s is %s in Azure", vm_name or mount_id, mount.state)
    return mount


@vbr_task("unmount-azure-vm", run_name="unmount-azure-vm[{vm_name}]", stops_work=True)
def unmount_azure_vm(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str = "", wait: bool = True
) -> AzureInstantVMRecoveryMount | None:
    """Stop the instant recovery of a machine in Azure and wait until it is ``Stopped``.

    Already gone (404) or already stopping counts as done, so cleanup can always call this.
    """
    client = get_client(connection)
    logger = get_run_logger()
    try:
        mount = client.azure.get_mount(mount_id)
        if mount.state in _ENDED:
            logger.info("%s is already %s", vm_name or mount_id, mount.state)
        else:
            mount = client.azure.unmount(mount_id)
        if wait:
            mount = client.azure.wait_for_mount(mount_id, until=(_S.STOPPED,))
    except NotFound:
        logger.info("%s is not in Azure (any more): nothing to unmount", vm_name or mount_id)
        return None
    logger.info("%s: %s", vm_name or mount_id, mount.state)
    return mount


@vbr_task("migrate-azure-vm", run_name="migrate-azure-vm[{vm_name}]", starts_work=True)
def migrate_azure_vm(
    connection: VBRConnection,
    mount_id: UUID,
    spec: AzureInstantVMRecoveryMigrationSpec,
    *,
    vm_name: str = "",
) -> AzureInstantVMRecoveryMount:
    """Migrate a machine recovered to Azure, or adopt the migration already under way.

    A mount already ``Migrating``, ``ReadyToSwitch`` or ``Switching`` is returned as is.
    """
    client = get_client(connection)
    logger = get_run_logger()
    mount = client.azure.get_mount(mount_id)
    if mount.state in _MIGRATION_STARTED:
        logger.warning("adopting the migration of %s already under way (%s)", vm_name, mount.state)
        return mount
    mount = client.azure.migrate(mount_id, spec)
    logger.info("migration of %s to Azure storage started (%s)", vm_name or mount_id, mount.state)
    return mount


@vbr_task("get-azure-switchover-settings", run_name="get-azure-switchover-settings[{mount_id}]")
def get_azure_switchover_settings(
    connection: VBRConnection, mount_id: UUID
) -> AzureInstantVMRecoverySwitchoverSettingsModel:
    """The switchover settings of an Azure mount."""
    return get_client(connection).azure.get_switchover_settings(mount_id)


@vbr_task(
    "update-azure-switchover-settings", run_name="update-azure-switchover-settings[{mount_id}]"
)
def update_azure_switchover_settings(
    connection: VBRConnection,
    mount_id: UUID,
    settings: AzureInstantVMRecoverySwitchoverSettingsModel,
) -> AzureInstantVMRecoverySwitchoverSettingsModel:
    """Replace the switchover settings of an Azure mount (a PUT: safe to repeat)."""
    return get_client(connection).azure.update_switchover_settings(mount_id, settings)


@vbr_task("switchover-azure-vm", run_name="switchover-azure-vm[{vm_name}]", starts_work=True)
def switchover_azure_vm(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str = ""
) -> AzureInstantVMRecoveryMount:
    """Switch a migrated Azure machine over now, or adopt the switchover already under way."""
    client = get_client(connection)
    logger = get_run_logger()
    mount = client.azure.get_mount(mount_id)
    if mount.state == _S.SWITCHING:
        logger.warning("adopting the switchover of %s already under way", vm_name or mount_id)
        return mount
    mount = client.azure.switchover(mount_id)
    logger.info("switchover of %s started (%s)", vm_name or mount_id, mount.state)
    return mount
