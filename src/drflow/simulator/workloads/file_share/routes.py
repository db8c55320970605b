"""``/api/v1/restore/instantRecovery/unstructuredData``: the routes of instant file share
recovery."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Body, Depends, Query

from drflow.vbr.models import (
    InstantUnstructuredDataRecoveryMount,
    InstantUnstructuredDataRecoveryMountsOrderColumn,
    InstantUnstructuredDataRecoveryMountsResult,
    InstantUnstructuredDataRestoreMigrationSpec,
    InstantUnstructuredDataRestoreSpec,
    PaginationResult,
    SessionModel,
    SessionsResult,
)

from ...auth import Principal
from ...errors import bad_request, reject_unknown_enums
from ...listing import known, name_matches
from ...routes._common import answer, caller, errors, page
from .mount import Settings
from .workload import PATH, FileShareWorkload

router = FileShareWorkload.router
IR = PATH
Shares = Annotated[FileShareWorkload, Depends(FileShareWorkload.of)]
Caller = Annotated[Principal, Depends(caller)]

# The contract types ``stateFilter`` with the VM mount states; they map onto publishing states.
# The publishing states themselves are accepted too.
_STATE_FILTER = {
    "Mounting": {"Publishing"},
    "Mounted": {"Published"},
    "Dismounting": {"Unpublishing"},
    "Failed": {"PublishFailed", "UnpublishFailed"},
    **{s: {s} for s in ("Publishing", "PublishFailed", "Published", "Unpublishing",
                        "UnpublishFailed", "Unpublished")},
}  # fmt: skip
_SORT = {
    "State": lambda pair: pair[1],
    "Name": lambda pair: pair[0].share.name.lower(),
}


@router.get(
    IR,
    operation_id="GetAllInstantUnstructuredDataRecoveryMounts",
    summary="Get all instant file share recovery mount points",
    response_model=InstantUnstructuredDataRecoveryMountsResult,
    responses=errors(401, 403, 404, 500),
)
async def get_all_share_mounts(
    shares: Shares,
    skip: Annotated[int | None, Query()] = None,
    limit: Annotated[int | None, Query()] = 200,
    order_column: Annotated[
        InstantUnstructuredDataRecoveryMountsOrderColumn | None, Query(alias="orderColumn")
    ] = None,
    order_asc: Annotated[bool | None, Query(alias="orderAsc")] = None,
    state_filter: Annotated[str | None, Query(alias="stateFilter")] = None,
    share_name_filter: Annotated[str | None, Query(alias="shareNameFilter")] = None,
):
    known(order_column, "orderColumn")
    states = None
    if state_filter is not None:
        states = _STATE_FILTER.get(state_filter)
        if states is None:
            raise bad_request(f"stateFilter: unsupported value {state_filter!r}")
    now = shares.sim.now()
    with shares.sim.lock:
        pairs = [(mount, mount.state(now)) for mount in shares.state.mounts.values()]
    selected = [
        (mount, state)
        for mount, state in pairs
        if (states is None or state in states) and name_matches(share_name_filter, mount.share.name)
    ]
    return page(
        InstantUnstructuredDataRecoveryMountsResult,
        selected,
        lambda pair: pair[0].to_model(now),
        skip=skip,
        limit=limit,
        order=order_column,
        ascending=order_asc,
        keys=_SORT,
    )


@router.post(
    IR,
    operation_id="InstantUnstructuredDataRecoveryMount",
    summary="Start instant recovery of file shares",
    status_code=201,
    response_model=SessionsResult,
    responses=errors(400, 401, 403, 404, 500),
)
async def start_share_recovery(
    spec: Annotated[InstantUnstructuredDataRestoreSpec, Body()], shares: Shares, who: Caller
):
    reject_unknown_enums(spec)
    mounts = shares.start(spec, who)
    now = shares.sim.now()
    data = [mount.session.to_model(now) for mount in mounts]
    pagination = PaginationResult(total=len(data), count=len(data), skip=0, limit=len(data))
    return answer(SessionsResult(data=data, pagination=pagination), status=201)


@router.get(
    IR + "/{mountId}",
    operation_id="GetInstantUnstructuredDataRecoveryMount",
    summary="Get an instant file share recovery mount point",
    response_model=InstantUnstructuredDataRecoveryMount,
    responses=errors(401, 403, 404, 500),
)
async def get_share_mount(mountId: UUID, shares: Shares):
    now = shares.sim.now()
    with shares.sim.lock:
        return answer(shares.get(mountId).to_model(now))


@router.post(
    IR + "/{mountId}/unmount",
    operation_id="InstantUnstructuredDataRecoveryUnmount",
    summary="Stop publishing a file share",
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def unmount_share(mountId: UUID, shares: Shares, who: Caller):
    session = shares.unmount(mountId, who)
    return answer(session.to_model(shares.sim.now()))


@router.post(
    IR + "/{mountId}/migrate",
    operation_id="InstantUnstructuredDataRecoveryMigrate",
    summary="Start migrating a published SMB share to production",
    status_code=201,
    response_model=SessionModel,
    responses=errors(400, 401, 403, 404, 500),
)
async def migrate_share(
    mountId: UUID,
    spec: Annotated[InstantUnstructuredDataRestoreMigrationSpec, Body()],
    shares: Shares,
    who: Caller,
):
    reject_unknown_enums(spec)
    session = shares.migrate(mountId, spec, who)
    return answer(session.to_model(shares.sim.now()), status=201)


@router.post(
    IR + "/{mountId}/switchover",
    operation_id="InstantUnstructuredDataShareSwitchover",
    summary="Switch a migrated SMB share over",
    status_code=201,
    response_model=SessionModel,
    responses=errors(401, 403, 404, 500),
)
async def switchover_share(mountId: UUID, shares: Shares, who: Caller):
    session = shares.switchover(mountId, who)
    return answer(session.to_model(shares.sim.now()), status=201)


@router.get(
    IR + "/{mountId}/switchoverSettings",
    operation_id="GetUnstructuredDataShareIRSwitchoverSettings",
    summary="Get the switchover settings of a published SMB share",
    response_model=Settings,
    responses=errors(400, 401, 403, 404, 500),
)
async def get_share_switchover_settings(mountId: UUID, shares: Shares):
    return answer(shares.get_settings(mountId))


@router.put(
    IR + "/{mountId}/switchoverSettings",
    operation_id="UpdateUnstructuredDataShareIRSwitchoverSettings",
    summary="Change the switchover settings of a published SMB share",
    response_model=Settings,
    responses=errors(400, 401, 403, 404, 500),
)
async def update_share_switchover_settings(
    mountId: UUID, settings: Annotated[Settings, Body()], shares: Shares
):
    reject_unknown_enums(settings)
    return answer(shares.update_settings(mountId, settings))
