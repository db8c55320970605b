"""The two things every mount task does: start-or-adopt, and unmount-and-wait."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import NotFound
from drflow.vbr.api._mounts import MountsAPI
from drflow.vbr.models import InstantRecoveryMountState, SessionModel

M = TypeVar("M")


def adopt_or_start(
    find: Callable[[], M | None],
    start: Callable[[], SessionModel],
    read: Callable[[UUID], M],
    *,
    what: str,
) -> M:
    """The mount an earlier attempt of this run started (``find``), else a new one.

    After ``start``, the new mount is read by its session's id (VBR's mount id), so the
    caller always gets the mount.
    """
    logger = get_run_logger()
    existing = find()
    if existing is not None:
        logger.warning(
            "adopting %s started by an earlier attempt (mount %s, %s)",
            what,
            getattr(existing, "id", "?"),
            getattr(existing, "state", "?"),
        )
        return existing
    session = start()
    logger.info("%s started: session %s", what, session.id)
    return read(session.id)


def unmount_and_wait(
    api: MountsAPI[Any],
    mount_id: UUID,
    unmount: Callable[[UUID], SessionModel],
    *,
    what: str,
    wait: bool = True,
) -> SessionModel | None:
    """Stop a mount and wait until VBR no longer holds it; already gone counts as done.

    Waits for the mount to go, not for its session's result: unmounting a mount whose
    recovery failed ends a session that already failed, and that is still a clean-up. Returns
    the unmount's session as VBR answered it (read it again for its result).
    """
    logger = get_run_logger()
    try:
        mount = api.current(mount_id)
        if mount.state == InstantRecoveryMountState.DISMOUNTING:
            logger.info("%s is already being unmounted", what)
            session = None
        else:
            session = unmount(mount_id)
    except NotFound:
        logger.info("%s is not mounted (any more): nothing to do", what)
        return None
    if wait:
        api.wait_until_gone(mount_id)
    logger.info("%s unmounted", what)
    return session
