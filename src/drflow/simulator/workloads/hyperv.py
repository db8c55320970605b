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

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query
from starlette.responses import Response

from drflow.vbr.models import SessionModel
from drflow.vbr.models.hyperv import (
    InstantHvVMCustomizedRecoverySpec,
    InstantHvVMOriginalLocationRecoverySpec,
    InstantHvVMRecoveryMount,
    InstantHvVMRecoveryMountsOrderColumn,
    InstantHvVMRecoveryMountsResult,
    InstantHvVMRecoverySpec,
)
from drflow.vbr.models.restore_common import InstantRecoveryMountState

from ..auth import Principal
from ..errors import reject_unknown_enums
from ..listing import known, name_matches
from ..points import find_point
from ..routes._common import answer, caller, errors, page
from ..sessions import LogTitles, SessionRecord
from .vm_recovery import VM_SORT, VmRecovery

PATH = "/api/v1/restore/instantRecovery/hyperV/vm"

HvSpec = InstantHvVMOriginalLocationRecoverySpec | InstantHvVMCustomizedRecoverySpec


class HyperVWorkload(VmRecovery[HvSpec]):
    """Instant recovery of Hyper-V VMs."""

    kind = "hyperv"
    router = APIRouter(tags=["Restore"])
    platform = "HyperV"
    path = PATH
    model = InstantHvVMRecoveryMount
    label = "HyperVVM"
    placed = "registered on"
    running_as = "VM runs from backup (Hyper-V instant recovery)"

    def start(self, spec: HvSpec, who: Principal) -> SessionRecord:
        with self.sim.lock:
            point = find_point(
                self.sim,
                spec.restore_point_id,
                "StartHvVMInstantRecovery",
                "Instant recovery to Microsoft Hyper-V",
            )
            vm_name, host_name = point.vm.name, point.vm.host
            if isinstance(spec, InstantHvVMCustomizedRecoverySpec):
                if spec.target is not None and spec.target.vm_name:
                    vm_name = spec.target.vm_name
                if spec.destination_host is not None:
                    host_name = spec.destination_host.name
            return self.start_vm(spec, point, vm_name, host_name, who).session

    def migrate_vm(self, mount_id: UUID, who: Principal) -> SessionRecord:
        now = self.sim.now()
        with self.sim.lock:
            mount = self.get(mount_id, now)
            self.check_migration(mount, now)
            vm, host = mount.name, mount.place
            done = f"VM {vm} has been migrated to host {host}"
            return self.migrate(
                mount,
                mount.parts,
                who,
                now,
                session_type="QuickMigration",
                name=vm,
                outcome=done,
                titles=LogTitles(
                    started=f"Starting migration of VM {vm} to production",
                    working=f"Moving the files of VM {vm} to production storage on host {host}",
                    succeeded=[done],
                ),
            )


router = HyperVWorkload.router
HyperV = Annotated[HyperVWorkload, Depends(HyperVWorkload.of)]
Caller = Annotated[Principal, Depends(caller)]


@router.get(
    PATH,
    operation_id="GetAllInstantHvVMRecoveryMounts",
    summary="Get all instant recovery mount points of Hyper-V VMs",
    response_model=InstantHvVMRecoveryMountsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_all_mounts(
    hyperv: HyperV,
    skip: Annotated[int | None, Query()] = None,
    limit: Annotated[int | None, Query()] = 200,
    order_column: Annotated[
        InstantHvVMRecoveryMountsOrderColumn | None, Query(alias="orderColumn")
    ] = None,
    order_asc: Annotated[bool | None, Query(alias="orderAsc")] = None,
    state_filter: Annotated[InstantRecoveryMountState | None, Query(alias="stateFilter")] = None,
    vm_name_filter: Annotated[str | None, Query(alias="vmNameFilter")] = None,
):
    known(order_column, "orderColumn")
    known(state_filter, "stateFilter")
    now = hyperv.sim.now()
    selected = [
        (mount, state)
        for mount, state in hyperv.live(now)
        if (state_filter is None or state == state_filter.value)
        and name_matches(vm_name_filter, mount.name)
    ]
    return page(
        InstantHvVMRecoveryMountsResult,
        selected,
        lambda pair: hyperv.to_model(pair[0], now),
        skip=skip,
        limit=limit,
        order=order_column,
        ascending=order_asc,
        keys=VM_SORT,
    )


@router.post(
    PATH,
    operation_id="InstantHvVMRecoveryMount",
    summary="Start instant recovery of a Hyper-V VM",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def start_instant_recovery(
    spec: Annotated[InstantHvVMRecoverySpec, Body()], hyperv: HyperV, who: Caller
):
    reject_unknown_enums(spec)
    session = hyperv.start(spec, who)
    return answer(session.to_model(hyperv.sim.now()), status=201)


@router.get(
    PATH + "/{mountId}",
    operation_id="GetInstantHvVMRecoveryMount",
    summary="Get an instant recovery mount point of a Hyper-V VM",
    response_model=InstantHvVMRecoveryMount,
    responses=errors(401, 403, 404, 500),
)
async def get_mount(mountId: UUID, hyperv: HyperV):
    now = hyperv.sim.now()
    with hyperv.sim.lock:
        return answer(hyperv.to_model(hyperv.get(mountId, now), now))


@router.post(
    PATH + "/{mountId}/unmount",
    operation_id="InstantHvVMRecoveryUnmount",
    summary="Stop publishing a Hyper-V VM",
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def unmount(mountId: UUID, hyperv: HyperV, who: Caller):
    session = hyperv.unmount(mountId, who)
    return answer(session.to_model(hyperv.sim.now()))


@router.post(
    PATH + "/{mountId}/migrate",
    operation_id="InstantHvVMRecoveryMigrate",
    summary="Start migrating a Hyper-V VM to production",
    status_code=204,
    response_class=Response,
    responses={
        204: {"description": "Migration started (no body)."},
        **errors(400, 401, 403, 404, 500),
    },
)
async def migrate(mountId: UUID, hyperv: HyperV, who: Caller):
    hyperv.migrate_vm(mountId, who)
    return Response(status_code=204)
