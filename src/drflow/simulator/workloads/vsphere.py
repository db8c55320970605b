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

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query

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
from ..errors import reject_unknown_enums
from ..listing import known, name_matches, parse_uuids
from ..points import find_point
from ..routes._common import answer, caller, errors, page
from ..sessions import LogTitles, SessionRecord
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

    def start(self, spec: VsphereSpec, who: Principal) -> SessionRecord:
        with self.sim.lock:
            point = find_point(
                self.sim,
                spec.restore_point_id,
                "StartViVMInstantRecovery",
                "Instant recovery to VMware vSphere",
            )
            vm_name, host_name = point.vm.name, point.vm.host
            destination = (
                spec.destination if isinstance(spec, InstantViVMCustomizedRecoverySpec) else None
            )
            if destination is not None:
                vm_name = destination.restored_vm_name or vm_name
                if destination.destination_host is not None:
                    host_name = destination.destination_host.name
            return self.start_vm(spec, point, vm_name, host_name, who).session

    def migrate_vm(
        self, mount_id: UUID, spec: ViVMQuickMigrationSpec, who: Principal
    ) -> SessionRecord:
        now = self.sim.now()
        with self.sim.lock:
            mount = self.get(mount_id, now)
            self.check_migration(mount, now)
            vm, target = mount.name, spec.destination_host.name
            method = "Veeam Quick Migration" if spec.veeam_qm_enabled else "VMware vMotion"
            done = f"VM {vm} has been migrated to {target}"
            return self.migrate(
                mount,
                mount.parts,
                who,
                now,
                session_type="QuickMigration",
                name=f"Quick Migration of {vm}",
                outcome=done,
                titles=LogTitles(
                    started=f"Starting migration of VM {vm} to host {target}",
                    working=f"Migrating VM {vm} with {method}",
                    succeeded=[done],
                ),
            )


router = VsphereWorkload.router
Vsphere = Annotated[VsphereWorkload, Depends(VsphereWorkload.of)]
Caller = Annotated[Principal, Depends(caller)]


@router.get(
    PATH,
    operation_id="GetAllInstantViVMRecoveryMounts",
    summary="Get all instant recovery mount points of vSphere VMs",
    response_model=InstantViVMRecoveryMountsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_all_mounts(
    vsphere: Vsphere,
    skip: Annotated[int | None, Query()] = None,
    limit: Annotated[int | None, Query()] = 200,
    order_column: Annotated[
        InstantViVMRecoveryMountsOrderColumn | None, Query(alias="orderColumn")
    ] = None,
    order_asc: Annotated[bool | None, Query(alias="orderAsc")] = None,
    state_filter: Annotated[InstantRecoveryMountState | None, Query(alias="stateFilter")] = None,
    vm_name_filter: Annotated[str | None, Query(alias="vmNameFilter")] = None,
    mount_id_filter: Annotated[list[str] | None, Query(alias="mountIdFilter")] = None,
):
    known(order_column, "orderColumn")
    known(state_filter, "stateFilter")
    ids = set(parse_uuids(mount_id_filter, "mountIdFilter"))
    now = vsphere.sim.now()
    selected = [
        (mount, state)
        for mount, state in vsphere.live(now)
        if (state_filter is None or state == state_filter.value)
        and name_matches(vm_name_filter, mount.name)
        and (not ids or mount.id in ids)
    ]
    return page(
        InstantViVMRecoveryMountsResult,
        selected,
        lambda pair: vsphere.to_model(pair[0], now),
        skip=skip,
        limit=limit,
        order=order_column,
        ascending=order_asc,
        keys=VM_SORT,
    )


@router.post(
    PATH,
    operation_id="InstantViVMRecoveryMount",
    summary="Start instant recovery of a vSphere VM",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def start_instant_recovery(
    spec: Annotated[InstantViVMRecoverySpec, Body()], vsphere: Vsphere, who: Caller
):
    reject_unknown_enums(spec)
    session = vsphere.start(spec, who)
    return answer(session.to_model(vsphere.sim.now()), status=201)


@router.get(
    PATH + "/{mountId}",
    operation_id="GetInstantViVMRecoveryMount",
    summary="Get an instant recovery mount point of a vSphere VM",
    response_model=InstantViVMRecoveryMount,
    responses=errors(401, 403, 404, 500),
)
async def get_mount(mountId: UUID, vsphere: Vsphere):
    now = vsphere.sim.now()
    with vsphere.sim.lock:
        return answer(vsphere.to_model(vsphere.get(mountId, now), now))


@router.post(
    PATH + "/{mountId}/unmount",
    operation_id="InstantViVMRecoveryUnmount",
    summary="Stop publishing a vSphere VM",
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def unmount(mountId: UUID, vsphere: Vsphere, who: Caller):
    session = vsphere.unmount(mountId, who)
    return answer(session.to_model(vsphere.sim.now()))


@router.post(
    PATH + "/{mountId}/migrate",
    operation_id="InstantViVMRecoveryMigrate",
    summary="Start migrating a vSphere VM to production",
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def migrate(
    mountId: UUID,
    spec: Annotated[ViVMQuickMigrationSpec, Body()],
    vsphere: Vsphere,
    who: Caller,
):
    reject_unknown_enums(spec)
    session = vsphere.migrate_vm(mountId, spec, who)
    return answer(session.to_model(vsphere.sim.now()))
