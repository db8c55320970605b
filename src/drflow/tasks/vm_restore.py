"""Tasks over entire VM restore (vSphere, Hyper-V, VMware Cloud Director).

Also home of the helpers other start tasks use to adopt work that VBR does not list anywhere
but in its sessions.
"""

from __future__ import annotations

from collections.abc import Callable

from prefect import get_run_logger

from drflow.vbr import VBRClient
from drflow.vbr.models import (
    EntireCloudDirectorVMRestoreSpec,
    EntireHvVMRestoreSpec,
    EntireViVMRestoreSpec,
    SessionModel,
    SessionType,
)

from ._common import find_running_session, require_mark, run_started_after, vbr_task
from ._connection import VBRConnection, get_client


def _start_entire_restore(
    client: VBRClient,
    vm_name: str,
    session_type: SessionType,
    what: str,
    start: Callable[[], SessionModel],
) -> SessionModel:
    logger = get_run_logger()
    running = find_running_session(client, [session_type], vm_name, since=run_started_after())
    if running is not None:
        logger.warning(
            "adopting the %s of %s started by an earlier attempt (session %s, %s)",
            what,
            vm_name,
            running.id,
            running.state,
        )
        return running
    session = start()
    logger.info("%s of %s started: session %s", what, vm_name, session.id)
    return session


@vbr_task("restore-vsphere-vm", run_name="restore-vsphere-vm[{vm_name}]", starts_work=True)
def restore_vsphere_vm(
    connection: VBRConnection, vm_name: str, spec: EntireViVMRestoreSpec, mark: str
) -> SessionModel:
    """Restore an entire vSphere VM, or adopt the restore an earlier attempt started.

    VBR lists restores only as sessions: a retry adopts a running ``RestoreVm`` session named
    ``vm_name`` created during this flow run (VBR names restore sessions after the VM).
    ``spec.reason`` must carry ``mark``, which leaves the run in VBR's restore history.
    """
    require_mark(spec.reason, mark)
    client = get_client(connection)
    return _start_entire_restore(
        client,
        vm_name,
        SessionType.RESTORE_VM,
        "restore",
        lambda: client.vm_restore.restore_vsphere_vm(spec),
    )


@vbr_task("restore-hyperv-vm", run_name="restore-hyperv-vm[{vm_name}]", starts_work=True)
def restore_hyperv_vm(
    connection: VBRConnection, vm_name: str, spec: EntireHvVMRestoreSpec, mark: str
) -> SessionModel:
    """Restore an entire Hyper-V VM, or adopt the restore an earlier attempt started.

    Adoption as in :func:`restore_vsphere_vm` (a running ``RestoreVm`` session named
    ``vm_name`` created during this flow run); ``spec.reason`` must carry ``mark``.
    """
    require_mark(spec.reason, mark)
    client = get_client(connection)
    return _start_entire_restore(
        client,
        vm_name,
        SessionType.RESTORE_VM,
        "restore",
        lambda: client.vm_restore.restore_hyperv_vm(spec),
    )


@vbr_task(
    "restore-cloud-director-vm", run_name="restore-cloud-director-vm[{vm_name}]", starts_work=True
)
def restore_cloud_director_vm(
    connection: VBRConnection, vm_name: str, spec: EntireCloudDirectorVMRestoreSpec, mark: str
) -> SessionModel:
    """Restore an entire Cloud Director VM, or adopt the restore an earlier attempt started.

    Adoption looks for a running ``CloudDirectorVmRestore`` session named ``vm_name`` created
    during this flow run; ``spec.reason`` must carry ``mark``.
    """
    require_mark(spec.reason, mark)
    client = get_client(connection)
    return _start_entire_restore(
        client,
        vm_name,
        SessionType.CLOUD_DIRECTOR_VM_RESTORE,
        "restore",
        lambda: client.vm_restore.restore_cloud_director_vm(spec),
    )
