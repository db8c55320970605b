"""Tasks over unstructured data: instant file share recovery, share and bucket restore, browsing."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import NotFound, VBRClient, VBRError
from drflow.vbr.models import (
    InstantUnstructuredDataRecoveryMount,
    InstantUnstructuredDataRecoveryMountsResult,
    InstantUnstructuredDataRestoreMigrationSpec,
    InstantUnstructuredDataRestoreSpec,
    SessionModel,
    SessionType,
    UnstructuredDataEntireOSRestoreSpec,
    UnstructuredDataEntireShareRestoreSpec,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataInstantRecoveryMountState,
    UnstructuredDataMountSpec,
    UnstructuredDataSwitchoverSettingsModel,
)

from ._common import require_mark, session_of_lost_start, vbr_task
from ._connection import VBRConnection, get_client

_S = UnstructuredDataInstantRecoveryMountState


def find_marked_share_mounts(
    client: VBRClient, spec: InstantUnstructuredDataRestoreSpec, mark: str
) -> list[InstantUnstructuredDataRecoveryMount]:
    """Published shares of ``spec``'s restore points whose ``reason`` carries ``mark``."""
    wanted = {option.restore_point_id for option in spec.restore_options}
    return [
        mount
        for mount in client.unstructured.list_share_mounts()
        if mount.spec.reason
        and mark in mount.spec.reason
        and wanted & {option.restore_point_id for option in mount.spec.restore_options}
    ]


@vbr_task("list-file-share-mounts")
def list_file_share_mounts(
    connection: VBRConnection, **filters: object
) -> InstantUnstructuredDataRecoveryMountsResult:
    """One page of published file shares (``unstructured.list_share_mounts_page`` filters)."""
    return get_client(connection).unstructured.list_share_mounts_page(**filters)


@vbr_task("get-file-share-mount", run_name="get-file-share-mount[{mount_id}]")
def get_file_share_mount(
    connection: VBRConnection, mount_id: UUID
) -> InstantUnstructuredDataRecoveryMount:
    """One published file share."""
    return get_client(connection).unstructured.get_share_mount(mount_id)


@vbr_task(
    "start-file-share-instant-recovery",
    run_name="start-file-share-instant-recovery[{share_name}]",
    starts_work=True,
)
def start_file_share_instant_recovery(
    connection: VBRConnection,
    share_name: str,
    spec: InstantUnstructuredDataRestoreSpec,
    mark: str,
) -> list[InstantUnstructuredDataRecoveryMount]:
    """Publish file shares from their backups, or adopt what an earlier attempt published.

    ``spec.reason`` must contain ``mark``; a retry adopts the mounts of the same restore points
    carrying it. VBR answers one session per share; each mount is read back by its session id
    (the vendor's examples show mount id equal to session id) when it is not listed yet.
    """
    require_mark(spec.reason, mark)
    logger = get_run_logger()
    client = get_client(connection)
    existing = find_marked_share_mounts(client, spec, mark)
    if existing:
        logger.warning(
            "adopting instant recovery of %s started by an earlier attempt (mounts %s)",
            share_name,
            ", ".join(f"{m.id} {m.state}" for m in existing),
        )
        return existing
    sessions = client.unstructured.start_share_instant_recovery(spec)
    logger.info(
        "instant recovery of %s started: sessions %s",
        share_name,
        ", ".join(str(s.id) for s in sessions.data),
    )
    mounts = find_marked_share_mounts(client, spec, mark)
    if len(mounts) < len(sessions.data):
        mounts = [client.unstructured.get_share_mount(s.id) for s in sessions.data]
    return mounts


@vbr_task("wait-for-file-share-mount", run_name="wait-for-file-share-mount[{share_name}]")
def wait_for_file_share_mount(
    connection: VBRConnection,
    mount_id: UUID,
    *,
    share_name: str = "",
    timeout: float = 1800.0,
    on_poll: Callable[[InstantUnstructuredDataRecoveryMount], None] | None = None,
) -> InstantUnstructuredDataRecoveryMount:
    """Poll until the share is ``Published``, inside this one task.

    ``PublishFailed`` or ``UnpublishFailed`` raises ``MountFailed``.
    """
    mount = get_client(connection).unstructured.wait_for_share_mount(
        mount_id, timeout=timeout, on_poll=on_poll
    )
    get_run_logger().info("%s is %s", share_name or mount_id, mount.state)
    return mount


@vbr_task("unmount-file-share", run_name="unmount-file-share[{share_name}]", stops_work=True)
def unmount_file_share(
    connection: VBRConnection, mount_id: UUID, *, share_name: str = "", wait: bool = True
) -> SessionModel | None:
    """Stop publishing a file share and wait until it is gone.

    Already gone (404) or already unpublishing counts as done, so cleanup can always call this.
    Waits for the share to go, not for the session's result: unpublishing a share whose
    publishing failed answers that failed session, and that is still a clean-up.
    """
    client = get_client(connection)
    logger = get_run_logger()
    label = share_name or mount_id
    try:
        mount = client.unstructured.get_share_mount(mount_id)
        if mount.state in (_S.UNPUBLISHING, _S.UNPUBLISHED):
            logger.info("%s is already %s", label, mount.state)
            session = None
        else:
            session = client.unstructured.unmount_share(mount_id)
    except NotFound:
        logger.info("%s is not published (any more): nothing to unmount", label)
        return None
    if wait:
        client.unstructured.wait_until_share_gone(mount_id)
        if session is not None:
            session = client.sessions.get(session.id)
    logger.info("%s unpublished", label)
    return session


@vbr_task("migrate-file-share", run_name="migrate-file-share[{share_name}]")
def migrate_file_share(
    connection: VBRConnection,
    mount_id: UUID,
    spec: InstantUnstructuredDataRestoreMigrationSpec,
    *,
    share_name: str = "",
) -> SessionModel:
    """Start migration of a published SMB share to production storage.

    Not retried at task level: the mount's state does not show a migration, and nothing VBR
    shows ties a ``FileInstantRecoveryMigration`` session to its mount.
    """
    session = get_client(connection).unstructured.migrate_share(mount_id, spec)
    get_run_logger().info("migration of %s started: session %s", share_name or mount_id, session.id)
    return session


@vbr_task("switchover-file-share", run_name="switchover-file-share[{share_name}]")
def switchover_file_share(
    connection: VBRConnection, mount_id: UUID, *, share_name: str = ""
) -> SessionModel:
    """Switch a migrated SMB share over now.

    Not retried at task level, for the same reason as :func:`migrate_file_share`.
    """
    session = get_client(connection).unstructured.switchover_share(mount_id)
    get_run_logger().info(
        "switchover of %s started: session %s", share_name or mount_id, session.id
    )
    return session


@vbr_task(
    "get-file-share-switchover-settings",
    run_name="get-file-share-switchover-settings[{mount_id}]",
)
def get_file_share_switchover_settings(
    connection: VBRConnection, mount_id: UUID
) -> UnstructuredDataSwitchoverSettingsModel:
    """The switchover settings of a published share."""
    return get_client(connection).unstructured.get_share_switchover_settings(mount_id)


@vbr_task(
    "update-file-share-switchover-settings",
    run_name="update-file-share-switchover-settings[{mount_id}]",
)
def update_file_share_switchover_settings(
    connection: VBRConnection, mount_id: UUID, settings: UnstructuredDataSwitchoverSettingsModel
) -> UnstructuredDataSwitchoverSettingsModel:
    """Replace the switchover settings of a published share (a PUT: safe to repeat)."""
    return get_client(connection).unstructured.update_share_switchover_settings(mount_id, settings)


@vbr_task("restore-file-share", run_name="restore-file-share[{share_name}]")
def restore_file_share(
    connection: VBRConnection, share_name: str, spec: UnstructuredDataEntireShareRestoreSpec
) -> SessionModel:
    """Restore an entire file share; answers the restore session.

    Not retried at task level: the spec has no field to mark, so nothing tells a retry which
    restore is its own. When the answer is lost after VBR started the restore, the running
    restore session about the share that this run started is adopted.
    """
    client = get_client(connection)
    try:
        session = client.unstructured.restore_file_share(spec)
    except VBRError as exc:
        session = session_of_lost_start(client, exc, [SessionType.NAS_RESTORE], share_name)
    get_run_logger().info("restore of %s started: session %s", share_name, session.id)
    return session


@vbr_task("restore-object-storage-bucket", run_name="restore-object-storage-bucket[{bucket_name}]")
def restore_object_storage_bucket(
    connection: VBRConnection, bucket_name: str, spec: UnstructuredDataEntireOSRestoreSpec
) -> SessionModel:
    """Restore an entire object storage bucket; answers the restore session.

    Not retried at task level, for the same reasons as :func:`restore_file_share`; a lost
    answer is handled the same way.
    """
    client = get_client(connection)
    try:
        session = client.unstructured.restore_bucket(spec)
    except VBRError as exc:
        session = session_of_lost_start(client, exc, [SessionType.NAS_RESTORE], bucket_name)
    get_run_logger().info("restore of %s started: session %s", bucket_name, session.id)
    return session


@vbr_task("start-unstructured-flr-mount", run_name="start-unstructured-flr-mount[{name}]")
def start_unstructured_flr_mount(
    connection: VBRConnection, name: str, spec: UnstructuredDataMountSpec
) -> UnstructuredDataFlrBrowseMountModel:
    """Mount unstructured data (``name``: what it is) for browsing.

    Not retried at task level: the spec has no field to mark and a mount cannot be read back,
    so a retry could neither find nor return the first attempt's mount. Set ``autoUnmount``
    so that a mount left behind goes away by itself.
    """
    mount = get_client(connection).unstructured.start_flr_mount(spec)
    get_run_logger().info("%s mounted for browsing: session %s", name, mount.session_id)
    return mount


@vbr_task(
    "unmount-unstructured-flr", run_name="unmount-unstructured-flr[{session_id}]", stops_work=True
)
def unmount_unstructured_flr(connection: VBRConnection, session_id: UUID) -> SessionModel | None:
    """Unmount an unstructured data browse mount; already gone (404) counts as done."""
    try:
        return get_client(connection).unstructured.unmount_flr(session_id)
    except NotFound:
        get_run_logger().info("browse mount %s is gone already", session_id)
        return None
