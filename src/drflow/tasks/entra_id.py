"""Tasks over Microsoft Entra ID restore: sign-in, tenant mounts, audit-log mounts.

None of the starts here is retried at task level: tenant and audit-log mounts cannot be listed
or read back, and their specs have no field to mark.
"""

from __future__ import annotations

from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import NotFound, VBRError
from drflow.vbr.models import (
    EntraIdTenantBrowseMountModel,
    EntraIdTenantRestoreAuthorizeModel,
    EntraIdTenantRestoreAuthorizeSpec,
    EntraIdTenantRestoreDeviceCodeModel,
    EntraIdTenantRestoreDeviceCodeSpec,
    EntraIdTenantRestoreDeviceCodeStateModel,
    EntraIdTenantRestoreDeviceCodeStateSpec,
    EntraIdTenantRestoreStartAuthorizationModel,
    EntraIdTenantStartRestoreFromCopySpec,
    EntraIdTenantStartRestoreSpec,
    JobStopSpec,
    SessionModel,
    SessionType,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
)

from ._common import session_of_lost_start, vbr_task
from ._connection import VBRConnection, get_client


@vbr_task("get-entra-id-device-code", run_name="get-entra-id-device-code[{spec.session_id}]")
def get_entra_id_device_code(
    connection: VBRConnection, spec: EntraIdTenantRestoreDeviceCodeSpec
) -> EntraIdTenantRestoreDeviceCodeModel:
    """A new device code for the restore operator to sign in to Entra ID with."""
    code = get_client(connection).entra_id.get_device_code(spec)
    get_run_logger().info(
        "sign in to Entra ID at %s with code %s", code.verification_url, code.user_code
    )
    return code


@vbr_task(
    "get-entra-id-device-code-state", run_name="get-entra-id-device-code-state[{spec.user_code}]"
)
def get_entra_id_device_code_state(
    connection: VBRConnection, spec: EntraIdTenantRestoreDeviceCodeStateSpec
) -> EntraIdTenantRestoreDeviceCodeStateModel:
    """Whether the operator has signed in with the device code yet (one read)."""
    return get_client(connection).entra_id.get_device_code_state(spec)


@vbr_task("wait-for-entra-id-sign-in", run_name="wait-for-entra-id-sign-in[{spec.user_code}]")
def wait_for_entra_id_sign_in(
    connection: VBRConnection,
    spec: EntraIdTenantRestoreDeviceCodeStateSpec,
    *,
    timeout: float = 900.0,
) -> EntraIdTenantRestoreDeviceCodeStateModel:
    """Poll the device-code sign-in until it is no longer ``Pending``, inside this one task."""
    state = get_client(connection).entra_id.wait_for_device_code(spec, timeout=timeout)
    get_run_logger().info("Entra ID sign-in: %s", state.status)
    return state


@vbr_task("start-entra-id-authorization", run_name="start-entra-id-authorization[{session_id}]")
def start_entra_id_authorization(
    connection: VBRConnection, session_id: UUID, vdc_session_id: str, redirect_uri: str
) -> EntraIdTenantRestoreStartAuthorizationModel:
    """The Entra ID sign-in address to send the restore operator to."""
    return get_client(connection).entra_id.start_authorization(
        session_id, vdc_session_id=vdc_session_id, redirect_uri=redirect_uri
    )


@vbr_task("authorize-entra-id", run_name="authorize-entra-id[{spec.session_id}]")
def authorize_entra_id(
    connection: VBRConnection, spec: EntraIdTenantRestoreAuthorizeSpec
) -> EntraIdTenantRestoreAuthorizeModel:
    """Hand VBR the authorization code the identity provider returned (single use)."""
    return get_client(connection).entra_id.authorize(spec)


@vbr_task("start-entra-id-tenant-restore", run_name="start-entra-id-tenant-restore[{tenant_name}]")
def start_entra_id_tenant_restore(
    connection: VBRConnection, tenant_name: str, spec: EntraIdTenantStartRestoreSpec
) -> EntraIdTenantBrowseMountModel:
    """Mount a tenant backup for restore.

    Not retried at task level: the mount can be neither listed nor read back. When the answer
    is lost after VBR started the restore session, the running restore session of the tenant
    that this run started is adopted (the mount is its session).
    """
    client = get_client(connection)
    try:
        mount = client.entra_id.start_tenant_restore(spec)
    except VBRError as exc:
        types = [SessionType.ENTRA_ID_RESTORE]
        session = session_of_lost_start(client, exc, types, tenant_name)
        mount = EntraIdTenantBrowseMountModel(session_id=session.id)
    get_run_logger().info("%s mounted for restore: session %s", tenant_name, mount.session_id)
    return mount


@vbr_task(
    "start-entra-id-tenant-restore-from-copy",
    run_name="start-entra-id-tenant-restore-from-copy[{tenant_name}]",
)
def start_entra_id_tenant_restore_from_copy(
    connection: VBRConnection, tenant_name: str, spec: EntraIdTenantStartRestoreFromCopySpec
) -> SessionModel:
    """Restore a tenant from a backup copy; answers the session.

    Not retried at task level: the spec has no field to mark and the naming of
    ``EntraIdRestoreFromCopy`` sessions is not documented, so a retry could not find its own.
    """
    session = get_client(connection).entra_id.start_tenant_restore_from_copy(spec)
    get_run_logger().info("restore of %s from copy started: session %s", tenant_name, session.id)
    return session


@vbr_task(
    "stop-entra-id-tenant-restore",
    run_name="stop-entra-id-tenant-restore[{session_id}]",
    stops_work=True,
)
def stop_entra_id_tenant_restore(
    connection: VBRConnection, session_id: UUID, spec: JobStopSpec | None = None
) -> SessionModel | None:
    """End a tenant restore session; already gone (404) counts as done."""
    try:
        return get_client(connection).entra_id.stop_tenant_restore(session_id, spec)
    except NotFound:
        get_run_logger().info("tenant restore %s is gone already", session_id)
        return None


@vbr_task("mount-entra-id-audit-log", run_name="mount-entra-id-audit-log[{tenant_name}]")
def mount_entra_id_audit_log(
    connection: VBRConnection, tenant_name: str, spec: UnstructuredDataMountSpec
) -> UnstructuredDataFlrBrowseMountModel:
    """Mount a tenant's audit log backup for browsing.

    Not retried at task level: the mount can be neither listed nor read back. When the answer
    is lost after VBR mounted the logs, the running browse session about the tenant that this
    run started is adopted. Set ``autoUnmount`` so that a mount left behind goes away by itself.
    """
    client = get_client(connection)
    try:
        mount = client.entra_id.mount_audit_log(spec)
    except VBRError as exc:
        types = [SessionType.FILE_LEVEL_RESTORE]
        session = session_of_lost_start(client, exc, types, tenant_name)
        mount = UnstructuredDataFlrBrowseMountModel(session_id=session.id)
    get_run_logger().info("audit log of %s mounted: session %s", tenant_name, mount.session_id)
    return mount


@vbr_task(
    "unmount-entra-id-audit-log",
    run_name="unmount-entra-id-audit-log[{session_id}]",
    stops_work=True,
)
def unmount_entra_id_audit_log(connection: VBRConnection, session_id: UUID) -> SessionModel | None:
    """Unmount an audit log mount; already gone (404) counts as done."""
    try:
        return get_client(connection).entra_id.unmount_audit_log(session_id)
    except NotFound:
        get_run_logger().info("audit log mount %s is gone already", session_id)
        return None
