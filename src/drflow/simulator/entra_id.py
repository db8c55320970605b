"""Microsoft Entra ID restore: tenant mounts, the operator's sign-in, audit-log mounts.

- Tenant mount (``POST .../entraId/tenant``, 201 ``EntraIdTenantBrowseMountModel``): a holding
  ``EntraIdRestore`` session, mounted after ``start`` + ``mount`` seconds, until stopped.
- Restore from a backup copy (``.../tenant/fromCopy``, 201 ``SessionModel``): a holding
  ``EntraIdRestoreFromCopy`` session that first brings the copy's data back (``from_copy``
  seconds) then stays mounted like a tenant mount.
- Stop (``.../tenant/{sessionId}/stop``, 201 ``SessionModel``): ``gracefulStop`` (default
  true) unmounts in ``unmount`` seconds; false stops at once. Stopping a stopped session
  answers it as it is.
- Device-code sign-in: ``deviceCode`` issues a user code valid ``device_code_ttl`` seconds;
  ``deviceCode/state`` is ``Pending`` until the simulated operator signs in (admin route
  ``POST /_sim/entra/deviceCodes/{userCode}/confirm``; ``/reject`` declines), then ``Success``
  with a ``credentialsId``; ``Failure`` once declined, expired, or its restore session ended.
- Authorization-code sign-in: ``startAuthorization`` answers the sign-in address with a fresh
  ``state``; the simulated identity provider (admin route
  ``POST /_sim/entra/authCodes/{state}/approve`` or ``/deny``) answers what the browser would
  bring back to ``redirectUri``; ``authorize`` exchanges ``code`` + ``state`` (a state not
  issued for that session: 400; a wrong or reused code: ``successful: false``,
  ``invalid_grant``).
- Audit-log mount (``.../entraId/auditLog``, 201 ``UnstructuredDataFlrBrowseMountModel``) and
  unmount (201 ``SessionModel``): browse mounts like the unstructured data ones (a
  ``FileLevelRestore`` session).

Unknown sessions or backups in request bodies answer 400 (those operations document no 404);
an unknown ``sessionId`` in the stop and unmount paths answers 404.
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode, urlsplit

from drflow.vbr.models import (
    EntraIdTenantBrowseMountModel,
    EntraIdTenantBrowseSourceProperties,
    EntraIdTenantRestoreAuthorizeModel,
    EntraIdTenantRestoreAuthorizeSpec,
    EntraIdTenantRestoreDeviceCodeModel,
    EntraIdTenantRestoreDeviceCodeStateModel,
    EntraIdTenantRestoreStartAuthorizationModel,
    JobStopSpec,
    UnstructuredDataFlrBrowseMountModel,
    UnstructuredDataMountSpec,
)

from . import unstructured
from .auth import Principal
from .errors import bad_request, not_found
from .estate import EntraTenant, RestorePoint
from .sessions import LogTitles, Outcome, SessionRecord

if TYPE_CHECKING:
    from .state import Simulator

TENANT_PATH = "/api/v1/restore/entraId/tenant"
AUDIT_LOG_PATH = "/api/v1/restore/entraId/auditLog"
VERIFICATION_URL = "https://microsoft.com/devicelogin"
AUTHORITY = "https://login.microsoftonline.com"
SCOPE = "https://graph.microsoft.com/.default offline_access"
DEFAULT_SIGN_IN = "restore.operator"


@dataclass
class TenantSession:
    session: SessionRecord
    tenant: EntraTenant
    backup_id: uuid.UUID
    source: str  # "backup" | "backupCopy"
    point: RestorePoint | None
    initiated_by: str

    def state(self, now: datetime) -> str:
        view = self.session.view(now)
        if view.stopped:
            return "Stopped"
        if view.state == "Stopping":
            return "Stopping"
        return "Mounted" if now >= self.session.completes_at else "Mounting"

    def describe(self, now: datetime) -> dict[str, Any]:
        return {
            "kind": "EntraIdTenant",
            "id": str(self.session.id),
            "sessionId": str(self.session.id),
            "state": self.state(now),
            "name": self.tenant.name,
            "reason": None,
            "source": self.source,
            "backupId": str(self.backup_id),
            "restorePointId": str(self.point.model.id) if self.point else None,
            "initiatedBy": self.initiated_by,
            "createdAt": self.session.created.isoformat(),
        }


@dataclass
class DeviceCode:
    user_code: str
    device_code: str
    session_id: uuid.UUID
    issued: datetime
    expires: datetime
    decision: str | None = None  # "confirmed" | "rejected"
    decided_at: datetime | None = None
    username: str | None = None
    credentials_id: uuid.UUID | None = None


@dataclass
class AuthRequest:
    state: str
    session_id: uuid.UUID
    vdc_session_id: str
    redirect_uri: str
    created: datetime
    code: str | None = None
    denied: bool = False
    used: bool = False
    username: str | None = None


@dataclass
class EntraIdState:
    tenant_sessions: dict[uuid.UUID, TenantSession] = field(default_factory=dict)
    device_codes: dict[str, DeviceCode] = field(default_factory=dict)
    authorizations: dict[str, AuthRequest] = field(default_factory=dict)


class AdminError(Exception):
    """A refusal of the simulator's admin routes (``status``: 404 or 409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- tenant sessions -----------------------------------------------------------------------


def _tenant_session(sim: Simulator, session_id: uuid.UUID, field_name: str) -> TenantSession:
    found = sim.entra.tenant_sessions.get(session_id)
    if found is None:
        raise bad_request(
            f"{field_name}: no Microsoft Entra ID tenant restore session has ID {session_id}.",
            session_id,
        )
    return found


def _new_session(
    sim: Simulator,
    tenant: EntraTenant,
    kind: str,
    work_s: float,
    who: Principal,
    working: str,
) -> SessionRecord:
    d = sim.estate.extra.entra_id.durations
    session_id = sim.new_id()
    return SessionRecord(
        id=session_id,
        name=tenant.name,
        job_id=sim.new_id(),
        session_type=kind,
        created=sim.now(),
        starting_s=sim.scaled(d.start),
        work_s=work_s,
        outcome=Outcome("Success", f"Tenant {tenant.name} is mounted for restore"),
        titles=LogTitles(
            started=f"Starting restore session of tenant {tenant.name}",
            working=working,
            succeeded=[f"Tenant {tenant.name} is mounted for restore"],
        ),
        hold=True,
        initiated_by=who.username,
        resource_id=session_id,
        resource_reference=f"{TENANT_PATH}/{session_id}",
        platform_name="EntraID",
    )


def start_tenant_restore(
    sim: Simulator, backup_id: uuid.UUID, who: Principal
) -> EntraIdTenantBrowseMountModel:
    with sim.lock:
        entra = sim.estate.extra.entra_id
        found = entra.backups.get(backup_id)
        if found is None:
            raise bad_request(
                f"backupId: no Microsoft Entra ID tenant backup has ID {backup_id}.", backup_id
            )
        tenant, kind = found
        if kind == "copy":
            raise bad_request(
                f"backupId: {backup_id} is the backup copy of tenant {tenant.name}; restore from "
                f"a backup copy with POST {TENANT_PATH}/fromCopy.",
                backup_id,
            )
        if kind != "backup":
            raise bad_request(
                f"backupId: {backup_id} is the audit log backup of tenant {tenant.name}; mount "
                f"it with POST {AUDIT_LOG_PATH}.",
                backup_id,
            )
        d = entra.durations
        session = _new_session(
            sim,
            tenant,
            "EntraIdRestore",
            sim.scaled(d.mount),
            who,
            f"Mounting backup {tenant.backup.name} of tenant {tenant.name}",
        )
        sim.add_session(session)
        sim.entra.tenant_sessions[session.id] = TenantSession(
            session, tenant, backup_id, "backup", None, who.username
        )
        return EntraIdTenantBrowseMountModel(
            session_id=session.id,
            source_properties=EntraIdTenantBrowseSourceProperties(
                backup_id=backup_id, tenant_id=tenant.tenant_id, tenant_name=tenant.name
            ),
        )


def start_from_copy(sim: Simulator, point_id: uuid.UUID, who: Principal) -> SessionRecord:
    with sim.lock:
        entra = sim.estate.extra.entra_id
        found = entra.points.get(point_id)
        if found is None or found[1] != "copy":
            if found is None:
                what = "not a restore point of a Microsoft Entra ID tenant backup copy"
            else:
                source = "audit log backup" if found[1] == "auditLog" else "backup"
                what = (
                    f"a restore point of the {source} of tenant {found[0].name}, not of its "
                    f"backup copy"
                )
            raise bad_request(f"restorePointId: {point_id} is {what}.", point_id)
        tenant, _, point = found
        d = entra.durations
        date = point.model.creation_time.strftime("%Y-%m-%d %H:%M:%S")
        session = _new_session(
            sim,
            tenant,
            "EntraIdRestoreFromCopy",
            sim.scaled(d.from_copy + d.mount),
            who,
            f"Retrieving the restore point of {date} from backup copy "
            f"{tenant.copy.name if tenant.copy else ''}",
        )
        sim.add_session(session)
        sim.entra.tenant_sessions[session.id] = TenantSession(
            session, tenant, point.model.backup_id, "backupCopy", point, who.username
        )
        return session


def stop_tenant_restore(
    sim: Simulator, session_id: uuid.UUID, spec: JobStopSpec | None, who: Principal
) -> SessionRecord:
    now = sim.now()
    with sim.lock:
        found = sim.entra.tenant_sessions.get(session_id)
        if found is None:
            raise not_found("Microsoft Entra ID tenant restore session", session_id)
        graceful = spec is None or spec.graceful_stop
        d = sim.estate.extra.entra_id.durations
        how = "gracefully" if graceful else "immediately"
        if found.session.request_stop(
            now,
            sim.scaled(d.unmount) if graceful else 0.0,
            Outcome("Success", f"Tenant {found.tenant.name} has been unmounted ({how})"),
            title=f"Stopping restore session of tenant {found.tenant.name} {how} "
            f"(requested by {who.username})",
            stopped_title=f"Tenant {found.tenant.name} has been unmounted",
        ):
            found.session.usn = sim.next_usn()
        return found.session


# --- device-code sign-in -------------------------------------------------------------------


def _code(sim: Simulator, length: int, alphabet: str) -> str:
    return "".join(alphabet[sim.rng.randrange(len(alphabet))] for _ in range(length))


def issue_device_code(sim: Simulator, session_id: uuid.UUID) -> EntraIdTenantRestoreDeviceCodeModel:
    now = sim.now()
    with sim.lock:
        found = _tenant_session(sim, session_id, "sessionId")
        if found.session.view(now).state in ("Stopping", "Stopped"):
            raise bad_request(
                f"sessionId: the restore session {session_id} of tenant {found.tenant.name} has "
                f"ended; start a new one.",
                session_id,
            )
        alphabet = string.ascii_uppercase + string.digits
        user_code = _code(sim, 9, alphabet)
        while user_code in sim.entra.device_codes:
            user_code = _code(sim, 9, alphabet)
        ttl = sim.scaled(sim.estate.extra.entra_id.durations.device_code_ttl)
        code = DeviceCode(
            user_code=user_code,
            device_code=_code(sim, 64, string.ascii_letters + string.digits + "-_"),
            session_id=session_id,
            issued=now,
            expires=now + timedelta(seconds=ttl),
        )
        sim.entra.device_codes[user_code] = code
        return EntraIdTenantRestoreDeviceCodeModel(
            user_code=user_code,
            device_code=code.device_code,
            verification_url=VERIFICATION_URL,
            message=(
                f"Open {VERIFICATION_URL} in a browser and enter the code {user_code} to sign "
                f"in to tenant {found.tenant.name}."
            ),
            client_id=str(found.tenant.app_client_id),
            expires_on=code.expires,
        )


def _code_status(sim: Simulator, code: DeviceCode, now: datetime) -> tuple[str, str | None]:
    if code.decision == "confirmed":
        return "Success", None
    if code.decision == "rejected":
        return "Failure", "The sign-in request was declined."
    if now >= code.expires:
        return "Failure", f"The code {code.user_code} expired at {code.expires.isoformat()}."
    session = sim.entra.tenant_sessions[code.session_id].session
    if session.view(now).state in ("Stopping", "Stopped"):
        return "Failure", f"The restore session {code.session_id} has ended."
    return "Pending", None


def device_code_state(
    sim: Simulator, session_id: uuid.UUID, user_code: str
) -> EntraIdTenantRestoreDeviceCodeStateModel:
    now = sim.now()
    with sim.lock:
        _tenant_session(sim, session_id, "sessionId")
        code = sim.entra.device_codes.get(user_code)
        if code is None or code.session_id != session_id:
            raise bad_request(
                f"userCode: no device code {user_code!r} was issued for session {session_id}."
            )
        status, error = _code_status(sim, code, now)
        return EntraIdTenantRestoreDeviceCodeStateModel(
            status=status,
            credentials_id=code.credentials_id if status == "Success" else None,
            username=code.username if status == "Success" else None,
            error_message=error,
        )


def decide_device_code(
    sim: Simulator, user_code: str, confirm: bool, username: str | None = None
) -> dict[str, Any]:
    """The simulated operator signs in with ``user_code`` (or declines)."""
    now = sim.now()
    with sim.lock:
        code = sim.entra.device_codes.get(user_code)
        if code is None:
            raise AdminError(404, f"no device code {user_code!r} was issued")
        status, error = _code_status(sim, code, now)
        wanted = "confirmed" if confirm else "rejected"
        if code.decision == wanted:
            return _code_answer(code, status, error)
        if status != "Pending":
            raise AdminError(
                409, f"device code {user_code} is no longer pending: {status} ({error})"
            )
        code.decision, code.decided_at = wanted, now
        if confirm:
            tenant = sim.entra.tenant_sessions[code.session_id].tenant
            code.username = username or f"{DEFAULT_SIGN_IN}@{tenant.name}"
            code.credentials_id = sim.new_id()
        status, error = _code_status(sim, code, now)
        return _code_answer(code, status, error)


def _code_answer(code: DeviceCode, status: str, error: str | None) -> dict[str, Any]:
    return {
        "userCode": code.user_code,
        "sessionId": str(code.session_id),
        "status": status,
        "username": code.username,
        "credentialsId": str(code.credentials_id) if code.credentials_id else None,
        "errorMessage": error,
    }


# --- authorization-code sign-in ------------------------------------------------------------


def start_authorization(
    sim: Simulator, session_id: uuid.UUID, vdc_session_id: str, redirect_uri: str
) -> EntraIdTenantRestoreStartAuthorizationModel:
    now = sim.now()
    with sim.lock:
        found = _tenant_session(sim, session_id, "sessionId")
        if found.session.view(now).state in ("Stopping", "Stopped"):
            raise bad_request(f"sessionId: the restore session {session_id} has ended.", session_id)
        if not vdc_session_id.strip():
            raise bad_request("vdcSessionId: must not be empty.")
        parts = urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad_request(f"redirectUri: {redirect_uri!r} is not an absolute http(s) URI.")
        state = _code(sim, 32, string.hexdigits[:16])
        sim.entra.authorizations[state] = AuthRequest(
            state, session_id, vdc_session_id, redirect_uri, now
        )
        tenant = found.tenant
        query = urlencode(
            {
                "client_id": str(tenant.app_client_id),
                "response_type": "code",
                "redirect_uri": redirect_uri,
                "response_mode": "query",
                "scope": SCOPE,
                "state": state,
            },
            quote_via=quote,
        )
        return EntraIdTenantRestoreStartAuthorizationModel(
            uri=f"{AUTHORITY}/{tenant.tenant_id}/oauth2/v2.0/authorize?{query}"
        )


def decide_authorization(
    sim: Simulator, state: str, approve: bool, username: str | None = None
) -> dict[str, Any]:
    """The simulated identity provider answers a sign-in (what reaches ``redirectUri``)."""
    with sim.lock:
        request = sim.entra.authorizations.get(state)
        if request is None:
            raise AdminError(404, f"no authorization with state {state!r} was started")
        if request.used:
            raise AdminError(409, f"the authorization with state {state} was already redeemed")
        if approve:
            if request.code is None:
                request.code = _code(sim, 40, string.ascii_letters + string.digits)
                tenant = sim.entra.tenant_sessions[request.session_id].tenant
                request.username = username or f"{DEFAULT_SIGN_IN}@{tenant.name}"
            request.denied = False
            params = {"code": request.code, "state": state}
        else:
            request.denied, request.code = True, None
            params = {
                "error": "access_denied",
                "error_description": "The user declined the sign-in.",
                "state": state,
            }
        sep = "&" if "?" in request.redirect_uri else "?"
        return {
            **params,
            "sessionId": str(request.session_id),
            "redirect": f"{request.redirect_uri}{sep}{urlencode(params, quote_via=quote)}",
        }


def authorize(
    sim: Simulator, spec: EntraIdTenantRestoreAuthorizeSpec
) -> EntraIdTenantRestoreAuthorizeModel:
    with sim.lock:
        _tenant_session(sim, spec.session_id, "sessionId")
        request = sim.entra.authorizations.get(spec.state or "")
        if request is None or request.session_id != spec.session_id:
            raise bad_request(
                f"state: {spec.state!r} does not match an authorization started for session "
                f"{spec.session_id}."
            )
        if spec.error:
            request.used = True
            return EntraIdTenantRestoreAuthorizeModel(
                successful=False, error=spec.error, error_description=spec.error_description
            )
        if not spec.code:
            raise bad_request("code: required unless error is given.")
        if request.used or request.code is None or spec.code != request.code:
            return EntraIdTenantRestoreAuthorizeModel(
                successful=False,
                error="invalid_grant",
                error_description=(
                    "The authorization code was already redeemed."
                    if request.used
                    else "The authorization code is not valid for this sign-in."
                ),
            )
        request.used = True
        return EntraIdTenantRestoreAuthorizeModel(successful=True, credentials_id=sim.new_id())


# --- audit-log mounts ----------------------------------------------------------------------


def mount_audit_log(
    sim: Simulator, spec: UnstructuredDataMountSpec, who: Principal
) -> UnstructuredDataFlrBrowseMountModel:
    with sim.lock:
        entra = sim.estate.extra.entra_id
        point: RestorePoint | None = None
        if spec.restore_point_id is None and spec.backup_id is None:
            raise bad_request("restorePointId: give restorePointId or backupId.")
        if spec.restore_point_id is not None:
            found = entra.points.get(spec.restore_point_id)
            if found is None or found[1] != "auditLog":
                raise bad_request(
                    f"restorePointId: {spec.restore_point_id} is not a restore point of a "
                    f"Microsoft Entra ID audit log backup.",
                    spec.restore_point_id,
                )
            tenant, _, point = found
            if spec.backup_id is not None and spec.backup_id != point.model.backup_id:
                raise bad_request(
                    f"backupId: restore point {point.model.id} belongs to backup "
                    f"{point.model.backup_id}, not {spec.backup_id}."
                )
        else:
            owner = entra.backups.get(spec.backup_id)  # type: ignore[arg-type]
            if owner is None or owner[1] != "auditLog":
                raise bad_request(
                    f"backupId: {spec.backup_id} is not a Microsoft Entra ID audit log backup.",
                    spec.backup_id,
                )
            tenant = owner[0]
            points = [
                p for t, kind, p in entra.points.values() if t is tenant and kind == "auditLog"
            ]
            point = max(points, key=lambda p: p.model.creation_time)
        d = entra.durations
        _, model = unstructured.start_browse(
            sim,
            spec,
            who,
            kind="EntraIdAuditLog",
            points=[point],
            backup_id=point.model.backup_id,
            name=f"Audit log of {tenant.name}",
            separator="/",
            start_s=sim.scaled(d.start),
            mount_s=sim.scaled(d.mount),
            unmount_duration=d.unmount,
            resource_path=AUDIT_LOG_PATH + "/{id}",
        )
        return model


def unmount_audit_log(sim: Simulator, session_id: uuid.UUID, who: Principal) -> SessionRecord:
    return unstructured.stop_browse(sim, session_id, "EntraIdAuditLog", who)


def describe_mounts(sim: Simulator, now: datetime, include_gone: bool) -> list[dict[str, Any]]:
    """Tenant sessions (audit-log mounts are listed with the browse mounts)."""
    with sim.lock:
        sessions = sorted(sim.entra.tenant_sessions.values(), key=lambda t: t.session.created)
        return [t.describe(now) for t in sessions if include_gone or t.state(now) != "Stopped"]


def stop_session(sim: Simulator, record: SessionRecord, who: Principal) -> bool:
    """``POST /sessions/{id}/stop`` for tenant restore sessions (a graceful stop); audit-log
    mounts are browse mounts (:func:`drflow.simulator.unstructured.stop_session`)."""
    with sim.lock:
        found = sim.entra.tenant_sessions.get(record.id)
        if found is None or found.session is not record:
            return False
        stop_tenant_restore(sim, record.id, None, who)
        return True
