"""The VBR REST client: one httpx client, authentication, TLS trust, retries, parsing."""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Mapping
from typing import Any, TypeVar, overload

import httpx
from pydantic import TypeAdapter, ValidationError

from ._auth import VBRAuth
from ._exceptions import (
    UnexpectedResponse,
    VBRAPIError,
    VBRConfigError,
    VBRConnectError,
    VBRTimeoutError,
    VBRTransportError,
    error_from_response,
)
from ._retry import RetryPolicy, is_transient
from ._settings import VBRSettings
from ._tls import ssl_verify, system_trust, untrusted_certificate_error
from .outages import Outages
from .polling import Backoff

logger = logging.getLogger("drflow.vbr")

T = TypeVar("T")

SIMULATOR_HEADER = "x-drflow-simulator"
"""Sent by the drflow VBR simulator with every answer; never by a real VBR."""

_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


class VBRClient:
    """A connection to one VBR server.

    Operations are grouped by what they act on: ``client.sessions``, ``client.restore_points``,
    ``client.backups``, ``client.server``, ``client.vsphere``. The client is thread-safe and
    should be closed (or used as a context manager), which logs out.

    A call that fails transiently is retried (``retry``) for the outage tolerance of the
    settings, or within the budget around it (:mod:`drflow.vbr.budgets`); ``outages``
    records the time VBR was unavailable.

    >>> with VBRClient(VBRSettings(url="https://vbr:9419", username="u", password="p")) as vbr:
    ...     vbr.server.info().build_version
    """

    def __init__(
        self,
        settings: VBRSettings | None = None,
        *,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        **overrides: Any,
    ) -> None:
        if settings is None:
            settings = VBRSettings.resolve(**overrides)
        elif overrides:
            settings = settings.model_copy(update=overrides)
        if not settings.username or not settings.password:  # an empty SecretStr is falsy
            raise VBRConfigError(
                "no VBR credentials: set DRFLOW_VBR_USERNAME and DRFLOW_VBR_PASSWORD "
                "(or name a Prefect Secret block holding them)"
            )
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self.backoff = Backoff(initial=settings.poll_initial, cap=settings.poll_max)
        self.outages = Outages(settings.url)
        self._transport = transport
        self._auth = VBRAuth(
            settings.url, settings.username, settings.password, settings.api_version
        )
        self._http: httpx.Client | None = None
        self._lock = threading.Lock()
        self._simulator = False

        from .api import (
            AzureAPI,
            BackupsAPI,
            EntraIdAPI,
            FcdAPI,
            FlrAPI,
            HyperVAPI,
            RestorePointsAPI,
            ServerAPI,
            SessionsAPI,
            UnstructuredDataAPI,
            VMRestoreAPI,
            VSphereAPI,
        )

        self.sessions = SessionsAPI(self)
        self.restore_points = RestorePointsAPI(self)
        self.backups = BackupsAPI(self)
        self.server = ServerAPI(self)
        self.vsphere = VSphereAPI(self)
        self.hyperv = HyperVAPI(self)
        self.azure = AzureAPI(self)
        self.fcd = FcdAPI(self)
        self.unstructured = UnstructuredDataAPI(self)
        self.vm_restore = VMRestoreAPI(self)
        self.flr = FlrAPI(self)
        self.entra_id = EntraIdAPI(self)

    def __repr__(self) -> str:
        return f"VBRClient(url={self.settings.url!r}, user={self.settings.username!r})"

    def __enter__(self) -> VBRClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def auth(self) -> VBRAuth:
        return self._auth

    @property
    def answered_by_simulator(self) -> bool:
        """Whether the server answered as the drflow VBR simulator (its ``x-drflow-simulator``
        header, which a real VBR never sends): evidence must not pass it off as VBR."""
        return self._simulator

    def _client(self) -> httpx.Client:
        # Created on first use: pinning a fingerprint talks to the server, which a constructor
        # should not do.
        with self._lock:
            if self._http is None:
                s = self.settings
                host, port = s.host_port
                # Plain http uses no TLS; handing httpx a context spares it loading its own.
                verify: ssl.SSLContext | bool = system_trust()
                if s.url.startswith("https"):
                    verify = ssl_verify(
                        host,
                        port,
                        ca_bundle=str(s.ca_bundle) if s.ca_bundle else None,
                        fingerprint=s.fingerprint,
                        insecure=s.insecure,
                        timeout=s.connect_timeout,
                    )
                self._http = httpx.Client(
                    base_url=s.url,
                    auth=self._auth,
                    verify=verify,
                    transport=self._transport,
                    headers={"x-api-version": s.api_version, "Accept": "application/json"},
                    timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
                    limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                )
            return self._http

    def close(self) -> None:
        """Log out (best effort) and close the connections."""
        with self._lock:
            http, self._http = self._http, None
        if http is None:
            return
        logout = self._auth.logout_request()
        if logout is not None:
            try:
                http.send(logout, auth=None)
            except httpx.HTTPError as exc:
                logger.debug("logout failed: %s", exc)
        self._auth.forget()
        http.close()

    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        model: type[T],
        params: Mapping[str, Any] | None = ...,
        json: Any = ...,
        idempotent: bool | None = ...,
    ) -> T: ...
    @overload
    def request(
        self,
        method: str,
        path: str,
        *,
        model: Any = ...,
        params: Mapping[str, Any] | None = ...,
        json: Any = ...,
        idempotent: bool | None = ...,
    ) -> Any: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        model: Any = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request under the retry policy and parse the answer into ``model``.

        ``model=None`` expects no body (204) and returns None. ``idempotent`` overrides the
        method's default for retry decisions.
        """
        # None rather than {}: httpx re-parses the URL to merge even an empty mapping.
        clean = {k: v for k, v in (params or {}).items() if v is not None} or None

        def attempt() -> Any:
            try:
                response = self._send(method, path, clean, json)
            except (VBRAPIError, VBRTransportError) as exc:
                if is_transient(exc):
                    self.outages.failed(exc)
                elif isinstance(exc, VBRAPIError):  # VBR answered, if only to refuse
                    self.outages.answered()
                raise
            self.outages.answered()
            return self._parse(response, model)

        return self.retry.call(
            attempt,
            method=method,
            describe=f"{method} {path}",
            tolerance=self.settings.outage_tolerance,
            idempotent=idempotent,
        )

    def _unanswered(self, exc: httpx.TransportError, method: str, path: str) -> Exception:
        """What a request that got no answer raises: whether it was sent is what a retry of a
        change must know (a certificate VBR's cannot be verified against is said plainly)."""
        url = self.settings.url
        if isinstance(exc, httpx.ConnectError):
            if isinstance(exc.__context__, ssl.SSLCertVerificationError) or "CERTIFICATE" in str(
                exc
            ):
                host, port = self.settings.host_port
                return untrusted_certificate_error(host, port, exc)
            error, sent, message = VBRConnectError, False, f"cannot connect to VBR at {url}: {exc}"
        elif isinstance(exc, httpx.ConnectTimeout):
            error, sent, message = VBRConnectError, False, f"connecting to VBR at {url} timed out"
        elif isinstance(exc, httpx.TimeoutException):
            error, sent = VBRTimeoutError, True
            message = f"{method} {path}: no answer within {self.settings.read_timeout:.0f}s"
        else:
            error, sent = VBRTransportError, True
            message = f"{method} {path}: the connection failed ({type(exc).__name__}: {exc})"
        return error(message, method=method, path=path, request_sent=sent)

    def _send(
        self, method: str, path: str, params: Mapping[str, Any] | None, json: Any
    ) -> httpx.Response:
        http = self._client()
        try:
            response = http.request(method, path, params=params, json=json)
        except httpx.TransportError as exc:
            raise self._unanswered(exc, method, path) from exc
        if SIMULATOR_HEADER in response.headers:
            self._simulator = True
        if response.status_code >= 400:
            silent_401 = response.status_code == 401 and not response.text.strip()
            # the auth flow already logged in again and resent it once
            raise error_from_response(
                response, explain=_refused_after_login if silent_401 else None
            )
        return response

    @staticmethod
    def _parse(response: httpx.Response, model: Any) -> Any:
        if model is None:
            return None
        try:
            return _adapter(model).validate_json(response.content)
        except ValidationError as exc:
            if _is_json_error(exc) and _is_html(response):
                message = (
                    "the answer is not JSON but an HTML page (a proxy or load balancer in the way?)"
                )
            else:
                kind = "not JSON" if _is_json_error(exc) else "not what the contract says"
                details = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
                    for e in exc.errors()[:5]
                )
                message = f"the answer is {kind} ({details})"
            raise UnexpectedResponse(
                status_code=response.status_code,
                method=response.request.method,
                path=response.request.url.path,
                message=message,
                body=response.text[:500],
            ) from None


def _refused_after_login(_: str) -> str:
    return (
        "VBR refused the request again after a fresh login, and said nothing more "
        "(a proxy dropping the Authorization header?)"
    )


def _is_html(response: httpx.Response) -> bool:
    return "html" in response.headers.get("content-type", "") or response.text.lstrip()[
        :15
    ].lower().startswith(("<!doctype", "<html"))


def _is_json_error(exc: ValidationError) -> bool:
    return any(e["type"] == "json_invalid" for e in exc.errors())
