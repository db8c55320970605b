"""Instant recovery of vSphere VMs: ``/api/v1/restore/instantRecovery/vSphere/vm``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from uuid import UUID

from .._pagination import paginate
from ..models import (
    InstantRecoveryMountState,
    InstantViVMRecoveryMount,
    InstantViVMRecoveryMountsResult,
    InstantViVMRecoverySpec,
    SessionModel,
    ViVMQuickMigrationSpec,
)
from ..models.vsphere import InstantViVMRecoveryMountsOrderColumn
from ._base import API, query

_PATH = "/api/v1/restore/instantRecovery/vSphere/vm"


class VSphereAPI(API):
    """Start, read, migrate and stop instant recoveries of vSphere VMs."""

    def list_mounts_page(
        self,
        *,
        skip: int | None = None,
        limit: int | None = None,
        order_column: InstantViVMRecoveryMountsOrderColumn | None = None,
        order_asc: bool | None = None,
        state_filter: InstantRecoveryMountState | None = None,
        vm_name_filter: str | None = None,
        mount_id_filter: Sequence[UUID | str] | None = None,
    ) -> InstantViVMRecoveryMountsResult:
        """``GetAllInstantViVMRecoveryMounts``: one page of mounts."""
        params = query(**{k: v for k, v in locals().items() if k != "self"})
        return self._client.request(
            "GET", _PATH, params=params, model=InstantViVMRecoveryMountsResult
        )

    def list_mounts(self, **filters: object) -> Iterator[InstantViVMRecoveryMount]:
        """Every mount matching ``filters`` (keyword arguments of :meth:`list_mounts_page`)."""
        return paginate(
            lambda skip, limit: self.list_mounts_page(skip=skip, limit=limit, **filters)
        )

    def get_mount(self, mount_id: UUID | str) -> InstantViVMRecoveryMount:
        """``GetInstantViVMRecoveryMount``: one mount."""
        return self._client.request("GET", f"{_PATH}/{mount_id}", model=InstantViVMRecoveryMount)

    def start_instant_recovery(self, spec: InstantViVMRecoverySpec) -> SessionModel:
        """``InstantViVMRecoveryMount``: start instant recovery; answers the session.

        Not retried once the request may have reached VBR: look for the mount first (by the
        ``reason`` you marked it with) before trying again.
        """
        return self._client.request("POST", _PATH, json=spec.to_api(), model=SessionModel)

    def unmount(self, mount_id: UUID | str) -> SessionModel:
        """``InstantViVMRecoveryUnmount``: stop publishing the VM; answers the session."""
        return self._client.request(
            "POST", f"{_PATH}/{mount_id}/unmount", model=SessionModel, idempotent=True
        )

    def migrate(self, mount_id: UUID | str, spec: ViVMQuickMigrationSpec) -> SessionModel:
        """``InstantViVMRecoveryMigrate``: Quick Migration to production; answers its session."""
        return self._client.request(
            "POST", f"{_PATH}/{mount_id}/migrate", json=spec.to_api(), model=SessionModel
        )
