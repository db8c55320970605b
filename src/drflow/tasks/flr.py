"""Tasks over file-level restore (FLR) mounts."""

from __future__ import annotations

from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import NotFound
from drflow.vbr.models import (
    FlrBrowseMountModel,
    FlrMountSpec,
    FlrRestoreCredentialsValidationResult,
    FlrRestoreCredentialsValidationSpec,
    SessionModel,
)

from ._common import require_mark, vbr_task
from ._connection import VBRConnection, get_client


@vbr_task("start-flr-mount", run_name="start-flr-mount[{machine_name}]")
def start_flr_mount(
    connection: VBRConnection, machine_name: str, spec: FlrMountSpec, mark: str
) -> FlrBrowseMountModel:
    """Mount the file systems of a restore point of ``machine_name``.

    Not retried at task level: VBR cannot list or read back FLR mounts, so a retry could not
    return the first attempt's mount. ``spec.reason`` must carry ``mark`` (it names the run in
    VBR's history); set ``autoUnmount`` so that a mount left behind goes away by itself.
    """
    require_mark(spec.reason, mark)
    mount = get_client(connection).flr.start_mount(spec)
    logger = get_run_logger()
    logger.info("%s mounted for file-level restore: session %s", machine_name, mount.session_id)
    for error in mount.mount_errors:
        logger.warning("%s: %s: %s", machine_name, error.type, error.message)
    return mount


@vbr_task("unmount-flr", run_name="unmount-flr[{session_id}]")
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
