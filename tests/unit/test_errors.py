"""Error mapping: every error answer becomes a specific, readable exception."""

from __future__ import annotations

import httpx
import pytest

from drflow.vbr import (
    BadRequest,
    Forbidden,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
    UnexpectedResponse,
    VBRAPIError,
)
from drflow.vbr._exceptions import error_from_response


def answer(status: int, content: bytes = b"", **headers: str) -> httpx.Response:
    request = httpx.Request("GET", "http://vbr.test/api/v1/sessions/42")
    return httpx.Response(status, content=content, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequest),
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (429, RateLimited),
        (500, ServerError),
        (503, ServerError),
        (418, VBRAPIError),
    ],
)
def test_status_picks_the_class(status: int, cls: type[VBRAPIError]) -> None:
    exc = error_from_response(answer(status))
    assert type(exc) is cls
    assert exc.status_code == status


def test_error_model_fields_are_carried() -> None:
    body = b'{"errorCode":"NotFound","message":"Session not found","resourceId":"42"}'
    exc = error_from_response(answer(404, body))
    assert exc.error_code == "NotFound"
    assert exc.message == "Session not found"
    assert exc.resource_id == "42"
    assert str(exc) == "GET /api/v1/sessions/42 -> 404 NotFound: Session not found (resource 42)"


def test_empty_body_still_explains() -> None:
    exc = error_from_response(answer(401))
    assert exc.error_code is None
    assert "401" in str(exc)
    assert "no error details" in str(exc)


def test_html_from_a_proxy_is_named() -> None:
    exc = error_from_response(answer(502, b"<!DOCTYPE html><html><body>Bad gateway</body></html>"))
    assert isinstance(exc, ServerError)
    assert "HTML page" in exc.message


def test_non_json_text_is_kept_short() -> None:
    exc = error_from_response(answer(500, b"x" * 1000))
    assert len(exc.message) < 220


def test_retry_after_seconds_and_date() -> None:
    assert error_from_response(answer(429, **{"Retry-After": "12"})).retry_after == 12
    far = "Wed, 21 Oct 2099 07:28:00 GMT"
    assert error_from_response(answer(429, **{"Retry-After": far})).retry_after > 1e6
    assert error_from_response(answer(429, **{"Retry-After": "soon"})).retry_after is None


def test_unexpected_response_for_a_200_that_is_not_json() -> None:
    from drflow.vbr import VBRClient, VBRSettings

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth2/token":
            return httpx.Response(
                200,
                json={
                    "access_token": "a",
                    "token_type": "bearer",
                    "refresh_token": "r",
                    "expires_in": 900,
                    ".issued": "2026-01-01T00:00:00Z",
                    ".expires": "2026-01-01T00:15:00Z",
                },
            )
        return httpx.Response(200, content=b"<html>login portal</html>")

    client = VBRClient(
        VBRSettings(url="http://vbr.test", username="u", password="p"),
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(UnexpectedResponse) as info:
        client.server.info()
    assert "not JSON" in str(info.value)


def test_200_without_required_fields_names_them() -> None:
    from drflow.vbr import VBRClient, VBRSettings

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth2/token":
            return httpx.Response(
                200,
                json={
                    "access_token": "a",
                    "token_type": "bearer",
                    "refresh_token": "r",
                    "expires_in": 900,
                    ".issued": "2026-01-01T00:00:00Z",
                    ".expires": "2026-01-01T00:15:00Z",
                },
            )
        return httpx.Response(200, json={"id": "3c5b8f2e-9a1d-4f6e-8b7a-2d4c6e8f0a1b"})

    client = VBRClient(
        VBRSettings(url="http://vbr.test", username="u", password="p"),
        transport=httpx.MockTransport(handler),
    )
    with pytest.raises(UnexpectedResponse) as info:
        client.sessions.get("3c5b8f2e-9a1d-4f6e-8b7a-2d4c6e8f0a1b")
    assert "sessionType" in str(info.value) or "session_type" in str(info.value)


def test_an_error_is_complete_when_built() -> None:
    """Its message, ``str()`` and ``args`` agree from the start: nothing rewrites them later."""
    body = b'{"errorCode":"InvalidToken","message":"bad password"}'
    exc = error_from_response(
        answer(401, body), request_sent=False, explain=lambda said: f"login refused: {said}"
    )
    assert exc.message == "login refused: bad password"
    assert str(exc) == exc.args[0]
    assert str(exc) == "GET /api/v1/sessions/42 -> 401 InvalidToken: login refused: bad password"
    assert exc.request_sent is False


def test_every_error_of_the_client_is_a_drflow_error() -> None:
    from drflow.errors import DrflowError
    from drflow.vbr import VBRError

    assert issubclass(VBRError, DrflowError)
    assert isinstance(error_from_response(answer(503)), DrflowError)
