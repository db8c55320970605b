"""Microsoft Entra ID restore: ``/api/v1/restore/entraId``.

The restore operator signs in to Entra ID with a device code (:meth:`EntraIdAPI.get_device_code`
then :func:`drflow.vbr.waiting.wait_for_device_code`) or an authorization code
(:meth:`EntraIdAPI.start_authorization` then :meth:`EntraIdAPI.authorize`).
"""

from __future__ import annotations

from uuid import UUID

from ..models import (
    JobStopSpec,
    SessionModel,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
)
from ..models import entra_id as entra
from ._base import API, query

_TENANT = "/api/v1/restore/entraId/tenant"
_AUDIT_LOG = "/api/v1/restore/entraId/auditLog"


class EntraIdAPI(API):
    """Mount Entra ID tenant backups and audit logs, and sign the restore operator in."""

    def get_device_code(
        self, spec: entra.EntraIdTenantRestoreDeviceCodeSpec
    ) -> entra.EntraIdTenantRestoreDeviceCodeModel:
        """``GetEntraIdTenantRestoreDeviceCode``: a new code for the operator to sign in with."""
        return self._client.request(
            "POST",
            f"{_TENANT}/deviceCode",
            json=spec.to_api(),
            model=entra.EntraIdTenantRestoreDeviceCodeModel,
        )

    def get_device_code_state(
        self, spec: entra.EntraIdTenantRestoreDeviceCodeStateSpec
    ) -> entra.EntraIdTenantRestoreDeviceCodeStateModel:
        """``GetEntraIdTenantRestoreDeviceCodeState``: has the operator signed in yet (a read)."""
        return self._client.request(
            "POST",
            f"{_TENANT}/deviceCode/state",
            json=spec.to_api(),
            model=entra.EntraIdTenantRestoreDeviceCodeStateModel,
            idempotent=True,
        )

    def start_authorization(
        self, session_id: UUID | str, *, vdc_session_id: str, redirect_uri: str
    ) -> entra.EntraIdTenantRestoreStartAuthorizationModel:
        """``StartEntraIdTenantRestoreAuthorization``: the sign-in address for the operator."""
        return self._client.request(
            "GET",
            f"{_TENANT}/{session_id}/authCode/startAuthorization",
            params=query(vdc_session_id=vdc_session_id, redirect_uri=redirect_uri),
            model=entra.EntraIdTenantRestoreStartAuthorizationModel,
        )

    def authorize(
        self, spec: entra.EntraIdTenantRestoreAuthorizeSpec
    ) -> entra.EntraIdTenantRestoreAuthorizeModel:
        """``EntraIdTenantRestoreAuthorize``: hand VBR what the identity provider returned."""
        return self._client.request(
            "POST",
            f"{_TENANT}/authCode/authorize",
            json=spec.to_api(),
            model=entra.EntraIdTenantRestoreAuthorizeModel,
        )

    def start_tenant_restore(
        self, spec: entra.EntraIdTenantStartRestoreSpec
    ) -> entra.EntraIdTenantBrowseMountModel:
        """``StartEntraIDTenantRestore``: mount a tenant backup; answers the mount."""
        return self._client.request(
            "POST", _TENANT, json=spec.to_api(), model=entra.EntraIdTenantBrowseMountModel
        )

    def start_tenant_restore_from_copy(
        self, spec: entra.EntraIdTenantStartRestoreFromCopySpec
    ) -> SessionModel:
        """``StartEntraIDTenantRestoreFromCopy``: restore from a copy; answers the session."""
        return self._client.request(
            "POST", f"{_TENANT}/fromCopy", json=spec.to_api(), model=SessionModel
        )

    def stop_tenant_restore(
        self, session_id: UUID | str, spec: JobStopSpec | None = None
    ) -> SessionModel:
        """``StopEntraIDTenantRestore``: end the tenant restore session (body optional)."""
        return self._client.request(
            "POST",
            f"{_TENANT}/{session_id}/stop",
            json=spec.to_api() if spec is not None else None,
            model=SessionModel,
            idempotent=True,
        )

    def mount_audit_log(
        self, spec: UnstructuredDataMountSpec
    ) -> UnstructuredDataFlrBrowseMountModel:
        """``StartEntraIDAuditLogMount``: mount a tenant's audit log backup for browsing."""
        return self._client.request(
            "POST", _AUDIT_LOG, json=spec.to_api(), model=UnstructuredDataFlrBrowseMountModel
        )

    def unmount_audit_log(self, session_id: UUID | str) -> SessionModel:
        """``StopEntraIDAuditLogMount``: unmount the audit log; answers the session."""
        return self._client.request(
            "POST", f"{_AUDIT_LOG}/{session_id}/unmount", model=SessionModel, idempotent=True
        )
