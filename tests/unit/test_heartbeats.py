"""drflow's replacement of Prefect's heartbeat context (drflow.flows.engine.heartbeats): the
heartbeats go on as Prefect's do, and a run's end no longer waits for the thread's sleep."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from prefect import flow_engine

from drflow.flows.engine import heartbeats


class Engine:
    """What the heartbeat context reads of Prefect's flow run engine."""

    def __init__(self, seconds: int | None) -> None:
        self.heartbeat_seconds = seconds
        self.flow_run = None
        self.beats = threading.Semaphore(0)
        self.logger = logging.getLogger("tests.heartbeats")

    def _build_heartbeat_event_template(self) -> tuple[dict[str, str], list[Any]]:
        return {"prefect.resource.id": "prefect.flow-run.x"}, []

    def _emit_flow_run_heartbeat(self, resource: dict[str, str], related: list[Any]) -> None:
        self.beats.release()


def time_to_end(send: Any, engine: Engine) -> float:
    """Seconds from the end of the run to the end of its heartbeat context."""
    with send(engine):
        assert engine.beats.acquire(timeout=5), "no heartbeat at the start of the run"
        ending = time.monotonic()
    return time.monotonic() - ending


def test_drflow_runs_its_heartbeat_context_on_this_prefect() -> None:
    assert heartbeats.install()
    assert flow_engine._send_heartbeats is heartbeats.send_heartbeats


def test_a_run_ends_without_waiting_for_the_heartbeat_thread() -> None:
    drflows = time_to_end(heartbeats.send_heartbeats, Engine(30))
    assert drflows < 0.2, f"{drflows:.2f}s"


def test_prefects_own_waits_for_its_thread_which_is_why_it_is_replaced() -> None:
    """Prefect's own, kept by the module it lives in: its thread sleeps in 1 s steps."""
    import importlib
    import sys

    original = sys.modules["prefect.flow_engine"]
    fresh = importlib.util.module_from_spec(original.__spec__)
    original.__spec__.loader.exec_module(fresh)
    waited = time_to_end(fresh._send_heartbeats, Engine(30))
    assert waited > 0.3, f"Prefect's own heartbeat context ended in {waited:.2f}s: drop the patch?"


def test_heartbeats_off_start_no_thread() -> None:
    threads = threading.active_count()
    engine = Engine(None)
    with heartbeats.send_heartbeats(engine):
        assert threading.active_count() == threads
    assert not engine.beats.acquire(timeout=0)
