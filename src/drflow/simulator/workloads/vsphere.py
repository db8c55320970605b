"""Instant recovery of vSphere VMs (``/api/v1/restore/instantRecovery/vSphere/vm``).

The mount's life is :mod:`~drflow.simulator.workloads.mounts`' (its one part is the VM), the
VM's :mod:`~drflow.simulator.workloads.vm_recovery`':

- start (201, the ``InstantRecovery`` session; mount ``id`` == session id): the restore point
  must offer ``StartViVMInstantRecovery`` (else 400; unknown: 404); ``Customized`` names the VM
  ``destination.restoredVmName`` on ``destination.destinationHost``;
- unmount (200, the same session);
- migrate (200, a new ``QuickMigration`` session, only from ``Mounted``): ``migrate`` seconds
  with Veeam Quick Migration (``VeeamQMEnabled``) or vMotion to ``destinationHost``; when it
  succeeds the mount is gone, the instant recovery session ends ``Success`` and the VM runs in
  production.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from starlette.responses import JSONResponse

from drflow.vbr.models import SessionModel
from drflow.vbr.models.restore_common import InstantRecoveryMountState
from drflow.vbr.models.vsphere import (
    InstantViVMCustomizedRecoverySpec,
    InstantViVMOriginalLocationRecoverySpec,
    InstantViVMRecoveryMount,
    InstantViVMRecoveryMountsOrderColumn,
    InstantViVMRecoveryMountsResult,
    InstantViVMRecoverySpec,
    ViVMQuickMigrationSpec,
)

from ..auth import Principal
from ..estate import VM
from ..listing import name_matches, parse_uuids
from ..routes._common import ListQuery
from ..routes.operations import Operations
from ..sessions import LogTitles, SessionRecord
from .mounts import Mount
from .vm_recovery import VM_SORT, VmRecovery

PATH = "/api/v1/restore/instantRecovery/vSphere/vm"
# The vendor's example of an instant recovery session points its resourceReference at
# ".../instantRecovery/vmware/vm/{id}" (not a path of the API); the simulator does the same.
RESOURCE_PATH = "/api/v1/restore/instantRecovery/vmware/vm"

VsphereSpec = InstantViVMOriginalLocationRecoverySpec | InstantViVMCustomizedRecoverySpec


class VsphereWorkload(VmRecovery[VsphereSpec]):
    """Instant recovery of vSphere VMs."""

    kind = "vsphere"
    router = APIRouter(tags=["Restore"])
    platform = "VMware"
    path = RESOURCE_PATH
    model = InstantViVMRecoveryMount
    label = "vSphereVM"
    placed = "published on"
    running_as = "VM runs from backup (instant recovery)"
    operation = "StartViVMInstantRecovery"
    target = "VMware vSphere"

    def placement(self, spec: VsphereSpec, vm: VM) -> tuple[str, str]:
        destination = (
            spec.destination if isinstance(spec, InstantViVMCustomizedRecoverySpec) else None
        )
        if destination is None:
            return vm.name, vm.host
        host = destination.destination_host
        return destination.restored_vm_name or vm.name, host.name if host else vm.host

    def migrate_vm(
        self, mount_id: UUID, spec: ViVMQuickMigrationSpec, who: Principal
    ) -> SessionRecord:
        """Start migrating a vSphere VM to production."""
        return self.quick_migration(mount_id, who, spec)

    def all_mounts(
        self, query: ListQuery, vm_name: str | None, mount_ids: list[str] | None
    ) -> JSONResponse:
        """Get all instant recovery mount points of vSphere VMs."""
        ids = set(parse_uuids(mount_ids, "mountIdFilter"))
        return self.list_page(
            query,
            VM_SORT,
            lambda mount: name_matches(vm_name, mount.name) and (not ids or mount.id in ids),
        )

    def migration_titles(
        self, mount: Mount[VsphereSpec], spec: ViVMQuickMigrationSpec | None
    ) -> LogTitles:
        assert spec is not None  # a vSphere migration always has one
        vm, target = mount.name, spec.destination_host.name
        method = "Veeam Quick Migration" if spec.veeam_qm_enabled else "VMware vMotion"
        return LogTitles(
            started=f"Starting migration of VM {vm} to host {target}",
            working=f"Migrating VM {vm} with {method}",
            succeeded=[f"VM {vm} has been migrated to {target}"],
        )


api = Operations(VsphereWorkload, PATH)
api.post(
    "",
    "InstantViVMRecoveryMount",
    VsphereWorkload.start,
    SessionModel,
    201,
    body=InstantViVMRecoverySpec,
)
api.get("/{mountId}", "GetInstantViVMRecoveryMount", VsphereWorkload.read, InstantViVMRecoveryMount)
api.post("/{mountId}/unmount", "InstantViVMRecoveryUnmount", VsphereWorkload.unmount, SessionModel)
api.post(
    "/{mountId}/migrate",
    "InstantViVMRecoveryMigrate",
    VsphereWorkload.migrate_vm,
    SessionModel,
    body=ViVMQuickMigrationSpec,
)
api.list(
    "",
    "GetAllInstantViVMRecoveryMounts",
    VsphereWorkload.all_mounts,
    InstantViVMRecoveryMountsResult,
    order=InstantViVMRecoveryMountsOrderColumn,
    state=InstantRecoveryMountState,
    query={"vmNameFilter": str | None, "mountIdFilter": list[str] | None},
)
