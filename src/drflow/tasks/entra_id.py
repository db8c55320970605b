"""Tasks over Microsoft Entra ID restore: sign-in, tenant mounts, audit-log mounts.

Tenant and audit-log mounts can be neither listed nor read back, and their specs have no field
to mark: a start whose answer was lost adopts the one running session of its kind that this
client started since (several: ``AmbiguousAdoption``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from prefect import get_run_logger

from drflow.vbr import wait_for_device_code
from drflow.vbr.adoption import find_session
from drflow.vbr.models import (
    JobStopSpec,
    SessionModel,
    SessionType,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
)
from drflow.vbr.models import entra_id as entra
from drflow.vbr.stops import ENTRA_AUDIT_LOG, ENTRA_TENANT_RESTORE

from ._common import start_once, stop_logged, vbr_task
from ._connection import VBRConnection, get_client

M = TypeVar("M")


@vbr_task("get-entra-id-device-code", run_name="get-entra-id-device-code[{spec.session_id}]")
def get_entra_id_device_code(
    connection: VBRConnection, spec: entra.EntraIdTenantRestoreDeviceCodeSpec
) -> entra.EntraIdTenantRestoreDeviceCodeModel:
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
    connection: VBRConnection, spec: entra.EntraIdTenantRestoreDeviceCodeStateSpec
) -> entra.EntraIdTenantRestoreDeviceCodeStateModel:
    """Whether the operator has signed in with the device code yet (one read)."""
    return get_client(connection).entra_id.get_device_code_state(spec)


@vbr_task("wait-for-entra-id-sign-in", run_name="wait-for-entra-id-sign-in[{spec.user_code}]")
def wait_for_entra_id_sign_in(
    connection: VBRConnection,
    spec: entra.EntraIdTenantRestoreDeviceCodeStateSpec,
    *,
    timeout: float = 900.0,
) -> entra.EntraIdTenantRestoreDeviceCodeStateModel:
    """Poll the device-code sign-in until it is no longer ``Pending``, inside this one task."""
    state = wait_for_device_code(get_client(connection), spec, timeout=timeout)
    get_run_logger().info("Entra ID sign-in: %s", state.status)
    return state


@vbr_task("start-entra-id-authorization", run_name="start-entra-id-authorization[{session_id}]")
def start_entra_id_authorization(
    connection: VBRConnection, session_id: UUID, vdc_session_id: str, redirect_uri: str
) -> entra.EntraIdTenantRestoreStartAuthorizationModel:
    """The Entra ID sign-in address to send the restore operator to."""
    return get_client(connection).entra_id.start_authorization(
        session_id, vdc_session_id=vdc_session_id, redirect_uri=redirect_uri
    )


@vbr_task("authorize-entra-id", run_name="authorize-entra-id[{spec.session_id}]")
def authorize_entra_id(
    connection: VBRConnection, spec: entra.EntraIdTenantRestoreAuthorizeSpec
) -> entra.EntraIdTenantRestoreAuthorizeModel:
    """Hand VBR the authorization code the identity provider returned (single use)."""
    return get_client(connection).entra_id.authorize(spec)


def _running_session(
    connection: VBRConnection, session_type: SessionType, *, platform: str | None = None
) -> Callable[[datetime], SessionModel | None]:
    """A finder: the one running session of ``session_type`` this client started since."""

    def find(since: datetime) -> SessionModel | None:
        client = get_client(connection)
        return find_session(client, [session_type], since, platform=platform, running=True)

    return find


def _mount_of(
    find: Callable[[datetime], SessionModel | None], model: Callable[..., M]
) -> Callable[[datetime], M | None]:
    """A finder of a mount whose session is all VBR shows of it (``model(session_id=...)``)."""

    def find_mount(since: datetime) -> M | None:
        session = find(since)
        return None if session is None else model(session_id=session.id)

    return find_mount


@vbr_task("start-entra-id-tenant-restore", run_name="start-entra-id-tenant-restore[{tenant_name}]")
def start_entra_id_tenant_restore(
    connection: VBRConnection, tenant_name: str, spec: entra.EntraIdTenantStartRestoreSpec
) -> entra.EntraIdTenantBrowseMountModel:
    """Mount a tenant backup for restore; a lost answer adopts the running ``EntraIdRestore``
    session this client started (the mount is its session)."""
    client = get_client(connection)
    return start_once(
        client,
        lambda: client.entra_id.start_tenant_restore(spec),
        _mount_of(
            _running_session(connection, SessionType.ENTRA_ID_RESTORE),
            entra.EntraIdTenantBrowseMountModel,
        ),
        what=f"restore of tenant {tenant_name}",
    )


@vbr_task(
    "start-entra-id-tenant-restore-from-copy",
    run_name="start-entra-id-tenant-restore-from-copy[{tenant_name}]",
)
def start_entra_id_tenant_restore_from_copy(
    connection: VBRConnection, tenant_name: str, spec: entra.EntraIdTenantStartRestoreFromCopySpec
) -> SessionModel:
    """Restore a tenant from a backup copy; answers the session. A lost answer adopts the
    running ``EntraIdRestoreFromCopy`` session this client started."""
    client = get_client(connection)
    return start_once(
        client,
        lambda: client.entra_id.start_tenant_restore_from_copy(spec),
        _running_session(connection, SessionType.ENTRA_ID_RESTORE_FROM_COPY),
        what=f"restore of tenant {tenant_name} from its copy",
    )


@vbr_task("stop-entra-id-tenant-restore", run_name="stop-entra-id-tenant-restore[{session_id}]")
def stop_entra_id_tenant_restore(
    connection: VBRConnection, session_id: UUID, spec: JobStopSpec | None = None
) -> SessionModel | None:
    """End a tenant restore session, through outages; already ending or gone counts as done."""
    target = ENTRA_TENANT_RESTORE
    if spec is not None:
        target = replace(target, stop=lambda c, i: c.entra_id.stop_tenant_restore(i, spec))
    return stop_logged(connection, target, session_id, f"tenant restore {session_id}", wait=False)


@vbr_task("mount-entra-id-audit-log", run_name="mount-entra-id-audit-log[{tenant_name}]")
def mount_entra_id_audit_log(
    connection: VBRConnection, tenant_name: str, spec: UnstructuredDataMountSpec
) -> UnstructuredDataFlrBrowseMountModel:
    """Mount a tenant's audit log backup for browsing.

    A lost answer adopts the running browse session of Entra ID data this client started. Set
    ``autoUnmount`` so that a mount left behind goes away by itself.
    """
    client = get_client(connection)
    return start_once(
        client,
        lambda: client.entra_id.mount_audit_log(spec),
        _mount_of(
            _running_session(connection, SessionType.FILE_LEVEL_RESTORE, platform="EntraID"),
            UnstructuredDataFlrBrowseMountModel,
        ),
        what=f"audit log mount of {tenant_name}",
    )


@vbr_task("unmount-entra-id-audit-log", run_name="unmount-entra-id-audit-log[{session_id}]")
def unmount_entra_id_audit_log(connection: VBRConnection, session_id: UUID) -> SessionModel | None:
    """Unmount an audit log mount, through outages; already ending or gone counts as done."""
    return stop_logged(
        connection, ENTRA_AUDIT_LOG, session_id, f"audit log mount {session_id}", wait=False
    )
