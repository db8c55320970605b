"""Instant recovery of Hyper-V VMs (``/api/v1/restore/instantRecovery/hyperV/vm``).

The mount's life is :mod:`~drflow.simulator.workloads.mounts`' (its one part is the VM), the
VM's :mod:`~drflow.simulator.workloads.vm_recovery`':

- start (201, the ``InstantRecovery`` session; mount ``id`` == session id): the restore point
  must offer ``StartHvVMInstantRecovery`` (else 400; unknown: 404); ``Customized`` names the VM
  ``target.vmName`` and runs it on ``destinationHost``;
- unmount (200, the same session);
- migrate (204, no body; only from ``Mounted``, else 400): a ``QuickMigration`` session works
  ``migrate`` seconds; when it succeeds the mount is gone, the instant recovery session ends
  ``Success`` and the VM runs in production. Stopping the migration session keeps the VM
  mounted.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from starlette.responses import JSONResponse

from drflow.vbr.models import SessionModel
from drflow.vbr.models import hyperv as models
from drflow.vbr.models.restore_common import InstantRecoveryMountState

from ..auth import Principal
from ..estate import VM
from ..listing import name_matches
from ..routes._common import ListQuery
from ..routes.operations import Operations
from ..sessions import LogTitles
from .mounts import Mount
from .vm_recovery import VM_SORT, VmRecovery

PATH = "/api/v1/restore/instantRecovery/hyperV/vm"

HvSpec = models.InstantHvVMOriginalLocationRecoverySpec | models.InstantHvVMCustomizedRecoverySpec


class HyperVWorkload(VmRecovery[HvSpec]):
    """Instant recovery of Hyper-V VMs."""

    kind = "hyperv"
    router = APIRouter(tags=["Restore"])
    platform = "HyperV"
    path = PATH
    model = models.InstantHvVMRecoveryMount
    label = "HyperVVM"
    placed = "registered on"
    running_as = "VM runs from backup (Hyper-V instant recovery)"
    operation = "StartHvVMInstantRecovery"
    target = "Microsoft Hyper-V"

    def placement(self, spec: HvSpec, vm: VM) -> tuple[str, str]:
        if not isinstance(spec, models.InstantHvVMCustomizedRecoverySpec):
            return vm.name, vm.host
        name = spec.target.vm_name if spec.target is not None and spec.target.vm_name else vm.name
        host = spec.destination_host
        return name, host.name if host else vm.host

    def migrate_vm(self, mount_id: UUID, who: Principal) -> None:
        """Start migrating a Hyper-V VM to production (no session answered: VBR says 204)."""
        self.quick_migration(mount_id, who, None)

    def all_mounts(self, query: ListQuery, vm_name: str | None) -> JSONResponse:
        """Get all instant recovery mount points of Hyper-V VMs."""
        return self.list_page(query, VM_SORT, lambda mount: name_matches(vm_name, mount.name))

    def migration_titles(self, mount: Mount[HvSpec], spec: None) -> LogTitles:
        vm, host = mount.name, mount.place
        return LogTitles(
            started=f"Starting migration of VM {vm} to production",
            working=f"Moving the files of VM {vm} to production storage on host {host}",
            succeeded=[f"VM {vm} has been migrated to host {host}"],
        )


api = Operations(HyperVWorkload, PATH)
api.post(
    "",
    "InstantHvVMRecoveryMount",
    HyperVWorkload.start,
    SessionModel,
    201,
    body=models.InstantHvVMRecoverySpec,
)
api.get(
    "/{mountId}",
    "GetInstantHvVMRecoveryMount",
    HyperVWorkload.read,
    models.InstantHvVMRecoveryMount,
)
api.post("/{mountId}/unmount", "InstantHvVMRecoveryUnmount", HyperVWorkload.unmount, SessionModel)
api.post("/{mountId}/migrate", "InstantHvVMRecoveryMigrate", HyperVWorkload.migrate_vm, None, 204)
api.list(
    "",
    "GetAllInstantHvVMRecoveryMounts",
    HyperVWorkload.all_mounts,
    models.InstantHvVMRecoveryMountsResult,
    order=models.InstantHvVMRecoveryMountsOrderColumn,
    state=InstantRecoveryMountState,
    query={"vmNameFilter": str | None},
)
