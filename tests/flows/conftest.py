"""Flow tests run against one Prefect test server per session, heartbeats off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


@pytest.fixture
def connection(sim: object, monkeypatch: pytest.MonkeyPatch) -> object:
    """A VBRConnection to the simulator; credentials from the environment, as in production."""
    from drflow.tasks import VBRConnection, close_clients

    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "restore-operator")
    monkeypatch.setenv("DRFLOW_VBR_PASSWORD", "simulator")
    monkeypatch.setenv("DRFLOW_VBR_POLL_INITIAL", "0.05")
    monkeypatch.setenv("DRFLOW_VBR_POLL_MAX", "0.2")
    yield VBRConnection(url=sim.url)
    close_clients()
