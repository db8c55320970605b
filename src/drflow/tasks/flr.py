"""Tasks over file-level restore (FLR) mounts."""

from __future__ import annotations

from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import NotFound, VBRError
from drflow.vbr.models import (
    FlrBrowseMountModel,
    FlrBrowseSourceProperties,
    FlrMountSpec,
    FlrRestoreCredentialsValidationResult,
    FlrRestoreCredentialsValidationSpec,
    SessionModel,
    SessionType,
)

from ._common import require_mark, session_of_lost_start, vbr_task
from ._connection import VBRConnection, get_client


@vbr_task("start-flr-mount", run_name="start-flr-mount[{machine_name}]")
def start_flr_mount(
    connection: VBRConnection, machine_name: str, spec: FlrMountSpec, mark: str
) -> FlrBrowseMountModel:
    """Mount the file systems of a restore point of ``machine_name``.

    Not retried at task level: VBR cannot list or read back FLR mounts, so a retry could not
    return the first attempt's mount. When the answer is lost after VBR mounted, the running
    FLR session of ``machine_name`` that this run started is adopted; what only the lost answer
    held (mount errors, path separator) is then unknown. ``spec.reason`` must carry ``mark``
    (it names the run in VBR's history); set ``autoUnmount`` so that a mount left behind goes
    away by itself.
    """
    require_mark(spec.reason, mark)
    client = get_client(connection)
    try:
        mount = client.flr.start_mount(spec)
    except VBRError as exc:
        types = [SessionType.FILE_LEVEL_RESTORE, SessionType.LINUX_FILE_LEVEL_RESTORE]
        session = session_of_lost_start(client, exc, types, machine_name)
        mount = FlrBrowseMountModel(
            session_id=session.id,
            type=spec.type,
            source_properties=FlrBrowseSourceProperties(
                machine_name=machine_name, restore_point_name=session.name
            ),
            mount_errors=[],
            restore_point_id=spec.restore_point_id,
        )
    logger = get_run_logger()
    logger.info("%s mounted for file-level restore: session %s", machine_name, mount.session_id)
    for error in mount.mount_errors:
        logger.warning("%s: %s: %s", machine_name, error.type, error.message)
    return mount


@vbr_task("unmount-flr", run_name="unmount-flr[{session_id}]", stops_work=True)
def unmount_flr(connection: VBRConnection, session_id: UUID) -> SessionModel | None:
    """Unmount an FLR mount; already gone (404) counts as done."""
    try:
        return get_client(connection).flr.unmount(session_id)
    except NotFound:
        get_run_logger().info("FLR mount %s is gone already", session_id)
        return None


@vbr_task("validate-flr-credentials", run_name="validate-flr-credentials[{session_id}]")
def validate_flr_credentials(
    connection: VBRConnection, session_id: UUID, spec: FlrRestoreCredentialsValidationSpec
) -> FlrRestoreCredentialsValidationResult:
    """Check guest OS credentials for restoring files from the mount (changes nothing)."""
    return get_client(connection).flr.validate_credentials(session_id, spec)
