"""Users, tokens and the checks every ``/api`` request goes through.

- Users: ``SimulatorConfig.users`` (default ``administrator``, ``restore-operator``,
  ``viewer``), one password for all (``SimulatorConfig.password``).
- ``POST /api/oauth2/token`` (form-encoded): ``grant_type`` ``Password`` or ``Refresh_token``
  (the lower-case spellings of earlier revisions are accepted too). Bad credentials: 401.
  Refresh tokens are single-use: a used, unknown or logged-out one answers 401
  ``InvalidToken``, an expired one 401 ``ExpiredToken``. The previous access token stays valid
  until it expires. ``use_short_term_refresh=true`` makes the refresh token live
  ``token_ttl`` + 15 minutes instead of ``refresh_token_ttl``. Token lifetimes are real
  seconds (``speed`` does not shorten them). ``POST /_sim/tokens/refuse-refresh`` makes the
  next refresh fail with 401 ``InvalidToken``.
- ``POST /api/oauth2/logout`` revokes the caller's access token and its refresh token.
- Bearer checks: missing or unknown token: 401 ``InvalidToken``; expired: 401 ``ExpiredToken``.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from drflow.vbr.models import TokenModel

from .errors import ApiError
from .roles import Role

SHORT_TERM_EXTRA = timedelta(minutes=15)


@dataclass(frozen=True)
class Principal:
    username: str
    role: Role
    access_token: str


@dataclass
class _Access:
    username: str
    role: Role
    issued: datetime
    expires: datetime
    refresh_token: str
    revoked: bool = False


@dataclass
class _Refresh:
    username: str
    role: Role
    expires: datetime
    access_token: str
    used: bool = False


class TokenStore:
    """Issued tokens; values are random and never logged or reported."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, _Refresh] = {}
        self.issued_count = 0
        self.refreshed_count = 0
        self.refused_count = 0
        self._refuse_refreshes = 0

    def refuse_next_refresh(self, count: int = 1) -> None:
        """Refuse the next ``count`` refreshes (401 ``InvalidToken``), as VBR does with a
        refresh token it no longer knows."""
        with self._lock:
            self._refuse_refreshes += count

    def issue(
        self,
        username: str,
        role: Role,
        now: datetime,
        ttl: int,
        refresh_ttl: int,
        short_term_refresh: bool = False,
    ) -> TokenModel:
        access = "sim." + secrets.token_urlsafe(32)
        refresh = "simr." + secrets.token_urlsafe(32)
        expires = now + timedelta(seconds=ttl)
        refresh_expires = (
            expires + SHORT_TERM_EXTRA
            if short_term_refresh
            else now + timedelta(seconds=refresh_ttl)
        )
        with self._lock:
            self._access[access] = _Access(username, role, now, expires, refresh)
            self._refresh[refresh] = _Refresh(username, role, refresh_expires, access)
            self.issued_count += 1
        return TokenModel(
            access_token=access,
            token_type="bearer",  # noqa: S106 - the scheme, not a secret
            refresh_token=refresh,
            expires_in=ttl,
            issued=now,
            expires=expires,
        )

    def redeem_refresh(self, value: str, now: datetime) -> tuple[str, Role]:
        """Use a refresh token once; the user and role it was issued to."""
        with self._lock:
            record = self._refresh.get(value)
            if record is None or record.used:
                raise ApiError(
                    401, "InvalidToken", "The refresh token is invalid or was already used."
                )
            if now >= record.expires:
                raise ApiError(401, "ExpiredToken", "The refresh token has expired.")
            record.used = True
            if self._refuse_refreshes:
                self._refuse_refreshes -= 1
                self.refused_count += 1
                raise ApiError(401, "InvalidToken", "The refresh token is invalid.")
            self.refreshed_count += 1
            return record.username, record.role

    def authenticate(self, authorization: str | None, now: datetime) -> Principal:
        if not authorization:
            raise ApiError(401, "InvalidToken", "Authorization header is missing.")
        scheme, _, value = authorization.strip().partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value:
            raise ApiError(401, "InvalidToken", "Authorization header must be 'Bearer <token>'.")
        with self._lock:
            record = self._access.get(value)
            if record is None or record.revoked:
                raise ApiError(401, "InvalidToken", "The access token is invalid.")
            if now >= record.expires:
                raise ApiError(401, "ExpiredToken", "The access token has expired.")
            return Principal(record.username, record.role, value)

    def logout(self, access_token: str) -> None:
        with self._lock:
            record = self._access.get(access_token)
            if record is None:
                return
            record.revoked = True
            refresh = self._refresh.get(record.refresh_token)
            if refresh is not None:
                refresh.used = True

    def revoke_all(self) -> int:
        """Forget every session, as a restarted server would; how many access tokens were live."""
        with self._lock:
            live = sum(1 for record in self._access.values() if not record.revoked)
            for record in self._access.values():
                record.revoked = True
            for refresh in self._refresh.values():
                refresh.used = True
            return live

    def issued_values(self) -> list[str]:
        """Every access and refresh token ever issued, for tests that prove none leaked."""
        with self._lock:
            return [*self._access, *self._refresh]

    def active_count(self, now: datetime) -> int:
        with self._lock:
            return sum(1 for r in self._access.values() if not r.revoked and now < r.expires)
