"""First Class Disk instant recovery: ``/api/v1/restore/instantRecovery/vSphere/fcd``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from uuid import UUID

from .._exceptions import MountFailed, NotFound
from .._pagination import paginate
from .._waiting import Backoff, poll, wait_for_state
from ..models import (
    InstantRecoveryMountState,
    SessionModel,
    VmwareFcdInstantRecoveryMount,
    VmwareFcdInstantRecoveryMountsOrderColumn,
    VmwareFcdInstantRecoveryMountsResult,
    VmwareFcdInstantRecoverySpec,
    VmwareFcdQuickMigrationSpec,
)
from ._base import API, query

_PATH = "/api/v1/restore/instantRecovery/vSphere/fcd"


class FcdAPI(API):
    """Mount, watch, migrate and dismount First Class Disks from backups."""

    def list_mounts_page(
        self,
        *,
        skip: int | None = None,
        limit: int | None = None,
        order_column: VmwareFcdInstantRecoveryMountsOrderColumn | None = None,
        order_asc: bool | None = None,
        state_filter: InstantRecoveryMountState | None = None,
    ) -> VmwareFcdInstantRecoveryMountsResult:
        """``GetAllVmwareFcdInstantRecoveryMountModels``: one page of mounts."""
        params = query(**{k: v for k, v in locals().items() if k != "self"})
        return self._client.request(
            "GET", _PATH, params=params, model=VmwareFcdInstantRecoveryMountsResult
        )

    def list_mounts(self, **filters: object) -> Iterator[VmwareFcdInstantRecoveryMount]:
        """Every mount matching ``filters`` (keyword arguments of :meth:`list_mounts_page`)."""
        return paginate(
            lambda skip, limit: self.list_mounts_page(skip=skip, limit=limit, **filters)
        )

    def start_instant_recovery(self, spec: VmwareFcdInstantRecoverySpec) -> SessionModel:
        """``InstantRecoveryVmwareFcdMountWithSession``: mount the disks; answers the session.

        Not retried once the request may have reached VBR: look for the mount first.
        """
        return self._client.request("POST", _PATH, json=spec.to_api(), model=SessionModel)

    def get_mount(self, mount_id: UUID | str) -> VmwareFcdInstantRecoveryMount:
        """``GetVmwareFcdInstantRecoveryMountModel``."""
        return self._client.request(
            "GET", f"{_PATH}/{mount_id}", model=VmwareFcdInstantRecoveryMount
        )

    def dismount(self, mount_id: UUID | str) -> SessionModel:
        """``InstantRecoveryVmwareFcdDismountWithSession``: dismount; answers the session."""
        return self._client.request(
            "POST", f"{_PATH}/{mount_id}/dismount", model=SessionModel, idempotent=True
        )

    def migrate(self, mount_id: UUID | str, spec: VmwareFcdQuickMigrationSpec) -> SessionModel:
        """``InstantRecoveryVmwareFcdMigrateWithSession``: Quick Migration of the mounted disks."""
        return self._client.request(
            "POST", f"{_PATH}/{mount_id}/migrate", json=spec.to_api(), model=SessionModel
        )

    def wait_until_gone(
        self, mount_id: UUID | str, *, timeout: float = 600.0, backoff: Backoff | None = None
    ) -> None:
        """Poll until the mount no longer exists (after a dismount or a migration)."""

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
            what=f"FCD mount {mount_id} to go away",
        )

    def wait_for_mount(
        self,
        mount_id: UUID | str,
        *,
        session_id: UUID | str | None = None,
        until: Sequence[InstantRecoveryMountState] = (InstantRecoveryMountState.MOUNTED,),
        timeout: float = 1800.0,
        backoff: Backoff | None = None,
        on_poll: Callable[[VmwareFcdInstantRecoveryMount], None] | None = None,
    ) -> VmwareFcdInstantRecoveryMount:
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
                    f"FCD instant recovery {mount.id}", mount.error_message
                ),
                timeout=timeout,
                backoff=backoff or self._client.backoff,
                what=f"FCD mount {mount_id}",
                on_poll=on_poll,
            )
        except NotFound:
            if session_id is None:
                raise
            self._client.sessions.wait(session_id, timeout=timeout)
            raise
