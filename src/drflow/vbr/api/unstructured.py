"""Unstructured data: instant file share recovery, entire share and bucket restore, FLR mounts.

Paths: ``/api/v1/restore/instantRecovery/unstructuredData``, ``/api/v1/restore/unstructuredData``
and ``/api/v1/restore/flr/unstructuredData``.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from .._pagination import paginate
from ..models import (
    InstantRecoveryMountState,
    InstantUnstructuredDataRecoveryMount,
    InstantUnstructuredDataRecoveryMountsOrderColumn,
    InstantUnstructuredDataRecoveryMountsResult,
    InstantUnstructuredDataRestoreMigrationSpec,
    InstantUnstructuredDataRestoreSpec,
    SessionModel,
    SessionsResult,
    UnstructuredDataEntireOSRestoreSpec,
    UnstructuredDataEntireShareRestoreSpec,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataInstantRecoveryMountState,
    UnstructuredDataMountSpec,
    UnstructuredDataSwitchoverSettingsModel,
)
from ._base import API

_IR_PATH = "/api/v1/restore/instantRecovery/unstructuredData"
_RESTORE_PATH = "/api/v1/restore/unstructuredData"
_FLR_PATH = "/api/v1/restore/flr/unstructuredData"


class UnstructuredDataAPI(API):
    """Publish file shares from backups, restore shares and buckets, mount data for browsing."""

    # --- instant file share recovery --------------------------------------------------------

    def list_share_mounts_page(
        self,
        *,
        skip: int | None = None,
        limit: int | None = None,
        order_column: InstantUnstructuredDataRecoveryMountsOrderColumn | None = None,
        order_asc: bool | None = None,
        state_filter: InstantRecoveryMountState
        | UnstructuredDataInstantRecoveryMountState
        | None = None,
        share_name_filter: str | None = None,
    ) -> InstantUnstructuredDataRecoveryMountsResult:
        """``GetAllInstantUnstructuredDataRecoveryMounts``: one page of published shares.

        The contract types ``stateFilter`` with the VM mount states (Mounted, ...), while the
        mounts report publishing states: either is passed through as given.
        """
        return self._page(_IR_PATH, InstantUnstructuredDataRecoveryMountsResult, locals())

    def list_share_mounts(
        self, **filters: object
    ) -> Iterator[InstantUnstructuredDataRecoveryMount]:
        """Every published share matching ``filters`` (see :meth:`list_share_mounts_page`)."""
        return paginate(
            lambda skip, limit: self.list_share_mounts_page(skip=skip, limit=limit, **filters)
        )

    def start_share_instant_recovery(
        self, spec: InstantUnstructuredDataRestoreSpec
    ) -> SessionsResult:
        """``InstantUnstructuredDataRecoveryMount``: publish shares; answers one session each.

        Not retried once the request may have reached VBR: look for the mounts first (by the
        ``reason`` you marked them with) before trying again.
        """
        return self._client.request("POST", _IR_PATH, json=spec.to_api(), model=SessionsResult)

    def get_share_mount(self, mount_id: UUID | str) -> InstantUnstructuredDataRecoveryMount:
        """``GetInstantUnstructuredDataRecoveryMount``."""
        return self._client.request(
            "GET", f"{_IR_PATH}/{mount_id}", model=InstantUnstructuredDataRecoveryMount
        )

    def unmount_share(self, mount_id: UUID | str) -> SessionModel:
        """``InstantUnstructuredDataRecoveryUnmount``: stop publishing; answers the session."""
        return self._client.request(
            "POST", f"{_IR_PATH}/{mount_id}/unmount", model=SessionModel, idempotent=True
        )

    def migrate_share(
        self, mount_id: UUID | str, spec: InstantUnstructuredDataRestoreMigrationSpec
    ) -> SessionModel:
        """``InstantUnstructuredDataRecoveryMigrate``: migrate a published SMB share."""
        return self._client.request(
            "POST", f"{_IR_PATH}/{mount_id}/migrate", json=spec.to_api(), model=SessionModel
        )

    def switchover_share(self, mount_id: UUID | str) -> SessionModel:
        """``InstantUnstructuredDataShareSwitchover``: switch over to the migrated SMB share."""
        return self._client.request("POST", f"{_IR_PATH}/{mount_id}/switchover", model=SessionModel)

    def get_share_switchover_settings(
        self, mount_id: UUID | str
    ) -> UnstructuredDataSwitchoverSettingsModel:
        """``GetUnstructuredDataShareIRSwitchoverSettings``."""
        return self._client.request(
            "GET",
            f"{_IR_PATH}/{mount_id}/switchoverSettings",
            model=UnstructuredDataSwitchoverSettingsModel,
        )

    def update_share_switchover_settings(
        self, mount_id: UUID | str, settings: UnstructuredDataSwitchoverSettingsModel
    ) -> UnstructuredDataSwitchoverSettingsModel:
        """``UpdateUnstructuredDataShareIRSwitchoverSettings``: replace them."""
        return self._client.request(
            "PUT",
            f"{_IR_PATH}/{mount_id}/switchoverSettings",
            json=settings.to_api(),
            model=UnstructuredDataSwitchoverSettingsModel,
        )

    # --- entire share / bucket restore ------------------------------------------------------

    def restore_file_share(self, spec: UnstructuredDataEntireShareRestoreSpec) -> SessionModel:
        """``EntireUnstructuredDataShareRestore``: restore an entire file share."""
        return self._client.request(
            "POST", f"{_RESTORE_PATH}/fileShare", json=spec.to_api(), model=SessionModel
        )

    def restore_bucket(self, spec: UnstructuredDataEntireOSRestoreSpec) -> SessionModel:
        """``EntireUnstructuredDataOSRestore``: restore an entire object storage bucket."""
        return self._client.request(
            "POST", f"{_RESTORE_PATH}/objectStorage", json=spec.to_api(), model=SessionModel
        )

    # --- file-level browse mounts -----------------------------------------------------------

    def start_flr_mount(
        self, spec: UnstructuredDataMountSpec
    ) -> UnstructuredDataFlrBrowseMountModel:
        """``StartUnstructuredDataFlrMount``: mount unstructured data for browsing."""
        return self._client.request(
            "POST", _FLR_PATH, json=spec.to_api(), model=UnstructuredDataFlrBrowseMountModel
        )

    def unmount_flr(self, session_id: UUID | str) -> SessionModel:
        """``StopUnstructuredDataFLRMount``: unmount a browse mount (note: not under ``flr/``)."""
        return self._client.request(
            "POST", f"{_RESTORE_PATH}/{session_id}/unmount", model=SessionModel, idempotent=True
        )
