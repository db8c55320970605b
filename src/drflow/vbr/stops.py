"""Stopping what VBR holds, through outages, until it is gone.

:func:`stop` unmounts (dismounts, stops) a mount of any kind of :mod:`.mounts`, or ends what a
session holds (:class:`HeldBySession`: a file-level restore mount, a browse mount, an Entra ID
tenant restore, any session), then waits until VBR no longer holds it. What is already being
stopped, or gone, counts as done: a stop that reached VBR before its answer was lost, or one
that someone else asked for, is never a failure.

It keeps trying through outages for the cleanup budget (``VBRSettings.cleanup_budget``), a
budget of its own: a clean-up runs even when the work it cleans up after ran out of time.
The unmount tasks, :func:`drflow.vbr.marks.remove` and the janitor all stop things through it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from . import budgets
from ._exceptions import BadRequest, NotFound
from .models import SessionModel, SessionState
from .mounts import MountKind, current
from .polling import poll
from .waiting import wait_until_gone

if TYPE_CHECKING:
    from ._client import VBRClient

__all__ = [
    "ENTRA_AUDIT_LOG",
    "ENTRA_TENANT_RESTORE",
    "FLR_MOUNT",
    "SESSION",
    "UNSTRUCTURED_FLR_MOUNT",
    "HeldBySession",
    "Stopped",
    "stop",
]

logger = logging.getLogger("drflow.vbr")


@dataclass(frozen=True, eq=False)
class HeldBySession:
    """Something VBR holds under a session, ended by an operation of its own; gone once its
    session has stopped."""

    name: str
    noun: str
    stop: Callable[[VBRClient, UUID | str], Any]


FLR_MOUNT = HeldBySession("flr-mount", "file-level restore mount", lambda c, i: c.flr.unmount(i))
UNSTRUCTURED_FLR_MOUNT = HeldBySession(
    "unstructured-flr-mount", "browse mount", lambda c, i: c.unstructured.unmount_flr(i)
)
ENTRA_AUDIT_LOG = HeldBySession(
    "entra-audit-log", "audit log mount", lambda c, i: c.entra_id.unmount_audit_log(i)
)
ENTRA_TENANT_RESTORE = HeldBySession(
    "entra-tenant-restore", "tenant restore", lambda c, i: c.entra_id.stop_tenant_restore(i)
)
SESSION = HeldBySession("session", "session", lambda c, i: c.sessions.stop(i))


@dataclass(frozen=True)
class Stopped:
    """How a stop went."""

    answer: Any
    """VBR's answer to the stop (None when none was asked for, or it was lost)."""
    before: Literal["held", "going", "gone"]
    """What it was when the stop began: held (a stop was asked for), already being stopped,
    or already gone."""


def stop(
    client: VBRClient,
    target: MountKind[Any] | HeldBySession,
    object_id: UUID | str,
    *,
    wait: bool = True,
    within: float | None = None,
) -> Stopped:
    """Stop ``object_id`` (a ``target``) and, with ``wait``, wait until it is gone.

    Keeps trying through outages for ``within`` seconds (default: the cleanup budget); raises
    only when that runs out, or when VBR refuses the stop of something it still holds.
    """
    seconds = client.settings.cleanup_budget if within is None else within
    what = f"{target.noun} {object_id}"
    with budgets.budget(
        seconds, outage_tolerance=math.inf, detached=True, clock=client.retry.clock
    ):
        before = _phase(client, target, object_id)
        if before == "gone":
            logger.info("%s is gone already: nothing to stop", what)
            return Stopped(None, before)
        answer = None
        if before == "held":
            try:
                answer = target.stop(client, object_id)
            except (NotFound, BadRequest):  # a resent stop may find it stopping or gone
                if _phase(client, target, object_id) == "held":
                    raise
        if wait:
            _wait_gone(client, target, object_id)
        logger.info("%s %s", what, "stopped" if wait else "is being stopped")
        return Stopped(answer, before)


def _phase(
    client: VBRClient, target: MountKind[Any] | HeldBySession, object_id: UUID | str
) -> Literal["held", "going", "gone"]:
    if isinstance(target, MountKind):
        mount = current(client, target, object_id)
        state = getattr(mount, "state", None)
        if mount is None or state in target.gone:
            return "gone"
        return "going" if state in target.going else "held"
    session = _session(client, object_id)
    if session is None or session.state == SessionState.STOPPED:
        return "gone"
    return "going" if session.state == SessionState.STOPPING else "held"


def _wait_gone(
    client: VBRClient, target: MountKind[Any] | HeldBySession, object_id: UUID | str
) -> None:
    if isinstance(target, MountKind):
        wait_until_gone(client, target, object_id, timeout=budgets.remaining())
        return
    poll(
        lambda: _session(client, object_id),
        lambda session: session is None or session.state == SessionState.STOPPED,
        timeout=budgets.remaining(),
        backoff=client.backoff,
        what=f"{target.noun} {object_id} to end",
    )


def _session(client: VBRClient, session_id: UUID | str) -> SessionModel | None:
    try:
        return client.sessions.get(session_id)
    except NotFound:
        return None
