"""The retry policy: what is retried, for how long, how long it waits between tries."""

from __future__ import annotations

import httpx
import pytest

from drflow.vbr import (
    BadRequest,
    Forbidden,
    NotFound,
    RetryPolicy,
    ServerError,
    VBRClient,
    VBRConnectError,
    VBRSettings,
    VBRTransportError,
    budget,
)

TOKEN = {
    "access_token": "a",
    "token_type": "bearer",
    "refresh_token": "r",
    "expires_in": 900,
    ".issued": "2026-01-01T00:00:00Z",
    ".expires": "2026-01-01T00:15:00Z",
}
EMPTY_PAGE = {"data": [], "pagination": {"total": 0, "count": 0, "skip": 0, "limit": 200}}
SESSION = {
    "id": "3c5b8f2e-9a1d-4f6e-8b7a-2d4c6e8f0a1b",
    "name": "web01",
    "jobId": "3c5b8f2e-9a1d-4f6e-8b7a-2d4c6e8f0a1c",
    "sessionType": "InstantRecovery",
    "creationTime": "2026-01-01T00:00:00Z",
    "state": "Starting",
    "usn": 1,
}
START_BODY = {
    "type": "OriginalLocation",
    "restorePointId": "3c5b8f2e-9a1d-4f6e-8b7a-2d4c6e8f0a1d",
    "secureRestore": {"antivirusScanEnabled": False},
}


class Script:
    """Answers API calls from a list of outcomes; counts calls per path."""

    def __init__(self, *outcomes: httpx.Response | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/oauth2/token":
            return httpx.Response(200, json=TOKEN)
        self.calls += 1
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class Clock:
    """The policy's clock: moves only when the policy sleeps, recording each wait."""

    def __init__(self, waits: list[float]) -> None:
        self.now = 0.0
        self.waits = waits

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def client_for(
    script: Script, waits: list[float], *, tolerance: float = 7.0, max_wait: float = 8.0
) -> VBRClient:
    """A client retrying for ``tolerance`` s: with waits of 1, 2, 4 s, four tries by default."""
    clock = Clock(waits)
    policy = RetryPolicy(
        initial_wait=1.0, max_wait=max_wait, jitter=0.0, clock=clock, sleep=clock.sleep
    )
    return VBRClient(
        VBRSettings(url="http://vbr.test", username="u", password="p", outage_tolerance=tolerance),
        transport=httpx.MockTransport(script.handler),
        retry=policy,
    )


def start(client: VBRClient) -> object:
    from drflow.vbr.models import InstantViVMOriginalLocationRecoverySpec

    spec = InstantViVMOriginalLocationRecoverySpec.model_validate(START_BODY)
    return client.vsphere.start_instant_recovery(spec)


def error(status: int, code: str = "UnknownError", **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"errorCode": code, "message": "m"}, headers=headers)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_get_retries_transient_statuses_with_backoff(status: int) -> None:
    waits: list[float] = []
    script = Script(error(status), error(status), httpx.Response(200, json=EMPTY_PAGE))
    client = client_for(script, waits)
    assert client.backups.list_page().pagination.total == 0
    assert script.calls == 3
    assert waits == [1.0, 2.0]  # exponential, no jitter in this policy
    assert client.retry.retries == 2
    assert client.retry.most_retries == 2


def test_get_gives_up_after_the_outage_tolerance_and_raises_the_real_error() -> None:
    waits: list[float] = []
    script = Script(error(503, "ServiceUnavailable"))
    client = client_for(script, waits)
    with pytest.raises(ServerError) as info:
        client.backups.list_page()
    assert info.value.status_code == 503
    assert info.value.error_code == "ServiceUnavailable"
    assert script.calls == 4
    assert waits == [1.0, 2.0, 4.0]


def test_waits_are_capped() -> None:
    waits: list[float] = []
    script = Script(error(503))
    client = client_for(script, waits, tolerance=18.0, max_wait=3.0)
    with pytest.raises(ServerError):
        client.backups.list_page()
    assert max(waits) == 3.0
    assert len(waits) == 7


def test_429_honours_retry_after_for_any_method() -> None:
    waits: list[float] = []
    script = Script(error(429, **{"Retry-After": "7"}), httpx.Response(201, json=SESSION))
    client = client_for(script, waits)
    start(client)
    assert waits == [7.0]
    assert script.calls == 2


def test_retry_after_is_capped() -> None:
    waits: list[float] = []
    script = Script(error(429, **{"Retry-After": "3600"}), httpx.Response(200, json=EMPTY_PAGE))
    client = client_for(script, waits, tolerance=120.0)
    client.backups.list_page()
    assert waits == [client.retry.max_retry_after]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_post_that_reached_the_server_is_not_retried(status: int) -> None:
    waits: list[float] = []
    script = Script(error(status), httpx.Response(201, json=SESSION))
    client = client_for(script, waits)
    with pytest.raises(ServerError):
        start(client)
    assert script.calls == 1
    assert waits == []


def test_post_after_a_dropped_connection_is_not_retried() -> None:
    script = Script(
        httpx.RemoteProtocolError("Server disconnected"), httpx.Response(201, json=SESSION)
    )
    client = client_for(script, [])
    with pytest.raises(VBRTransportError) as info:
        start(client)
    assert info.value.request_sent is True
    assert script.calls == 1


def test_post_that_never_connected_is_retried() -> None:
    script = Script(httpx.ConnectError("refused"), httpx.Response(201, json=SESSION))
    client = client_for(script, [])
    start(client)
    assert script.calls == 2


def test_connection_refused_everywhere_raises_connect_error() -> None:
    script = Script(httpx.ConnectError("refused"))
    client = client_for(script, [])
    with pytest.raises(VBRConnectError) as info:
        client.backups.list_page()
    assert "cannot connect" in str(info.value)
    assert script.calls == 4


@pytest.mark.parametrize(("status", "exc"), [(400, BadRequest), (403, Forbidden), (404, NotFound)])
def test_client_errors_are_never_retried(status: int, exc: type[Exception]) -> None:
    script = Script(error(status, "AccessDenied"), httpx.Response(200, json=EMPTY_PAGE))
    client = client_for(script, [])
    with pytest.raises(exc):
        client.backups.list_page()
    assert script.calls == 1


def test_rate_limited_without_header_uses_backoff() -> None:
    waits: list[float] = []
    script = Script(error(429), httpx.Response(200, json=EMPTY_PAGE))
    client = client_for(script, waits)
    client.backups.list_page()
    assert waits == [1.0]


# --- how long: the outage tolerance, and the budget around the call ------------------------


def test_the_last_try_falls_on_the_outage_tolerance() -> None:
    """Waits of 1, 2, 4, 8 s would overshoot a tolerance of 10 s: the last one is cut to it."""
    waits: list[float] = []
    script = Script(error(503))
    client = client_for(script, waits, tolerance=10.0)
    with pytest.raises(ServerError):
        client.backups.list_page()
    assert waits == [1.0, 2.0, 4.0, 3.0]
    assert script.calls == 5
    assert client.retry.longest_retrying == 10.0


def test_a_long_outage_is_ridden_out_within_the_tolerance() -> None:
    """VBR refuses connections for 60 s, then answers: one call rides it out."""
    waits: list[float] = []
    script = Script(*[httpx.ConnectError("refused")] * 10, httpx.Response(200, json=EMPTY_PAGE))
    client = client_for(script, waits, tolerance=600.0)
    assert client.backups.list_page().pagination.total == 0
    assert script.calls == 11
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    assert client.retry.most_retries == 10


def test_no_tolerance_means_no_retry() -> None:
    waits: list[float] = []
    script = Script(error(503), httpx.Response(200, json=EMPTY_PAGE))
    client = client_for(script, waits, tolerance=0.0)
    with pytest.raises(ServerError):
        client.backups.list_page()
    assert (script.calls, waits) == (1, [])


def test_a_budget_shorter_than_the_tolerance_ends_the_retries() -> None:
    waits: list[float] = []
    script = Script(error(503))
    client = client_for(script, waits, tolerance=600.0)
    with budget(5.0, clock=client.retry.clock), pytest.raises(ServerError):
        client.backups.list_page()
    assert waits == [1.0, 2.0, 2.0]  # 1 + 2 + 2 = the 5 s of the budget


def test_a_budget_may_set_the_outage_tolerance_of_its_calls() -> None:
    waits: list[float] = []
    script = Script(error(503))
    client = client_for(script, waits, tolerance=600.0)
    with budget(outage_tolerance=3.0), pytest.raises(ServerError):
        client.backups.list_page()
    assert waits == [1.0, 2.0]


def test_a_spent_budget_leaves_one_try() -> None:
    waits: list[float] = []
    script = Script(error(503), httpx.Response(200, json=EMPTY_PAGE))
    client = client_for(script, waits, tolerance=600.0)
    with budget(0.0), pytest.raises(ServerError):
        client.backups.list_page()
    assert (script.calls, waits) == (1, [])
