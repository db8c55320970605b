"""Time budgets: how long the VBR calls of a piece of work may keep trying.

A call to VBR that fails transiently (no connection, 5xx, 429, a timeout) is retried for the
client's *outage tolerance* (``VBRSettings.outage_tolerance``). A :func:`budget` scope bounds
every call inside it, in this thread and in the threads started from it with its context
(``contextvars.copy_context().run``): a call gives up at whichever comes first, its outage
tolerance or the end of the innermost budget (and of every budget around it). A scope may also
set the outage tolerance of the calls inside it::

    with budget(timedelta(minutes=30)):           # a workload's remaining time
        ...                                       # no retry inside outlives it
        with budget(outage_tolerance=60):         # these calls ride out a minute at most
            ...

A *detached* budget ignores the budgets around it: a clean-up gets its own time even when the
work it cleans up after ran out of its own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["Budget", "budget", "call_tolerance", "current_budget", "remaining"]

Clock = Callable[[], float]


@dataclass(frozen=True)
class Budget:
    """One scope: its deadline on ``clock`` (None: unbounded), the outage tolerance it sets
    (None: the one around it), and the scope around it (None when detached or outermost)."""

    deadline: float | None
    tolerance: float | None
    clock: Clock
    outer: Budget | None

    def remaining(self) -> float:
        """Seconds left before this budget or one around it runs out (``inf``: unbounded)."""
        own = math.inf if self.deadline is None else max(0.0, self.deadline - self.clock())
        return own if self.outer is None else min(own, self.outer.remaining())

    def outage_tolerance(self) -> float | None:
        """The outage tolerance set by this scope or the nearest one around it that sets one."""
        if self.tolerance is not None:
            return self.tolerance
        return None if self.outer is None else self.outer.outage_tolerance()


_current: ContextVar[Budget | None] = ContextVar("drflow_vbr_budget", default=None)


def current_budget() -> Budget | None:
    """The innermost budget around the caller, if any."""
    return _current.get()


def remaining() -> float:
    """Seconds left in the budgets around the caller (``inf`` outside any)."""
    scope = _current.get()
    return math.inf if scope is None else scope.remaining()


def call_tolerance(default: float) -> float:
    """The outage tolerance of calls made here: the innermost scope's, else ``default``."""
    scope = _current.get()
    chosen = scope.outage_tolerance() if scope is not None else None
    return default if chosen is None else chosen


@contextmanager
def budget(
    time_left: float | timedelta | datetime | None = None,
    *,
    outage_tolerance: float | timedelta | None = None,
    detached: bool = False,
    clock: Clock = time.monotonic,
) -> Iterator[Budget]:
    """Bound every VBR call inside the block.

    ``time_left``: seconds (or a ``timedelta``) from now, or the wall-clock time (a timezone-aware
    ``datetime``) when the work must be over; None leaves the deadline to the scopes around it.
    ``outage_tolerance`` overrides the client's for the calls inside (``math.inf``: retry until
    the deadline). ``detached`` ignores the scopes around it.
    """
    now = clock()
    if time_left is None:
        deadline = None
    elif isinstance(time_left, datetime):
        deadline = now + (time_left - datetime.now(UTC)).total_seconds()
    elif isinstance(time_left, timedelta):
        deadline = now + time_left.total_seconds()
    else:
        deadline = now + time_left
    tolerance = (
        outage_tolerance.total_seconds()
        if isinstance(outage_tolerance, timedelta)
        else outage_tolerance
    )
    scope = Budget(deadline, tolerance, clock, None if detached else _current.get())
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)
