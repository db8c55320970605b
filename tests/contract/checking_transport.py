"""httpx transports that check every ``/api/`` exchange against the VBR description.

Wrap whatever transport a test uses (the simulator's, a ``MockTransport``, a real
``HTTPTransport``)::

    checker = ContractCheckingTransport(inner, VBRSpec.load())
    with httpx.Client(transport=checker, base_url="https://vbr.test:9419") as client:
        ...
    checker.assert_clean()

Requests outside ``/api/`` (for example the simulator's ``/_sim/...`` controls) pass through
unchecked.  The response handed back to the caller is a fresh, unread ``httpx.Response`` over the
same raw bytes, so the caller can still ``read()``, ``iter_bytes()`` or ``iter_raw()`` it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.contract.vbr_spec import NO_BODY, VBRSpec

__all__ = ["AsyncContractCheckingTransport", "ContractCheckingTransport"]

_FORM = "application/x-www-form-urlencoded"


def _media_type(headers: httpx.Headers) -> str | None:
    value = headers.get("content-type")
    return value.split(";", 1)[0].strip().lower() if value else None


def _decode_body(content: bytes, media: str | None) -> tuple[Any, str | None]:
    """Parse a body for validation; returns ``(body, problem)``."""
    if not content:
        return NO_BODY, None
    if media == _FORM:
        return parse_qs(content.decode("utf-8", "replace"), keep_blank_values=True), None
    if media is None or media == "application/json" or media.endswith("+json"):
        try:
            return json.loads(content), None
        except ValueError as exc:
            return content, f"body is not valid JSON ({exc})"
    return content, None


INJECTED_FAULT_HEADER = "x-drflow-simulator-fault"
"""The simulator marks the answers its fault injection made up; they are not checked."""


class _Checker:
    """The checking shared by the sync and async transports."""

    def __init__(self, spec: VBRSpec | None, *, check_parameters: bool, prefix: str) -> None:
        self.spec = spec or VBRSpec.load()
        self.check_parameters = check_parameters
        self.prefix = prefix
        self.violations: list[str] = []
        self.checked = 0
        self._lock = threading.Lock()

    def applies_to(self, request: httpx.Request) -> bool:
        return request.url.path.startswith(self.prefix)

    def check_request(self, request: httpx.Request) -> list[str]:
        try:
            content = request.content
        except httpx.RequestNotRead:
            content = request.read()
        media = _media_type(request.headers)
        body, problem = _decode_body(content, media)
        query: dict[str, list[str]] | None = None
        headers: dict[str, str] | None = None
        if self.check_parameters:
            query = {}
            for key, value in request.url.params.multi_items():
                query.setdefault(key, []).append(value)
            headers = dict(request.headers)
        found = self.spec.request_violations(
            request.method,
            request.url.path,
            body if problem is None else NO_BODY,
            content_type=media,
            query=query,
            headers=headers,
        )
        return [f"request {problem}", *found] if problem else found

    def check_response(self, request: httpx.Request, response: httpx.Response, raw: bytes):
        if self.spec.match(request.method, request.url.path) is None:
            return []  # already reported with the request
        if INJECTED_FAULT_HEADER in response.headers:
            return []  # a fault the test asked the simulator for, not an answer of the contract
        probe = httpx.Response(
            response.status_code, headers=response.headers, stream=httpx.ByteStream(raw)
        )
        try:
            content = probe.read()
        except httpx.DecodingError as exc:
            return [f"status {response.status_code}: could not decode the body ({exc})"]
        media = _media_type(response.headers)
        body, problem = _decode_body(content, media)
        if problem:
            return [f"status {response.status_code}: {problem}"]
        return self.spec.response_violations(
            request.method, request.url.path, response.status_code, body, content_type=media
        )

    def record(self, request: httpx.Request, status: int | None, found: Iterable[str]) -> None:
        where = f"{request.method} {request.url.path}"
        if status is not None:
            where += f" -> {status}"
        with self._lock:
            self.checked += 1
            self.violations.extend(f"{where}: {v}" for v in found)

    def reset(self) -> None:
        with self._lock:
            self.violations.clear()
            self.checked = 0

    def assert_clean(self) -> None:
        """Raise ``AssertionError`` listing every violation recorded so far."""
        with self._lock:
            violations = list(self.violations)
            checked = self.checked
        if violations:
            lines = "\n".join(f"  - {v}" for v in violations)
            raise AssertionError(
                f"{len(violations)} VBR contract violation(s) in {checked} checked "
                f"exchange(s):\n{lines}"
            )

    @staticmethod
    def rebuild(
        request: httpx.Request, response: httpx.Response, raw: bytes, raw_is_decoded: bool
    ) -> httpx.Response:
        headers = response.headers
        if raw_is_decoded:  # only the decoded content survived: drop the encoding it no longer has
            headers = httpx.Headers(
                [(k, v) for k, v in headers.multi_items() if k.lower() != "content-encoding"]
            )
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=httpx.ByteStream(raw),
            request=request,
            extensions=response.extensions,
            history=list(response.history),
            default_encoding=response.default_encoding,
        )


class ContractCheckingTransport(_Checker, httpx.BaseTransport):
    """Validates each ``/api/`` request and response against ``spec``.

    ``violations`` collects readable messages; ``checked`` counts checked exchanges;
    ``assert_clean()`` fails with all of them.  ``check_parameters=False`` skips query-parameter
    and header checks (for tests that deliberately send, say, no ``x-api-version``).
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        spec: VBRSpec | None = None,
        *,
        check_parameters: bool = True,
        prefix: str = "/api/",
    ) -> None:
        _Checker.__init__(self, spec, check_parameters=check_parameters, prefix=prefix)
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.applies_to(request):
            return self.inner.handle_request(request)
        found = self.check_request(request)
        try:
            response = self.inner.handle_request(request)
        except Exception:
            self.record(request, None, found)
            raise
        raw, decoded = self._raw_content(response)
        found += self.check_response(request, response, raw)
        self.record(request, response.status_code, found)
        return self.rebuild(request, response, raw, decoded)

    @staticmethod
    def _raw_content(response: httpx.Response) -> tuple[bytes, bool]:
        if isinstance(response.stream, httpx.ByteStream):  # replayable (e.g. MockTransport)
            return b"".join(response.stream), False
        if response.is_stream_consumed:
            return response.content, True
        try:
            return b"".join(response.iter_raw()), False
        finally:
            response.close()

    def close(self) -> None:
        self.inner.close()


class AsyncContractCheckingTransport(_Checker, httpx.AsyncBaseTransport):
    """The ``httpx.AsyncBaseTransport`` twin of :class:`ContractCheckingTransport`."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        spec: VBRSpec | None = None,
        *,
        check_parameters: bool = True,
        prefix: str = "/api/",
    ) -> None:
        _Checker.__init__(self, spec, check_parameters=check_parameters, prefix=prefix)
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.applies_to(request):
            return await self.inner.handle_async_request(request)
        try:
            request.content  # noqa: B018 - raises if a streaming body is not read yet
        except httpx.RequestNotRead:
            await request.aread()
        found = self.check_request(request)
        try:
            response = await self.inner.handle_async_request(request)
        except Exception:
            self.record(request, None, found)
            raise
        raw, decoded = await self._raw_content(response)
        found += self.check_response(request, response, raw)
        self.record(request, response.status_code, found)
        return self.rebuild(request, response, raw, decoded)

    @staticmethod
    async def _raw_content(response: httpx.Response) -> tuple[bytes, bool]:
        if isinstance(response.stream, httpx.ByteStream):
            return b"".join(response.stream), False
        if response.is_stream_consumed:
            return response.content, True
        try:
            return b"".join([chunk async for chunk in response.aiter_raw()]), False
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self.inner.aclose()
