"""drflow's ceiling on the waits of Prefect's client retries (drflow.flows.engine.client_retries):
through an outage of Prefect's API a request is tried at least every 15 s (plus jitter), and the
``drflow`` command's number of retries still covers ten minutes."""

from __future__ import annotations

import httpx
import pytest
from prefect.client import base
from prefect.client.base import PrefectHttpxSyncClient
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

from drflow.flows.engine import client_retries
from drflow.flows.engine.prefect_api import CLIENT_MAX_RETRIES

JITTER = 0.2
"""Prefect's default PREFECT_CLIENT_RETRY_JITTER_FACTOR: a wait is at most 1.2 x its average."""


def waits_of_a_request_to_a_gone_api(monkeypatch: pytest.MonkeyPatch, retries: int) -> list[float]:
    """The waits Prefect's sync client makes between the tries of one request that every try
    finds answered with 503 (its sleeps recorded instead of slept)."""
    waits: list[float] = []
    monkeypatch.setattr(base.time, "sleep", waits.append)
    transport = httpx.MockTransport(lambda request: httpx.Response(503))
    with (
        temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: retries}),
        PrefectHttpxSyncClient(base_url="http://prefect.invalid/api", transport=transport) as c,
        pytest.raises(httpx.HTTPStatusError),  # once the retries are spent
    ):
        c.get("/health")
    return waits


def test_the_waits_double_up_to_the_ceiling_and_stay_there(monkeypatch) -> None:
    assert client_retries.install()
    waits = waits_of_a_request_to_a_gone_api(monkeypatch, retries=CLIENT_MAX_RETRIES)

    assert len(waits) >= CLIENT_MAX_RETRIES  # one after each try (and one after its last)
    # without the ceiling the fifth to the ninth alone would average 32, 64, 128, 256 and 512 s
    assert max(waits) <= client_retries.LONGEST_WAIT * (1 + JITTER), waits
    assert all(wait <= 2**n * (1 + JITTER) for n, wait in enumerate(waits, start=1)), waits


def test_fewer_retries_keep_prefects_own_waits(monkeypatch) -> None:
    """Retries set below drflow's (the README's earlier 8, on a worker) keep trying as long
    as before: capped, eight waits would be over in about 90 s."""
    assert client_retries.install()
    waits = waits_of_a_request_to_a_gone_api(monkeypatch, retries=8)

    assert sum(waits) > 600, waits  # 2 + 4 + ... + 512 s on average, jitter within 20 %


def test_installing_twice_caps_once() -> None:
    assert client_retries.install()
    capped = base.clamped_poisson_interval
    assert client_retries.install()
    assert base.clamped_poisson_interval is capped


def test_the_commands_retries_still_cover_ten_minutes() -> None:
    averages = [min(2.0**n, client_retries.LONGEST_WAIT) for n in range(1, CLIENT_MAX_RETRIES + 1)]
    assert 600 <= sum(averages) < 600 + client_retries.LONGEST_WAIT
