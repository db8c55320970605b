"""Microsoft Entra ID restore: tenant mounts, the restore operator's sign-in, and audit logs.

A tenant mount (``POST /restore/entraId/tenant``) answers 201 ``EntraIdTenantBrowseMountModel``;
restore from a backup copy and stop answer 201 ``SessionModel``. The operator signs in to Entra ID
either with a device code (``deviceCode`` then ``deviceCode/state`` until it is no longer
``Pending``) or with an authorization code (``startAuthorization`` then ``authorize``); both end
with a ``credentialsId``. Audit-log mounts reuse ``UnstructuredDataMountSpec`` and answer
``UnstructuredDataFlrBrowseMountModel`` (see :mod:`.unstructured`).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ._base import OpenEnum, VBRModel


class EntraIdTenantRestoreDeviceCodeStatus(OpenEnum):
    PENDING = "Pending"
    SUCCESS = "Success"
    FAILURE = "Failure"


class EntraIdTenantStartRestoreSpec(VBRModel):
    """Mount a tenant backup for restore."""

    backup_id: UUID


class EntraIdTenantStartRestoreFromCopySpec(VBRModel):
    """Restore a tenant from a restore point of a backup copy."""

    restore_point_id: UUID


class EntraIdTenantBrowseSourceProperties(VBRModel):
    backup_id: UUID
    tenant_id: UUID | None = None
    tenant_name: str | None = None


class EntraIdTenantBrowseMountModel(VBRModel):
    """A mounted tenant backup; ``sessionId`` identifies it in later calls."""

    session_id: UUID
    source_properties: EntraIdTenantBrowseSourceProperties | None = None


class EntraIdTenantRestoreDeviceCodeSpec(VBRModel):
    session_id: UUID


class EntraIdTenantRestoreDeviceCodeModel(VBRModel):
    """The code the operator enters at the verification address to sign in."""

    user_code: str
    device_code: str
    verification_url: str
    message: str | None = None
    client_id: str | None = None
    expires_on: datetime | None = None


class EntraIdTenantRestoreDeviceCodeStateSpec(VBRModel):
    session_id: UUID
    user_code: str


class EntraIdTenantRestoreDeviceCodeStateModel(VBRModel):
    """Progress of a device-code sign-in; ``credentialsId`` once it succeeded."""

    credentials_id: UUID | None = None
    error_message: str | None = None
    status: EntraIdTenantRestoreDeviceCodeStatus | None = None
    username: str | None = None


class EntraIdTenantRestoreStartAuthorizationModel(VBRModel):
    """The sign-in address to send the operator to (kept as the server wrote it)."""

    uri: str


class EntraIdTenantRestoreAuthorizeSpec(VBRModel):
    """What the identity provider returned to the redirect address."""

    code: str | None = None
    state: str | None = None
    error: str | None = None
    error_description: str | None = None
    session_id: UUID


class EntraIdTenantRestoreAuthorizeModel(VBRModel):
    error: str | None = None
    error_description: str | None = None
    successful: bool
    credentials_id: UUID | None = None
