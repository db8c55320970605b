"""Instant recovery of vSphere VMs: ``/api/v1/restore/instantRecovery/vSphere/vm``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from uuid import UUID

from .._exceptions import MountFailed
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
from ._base import query
from ._mounts import MountsAPI

_PATH = "/api/v1/restore/instantRecovery/vSphere/vm"


class VSphereAPI(MountsAPI[InstantViVMRecoveryMount]):
    """Start, watch, migrate and stop instant recoveries of vSphere VMs.

    ``get_mount`` is ``GetInstantViVMRecoveryMount``.
    """

    path = _PATH
    mount_model = InstantViVMRecoveryMount
    noun = "vSphere mount"

    def describe_failure(self, mount: InstantViVMRecoveryMount) -> MountFailed:
        return MountFailed(f"instant recovery of {mount.vm_name}", mount.error_message)

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

    def list_by_ids(self, mount_ids: Sequence[UUID | str]) -> Iterator[InstantViVMRecoveryMount]:
        """The mounts among ``mount_ids`` that exist (``mountIdFilter``)."""
        return self.list_mounts(mount_id_filter=list(mount_ids))

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
