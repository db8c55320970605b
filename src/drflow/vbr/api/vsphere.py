"""Instant recovery of vSphere VMs: ``/api/v1/restore/instantRecovery/vSphere/vm``."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from ..models import (
    InstantRecoveryMountState,
    InstantViVMRecoveryMount,
    InstantViVMRecoveryMountsResult,
    SessionModel,
    ViVMQuickMigrationSpec,
)
from ..models.vsphere import InstantViVMRecoveryMountsOrderColumn
from ._base import InstantVMRecoveryAPI

_PATH = "/api/v1/restore/instantRecovery/vSphere/vm"


class VSphereAPI(InstantVMRecoveryAPI[InstantViVMRecoveryMount]):
    """Start, read, migrate and stop instant recoveries of vSphere VMs."""

    path = _PATH
    mount_model = InstantViVMRecoveryMount

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
        return self._page(_PATH, InstantViVMRecoveryMountsResult, locals())

    def migrate(self, mount_id: UUID | str, spec: ViVMQuickMigrationSpec) -> SessionModel:
        """``InstantViVMRecoveryMigrate``: Quick Migration to production; answers its session."""
        return self._client.request(
            "POST", f"{_PATH}/{mount_id}/migrate", json=spec.to_api(), model=SessionModel
        )
