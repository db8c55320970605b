"""Fixtures shared by the integration and flow tests: a real simulator on 127.0.0.1."""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator

import httpx
import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

PASSWORD = "simulator"
TRUST = ssl.create_default_context()
"""For the tests' own httpx clients: one CA store per process, not one per client (tens of ms
of CPU each, hundreds of clients)."""


@pytest.fixture
def sim() -> Iterator[object]:
    """A fresh simulator on a free port of 127.0.0.1, 50x faster than real VBR."""
    from drflow.simulator.config import SimulatorConfig
    from drflow.simulator.server import SimulatorServer

    with SimulatorServer(SimulatorConfig(speed=50)) as server:
        yield server


@pytest.fixture
def admin(sim: object) -> Iterator[httpx.Client]:
    """An HTTP client for the simulator's admin API (faults, stats, probes)."""
    with httpx.Client(base_url=sim.url, timeout=10, verify=TRUST) as client:
        yield client


@pytest.fixture
def contract() -> object:
    from tests.contract.vbr_spec import VBRSpec

    return VBRSpec.load()


@pytest.fixture
def vbr_factory(sim: object, contract: object) -> Iterator[object]:
    """Make clients of the simulator whose every exchange is checked against the spec."""
    from drflow.vbr import RetryPolicy, VBRClient, VBRSettings
    from tests.contract.checking_transport import ContractCheckingTransport

    made: list[tuple[VBRClient, ContractCheckingTransport]] = []

    def make(user: str = "restore-operator", *, checked: bool = True, **policy: float) -> VBRClient:
        """``checked=False`` for tests that break the contract on purpose."""
        checker = ContractCheckingTransport(httpx.HTTPTransport(verify=TRUST), contract)
        if not checked:
            checker.assert_clean = lambda: None
        client = VBRClient(
            VBRSettings(
                url=sim.url,
                username=user,
                password=PASSWORD,
                poll_initial=0.05,
                poll_max=0.2,
            ),
            transport=checker,
            retry=RetryPolicy(initial_wait=0.01, max_wait=0.05, jitter=0.0, **policy),
        )
        made.append((client, checker))
        return client

    yield make
    for client, checker in made:
        client.close()
        checker.assert_clean()


@pytest.fixture
def vbr(vbr_factory: object) -> object:
    """A restore-operator client of the simulator."""
    return vbr_factory()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests of a module that shares a module- or class-scoped fixture (a Prefect server, a
    PostgreSQL cluster) run on one xdist worker (``--dist loadgroup``); every other test goes to
    whichever worker is free."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        scopes = {fixture.scope for defs in info.name2fixturedefs.values() for fixture in defs}
        if scopes & {"module", "class", "package"}:
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to run for minutes longer: with a pytest that builds node ids from a structured id
    (9.2), ``--dist loadgroup`` silently stops grouping (pytest-dev/pytest-xdist#1386) and each
    worker sets up a module's fixtures (a Prefect server, a PostgreSQL cluster) again."""
    if config.getoption("dist", None) != "loadgroup":
        return
    if tuple(int(part) for part in pytest.__version__.split(".")[:2]) >= (9, 2):
        raise pytest.UsageError(
            f"pytest {pytest.__version__} with --dist loadgroup does not group tests "
            "(pytest-dev/pytest-xdist#1386): install the versions pyproject.toml pins (uv sync)"
        )
