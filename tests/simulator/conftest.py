"""Fixtures for the simulator's tests: an app on a fake clock and a caller for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from drflow.simulator import FakeClock, SimulatorConfig, create_app
from tests.simulator.sim_support import Api, TestClient


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_api(clock: FakeClock) -> Iterator:
    clients: list[TestClient] = []

    def make(config: SimulatorConfig | None = None, **kwargs: Any) -> Api:
        client = TestClient(create_app(config or SimulatorConfig(), clock), **kwargs)
        clients.append(client)
        return Api(client, clock)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(make_api) -> Api:
    return make_api()
