"""Waiting for what VBR does: sessions, mounts of every kind, a device-code sign-in.

Each wait polls inside one call (:func:`~drflow.vbr.polling.poll`), at intervals that follow
the client's backoff, until its timeout: VBR being unavailable meanwhile does not end it.
Waits on mounts share their reads where the kind allows it (:mod:`.shared_reads`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from ._exceptions import MountGone, SessionFailed
from .models import (
    EntraIdTenantRestoreDeviceCodeStateModel,
    EntraIdTenantRestoreDeviceCodeStateSpec,
    EntraIdTenantRestoreDeviceCodeStatus,
    SessionModel,
    SessionResult,
    SessionState,
)
from .mounts import MountKind
from .polling import Backoff, poll, wait_for_state
from .shared_reads import reader, wait_backoff

if TYPE_CHECKING:
    from ._client import VBRClient

__all__ = [
    "session_outcome",
    "wait_for_device_code",
    "wait_for_mount",
    "wait_for_session",
    "wait_for_session_ready",
    "wait_until_gone",
]

logger = logging.getLogger("drflow.vbr")

M = TypeVar("M")


def session_outcome(session: SessionModel) -> SessionModel:
    """Return a finished session, raising :class:`SessionFailed` when it failed."""
    result = session.result.result if session.result else None
    if result == SessionResult.FAILED:
        raise SessionFailed(session)
    if result == SessionResult.WARNING:
        logger.warning(
            "session %r finished with a warning: %s",
            session.name,
            session.result.message if session.result else "",
        )
    return session


def wait_for_session(
    client: VBRClient,
    session_id: UUID | str,
    *,
    timeout: float = 3600.0,
    backoff: Backoff | None = None,
    on_poll: Callable[[SessionModel], None] | None = None,
) -> SessionModel:
    """Poll until the session is ``Stopped``.

    Returns the finished session (its ``result`` may be ``Warning``: check it); raises
    :class:`~drflow.vbr.SessionFailed` when it failed and :class:`~drflow.vbr.WaitTimeout`
    past ``timeout`` seconds.
    """
    session = poll(
        lambda: client.sessions.get(session_id),
        lambda s: s.state == SessionState.STOPPED,
        timeout=timeout,
        backoff=backoff or client.backoff,
        what=f"session {session_id}",
        on_poll=on_poll,
    )
    return session_outcome(session)


def wait_for_session_ready(
    client: VBRClient,
    session_id: UUID | str,
    *,
    timeout: float = 3600.0,
    backoff: Backoff | None = None,
    on_poll: Callable[[SessionModel], None] | None = None,
) -> SessionModel:
    """Poll until the session has a result, whether or not it has stopped.

    A *holding* session (a mount that stays until it is stopped: instant recovery, an Entra ID
    tenant restore, a browse mount) reports ``Success`` while still ``Working`` once what it
    holds is ready; any other session has a result once it is ``Stopped``. Check ``state`` to
    tell the two apart. Raises :class:`~drflow.vbr.SessionFailed` when it failed and
    :class:`~drflow.vbr.WaitTimeout` past ``timeout`` seconds.
    """
    session = poll(
        lambda: client.sessions.get(session_id),
        lambda s: (
            s.state == SessionState.STOPPED
            or (s.result is not None and s.result.result != SessionResult.NONE)
        ),
        timeout=timeout,
        backoff=backoff or client.backoff,
        what=f"session {session_id} to be ready",
        on_poll=on_poll,
    )
    return session_outcome(session)


def wait_for_mount(
    client: VBRClient,
    kind: MountKind[M],
    mount_id: UUID | str,
    *,
    session_id: UUID | str | None = None,
    until: Collection[object] | None = None,
    timeout: float = 1800.0,
    backoff: Backoff | None = None,
    on_poll: Callable[[M], None] | None = None,
) -> M:
    """Poll the mount until its state is in ``until`` (default: the kind's ready states).

    A failed state raises :class:`~drflow.vbr.MountFailed`. A mount that disappears while
    waited for means its session ended: with ``session_id`` the session's failure
    (:class:`~drflow.vbr.SessionFailed`) is raised, otherwise :class:`~drflow.vbr.MountGone`.
    """
    wanted = frozenset(kind.ready if until is None else until)
    chosen = wait_backoff(client, kind, backoff)
    what = f"{kind.noun} {mount_id}"
    try:
        with reader(client, kind, mount_id, chosen) as read:

            def existing() -> M:
                mount = read.read()
                if mount is None:
                    raise MountGone(what)
                return mount

            return wait_for_state(
                existing,
                lambda mount: getattr(mount, "state", None),
                until=wanted,
                fail=kind.wait_failures(wanted),
                failed=kind.failure,
                timeout=timeout,
                backoff=chosen,
                what=what,
                on_poll=on_poll,
                sleep=read.sleep,
            )
    except MountGone:
        if session_id is not None:
            wait_for_session(client, session_id, timeout=timeout)
        raise


def wait_until_gone(
    client: VBRClient,
    kind: MountKind[M],
    mount_id: UUID | str,
    *,
    timeout: float = 600.0,
    backoff: Backoff | None = None,
) -> None:
    """Poll until the mount no longer exists, or is in one of the kind's gone states (after an
    unmount or a migration)."""
    chosen = wait_backoff(client, kind, backoff)
    with reader(client, kind, mount_id, chosen) as read:

        def gone() -> bool:
            mount = read.read()
            return mount is None or getattr(mount, "state", None) in kind.gone

        poll(
            gone,
            bool,
            timeout=timeout,
            backoff=chosen,
            what=f"{kind.noun} {mount_id} to go away",
            sleep=read.sleep,
        )


def wait_for_device_code(
    client: VBRClient,
    spec: EntraIdTenantRestoreDeviceCodeStateSpec,
    *,
    timeout: float = 900.0,
    backoff: Backoff | None = None,
) -> EntraIdTenantRestoreDeviceCodeStateModel:
    """Poll an Entra ID device-code sign-in until it is no longer ``Pending``; its state."""
    return poll(
        lambda: client.entra_id.get_device_code_state(spec),
        lambda state: (
            state.status is not None
            and state.status != EntraIdTenantRestoreDeviceCodeStatus.PENDING
        ),
        timeout=timeout,
        backoff=backoff or client.backoff,
        what=f"Entra ID sign-in with code {spec.user_code}",
    )
