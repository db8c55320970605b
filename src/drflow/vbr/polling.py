"""Polling with backoff and a deadline: the machinery under every wait of :mod:`.waiting`.

A poll's reads ride out VBR being unavailable: each read retries transient failures until the
wait's own deadline, not for the client's outage tolerance, so an outage shorter than the time
left does not end the wait. Only the deadline does (:class:`~drflow.vbr.WaitTimeout`), or a
budget around the wait (:mod:`drflow.vbr.budgets`) that ends first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, replace
from typing import TypeVar

from . import budgets
from ._exceptions import VBRError, WaitTimeout
from ._retry import is_transient

__all__ = ["Backoff", "poll", "wait_for_state"]

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Poll intervals: ``initial``, growing by ``factor``, never above ``cap``.

    With ``share``, an interval is instead that share of the time already waited (between
    ``initial`` and ``cap``): a wait then ends at most ``share`` later than what it waited for,
    whatever its length, for the price of more polls (worth it when polls are shared). With
    ``tick`` too, every poll falls on a multiple of ``tick`` on the monotonic clock, so the
    waits of many threads poll at the same instants and one shared read answers them all.
    """

    initial: float = 1.0
    cap: float = 15.0
    factor: float = 1.5
    share: float | None = None
    tick: float | None = None

    def intervals(self) -> Iterator[float]:
        interval = self.initial
        while True:
            yield interval
            interval = min(interval * self.factor, self.cap)

    def following(self, share: float, *, tick: float | None = None) -> Backoff:
        """The same bounds, intervals following the time waited (``share`` of it), on
        multiples of ``tick`` when given."""
        return replace(self, share=share, tick=tick)

    def next_tick(self, now: float) -> float:
        """The first multiple of ``tick`` after ``now``: when polls on ticks fall."""
        tick = self.tick or self.initial
        # a hair below a tick (floating point: 25 * (1/3) < 8 + 1/3) counts as on it
        return (math.floor(now / tick + 1e-6) + 1) * tick

    def after(self, waited: float) -> float:
        """The interval after ``waited`` seconds of a wait that follows the time waited."""
        return min(max(self.initial, (self.share or 0.0) * waited), self.cap)


def poll(
    read: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float,
    backoff: Backoff,
    what: str,
    on_poll: Callable[[T], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """Call ``read`` until ``done`` says so; raise :class:`WaitTimeout` past ``timeout`` s.

    ``timeout`` is cut to the budget around the wait. Each ``read`` retries transient failures
    until the deadline (see the module docstring). ``sleep`` may end early when news came in
    meanwhile (a read that another wait shared): ``read`` and ``done`` are then asked at once,
    and the wait's own polls keep their schedule.
    """
    started = clock()
    timeout = min(timeout, budgets.remaining())
    deadline = started + timeout
    intervals = backoff.intervals()
    due = started
    with budgets.budget(timeout, outage_tolerance=math.inf, clock=clock):
        while True:
            try:
                value = read()
            except VBRError as exc:
                if not is_transient(exc):
                    raise
                raise WaitTimeout(
                    f"gave up waiting for {what} after {clock() - started:.0f}s: VBR did not "
                    f"answer ({exc})"
                ) from exc
            if on_poll is not None:
                on_poll(value)
            if done(value):
                return value
            now = clock()
            remaining = deadline - now
            if remaining <= 0:
                raise WaitTimeout(f"gave up waiting for {what} after {timeout:.0f}s", last=value)
            if now >= due:  # this read was the wait's own poll: schedule the next one
                interval = (
                    next(intervals) if backoff.share is None else backoff.after(now - started)
                )
                if backoff.tick:
                    interval = backoff.next_tick(now + interval - backoff.tick) - now
                due = now + interval
            sleep(min(due - now, remaining))


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
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """Poll an object until its state is in ``until``; a state in ``fail`` raises ``failed()``."""

    def done(value: T) -> bool:
        state = state_of(value)
        if state in fail:
            raise failed(value)
        return state in until

    return poll(
        read, done, timeout=timeout, backoff=backoff, what=what, on_poll=on_poll, sleep=sleep
    )
