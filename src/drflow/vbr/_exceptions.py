"""The exceptions drflow's VBR client raises (the tree: :mod:`drflow.errors`).

Every failure is a :class:`VBRError`. Answers from the server become a :class:`VBRAPIError`
subclass chosen by status code and carry VBR's ``Error`` model (``errorCode``, ``message``,
``resourceId``) together with the method and path; failures to talk to the server at all are
:class:`VBRTransportError` subclasses. ``request_sent`` records whether the request may have
reached the server, which is what decides if a non-idempotent call may be retried. Each
exception is complete when built: nothing changes it afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from drflow.errors import DrflowError

from .operations import operation_at
from .roles import describe, roles_for

if TYPE_CHECKING:
    import httpx

    from .models import SessionModel

__all__ = [
    "AmbiguousAdoption",
    "BadRequest",
    "Forbidden",
    "MountFailed",
    "MountGone",
    "NoRestorePoint",
    "NotFound",
    "RateLimited",
    "ServerError",
    "SessionFailed",
    "Unauthorized",
    "UnexpectedResponse",
    "VBRAPIError",
    "VBRConfigError",
    "VBRConnectError",
    "VBRError",
    "VBRTLSError",
    "VBRTimeoutError",
    "VBRTransportError",
    "WaitTimeout",
]


class VBRError(DrflowError):
    """Base of every error raised by :mod:`drflow.vbr`."""

    #: Whether the request may have reached the server (``False`` only when provably not).
    request_sent: bool = True


class VBRConfigError(VBRError):
    """The connection settings are wrong (bad URL, missing credentials, unreadable CA bundle)."""

    request_sent = False


class VBRTransportError(VBRError):
    """The server could not be talked to: no connection, a timeout, a dropped connection."""

    def __init__(self, message: str, *, method: str, path: str, request_sent: bool) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.request_sent = request_sent


class VBRConnectError(VBRTransportError):
    """No connection could be made, so the request never reached the server."""


class VBRTimeoutError(VBRTransportError):
    """The server did not answer in time; the request may or may not have been acted upon."""


class VBRTLSError(VBRConnectError):
    """The server's certificate was refused; the message says how to trust it."""


class VBRAPIError(VBRError):
    """VBR answered with an error status."""

    def __init__(
        self,
        *,
        status_code: int,
        method: str,
        path: str,
        error_code: str | None = None,
        message: str | None = None,
        resource_id: str | None = None,
        body: str = "",
        headers: dict[str, str] | None = None,
        request_sent: bool = True,
    ) -> None:
        self.status_code = status_code
        self.method = method
        self.path = path
        self.error_code = error_code
        self.message = message or _describe_body(body) or "no error details in the answer"
        self.resource_id = resource_id
        self.body = body
        self.headers = headers or {}
        self.request_sent = request_sent
        super().__init__(self._text())

    def _text(self) -> str:
        code = f" {self.error_code}" if self.error_code else ""
        resource = f" (resource {self.resource_id})" if self.resource_id else ""
        return f"{self.method} {self.path} -> {self.status_code}{code}: {self.message}{resource}"


class BadRequest(VBRAPIError):
    """400: VBR rejected the request (a field, a value, the API version)."""


class Unauthorized(VBRAPIError):
    """401: no valid token, or the credentials were refused."""


class Forbidden(VBRAPIError):
    """403: the user's role does not allow the operation.

    For drflow's restore operations, ``operation_id`` names the operation and
    ``required_roles`` the roles the contract allows to call it; the message names them.
    """

    def __init__(self, *, method: str, path: str, **details: Any) -> None:
        self.operation_id = operation_at(method, path)
        self.required_roles = roles_for(self.operation_id) if self.operation_id else frozenset()
        super().__init__(method=method, path=path, **details)

    def _text(self) -> str:
        text = super()._text()
        if not self.required_roles:
            return text
        needs = f"{self.operation_id} needs one of the VBR roles {describe(self.required_roles)}"
        return (
            f"{text.rstrip('.')}. {needs}: give the user one of them in VBR (Users and Roles), "
            "or connect as a user who has one."
        )


class NotFound(VBRAPIError):
    """404: the object does not exist (any more)."""


class RateLimited(VBRAPIError):
    """429: the server asks the client to slow down (``retry_after`` seconds, when given)."""

    @property
    def retry_after(self) -> float | None:
        return _parse_retry_after(self.headers.get("retry-after"))


class ServerError(VBRAPIError):
    """5xx: the server failed; 502/503/504 are transient and retried where safe."""


class UnexpectedResponse(VBRAPIError):
    """The answer broke the contract: not JSON, or missing what the schema requires."""


class SessionFailed(VBRError):
    """A VBR session ended with result ``Failed``."""

    def __init__(self, session: SessionModel) -> None:
        self.session = session
        message = session.result.message if session.result and session.result.message else None
        self.reason = message
        super().__init__(
            f"session {session.name!r} ({session.id}) failed: {message or 'VBR gave no reason'}"
        )


class MountFailed(VBRError):
    """A mount (of any workload) reached a failed state."""

    def __init__(self, what: str, error_message: str | None) -> None:
        self.error_message = error_message
        super().__init__(f"{what} failed: {error_message or 'VBR gave no reason'}")


class MountGone(MountFailed):
    """A mount disappeared while it was waited for (its session ended)."""

    def __init__(self, what: str) -> None:
        super().__init__(what, "VBR no longer has it")


class NoRestorePoint(VBRError):
    """No restore point matches what was asked for."""

    request_sent = False


class WaitTimeout(VBRError):
    """Waiting for a session or mount ran past its deadline."""

    def __init__(self, message: str, *, last: Any = None) -> None:
        self.last = last
        super().__init__(message)


class AmbiguousAdoption(VBRError):
    """The answer to a start was lost, and VBR shows more than one thing it may have started.

    Nothing VBR keeps tells which one is drflow's, so none is adopted and nothing is started
    again: ``candidates`` are their ids, for an operator to look at.
    """

    def __init__(self, what: str, candidates: list[str]) -> None:
        self.candidates = candidates
        super().__init__(
            f"the answer to the start of {what} was lost and VBR shows {len(candidates)} "
            f"candidates ({', '.join(candidates)}): not guessing which one is drflow's"
        )


_BY_STATUS: dict[int, type[VBRAPIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    429: RateLimited,
}


def error_from_response(
    response: httpx.Response,
    *,
    request_sent: bool = True,
    explain: Callable[[str], str] | None = None,
) -> VBRAPIError:
    """Build the exception for an error answer, whatever its body holds.

    ``request_sent=False`` when the answer was to a request of the client's own (a login),
    not to the one it was asked to send. ``explain`` turns VBR's message (or the description of
    the body) into the one the exception carries.
    """
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else VBRAPIError)
    try:
        body = response.text
    except Exception:  # a body that cannot be decoded still makes a useful error
        body = ""
    fields: dict[str, Any] = {}
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        fields = {
            "error_code": _str_or_none(parsed.get("errorCode")),
            "message": _str_or_none(parsed.get("message")),
            "resource_id": _str_or_none(parsed.get("resourceId")),
        }
    if explain is not None:
        fields["message"] = explain(
            fields.get("message") or _describe_body(body) or "no error details in the answer"
        )
    return cls(
        status_code=status,
        method=response.request.method,
        path=response.request.url.path,
        body=body,
        headers={k.lower(): v for k, v in response.headers.items()},
        request_sent=request_sent,
        **fields,
    )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _describe_body(body: str) -> str:
    text = body.strip()
    if not text:
        return ""
    if text.lstrip().lower().startswith(("<!doctype", "<html")):
        return "the answer is an HTML page, not VBR's JSON (a proxy or load balancer in the way?)"
    return text if len(text) <= 200 else text[:200] + "..."


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
