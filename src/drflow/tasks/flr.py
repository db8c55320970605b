"""Tasks over file-level restore (FLR) mounts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr.adoption import find_session
from drflow.vbr.models import (
    FlrBrowseMountModel,
    FlrBrowseSourceProperties,
    FlrMountSpec,
    FlrRestoreCredentialsValidationResult,
    FlrRestoreCredentialsValidationSpec,
    SessionModel,
    SessionType,
)
from drflow.vbr.stops import FLR_MOUNT

from ._common import require_mark, start_once, stop_logged, vbr_task
from ._connection import VBRConnection, get_client

_FLR = [SessionType.FILE_LEVEL_RESTORE, SessionType.LINUX_FILE_LEVEL_RESTORE]


@vbr_task("start-flr-mount", run_name="start-flr-mount[{machine_name}]")
def start_flr_mount(
    connection: VBRConnection, machine_name: str, spec: FlrMountSpec, mark: str
) -> FlrBrowseMountModel:
    """Mount the file systems of a restore point of ``machine_name``.

    VBR cannot list or read back FLR mounts, but it logs the restore's reason in its session:
    ``spec.reason`` must carry ``mark``, and a start whose answer was lost adopts the FLR
    session whose log carries it. What only the lost answer held (mount errors, path separator)
    is then unknown. Set ``autoUnmount`` so that a mount left behind goes away by itself.
    """
    require_mark(spec.reason, mark)
    client = get_client(connection)

    def adopted(since: datetime) -> FlrBrowseMountModel | None:
        session = find_session(client, _FLR, since, mark=mark)
        if session is None:
            return None
        return FlrBrowseMountModel(
            session_id=session.id,
            type=spec.type,
            source_properties=FlrBrowseSourceProperties(
                machine_name=machine_name, restore_point_name=session.name
            ),
            mount_errors=[],
            restore_point_id=spec.restore_point_id,
        )

    mount = start_once(
        client,
        lambda: client.flr.start_mount(spec),
        adopted,
        what=f"file-level restore mount of {machine_name}",
    )
    logger = get_run_logger()
    for error in mount.mount_errors:
        logger.warning("%s: %s: %s", machine_name, error.type, error.message)
    return mount


@vbr_task("unmount-flr", run_name="unmount-flr[{session_id}]")
def unmount_flr(connection: VBRConnection, session_id: UUID) -> SessionModel | None:
    """Unmount an FLR mount, through outages; already ending or gone counts as done."""
    return stop_logged(connection, FLR_MOUNT, session_id, f"FLR mount {session_id}", wait=False)


@vbr_task("validate-flr-credentials", run_name="validate-flr-credentials[{session_id}]")
def validate_flr_credentials(
    connection: VBRConnection, session_id: UUID, spec: FlrRestoreCredentialsValidationSpec
) -> FlrRestoreCredentialsValidationResult:
    """Check guest OS credentials for restoring files from the mount (changes nothing)."""
    return get_client(connection).flr.validate_credentials(session_id, spec)
