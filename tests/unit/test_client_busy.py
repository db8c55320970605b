"""Prompt tries of a request Prefect's server was busy for (drflow.flows.engine.client_busy): a
write that met another on SQLite is tried again within a second, not after Prefect's 2, 4, 8 s;
any other 503 keeps Prefect's own waits."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prefect.client import base
from prefect.client.base import PrefectHttpxAsyncClient, PrefectHttpxSyncClient
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

from drflow.flows.engine import client_busy

PREFECTS_FIRST_WAIT = 2.0 * 0.8
"""The shortest first wait of Prefect's own retries: 2 s, jitter within 20 %."""


def answers(*statuses: tuple[int, dict | None]) -> tuple[httpx.MockTransport, list[int]]:
    """A transport answering each request with the next of ``statuses`` (the last repeated)."""
    sent: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        status, body = statuses[min(len(sent), len(statuses) - 1)]
        sent.append(status)
        return httpx.Response(status, json=body) if body is not None else httpx.Response(status)

    return httpx.MockTransport(answer), sent


BUSY = (503, client_busy.BUSY)
OK = (200, {"ok": True})


def recorded_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(base.time, "sleep", waits.append)  # the time module: both loops' sleeps
    return waits


def get(transport: httpx.MockTransport) -> httpx.Response:
    with PrefectHttpxSyncClient(base_url="http://prefect.invalid/api", transport=transport) as c:
        return c.get("/flow_runs/x")


def test_a_busy_answer_is_tried_again_within_a_second(monkeypatch) -> None:
    assert client_busy.install()
    waits = recorded_sleeps(monkeypatch)
    transport, sent = answers(BUSY, BUSY, OK)

    assert get(transport).json() == {"ok": True}
    assert sent == [503, 503, 200]
    assert len(waits) == 2
    assert max(waits) < PREFECTS_FIRST_WAIT, waits  # not Prefect's 2 s


def test_an_async_client_tries_a_busy_answer_again_within_a_second(monkeypatch) -> None:
    assert client_busy.install()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(client_busy.anyio, "sleep", sleep)  # the module Prefect sleeps with too
    transport, sent = answers(BUSY, OK)

    async def request() -> httpx.Response:
        async with PrefectHttpxAsyncClient(
            base_url="http://prefect.invalid/api", transport=transport
        ) as c:
            return await c.get("/flow_runs/x")

    assert asyncio.run(request()).status_code == 200
    assert sent == [503, 200]
    assert len(waits) == 1
    assert waits[0] < PREFECTS_FIRST_WAIT, waits


@pytest.mark.parametrize(
    "other",
    [(503, None), (503, {"detail": "upstream gone"}), (502, client_busy.BUSY)],
    ids=["503-without-body", "a-proxys-503", "502"],
)
def test_other_answers_keep_prefects_waits(monkeypatch, other: tuple[int, dict | None]) -> None:
    assert client_busy.install()
    waits = recorded_sleeps(monkeypatch)
    transport, sent = answers(other, OK)

    assert get(transport).status_code == 200
    assert len(sent) == 2
    assert len(waits) == 1
    assert waits[0] >= PREFECTS_FIRST_WAIT, waits


def test_a_server_that_stays_busy_is_left_to_prefects_retries(monkeypatch) -> None:
    """A request gets its prompt tries once, within its first 10 s: then Prefect's own tries
    and waits, no more often than Prefect would ask a degraded server, and the request still
    fails once Prefect's retries are spent."""
    assert client_busy.install()
    waits = recorded_sleeps(monkeypatch)
    transport, sent = answers(BUSY)
    prompt = len(client_busy.PROMPT_WAITS)

    with (
        temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 2}),
        pytest.raises(httpx.HTTPStatusError),
    ):
        get(transport)

    assert len(sent) == prompt + 3  # the first try and its prompt tries, then Prefect's two
    assert sum(waits[:prompt]) < 15, waits  # the prompt tries: about 10 s
    assert len(waits) == prompt + 3, waits  # then Prefect's wait after each of its three tries
    assert min(waits[prompt:]) >= PREFECTS_FIRST_WAIT, waits


def test_installing_twice_wraps_once() -> None:
    assert client_busy.install()
    before = (PrefectHttpxSyncClient._send_with_retry, PrefectHttpxAsyncClient._send_with_retry)
    assert client_busy.install()
    assert (
        PrefectHttpxSyncClient._send_with_retry,
        PrefectHttpxAsyncClient._send_with_retry,
    ) == before
