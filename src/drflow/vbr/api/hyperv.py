"""Instant recovery of Hyper-V VMs: ``/api/v1/restore/instantRecovery/hyperV/vm``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from uuid import UUID

from .._exceptions import MountFailed, NotFound
from .._pagination import paginate
from .._waiting import Backoff, poll, wait_for_state
from ..models import (
    InstantHvVMRecoveryMount,
    InstantHvVMRecoveryMountsOrderColumn,
    InstantHvVMRecoveryMountsResult,
    InstantHvVMRecoverySpec,
    InstantRecoveryMountState,
    SessionModel,
)
from ._base import API, query

_PATH = "/api/v1/restore/instantRecovery/hyperV/vm"


class HyperVAPI(API):
    """Start, watch, migrate and stop instant recoveries of Hyper-V VMs."""

    def list_mounts_page(
        self,
        *,
        skip: int | None = None,
        limit: int | None = None,
        order_column: InstantHvVMRecoveryMountsOrderColumn | None = None,
        order_asc: bool | None = None,
        state_filter: InstantRecoveryMountState | None = None,
        vm_name_filter: str | None = None,
    ) -> InstantHvVMRecoveryMountsResult:
        """``GetAllInstantHvVMRecoveryMounts``: one page of mounts (no mount id filter here)."""
        params = query(**{k: v for k, v in locals().items() if k != "self"})
        return self._client.request(
            "GET", _PATH, params=params, model=InstantHvVMRecoveryMountsResult
        )

    def list_mounts(self, **filters: object) -> Iterator[InstantHvVMRecoveryMount]:
        """Every mount matching ``filters`` (keyword arguments of :meth:`list_mounts_page`)."""
        return paginate(
            lambda skip, limit: self.list_mounts_page(skip=skip, limit=limit, **filters)
        )

    def start_instant_recovery(self, spec: InstantHvVMRecoverySpec) -> SessionModel:
        """``InstantHvVMRecoveryMount``: start instant recovery; answers the session.

        Not retried once the request may have reached VBR: look for the mount first (by the
        ``reason`` you marked it with) before trying again.
        """
        return self._client.request("POST", _PATH, json=spec.to_api(), model=SessionModel)

    def get_mount(self, mount_id: UUID | str) -> InstantHvVMRecoveryMount:
        """``GetInstantHvVMRecoveryMount``."""
        return self._client.request("GET", f"{_PATH}/{mount_id}", model=InstantHvVMRecoveryMount)

    def unmount(self, mount_id: UUID | str) -> SessionModel:
        """``InstantHvVMRecoveryUnmount``: stop publishing the VM; answers the session."""
        return self._client.request(
            "POST", f"{_PATH}/{mount_id}/unmount", model=SessionModel, idempotent=True
        )

    def migrate(self, mount_id: UUID | str) -> None:
        """``InstantHvVMRecoveryMigrate``: migrate the recovered VM to production.

        Takes no body and answers 204 without one: the migration session must be looked up.
        """
        self._client.request("POST", f"{_PATH}/{mount_id}/migrate", model=None)

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
            what=f"Hyper-V mount {mount_id} to go away",
        )

    def wait_for_mount(
        self,
        mount_id: UUID | str,
        *,
        session_id: UUID | str | None = None,
        until: Sequence[InstantRecoveryMountState] = (InstantRecoveryMountState.MOUNTED,),
        timeout: float = 1800.0,
        backoff: Backoff | None = None,
        on_poll: Callable[[InstantHvVMRecoveryMount], None] | None = None,
    ) -> InstantHvVMRecoveryMount:
        """Poll the mount until its state is in ``until``; ``Failed`` raises MountFailed.

        A mount that disappears while waited for means its session ended: with ``session_id``
        the session's failure (``SessionFailed``) is raised, otherwise ``NotFound``.
        """
        try:
            return wait_for_state(
                lambda: self.get_mount(mount_id),
                lambda mount: mount.state,
                until=set(until),
                fail={InstantRecoveryMountState.FAILED} - set(until),
                failed=lambda mount: MountFailed(
                    f"instant recovery of {mount.vm_name}", mount.error_message
                ),
                timeout=timeout,
                backoff=backoff or self._client.backoff,
                what=f"Hyper-V mount {mount_id}",
                on_poll=on_poll,
            )
        except NotFound:
            if session_id is None:
                raise
            self._client.sessions.wait(session_id, timeout=timeout)
            raise
