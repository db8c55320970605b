"""Prefect's API clients try a request again within a second when the server was busy.

A Prefect server on SQLite (the default a new user gets, and every temporary server of the
``drflow`` command) answers ``503 Service Unavailable`` when a write meets another: the
creation of a task run, for one, reads the flow run's labels and then inserts in one deferred
transaction, and SQLite refuses that upgrade at once (``SQLITE_BUSY_SNAPSHOT``), without the
busy timeout (PrefectHQ/prefect#18934, open). Prefect's client takes that answer for an
outage and waits 2, 4, 8 ... s before it tries again. A drill's child runs are created in a
burst, each with such a task run in its parent: measured, a drill of 20 VMs on SQLite met 47
of these answers and its requests waited 150 s for them, for a conflict that is over in
milliseconds.

:func:`install` has Prefect's retry loops (``_send_with_retry`` of ``prefect.client.base``'s
sync and async clients) try such a request again after :data:`PROMPT_WAITS` (up to a second
apart, about 10 s in all), once per request: if the server is still busy after them, the
answer goes to Prefect's own retries, and their waits, as before, so a degraded server is not
asked more often than Prefect would for longer than those 10 s. Only the answer Prefect's
server gives a retryable database error counts (its body :data:`BUSY`, no ``Retry-After``):
a server that is down, a proxy's 503 and every other answer go to Prefect's loop as they
came, so no outage is ridden out for less long. Installed on the Prefect versions it was
written against (:data:`FOR_PREFECT`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import prefect
from prefect.client import base

FOR_PREFECT = ("3.9.",)
"""The Prefect releases whose client this is written against."""
BUSY = {"exception_message": "Service Unavailable"}
"""The body of Prefect's 503 for an error its clients may retry (a locked SQLite, say)."""
PROMPT_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8, *(1.0,) * 8)
"""Average seconds before each prompt try of a request the server was busy for: about 10 s in
all, as long as a busy SQLite kept refusing a drill's writes on a loaded machine."""

Send = Callable[..., httpx.Response]
AsyncSend = Callable[..., Awaitable[httpx.Response]]


def busy(response: httpx.Response) -> bool:
    """Whether ``response`` (its body read) is Prefect's answer to a write that met another."""
    if response.status_code != 503 or "Retry-After" in response.headers:
        return False
    try:
        return response.json() == BUSY
    except ValueError:
        return False


def _jittered(wait: float) -> float:
    return random.uniform(0.5, 1.5) * wait


def _prompt(send: Send) -> Send:
    """``send`` (a sync client's, for one request), tried again after :data:`PROMPT_WAITS`
    the first time the server is busy."""
    waits = iter(PROMPT_WAITS)

    def send_promptly(request: httpx.Request, *args: Any, **kwargs: Any) -> httpx.Response:
        while True:
            response = send(request, *args, **kwargs)
            if response.status_code != 503:
                return response
            response.read()
            wait = next(waits, None)
            if wait is None or not busy(response):
                return response
            response.close()
            time.sleep(_jittered(wait))

    return send_promptly


def _prompt_async(send: AsyncSend) -> AsyncSend:
    """``send`` (an async client's, for one request), tried again after :data:`PROMPT_WAITS`
    the first time the server is busy."""
    waits = iter(PROMPT_WAITS)

    async def send_promptly(request: httpx.Request, *args: Any, **kwargs: Any) -> httpx.Response:
        while True:
            response = await send(request, *args, **kwargs)
            if response.status_code != 503:
                return response
            await response.aread()
            wait = next(waits, None)
            if wait is None or not busy(response):
                return response
            await response.aclose()
            await anyio.sleep(_jittered(wait))

    return send_promptly


def _sync_loop(loop: Callable[..., httpx.Response]) -> Callable[..., httpx.Response]:
    def _send_with_retry(
        self: Any, request: httpx.Request, send: Send, *args: Any, **kwargs: Any
    ) -> httpx.Response:
        return loop(self, request, _prompt(send), *args, **kwargs)

    _send_with_retry.prompt = True  # type: ignore[attr-defined]
    return _send_with_retry


def _async_loop(
    loop: Callable[..., Awaitable[httpx.Response]],
) -> Callable[..., Awaitable[httpx.Response]]:
    async def _send_with_retry(
        self: Any, request: httpx.Request, send: AsyncSend, *args: Any, **kwargs: Any
    ) -> httpx.Response:
        return await loop(self, request, _prompt_async(send), *args, **kwargs)

    _send_with_retry.prompt = True  # type: ignore[attr-defined]
    return _send_with_retry


def install() -> bool:
    """Have Prefect's clients try promptly again when the server was busy (see the module
    docstring); True if it is in place."""
    clients = (
        (base.PrefectHttpxSyncClient, _sync_loop),
        (base.PrefectHttpxAsyncClient, _async_loop),
    )
    if all(getattr(client._send_with_retry, "prompt", False) for client, _ in clients):
        return True
    if not prefect.__version__.startswith(FOR_PREFECT):
        return False
    for client, wrap in clients:
        client._send_with_retry = wrap(client._send_with_retry)
    return True
