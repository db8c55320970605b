"""One Prefect task per VBR operation, plus the waits and checks flows are made of.

Conventions: tasks are named after the operation and tagged ``vbr``; they are never cached;
the client retries reads, and tasks that start work retry only what the client could not,
adopting what an earlier attempt started (found by the run mark in ``reason``).
"""

from ._common import run_mark
from ._connection import VBRConnection, close_clients, get_client
from .checks import verify_workload
from .restore_points import (
    get_backup,
    get_restore_point,
    get_restore_point_disks,
    get_server_info,
    list_backup_object_restore_points,
    list_backups,
    list_restore_points,
    select_restore_point,
)
from .sessions import get_session, get_session_logs, list_sessions, stop_session, wait_for_session
from .vsphere import (
    get_vsphere_mount,
    list_vsphere_mounts,
    migrate_vsphere_vm,
    start_vsphere_instant_recovery,
    unmount_vsphere_vm,
    wait_for_vsphere_mount,
)

__all__ = [
    "VBRConnection",
    "close_clients",
    "get_backup",
    "get_client",
    "get_restore_point",
    "get_restore_point_disks",
    "get_server_info",
    "get_session",
    "get_session_logs",
    "get_vsphere_mount",
    "list_backup_object_restore_points",
    "list_backups",
    "list_restore_points",
    "list_sessions",
    "list_vsphere_mounts",
    "migrate_vsphere_vm",
    "run_mark",
    "select_restore_point",
    "start_vsphere_instant_recovery",
    "stop_session",
    "unmount_vsphere_vm",
    "verify_workload",
    "wait_for_session",
    "wait_for_vsphere_mount",
]
