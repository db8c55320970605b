"""Tasks over unstructured data: instant file share recovery, share and bucket restore, browsing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import VBRClient, stop, wait_for_mount
from drflow.vbr.adoption import find_session, find_share_mounts
from drflow.vbr.models import (
    InstantUnstructuredDataRecoveryMount,
    InstantUnstructuredDataRecoveryMountsResult,
    InstantUnstructuredDataRestoreMigrationSpec,
    InstantUnstructuredDataRestoreSpec,
    SessionModel,
    SessionsResult,
    SessionType,
    UnstructuredDataEntireOSRestoreSpec,
    UnstructuredDataEntireShareRestoreSpec,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
    UnstructuredDataSwitchoverSettingsModel,
)
from drflow.vbr.mounts import FILE_SHARE
from drflow.vbr.stops import UNSTRUCTURED_FLR_MOUNT

from ._common import (
    EVER,
    log_stopped,
    require_mark,
    start_migration,
    start_once,
    stop_logged,
    vbr_task,
)
from ._connection import VBRConnection, get_client

_BROWSE = [SessionType.FILE_LEVEL_RESTORE, SessionType.UNSTRUCTURED_DATA_BROWSE]


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
)
def start_file_share_instant_recovery(
    connection: VBRConnection,
    share_name: str,
    spec: InstantUnstructuredDataRestoreSpec,
    mark: str,
) -> list[InstantUnstructuredDataRecoveryMount]:
    """Publish file shares from their backups, or adopt what this run published already.

    ``spec.reason`` must contain ``mark``: the mounts of the same restore points carrying it are
    this run's. VBR answers one session per share; each mount is read back by its session id
    (the vendor's examples show mount id equal to session id) when it is not listed yet.
    """
    require_mark(spec.reason, mark)
    client = get_client(connection)
    points = [option.restore_point_id for option in spec.restore_options]

    def marked(_since: datetime) -> list[InstantUnstructuredDataRecoveryMount] | None:
        return find_share_mounts(client, points, mark) or None

    def mounts_of(sessions: SessionsResult) -> list[InstantUnstructuredDataRecoveryMount]:
        mounts = find_share_mounts(client, points, mark)
        if len(mounts) < len(sessions.data):
            mounts = [client.unstructured.get_share_mount(s.id) for s in sessions.data]
        return mounts

    return start_once(
        client,
        lambda: client.unstructured.start_share_instant_recovery(spec),
        marked,
        then=mounts_of,
        what=f"instant recovery of {share_name}",
        earlier=EVER,
    )


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
    mount = wait_for_mount(
        get_client(connection), FILE_SHARE, mount_id, timeout=timeout, on_poll=on_poll
    )
    get_run_logger().info("%s is %s", share_name or mount_id, mount.state)
    return mount


@vbr_task("unmount-file-share", run_name="unmount-file-share[{share_name}]")
def unmount_file_share(
    connection: VBRConnection, mount_id: UUID, *, share_name: str = "", wait: bool = True
) -> SessionModel | None:
    """Stop publishing a file share and wait until it is gone, through outages.

    Already unpublishing, unpublished or gone counts as done, so cleanup can always call this.
    Waits for the share to go, not for the session's result: unpublishing a share whose
    publishing failed answers that failed session, and that is still a clean-up. Returns the
    session as it is once the share is gone (as VBR answered, without ``wait``).
    """
    client = get_client(connection)
    stopped = stop(client, FILE_SHARE, mount_id, wait=wait)
    log_stopped(stopped, str(share_name or mount_id), waited=wait)
    session: SessionModel | None = stopped.answer
    if wait and session is not None:
        session = client.sessions.get(session.id)
    return session


@vbr_task("migrate-file-share", run_name="migrate-file-share[{share_name}]")
def migrate_file_share(
    connection: VBRConnection,
    mount_id: UUID,
    spec: InstantUnstructuredDataRestoreMigrationSpec,
    *,
    share_name: str = "",
) -> SessionModel:
    """Start migration of a published SMB share to production storage, or adopt the one this
    run started (the ``FileInstantRecoveryMigration`` session whose ``resourceId`` is the
    mount)."""
    client = get_client(connection)
    return start_migration(
        client,
        lambda: client.unstructured.migrate_share(mount_id, spec),
        SessionType.FILE_INSTANT_RECOVERY_MIGRATION,
        mount_id,
        what=f"migration of {share_name or mount_id}",
    )


@vbr_task("switchover-file-share", run_name="switchover-file-share[{share_name}]")
def switchover_file_share(
    connection: VBRConnection, mount_id: UUID, *, share_name: str = ""
) -> SessionModel:
    """Switch a migrated SMB share over now.

    A lost answer is not adopted: VBR answers the migration's session, and nothing it shows
    says whether a switchover was asked for.
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


def _restore(
    client: VBRClient, name: str, restore_point_id: UUID, start: Callable[[], SessionModel]
) -> SessionModel:
    """A restore whose lost answer adopts the ``NasRestore`` session of its restore point
    (the spec has no field to mark: the restore point is what ties the session to it)."""
    return start_once(
        client,
        start,
        lambda since: find_session(
            client, [SessionType.NAS_RESTORE], since, resource_id=restore_point_id
        ),
        what=f"restore of {name}",
    )


@vbr_task("restore-file-share", run_name="restore-file-share[{share_name}]")
def restore_file_share(
    connection: VBRConnection, share_name: str, spec: UnstructuredDataEntireShareRestoreSpec
) -> SessionModel:
    """Restore an entire file share; answers the restore session (a lost answer adopts the
    ``NasRestore`` session of the restore point that VBR started)."""
    client = get_client(connection)
    return _restore(
        client,
        share_name,
        spec.restore_point_id,
        lambda: client.unstructured.restore_file_share(spec),
    )


@vbr_task("restore-object-storage-bucket", run_name="restore-object-storage-bucket[{bucket_name}]")
def restore_object_storage_bucket(
    connection: VBRConnection, bucket_name: str, spec: UnstructuredDataEntireOSRestoreSpec
) -> SessionModel:
    """Restore an entire object storage bucket; answers the restore session (a lost answer is
    adopted as for :func:`restore_file_share`)."""
    client = get_client(connection)
    return _restore(
        client, bucket_name, spec.restore_point_id, lambda: client.unstructured.restore_bucket(spec)
    )


@vbr_task("start-unstructured-flr-mount", run_name="start-unstructured-flr-mount[{name}]")
def start_unstructured_flr_mount(
    connection: VBRConnection, name: str, spec: UnstructuredDataMountSpec
) -> UnstructuredDataFlrBrowseMountModel:
    """Mount unstructured data (``name``: what it is) for browsing.

    The spec has no field to mark and the mount cannot be listed: a lost answer adopts the one
    running browse session of unstructured data this client started since (several:
    ``AmbiguousAdoption``). Set ``autoUnmount`` so that a mount left behind goes away by itself.
    """
    client = get_client(connection)

    def browse_session(since: datetime) -> UnstructuredDataFlrBrowseMountModel | None:
        session = find_session(client, _BROWSE, since, platform="UnstructuredData", running=True)
        return UnstructuredDataFlrBrowseMountModel(session_id=session.id) if session else None

    return start_once(
        client,
        lambda: client.unstructured.start_flr_mount(spec),
        browse_session,
        what=f"browse mount of {name}",
    )


@vbr_task("unmount-unstructured-flr", run_name="unmount-unstructured-flr[{session_id}]")
def unmount_unstructured_flr(connection: VBRConnection, session_id: UUID) -> SessionModel | None:
    """Unmount an unstructured data browse mount, through outages; already ending or gone
    counts as done."""
    return stop_logged(
        connection, UNSTRUCTURED_FLR_MOUNT, session_id, f"browse mount {session_id}", wait=False
    )
