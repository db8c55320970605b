"""First Class Disk instant recovery: ``/api/v1/restore/instantRecovery/vSphere/fcd``."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from .._pagination import paginate
from ..models import (
    InstantRecoveryMountState,
    SessionModel,
    VmwareFcdInstantRecoveryMount,
    VmwareFcdInstantRecoveryMountsOrderColumn,
    VmwareFcdInstantRecoveryMountsResult,
    VmwareFcdInstantRecoverySpec,
    VmwareFcdQuickMigrationSpec,
)
from ._base import API

_PATH = "/api/v1/restore/instantRecovery/vSphere/fcd"


class FcdAPI(API):
    """Mount, read, migrate and dismount First Class Disks from backups."""

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
        return self._page(_PATH, VmwareFcdInstantRecoveryMountsResult, locals())

    def list_mounts(self, **filters: object) -> Iterator[VmwareFcdInstantRecoveryMount]:
        """Every mount matching ``filters`` (keyword arguments of :meth:`list_mounts_page`)."""
        return paginate(
            lambda skip, limit: self.list_mounts_page(skip=skip, limit=limit, **filters)
        )

    def get_mount(self, mount_id: UUID | str) -> VmwareFcdInstantRecoveryMount:
        """``GetVmwareFcdInstantRecoveryMountModel``: one mount."""
        return self._client.request(
            "GET", f"{_PATH}/{mount_id}", model=VmwareFcdInstantRecoveryMount
        )

    def start_instant_recovery(self, spec: VmwareFcdInstantRecoverySpec) -> SessionModel:
        """``InstantRecoveryVmwareFcdMountWithSession``: mount the disks; answers the session.

        Not retried once the request may have reached VBR: look for the mount first.
        """
        return self._client.request("POST", _PATH, json=spec.to_api(), model=SessionModel)

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
