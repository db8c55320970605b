"""Instant recovery of Hyper-V VMs: ``/api/v1/restore/instantRecovery/hyperV/vm``."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from .._pagination import paginate
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
    """Start, read, migrate and stop instant recoveries of Hyper-V VMs."""

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

    def get_mount(self, mount_id: UUID | str) -> InstantHvVMRecoveryMount:
        """``GetInstantHvVMRecoveryMount``: one mount."""
        return self._client.request("GET", f"{_PATH}/{mount_id}", model=InstantHvVMRecoveryMount)

    def start_instant_recovery(self, spec: InstantHvVMRecoverySpec) -> SessionModel:
        """``InstantHvVMRecoveryMount``: start instant recovery; answers the session.

        Not retried once the request may have reached VBR: look for the mount first (by the
        ``reason`` you marked it with) before trying again.
        """
        return self._client.request("POST", _PATH, json=spec.to_api(), model=SessionModel)

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
