"""The restore operator's Entra ID sign-in to a tenant restore session.

- Device code: ``deviceCode`` issues a user code valid ``device_code_ttl`` seconds;
  ``deviceCode/state`` is ``Pending`` until the simulated operator signs in (admin route
  ``POST /_sim/entra/deviceCodes/{userCode}/confirm``; ``/reject`` declines), then ``Success``
  with a ``credentialsId``; ``Failure`` once declined, expired, or its restore session ended.
- Authorization code: ``startAuthorization`` answers the sign-in address with a fresh
  ``state``; the simulated identity provider (admin route
  ``POST /_sim/entra/authCodes/{state}/approve`` or ``/deny``) answers what the browser would
  bring back to ``redirectUri``; ``authorize`` exchanges ``code`` + ``state`` (a state not
  issued for that session: 400; a wrong or reused code: ``successful: false``,
  ``invalid_grant``).
"""

from __future__ import annotations

import random
import string
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from drflow.vbr.models import entra_id as models

from ...errors import bad_request
from .state import AuthRequest, DeviceCode
from .workload import EntraIdWorkload

VERIFICATION_URL = "https://microsoft.com/devicelogin"
AUTHORITY = "https://login.microsoftonline.com"
SCOPE = "https://graph.microsoft.com/.default offline_access"
DEFAULT_SIGN_IN = "restore.operator"


class AdminError(Exception):
    """A refusal of the simulator's admin routes (``status``: 404 or 409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _code(rng: random.Random, length: int, alphabet: str) -> str:
    return "".join(alphabet[rng.randrange(len(alphabet))] for _ in range(length))


def issue_device_code(
    entra: EntraIdWorkload, spec: models.EntraIdTenantRestoreDeviceCodeSpec
) -> models.EntraIdTenantRestoreDeviceCodeModel:
    """Get a user code for the restore operator's Entra ID sign-in."""
    sim = entra.sim
    session_id = spec.session_id
    now = sim.now()
    with sim.lock:
        found = entra.tenant_session(session_id, "sessionId")
        if found.session.view(now).state in ("Stopping", "Stopped"):
            raise bad_request(
                f"sessionId: the restore session {session_id} of tenant {found.tenant.name} has "
                f"ended; start a new one.",
                session_id,
            )
        alphabet = string.ascii_uppercase + string.digits
        user_code = _code(sim.rng, 9, alphabet)
        while user_code in entra.state.device_codes:
            user_code = _code(sim.rng, 9, alphabet)
        ttl = sim.scaled(sim.estate.extra.entra_id.durations.device_code_ttl)
        code = DeviceCode(
            user_code=user_code,
            device_code=_code(sim.rng, 64, string.ascii_letters + string.digits + "-_"),
            session_id=session_id,
            issued=now,
            expires=now + timedelta(seconds=ttl),
        )
        entra.state.device_codes[user_code] = code
        return models.EntraIdTenantRestoreDeviceCodeModel(
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


def _code_status(entra: EntraIdWorkload, code: DeviceCode, now: datetime) -> tuple[str, str | None]:
    if code.decision == "confirmed":
        return "Success", None
    if code.decision == "rejected":
        return "Failure", "The sign-in request was declined."
    if now >= code.expires:
        return "Failure", f"The code {code.user_code} expired at {code.expires.isoformat()}."
    session = entra.state.tenant_sessions[code.session_id].session
    if session.view(now).state in ("Stopping", "Stopped"):
        return "Failure", f"The restore session {code.session_id} has ended."
    return "Pending", None


def device_code_state(
    entra: EntraIdWorkload, spec: models.EntraIdTenantRestoreDeviceCodeStateSpec
) -> models.EntraIdTenantRestoreDeviceCodeStateModel:
    """Get the state of a device-code sign-in (and its credentials once signed in)."""
    sim = entra.sim
    session_id, user_code = spec.session_id, spec.user_code
    now = sim.now()
    with sim.lock:
        entra.tenant_session(session_id, "sessionId")
        code = entra.state.device_codes.get(user_code)
        if code is None or code.session_id != session_id:
            raise bad_request(
                f"userCode: no device code {user_code!r} was issued for session {session_id}."
            )
        status, error = _code_status(entra, code, now)
        return models.EntraIdTenantRestoreDeviceCodeStateModel(
            status=status,
            credentials_id=code.credentials_id if status == "Success" else None,
            username=code.username if status == "Success" else None,
            error_message=error,
        )


def decide_device_code(
    entra: EntraIdWorkload, user_code: str, confirm: bool, username: str | None = None
) -> dict[str, Any]:
    """The simulated operator signs in with ``user_code`` (or declines)."""
    sim = entra.sim
    now = sim.now()
    with sim.lock:
        code = entra.state.device_codes.get(user_code)
        if code is None:
            raise AdminError(404, f"no device code {user_code!r} was issued")
        status, error = _code_status(entra, code, now)
        wanted = "confirmed" if confirm else "rejected"
        if code.decision == wanted:
            return _code_answer(code, status, error)
        if status != "Pending":
            raise AdminError(
                409, f"device code {user_code} is no longer pending: {status} ({error})"
            )
        code.decision, code.decided_at = wanted, now
        if confirm:
            tenant = entra.state.tenant_sessions[code.session_id].tenant
            code.username = username or f"{DEFAULT_SIGN_IN}@{tenant.name}"
            code.credentials_id = sim.new_id()
        status, error = _code_status(entra, code, now)
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
    entra: EntraIdWorkload, session_id: uuid.UUID, vdc_session_id: str, redirect_uri: str
) -> models.EntraIdTenantRestoreStartAuthorizationModel:
    """Get the sign-in address of an authorization-code sign-in."""
    sim = entra.sim
    now = sim.now()
    with sim.lock:
        found = entra.tenant_session(session_id, "sessionId")
        if found.session.view(now).state in ("Stopping", "Stopped"):
            raise bad_request(f"sessionId: the restore session {session_id} has ended.", session_id)
        if not vdc_session_id.strip():
            raise bad_request("vdcSessionId: must not be empty.")
        parts = urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise bad_request(f"redirectUri: {redirect_uri!r} is not an absolute http(s) URI.")
        state = _code(sim.rng, 32, string.hexdigits[:16])
        entra.state.authorizations[state] = AuthRequest(
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
        return models.EntraIdTenantRestoreStartAuthorizationModel(
            uri=f"{AUTHORITY}/{tenant.tenant_id}/oauth2/v2.0/authorize?{query}"
        )


def decide_authorization(
    entra: EntraIdWorkload, state: str, approve: bool, username: str | None = None
) -> dict[str, Any]:
    """The simulated identity provider answers a sign-in (what reaches ``redirectUri``)."""
    sim = entra.sim
    with sim.lock:
        request = entra.state.authorizations.get(state)
        if request is None:
            raise AdminError(404, f"no authorization with state {state!r} was started")
        if request.used:
            raise AdminError(409, f"the authorization with state {state} was already redeemed")
        if approve:
            if request.code is None:
                request.code = _code(sim.rng, 40, string.ascii_letters + string.digits)
                tenant = entra.state.tenant_sessions[request.session_id].tenant
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
    entra: EntraIdWorkload, spec: models.EntraIdTenantRestoreAuthorizeSpec
) -> models.EntraIdTenantRestoreAuthorizeModel:
    """Exchange the authorization code of a sign-in."""
    sim = entra.sim
    with sim.lock:
        entra.tenant_session(spec.session_id, "sessionId")
        request = entra.state.authorizations.get(spec.state or "")
        if request is None or request.session_id != spec.session_id:
            raise bad_request(
                f"state: {spec.state!r} does not match an authorization started for session "
                f"{spec.session_id}."
            )
        if spec.error:
            request.used = True
            return models.EntraIdTenantRestoreAuthorizeModel(
                successful=False, error=spec.error, error_description=spec.error_description
            )
        if not spec.code:
            raise bad_request("code: required unless error is given.")
        if request.used or request.code is None or spec.code != request.code:
            return models.EntraIdTenantRestoreAuthorizeModel(
                successful=False,
                error="invalid_grant",
                error_description=(
                    "The authorization code was already redeemed."
                    if request.used
                    else "The authorization code is not valid for this sign-in."
                ),
            )
        request.used = True
        return models.EntraIdTenantRestoreAuthorizeModel(
            successful=True, credentials_id=sim.new_id()
        )
