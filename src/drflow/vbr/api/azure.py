"""Instant recovery to Microsoft Azure: ``/api/v1/restore/instantRecovery/azure/vm``.

Start, unmount, migrate and switchover all answer 201 with the mount itself, which carries no
session id: the work they start is found with :meth:`AzureAPI.list_sessions`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from .._pagination import paginate
from ..models import SessionModel, SessionResult, SessionsResult, SessionState, SessionType
from ..models import azure as az
from ..models.sessions import SessionsOrderColumn
from ._base import API

_PATH = "/api/v1/restore/instantRecovery/azure/vm"
T = TypeVar("T")


class AzureAPI(API):
    """Start, read, migrate, switch over and stop instant recoveries to Azure."""

    def list_mounts_page(
        self,
        *,
        skip: int | None = None,
        limit: int | None = None,
        order_column: az.AzureInstantVMRecoveryMountsOrderColumn | None = None,
        order_asc: bool | None = None,
        state_filter: az.AzureInstantRecoveryMountState | None = None,
    ) -> az.AzureInstantVMRecoveryMountsResult:
        """``GetAllAzureInstantVMRecoveryMounts``: one page of mounts (no name filter exists)."""
        return self._page(_PATH, az.AzureInstantVMRecoveryMountsResult, locals())

    def list_mounts(self, **filters: object) -> Iterator[az.AzureInstantVMRecoveryMount]:
        """Every mount matching ``filters`` (keyword arguments of :meth:`list_mounts_page`)."""
        return paginate(
            lambda skip, limit: self.list_mounts_page(skip=skip, limit=limit, **filters)
        )

    def start_instant_recovery(
        self, spec: az.AzureInstantVMRecoverySpec
    ) -> az.AzureInstantVMRecoveryMount:
        """``AzureInstantVMRecoveryMount``: start instant recovery to Azure; answers the mount.

        Not retried once the request may have reached VBR: look for the mount first (by the
        ``reason`` you marked it with) before trying again.
        """
        return self._client.request(
            "POST", _PATH, json=spec.to_api(), model=az.AzureInstantVMRecoveryMount
        )

    def get_mount(self, mount_id: UUID | str) -> az.AzureInstantVMRecoveryMount:
        """``GetAzureInstantVMRecoveryMount``."""
        return self._client.request(
            "GET", f"{_PATH}/{mount_id}", model=az.AzureInstantVMRecoveryMount
        )

    def list_sessions_page(
        self,
        mount_id: UUID | str,
        *,
        skip: int | None = None,
        limit: int | None = None,
        order_column: SessionsOrderColumn | None = None,
        order_asc: bool | None = None,
        created_after_filter: datetime | None = None,
        created_before_filter: datetime | None = None,
        ended_after_filter: datetime | None = None,
        ended_before_filter: datetime | None = None,
        type_filter: SessionType | None = None,
        state_filter: SessionState | None = None,
        result_filter: Sequence[SessionResult] | None = None,
    ) -> SessionsResult:
        """``GetAllAzureInstantVMRecoveryMountSessions``: one page of the mount's sessions.

        ``type_filter`` takes one session type here (a list on ``/api/v1/sessions``).
        """
        return self._page(f"{_PATH}/{mount_id}/sessions", SessionsResult, locals(), "mount_id")

    def list_sessions(self, mount_id: UUID | str, **filters: object) -> Iterator[SessionModel]:
        """Every session of the mount matching ``filters`` (see :meth:`list_sessions_page`)."""
        return paginate(
            lambda skip, limit: self.list_sessions_page(mount_id, skip=skip, limit=limit, **filters)
        )

    def unmount(self, mount_id: UUID | str) -> az.AzureInstantVMRecoveryMount:
        """``AzureInstantVMRecoveryUnmount``: stop the recovered machine; answers the mount."""
        return self._at_mount(
            "POST", mount_id, "unmount", az.AzureInstantVMRecoveryMount, idempotent=True
        )

    def migrate(
        self, mount_id: UUID | str, spec: az.AzureInstantVMRecoveryMigrationSpec
    ) -> az.AzureInstantVMRecoveryMount:
        """``AzureInstantVMRecoveryMigrate``: migrate to Azure storage; answers the mount."""
        return self._at_mount(
            "POST", mount_id, "migrate", az.AzureInstantVMRecoveryMount, json=spec.to_api()
        )

    def get_switchover_settings(
        self, mount_id: UUID | str
    ) -> az.AzureInstantVMRecoverySwitchoverSettingsModel:
        """``GetAzureInstantVMRecoverySwitchoverSettings``."""
        return self._at_mount(
            "GET", mount_id, "switchoverSettings", az.AzureInstantVMRecoverySwitchoverSettingsModel
        )

    def update_switchover_settings(
        self, mount_id: UUID | str, settings: az.AzureInstantVMRecoverySwitchoverSettingsModel
    ) -> az.AzureInstantVMRecoverySwitchoverSettingsModel:
        """``UpdateAzureInstantVMRecoverySwitchoverSettings``: replace them (answers 201)."""
        return self._at_mount(
            "PUT",
            mount_id,
            "switchoverSettings",
            az.AzureInstantVMRecoverySwitchoverSettingsModel,
            json=settings.to_api(),
        )

    def switchover(self, mount_id: UUID | str) -> az.AzureInstantVMRecoveryMount:
        """``AzureInstantVMRecoverySwitchover``: switch over to the migrated machine now."""
        return self._at_mount("POST", mount_id, "switchover", az.AzureInstantVMRecoveryMount)

    def _at_mount(
        self, method: str, mount_id: UUID | str, action: str, model: type[T], **options: Any
    ) -> T:
        """``method`` on the mount's ``action`` (``…/azure/vm/{mountId}/{action}``): VBR's
        answer as ``model``; ``options``: the request's ``json`` and ``idempotent``."""
        return self._client.request(method, f"{_PATH}/{mount_id}/{action}", model=model, **options)
