"""Flow tests run against one Prefect test server per session (per xdist worker), heartbeats
off, its database a copy of a migrated one (:mod:`tests.prefect_database`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from tests.prefect_database import seeded_test_harness

    with (
        seeded_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield
        _drain_prefect_workers()


def _drain_prefect_workers(timeout: float = 15.0) -> None:
    """Drain Prefect's log and event workers, each for ``timeout`` seconds at most, before the
    harness does it without a limit: a worker whose loop no longer serves it (seen once every
    few runs, after runs that outlived their test) would hold the session's end for good."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        _, pending = worker.drain_all(timeout=timeout)
        if pending:
            print(f"{worker.__name__}: {len(pending)} not drained in {timeout:.0f}s, left")


@pytest.fixture(params=["flow-runs", "task-runs"])
def workload_runs(request: pytest.FixtureRequest) -> str:
    """How a drill's workloads appear in Prefect (a plan's ``workload_runs``): the tests of
    drills under faults run both ways (the fault-mix drill's seeds take them in turn)."""
    return str(request.param)


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


@pytest.fixture
def runner(request: pytest.FixtureRequest) -> Iterator[object]:
    """A Prefect Runner serving flows as deployments from this process, for tests that cancel
    a run (cancelling needs a process that watches the run and runs its on_cancellation hooks).

    Parametrize it indirectly with what to serve, ``[(flow, "deployment-name"), ...]``::

        @pytest.mark.parametrize("runner", [[(my_flow, "cancel-test")]], indirect=True)
    """
    from prefect.runner import Runner

    served = getattr(request, "param", None)
    if not served:
        raise pytest.UsageError("parametrize the runner fixture with [(flow, name), ...]")
    runner = Runner(name=f"drflow-test-runner-{served[0][1]}", query_seconds=1)
    for flow, name in served:
        runner.add_flow(flow, name=name)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(runner.start(),), daemon=True)
    thread.start()
    yield runner
    asyncio.run_coroutine_threadsafe(runner.astop(), loop).result(timeout=30)
    thread.join(timeout=30)
