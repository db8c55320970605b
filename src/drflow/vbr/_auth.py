"""OAuth2 password-grant authentication for VBR, as an ``httpx.Auth`` flow.

- The first request logs in (``POST /api/oauth2/token``, ``grant_type=Password``).
- The token is renewed *before* it expires: the margin is a tenth of the ``expires_in`` the
  server gave (at least one second), measured on the local monotonic clock so that clock skew
  between drflow and VBR does not matter.
- Refresh tokens are single-use: each is forgotten the moment it is sent. It is used even when
  the access token has expired meanwhile; a refused refresh falls back to a fresh login.
- A 401 on a request re-authenticates once and resends it; a second 401 is returned as is.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass

import httpx
from pydantic import SecretStr, ValidationError

from ._exceptions import UnexpectedResponse, error_from_response
from .models import LoginGrantType, TokenLoginSpec, TokenModel

logger = logging.getLogger("drflow.vbr")

TOKEN_PATH = "/api/oauth2/token"
LOGOUT_PATH = "/api/oauth2/logout"


@dataclass
class _Token:
    access: str
    refresh: str | None
    refresh_at: float  # monotonic


class VBRAuth(httpx.Auth):
    """Logs in to VBR, keeps the access token fresh and re-authenticates on 401."""

    requires_response_body = True

    def __init__(
        self,
        base_url: str,
        username: str,
        password: SecretStr,
        api_version: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base_url = httpx.URL(base_url)
        self._username = username
        self._password = password
        self._api_version = api_version
        self._clock = clock
        self._token: _Token | None = None
        self._lock = threading.RLock()
        self.logins = 0
        self.refreshes = 0

    def __repr__(self) -> str:
        return f"VBRAuth(user={self._username!r}, url={str(self._base_url)!r})"

    @property
    def access_token(self) -> str | None:
        """The current access token, if logged in (for logout; never log it)."""
        token = self._token
        return token.access if token else None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            if self._needs_token():
                yield from self._authenticate()
            assert self._token is not None
            sent_with = self._token.access
        request.headers["Authorization"] = f"Bearer {sent_with}"
        response = yield request
        if response.status_code != 401:
            return
        with self._lock:
            if self._token is None or self._token.access == sent_with:
                logger.info("VBR answered 401; logging in again and resending once")
                self._token = None
                yield from self._login()
            assert self._token is not None
            request.headers["Authorization"] = f"Bearer {self._token.access}"
        yield request

    def forget(self) -> None:
        """Drop the tokens (after logout)."""
        with self._lock:
            self._token = None

    def logout_request(self) -> httpx.Request | None:
        """The logout request for the current token, or None when not logged in."""
        token = self._token
        if token is None:
            return None
        return httpx.Request(
            "POST",
            self._base_url.join(LOGOUT_PATH),
            headers={"x-api-version": self._api_version, "Authorization": f"Bearer {token.access}"},
        )

    def _needs_token(self) -> bool:
        return self._token is None or self._clock() >= self._token.refresh_at

    def _authenticate(self) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._token
        # a refresh token outlives its access token (VBR: days), so an access token that
        # expired while the client was idle is renewed without sending the password again
        if token is not None and token.refresh:
            refresh, token.refresh = token.refresh, None  # single-use: never send it twice
            spec = TokenLoginSpec(grant_type=LoginGrantType.REFRESH_TOKEN, refresh_token=refresh)
            response = yield self._token_request(spec)
            if response.status_code == 200:
                self._store(response)
                self.refreshes += 1
                return
            logger.info(
                "VBR refused the refresh token (%s); logging in again", response.status_code
            )
        self._token = None
        yield from self._login()

    def _login(self) -> Generator[httpx.Request, httpx.Response, None]:
        spec = TokenLoginSpec(
            grant_type=LoginGrantType.PASSWORD,
            username=self._username,
            password=self._password.get_secret_value(),
        )
        response = yield self._token_request(spec)
        if response.status_code != 200:
            refused = response.status_code in (400, 401, 403)
            # the request we were asked to send never left: request_sent=False
            raise error_from_response(
                response, request_sent=False, explain=self._login_refused if refused else None
            )
        self._store(response)
        self.logins += 1

    def _login_refused(self, message: str) -> str:
        return (
            f"VBR refused the login of user {self._username!r}: {message}. "
            "Check DRFLOW_VBR_USERNAME / DRFLOW_VBR_PASSWORD or the Secret block."
        )

    def _token_request(self, spec: TokenLoginSpec) -> httpx.Request:
        return httpx.Request(
            "POST",
            self._base_url.join(TOKEN_PATH),
            headers={"x-api-version": self._api_version, "Accept": "application/json"},
            data=spec.to_form(),
        )

    def _store(self, response: httpx.Response) -> None:
        try:
            model = TokenModel.model_validate_json(response.content)
        except ValidationError as exc:
            raise UnexpectedResponse(
                status_code=response.status_code,
                method="POST",
                path=TOKEN_PATH,
                message=f"the token answer breaks the contract: {_fields(exc)}",
                request_sent=False,
            ) from None
        now = self._clock()
        lifetime = max(float(model.expires_in), 0.0)
        margin = max(lifetime / 10, 1.0) if lifetime > 1 else 0.0
        self._token = _Token(
            access=model.access_token,
            refresh=model.refresh_token,
            refresh_at=now + lifetime - margin,
        )


def _fields(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()
    )


__all__ = ["LOGOUT_PATH", "TOKEN_PATH", "VBRAuth"]
