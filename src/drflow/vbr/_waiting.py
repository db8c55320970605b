"""Waiting for VBR sessions and mounts, with backoff and a deadline."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass
from typing import TypeVar

from ._exceptions import SessionFailed, WaitTimeout
from .models import SessionModel, SessionResult

logger = logging.getLogger("drflow.vbr")

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Poll intervals: ``initial``, growing by ``factor``, never above ``cap``."""

    initial: float = 1.0
    cap: float = 15.0
    factor: float = 1.5

    def intervals(self) -> Iterator[float]:
        interval = self.initial
        while True:
            yield interval
            interval = min(interval * self.factor, self.cap)


def poll(
    read: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float,
    backoff: Backoff,
    what: str,
    on_poll: Callable[[T], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``read`` until ``done`` says so; raise :class:`WaitTimeout` past ``timeout`` s."""
    deadline = clock() + timeout
    intervals = backoff.intervals()
    while True:
        value = read()
        if on_poll is not None:
            on_poll(value)
        if done(value):
            return value
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeout(f"gave up waiting for {what} after {timeout:.0f}s", last=value)
        sleep(min(next(intervals), remaining))


def session_outcome(session: SessionModel) -> SessionModel:
    """Return a finished session, raising :class:`SessionFailed` when it failed."""
    result = session.result.result if session.result else None
    if result == SessionResult.FAILED:
        raise SessionFailed(session)
    if result == SessionResult.WARNING:
        logger.warning(
            "session %r finished with a warning: %s",
            session.name,
            session.result.message if session.result else "",
        )
    return session


def wait_for_state(
    read: Callable[[], T],
    state_of: Callable[[T], object],
    *,
    until: Container[object],
    fail: Container[object],
    failed: Callable[[T], Exception],
    timeout: float,
    backoff: Backoff,
    what: str,
    on_poll: Callable[[T], None] | None = None,
) -> T:
    """Poll an object until its state is in ``until``; a state in ``fail`` raises ``failed()``."""

    def done(value: T) -> bool:
        state = state_of(value)
        if state in fail:
            raise failed(value)
        return state in until

    return poll(read, done, timeout=timeout, backoff=backoff, what=what, on_poll=on_poll)
