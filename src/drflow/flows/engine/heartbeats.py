"""Prefect's flow run heartbeats without a second's wait at the end of every run.

Prefect sends a flow run's heartbeats (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY``, 180 s by default)
from a thread that sleeps in steps of one second and is joined, for up to 2 s, as the run ends
(``prefect.flow_engine._send_heartbeats``, since PrefectHQ/prefect#19641). A run therefore ends
up to a second after its work is done: measured, 0.83 s of Prefect's overhead per workload of a
drill with heartbeats on, against 0.12 s with them off. Heartbeats are what the janitor tells a
dead run by, so turning them off is not the answer.

:func:`install` puts in its place the same loop waiting on its stop event instead, so the join
returns at once. It does so only on the Prefect versions it was written against
(:data:`FOR_PREFECT`) and only when the function has the signature it replaces; otherwise
Prefect's own stays. Drop this module once Prefect's heartbeat thread waits on its event.
"""

from __future__ import annotations

import contextvars
import inspect
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import prefect
from prefect import flow_engine

FOR_PREFECT = ("3.9.",)
"""The Prefect releases whose ``_send_heartbeats`` this replaces."""


@contextmanager
def send_heartbeats(engine: Any, join_on_exit: bool = True) -> Iterator[None]:
    """Prefect's ``_send_heartbeats``, its thread waiting on the stop event, not in 1 s sleeps."""
    seconds = engine.heartbeat_seconds
    if seconds is None:
        yield
        return
    seconds = max(seconds, flow_engine.MINIMUM_HEARTBEAT_INTERVAL)
    resource, related = engine._build_heartbeat_event_template()
    stop = threading.Event()

    def beat() -> None:
        while not stop.is_set():
            run = engine.flow_run
            if run and run.state and run.state.is_final():
                return
            try:
                engine._emit_flow_run_heartbeat(resource, related)
            except Exception:
                engine.logger.debug("Failed to emit heartbeat", exc_info=True)
            stop.wait(seconds)

    # the caller's context, as Prefect's does: its settings (the API URL) hold in the thread
    thread = threading.Thread(target=contextvars.copy_context().run, args=(beat,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        if join_on_exit:
            thread.join(timeout=2)


def install() -> bool:
    """Replace Prefect's heartbeat context with :func:`send_heartbeats` where it is safe to
    (see the module docstring); True if it is in place."""
    current = flow_engine._send_heartbeats
    if current is send_heartbeats:
        return True
    if not prefect.__version__.startswith(FOR_PREFECT):
        return False
    if list(inspect.signature(current).parameters) != ["engine", "join_on_exit"]:
        return False
    flow_engine._send_heartbeats = send_heartbeats
    return True
