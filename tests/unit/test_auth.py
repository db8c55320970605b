"""VBRAuth: login, proactive refresh, single-use refresh tokens, re-login on 401."""

from __future__ import annotations

import itertools
from urllib.parse import parse_qs

import httpx
import pytest

from drflow.vbr import Unauthorized, VBRClient, VBRSettings


class FakeVBR:
    """A token endpoint and one protected route, with a controllable clock."""

    def __init__(self, ttl: int = 100) -> None:
        self.ttl = ttl
        self.now = 0.0
        self.counter = itertools.count(1)
        self.valid_access: set[str] = set()
        self.valid_refresh: set[str] = set()
        self.grants: list[str] = []
        self.refuse_refresh = False
        self.seen_auth: list[str | None] = []

    def clock(self) -> float:
        return self.now

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["x-api-version"] == "1.3-rev1"
        if request.url.path == "/api/oauth2/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            self.grants.append(form["grant_type"])
            if form["grant_type"] == "Refresh_token":
                token = form["refresh_token"]
                if self.refuse_refresh or token not in self.valid_refresh:
                    return httpx.Response(
                        400, json={"errorCode": "InvalidToken", "message": "bad refresh"}
                    )
                self.valid_refresh.discard(token)
            elif form.get("password") != "pw":
                return httpx.Response(
                    401, json={"errorCode": "InvalidToken", "message": "bad credentials"}
                )
            n = next(self.counter)
            self.valid_access.add(f"a{n}")
            self.valid_refresh.add(f"r{n}")
            return httpx.Response(
                200,
                json={
                    "access_token": f"a{n}",
                    "token_type": "bearer",
                    "refresh_token": f"r{n}",
                    "expires_in": self.ttl,
                    ".issued": "2026-01-01T00:00:00Z",
                    ".expires": "2026-01-01T00:15:00Z",
                },
            )
        auth = request.headers.get("authorization")
        self.seen_auth.append(auth)
        if auth is None or auth.removeprefix("Bearer ") not in self.valid_access:
            return httpx.Response(401, content=b"")
        return httpx.Response(
            200,
            json={
                "data": [],
                "pagination": {"total": 0, "count": 0, "skip": 0, "limit": 200},
            },
        )


def make_client(fake: FakeVBR, password: str = "pw") -> VBRClient:
    client = VBRClient(
        VBRSettings(url="http://vbr.test", username="restore-operator", password=password),
        transport=httpx.MockTransport(fake.handler),
    )
    client.auth._clock = fake.clock
    return client


def test_logs_in_once_and_reuses_the_token() -> None:
    fake = FakeVBR()
    client = make_client(fake)
    client.backups.list_page()
    client.backups.list_page()
    assert fake.grants == ["Password"]
    assert fake.seen_auth == ["Bearer a1", "Bearer a1"]


def test_refreshes_before_expiry_from_expires_in() -> None:
    fake = FakeVBR(ttl=100)
    client = make_client(fake)
    client.backups.list_page()
    fake.now = 89.0  # inside the lifetime, before the 10 % margin
    client.backups.list_page()
    assert fake.grants == ["Password"]
    fake.now = 91.0  # within the last tenth of the lifetime: renew proactively
    client.backups.list_page()
    assert fake.grants == ["Password", "Refresh_token"]
    assert fake.seen_auth[-1] == "Bearer a2"


def test_refresh_token_is_used_once() -> None:
    fake = FakeVBR(ttl=100)
    client = make_client(fake)
    client.backups.list_page()
    fake.now = 95.0
    client.backups.list_page()
    fake.now = 190.0
    client.backups.list_page()
    # each refresh used a different refresh token: r1 then r2
    assert fake.grants == ["Password", "Refresh_token", "Refresh_token"]
    assert fake.valid_refresh == {"r3"}


def test_access_token_expired_while_idle_is_refreshed_not_logged_in_again() -> None:
    fake = FakeVBR(ttl=100)
    client = make_client(fake)
    client.backups.list_page()
    fake.now = 500.0  # long past the access token's lifetime; the refresh token lives on
    client.backups.list_page()
    assert fake.grants == ["Password", "Refresh_token"]
    assert fake.seen_auth[-1] == "Bearer a2"


def test_refused_refresh_falls_back_to_login() -> None:
    fake = FakeVBR(ttl=100)
    client = make_client(fake)
    client.backups.list_page()
    fake.refuse_refresh = True
    fake.now = 95.0
    client.backups.list_page()
    assert fake.grants == ["Password", "Refresh_token", "Password"]
    assert fake.seen_auth[-1] == "Bearer a2"


def test_401_reauthenticates_once_and_resends() -> None:
    fake = FakeVBR()
    client = make_client(fake)
    client.backups.list_page()
    fake.valid_access.clear()  # the server forgot every token (restart, revocation)
    client.backups.list_page()
    assert fake.grants == ["Password", "Password"]
    assert fake.seen_auth == ["Bearer a1", "Bearer a1", "Bearer a2"]


def test_persistent_401_is_raised_not_looped() -> None:
    fake = FakeVBR()
    client = make_client(fake)
    original = fake.handler

    def always_401(request: httpx.Request) -> httpx.Response:
        response = original(request)
        if request.url.path != "/api/oauth2/token":
            return httpx.Response(401, json={"errorCode": "InvalidToken", "message": "nope"})
        return response

    client._transport = httpx.MockTransport(always_401)
    with pytest.raises(Unauthorized) as info:
        client.backups.list_page()
    assert info.value.error_code == "InvalidToken"
    assert fake.grants == ["Password", "Password"]


def test_bad_credentials_name_the_user_and_the_fix() -> None:
    fake = FakeVBR()
    client = make_client(fake, password="wrong")
    with pytest.raises(Unauthorized) as info:
        client.backups.list_page()
    text = str(info.value)
    assert "restore-operator" in text
    assert "DRFLOW_VBR_PASSWORD" in text
    assert "wrong" not in text
    assert fake.grants == ["Password"]  # a refused login is not retried


def test_password_never_in_repr() -> None:
    fake = FakeVBR()
    client = make_client(fake, password="pw-canary-123")
    assert "pw-canary-123" not in repr(client)
    assert "pw-canary-123" not in repr(client.auth)
    assert "pw-canary-123" not in repr(client.settings)


def test_close_logs_out() -> None:
    fake = FakeVBR()
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path == "/api/oauth2/logout":
            return httpx.Response(200, json={})
        return fake.handler(request)

    client = VBRClient(
        VBRSettings(url="http://vbr.test", username="u", password="pw"),
        transport=httpx.MockTransport(handler),
    )
    client.backups.list_page()
    client.close()
    assert paths[-1] == "/api/oauth2/logout"
    assert client.auth.access_token is None
