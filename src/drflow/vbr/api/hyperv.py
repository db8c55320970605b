"""Instant recovery of Hyper-V VMs: ``/api/v1/restore/instantRecovery/hyperV/vm``."""

from __future__ import annotations

from uuid import UUID

from ..models import (
    InstantHvVMRecoveryMount,
    InstantHvVMRecoveryMountsOrderColumn,
    InstantHvVMRecoveryMountsResult,
    InstantRecoveryMountState,
)
from ._base import InstantVMRecoveryAPI

_PATH = "/api/v1/restore/instantRecovery/hyperV/vm"


class HyperVAPI(InstantVMRecoveryAPI[InstantHvVMRecoveryMount]):
    """Start, read, migrate and stop instant recoveries of Hyper-V VMs."""

    path = _PATH
    mount_model = InstantHvVMRecoveryMount

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
        return self._page(_PATH, InstantHvVMRecoveryMountsResult, locals())

    def migrate(self, mount_id: UUID | str) -> None:
        """``InstantHvVMRecoveryMigrate``: migrate the recovered VM to production.

        Takes no body and answers 204 without one: the migration session must be looked up.
        """
        self._client.request("POST", f"{_PATH}/{mount_id}/migrate", model=None)
