"""Tasks over entire VM restore (vSphere, Hyper-V, VMware Cloud Director).

VBR shows a restore only as a session, and logs the restore's reason in it: ``spec.reason``
must carry the run's mark, and a restore is adopted by the session of its type whose log
carries the mark (a start whose answer was lost, or an earlier run of the task in this run).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from drflow.vbr.adoption import find_session
from drflow.vbr.api import VMRestoreAPI
from drflow.vbr.models import (
    EntireCloudDirectorVMRestoreSpec,
    EntireHvVMRestoreSpec,
    EntireViVMRestoreSpec,
    SessionModel,
    SessionType,
)

from ._common import require_mark, run_started_after, start_once, vbr_task
from ._connection import VBRConnection, get_client

S = TypeVar("S", EntireViVMRestoreSpec, EntireHvVMRestoreSpec, EntireCloudDirectorVMRestoreSpec)


def _restore(
    connection: VBRConnection,
    vm_name: str,
    spec: S,
    mark: str,
    start: Callable[[VMRestoreAPI, S], SessionModel],
    session_type: SessionType = SessionType.RESTORE_VM,
) -> SessionModel:
    """Start a restore of ``vm_name`` (``start(client.vm_restore, spec)``), or adopt the
    ``session_type`` session whose log carries ``mark``; ``spec.reason`` must carry it."""
    require_mark(spec.reason, mark)
    client = get_client(connection)
    return start_once(
        client,
        lambda: start(client.vm_restore, spec),
        lambda since: find_session(client, [session_type], since, mark=mark),
        what=f"restore of {vm_name}",
        earlier=run_started_after(client),
    )


@vbr_task("restore-vsphere-vm", run_name="restore-vsphere-vm[{vm_name}]")
def restore_vsphere_vm(
    connection: VBRConnection, vm_name: str, spec: EntireViVMRestoreSpec, mark: str
) -> SessionModel:
    """Restore an entire vSphere VM, or adopt the ``RestoreVm`` session this run started
    (``spec.reason`` must carry ``mark``)."""
    return _restore(connection, vm_name, spec, mark, VMRestoreAPI.restore_vsphere_vm)


@vbr_task("restore-hyperv-vm", run_name="restore-hyperv-vm[{vm_name}]")
def restore_hyperv_vm(
    connection: VBRConnection, vm_name: str, spec: EntireHvVMRestoreSpec, mark: str
) -> SessionModel:
    """Restore an entire Hyper-V VM, or adopt the ``RestoreVm`` session this run started
    (``spec.reason`` must carry ``mark``)."""
    return _restore(connection, vm_name, spec, mark, VMRestoreAPI.restore_hyperv_vm)


@vbr_task("restore-cloud-director-vm", run_name="restore-cloud-director-vm[{vm_name}]")
def restore_cloud_director_vm(
    connection: VBRConnection, vm_name: str, spec: EntireCloudDirectorVMRestoreSpec, mark: str
) -> SessionModel:
    """Restore an entire Cloud Director VM, or adopt the ``CloudDirectorVmRestore`` session
    this run started (``spec.reason`` must carry ``mark``)."""
    return _restore(
        connection,
        vm_name,
        spec,
        mark,
        VMRestoreAPI.restore_cloud_director_vm,
        SessionType.CLOUD_DIRECTOR_VM_RESTORE,
    )
