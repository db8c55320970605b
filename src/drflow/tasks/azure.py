"""Tasks over instant recovery to Microsoft Azure.

Azure mounts carry their progress in ``state`` (Starting, Ready, Migrating, ReadyToSwitch,
Switching, Stopping, Stopped), so migrate and switchover adopt by reading it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import wait_for_mount
from drflow.vbr.adoption import find_azure_mount
from drflow.vbr.models import (
    AzureInstantRecoveryMountState,
    AzureInstantVMRecoveryMigrationSpec,
    AzureInstantVMRecoveryMount,
    AzureInstantVMRecoveryMountsResult,
    AzureInstantVMRecoverySpec,
    AzureInstantVMRecoverySwitchoverSettingsModel,
    SessionsResult,
)
from drflow.vbr.mounts import AZURE_VM

from ._common import EVER, require_mark, start_once, stop_logged, vbr_task
from ._connection import VBRConnection, get_client

_S = AzureInstantRecoveryMountState
_MIGRATION_STARTED = (_S.MIGRATING, _S.READY_TO_SWITCH, _S.SWITCHING)
_SWITCHED = (_S.SWITCHING, _S.STOPPED)


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


@vbr_task("start-azure-instant-recovery", run_name="start-azure-instant-recovery[{vm_name}]")
def start_azure_instant_recovery(
    connection: VBRConnection, vm_name: str, spec: AzureInstantVMRecoverySpec, mark: str
) -> AzureInstantVMRecoveryMount:
    """Start instant recovery to Azure, or adopt the one this run started already.

    ``spec.reason`` must contain ``mark``: the live mount of the same restore point carrying
    it is this run's (the Azure list has no name filter).
    """
    require_mark(spec.reason, mark)
    client = get_client(connection)
    return start_once(
        client,
        lambda: client.azure.start_instant_recovery(spec),
        lambda _since: find_azure_mount(client, spec.restore_point_id, mark),
        what=f"instant recovery to Azure of {vm_name}",
        earlier=EVER,
    )


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
    mount = wait_for_mount(
        get_client(connection), AZURE_VM, mount_id, until=until, timeout=timeout, on_poll=on_poll
    )
    get_run_logger().info("%s is %s in Azure", vm_name or mount_id, mount.state)
    return mount


@vbr_task("unmount-azure-vm", run_name="unmount-azure-vm[{vm_name}]")
def unmount_azure_vm(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str = "", wait: bool = True
) -> AzureInstantVMRecoveryMount | None:
    """Stop the instant recovery of a machine in Azure and wait until it is ``Stopped``,
    through outages.

    Already stopping, stopped or gone counts as done, so cleanup can always call this. Returns
    the mount as VBR answered the unmount (None when none was asked for).
    """
    return stop_logged(connection, AZURE_VM, mount_id, vm_name or str(mount_id), wait=wait)


def _mount_in(
    connection: VBRConnection, mount_id: UUID, states: Sequence[AzureInstantRecoveryMountState]
) -> Callable[[datetime], AzureInstantVMRecoveryMount | None]:
    """A finder: the mount, when its state shows that the work was started."""

    def find(_since: datetime) -> AzureInstantVMRecoveryMount | None:
        mount = get_client(connection).azure.get_mount(mount_id)
        return mount if mount.state in states else None

    return find


@vbr_task("migrate-azure-vm", run_name="migrate-azure-vm[{vm_name}]")
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
    return start_once(
        client,
        lambda: client.azure.migrate(mount_id, spec),
        _mount_in(connection, mount_id, _MIGRATION_STARTED),
        what=f"migration of {vm_name or mount_id} to Azure storage",
        earlier=EVER,
    )


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


@vbr_task("switchover-azure-vm", run_name="switchover-azure-vm[{vm_name}]")
def switchover_azure_vm(
    connection: VBRConnection, mount_id: UUID, *, vm_name: str = ""
) -> AzureInstantVMRecoveryMount:
    """Switch a migrated Azure machine over now, or adopt the switchover already under way
    (or over: the mount then has stopped)."""
    client = get_client(connection)
    return start_once(
        client,
        lambda: client.azure.switchover(mount_id),
        _mount_in(connection, mount_id, _SWITCHED),
        what=f"switchover of {vm_name or mount_id}",
        earlier=EVER,
    )
