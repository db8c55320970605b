"""Riding out an outage of Prefect's API: drflow's own calls to it wait and retry.

A restarted Prefect server (SQLite or PostgreSQL) is gone for a minute or more. The recovery
drflow is carrying out in VBR does not depend on it and goes on; what drflow tells Prefect on
the way (its evidence artifacts, the dispositions it records, the slots it takes) waits for
Prefect to answer again, for up to ``DRFLOW_PREFECT_OUTAGE_TOLERANCE`` (a duration, default
10 minutes), instead of failing the recovery.

Prefect's own client retries a request only once its connection has worked before, and a new
client is made for most calls, so a call made while the server is down fails at once: the
retries here cover that. Prefect's engine calls (flow run states) retry by themselves,
``PREFECT_CLIENT_MAX_RETRIES`` times with growing waits: the command line raises it
(:data:`CLIENT_MAX_RETRIES`) unless it was set; set it on workers too.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import TypeVar

import httpx
from prefect import get_client

from drflow.vbr import parse_duration

logger = logging.getLogger("drflow")

T = TypeVar("T")

DEFAULT_TOLERANCE = 600.0
"""Seconds drflow waits for Prefect's API by default."""
CLIENT_MAX_RETRIES = 43
"""Prefect client retries the command line asks for: waits of 2, 4 and 8 s, then of 15 s
(:mod:`.client_retries` caps them), about 10 minutes."""
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
LOG_EVERY = 30.0


def tolerance() -> float:
    """How long drflow waits for Prefect's API (``DRFLOW_PREFECT_OUTAGE_TOLERANCE``)."""
    text = os.environ.get("DRFLOW_PREFECT_OUTAGE_TOLERANCE")
    return parse_duration(text) if text else DEFAULT_TOLERANCE


def transient(exc: BaseException) -> bool:
    """Whether ``exc`` says Prefect's API is away for now (not that it refused the call)."""
    if isinstance(exc, httpx.TransportError):
        return True
    response = getattr(exc, "response", None)
    return isinstance(response, httpx.Response) and response.status_code in TRANSIENT_STATUSES


def ride_out(call: Callable[[], T], *, what: str, within: float | None = None) -> T:
    """``call()``, retried while Prefect's API is away, for ``within`` seconds (default:
    :func:`tolerance`); the last error once that time is spent, any other error at once."""
    deadline = time.monotonic() + (tolerance() if within is None else within)
    began = time.monotonic()
    delay, logged = 0.5, float("-inf")
    while True:
        try:
            result = call()
        except Exception as exc:
            now = time.monotonic()
            if not transient(exc) or now >= deadline:
                raise
            if now - logged >= LOG_EVERY:
                logged = now
                logger.warning(
                    "Prefect's API does not answer (%s): %s waits for it (%.0fs so far, up to "
                    "%.0fs)",
                    type(exc).__name__,
                    what,
                    now - began,
                    deadline - began,
                )
            time.sleep(min(delay, max(0.0, deadline - now)))
            delay = min(delay * 2, 15.0)
            continue
        if logged > float("-inf"):
            logger.warning(
                "Prefect's API answers again: %s went on after %.0fs",
                what,
                time.monotonic() - began,
            )
        return result


def wait_for_prefect(what: str, within: float | None = None) -> None:
    """Return once Prefect's API answers (``what`` waits for it meanwhile)."""

    def hello() -> None:
        with get_client(sync_client=True) as client:
            client.hello().raise_for_status()

    ride_out(hello, what=what, within=within)
