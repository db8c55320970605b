"""What the groups of mount operations share: read a mount, wait for a state, wait until gone."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from .._exceptions import MountFailed, NotFound
from .._waiting import Backoff, poll, wait_for_state
from ..models import InstantRecoveryMountState
from ._base import API

M = TypeVar("M")


class MountsAPI(API, Generic[M]):
    """Operations on mounts kept at ``{path}/{mountId}`` (vSphere, Hyper-V, FCD, ...)."""

    path: ClassVar[str]
    mount_model: ClassVar[type[Any]]
    noun: ClassVar[str]
    ready: ClassVar[Collection[object]] = (InstantRecoveryMountState.MOUNTED,)
    failed: ClassVar[Collection[object]] = (InstantRecoveryMountState.FAILED,)

    def get_mount(self, mount_id: UUID | str) -> M:
        """One mount (the group's ``Get...Mount`` operation)."""
        return self._client.request("GET", f"{self.path}/{mount_id}", model=self.mount_model)

    def describe_failure(self, mount: M) -> MountFailed:
        """The error for a mount that reached a failed state."""
        return MountFailed(f"{self.noun} {getattr(mount, 'id', '')}", _error_message(mount))

    def wait_for_mount(
        self,
        mount_id: UUID | str,
        *,
        session_id: UUID | str | None = None,
        until: Collection[object] | None = None,
        timeout: float = 1800.0,
        backoff: Backoff | None = None,
        on_poll: Callable[[M], None] | None = None,
    ) -> M:
        """Poll the mount until its state is in ``until`` (default: ready).

        A failed state raises :class:`~drflow.vbr.MountFailed`. A mount that disappears while
        waited for means its session ended: with ``session_id`` the session's failure
        (``SessionFailed``) is raised, otherwise ``NotFound``.
        """
        wanted = set(self.ready if until is None else until)
        try:
            return wait_for_state(
                lambda: self.get_mount(mount_id),
                lambda mount: mount.state,
                until=wanted,
                fail=set(self.failed) - wanted,
                failed=self.describe_failure,
                timeout=timeout,
                backoff=backoff or self._client.backoff,
                what=f"{self.noun} {mount_id}",
                on_poll=on_poll,
            )
        except NotFound:
            if session_id is None:
                raise
            self._client.sessions.wait(session_id, timeout=timeout)
            raise

    def wait_until_gone(
        self, mount_id: UUID | str, *, timeout: float = 600.0, backoff: Backoff | None = None
    ) -> None:
        """Poll until the mount no longer exists (after an unmount or a migration)."""

        def gone() -> bool:
            try:
                self.get_mount(mount_id)
            except NotFound:
                return True
            return False

        poll(
            gone,
            bool,
            timeout=timeout,
            backoff=backoff or self._client.backoff,
            what=f"{self.noun} {mount_id} to go away",
        )


def _error_message(mount: object) -> str | None:
    return getattr(mount, "error_message", None)
