"""``/api/v1/restore/instantRecovery/unstructuredData``: the routes of instant file share
recovery."""

from __future__ import annotations

from starlette.responses import JSONResponse

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
from ...errors import bad_request
from ...listing import known, name_matches
from ...routes._common import ListQuery
from ...routes.operations import Operations
from .mount import Settings
from .workload import PATH, FileShareWorkload

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


def _publish(
    shares: FileShareWorkload, spec: InstantUnstructuredDataRestoreSpec, who: Principal
) -> SessionsResult:
    """Start instant recovery of file shares: answers the session of each share."""
    now = shares.sim.now()
    data = [mount.session.to_model(now) for mount in shares.start(spec, who)]
    pagination = PaginationResult(total=len(data), count=len(data), skip=0, limit=len(data))
    return SessionsResult(data=data, pagination=pagination)


api = Operations(FileShareWorkload, PATH)
api.post(
    "",
    "InstantUnstructuredDataRecoveryMount",
    _publish,
    SessionsResult,
    201,
    body=InstantUnstructuredDataRestoreSpec,
)
api.get(
    "/{mountId}",
    "GetInstantUnstructuredDataRecoveryMount",
    FileShareWorkload.get,
    InstantUnstructuredDataRecoveryMount,
)
api.post(
    "/{mountId}/unmount",
    "InstantUnstructuredDataRecoveryUnmount",
    FileShareWorkload.unmount,
    SessionModel,
)
api.post(
    "/{mountId}/migrate",
    "InstantUnstructuredDataRecoveryMigrate",
    FileShareWorkload.migrate,
    SessionModel,
    201,
    body=InstantUnstructuredDataRestoreMigrationSpec,
)
api.stop(
    "/{mountId}/switchover",
    "InstantUnstructuredDataShareSwitchover",
    FileShareWorkload.switchover,
    SessionModel,
    201,
)
api.get(
    "/{mountId}/switchoverSettings",
    "GetUnstructuredDataShareIRSwitchoverSettings",
    FileShareWorkload.get_settings,
    Settings,
    codes=(400, 401, 403, 404, 500),
)
api.put(
    "/{mountId}/switchoverSettings",
    "UpdateUnstructuredDataShareIRSwitchoverSettings",
    FileShareWorkload.update_settings,
    Settings,
    body=Settings,
    codes=(400, 401, 403, 404, 500),
)


def _all_mounts(
    shares: FileShareWorkload, query: ListQuery, share_name: str | None
) -> JSONResponse:
    """Get all instant file share recovery mount points."""
    known(query.order, "orderColumn")
    states = None
    if query.state is not None:
        states = _STATE_FILTER.get(query.state)
        if states is None:
            raise bad_request(f"stateFilter: unsupported value {query.state!r}")
    now = shares.sim.now()
    with shares.sim.lock:
        pairs = [(mount, mount.state(now)) for mount in shares.state.mounts.values()]
    selected = [
        (mount, state)
        for mount, state in pairs
        if (states is None or state in states) and name_matches(share_name, mount.share.name)
    ]
    return query.page(selected, lambda pair: pair[0].to_model(now), _SORT)


api.list(
    "",
    "GetAllInstantUnstructuredDataRecoveryMounts",
    _all_mounts,
    InstantUnstructuredDataRecoveryMountsResult,
    order=InstantUnstructuredDataRecoveryMountsOrderColumn,
    state=str,
    query={"shareNameFilter": str | None},
)
