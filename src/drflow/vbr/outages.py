"""Outages of a VBR server as one client sees them: recorded, and logged sparingly.

An outage runs from a transient failure (no connection, a timeout, a dropped connection, 5xx,
429) to the next answer, for the whole client: every thread using it shares it. While it lasts,
one line is logged once it has lasted ``notice_after`` seconds, then at most one every
``log_every`` seconds with the time elapsed, and one when VBR answers again; the attempts
themselves are logged at DEBUG only, and so are blips shorter than ``notice_after``.

Every outage is recorded (:class:`Outage`), so that a run's report can say how long VBR was
unavailable during the run: :meth:`Outages.unavailable_between`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["Outage", "Outages", "format_duration"]

logger = logging.getLogger("drflow.vbr")


@dataclass(frozen=True)
class Outage:
    """One stretch of time in which VBR did not answer, or answered only with failures."""

    start: datetime
    """When the first failure was seen."""
    end: datetime | None
    """When VBR answered again; None while the outage lasts."""
    cause: str
    """The first failure."""
    failures: int
    """Failed attempts during the outage, over every thread."""

    def duration(self, now: datetime | None = None) -> timedelta:
        """How long it lasted (so far, for one still going on)."""
        return (self.end or now or datetime.now(UTC)) - self.start


@dataclass
class _Open:
    started: float  # on the monotonic clock
    start: datetime
    cause: str
    failures: int
    log_at: float  # when the next line is due
    noticed: bool = False


class Outages:
    """The outages of one VBR server seen by one client (thread-safe).

    The client calls :meth:`failed` for each transient failure and :meth:`answered` for each
    answer that is not one.
    """

    def __init__(
        self,
        server: str,
        *,
        notice_after: float = 5.0,
        log_every: float = 30.0,
        keep: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.server = server
        self.notice_after = notice_after
        self.log_every = log_every
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._open: _Open | None = None
        self._closed: deque[Outage] = deque(maxlen=keep)  # the oldest go first

    def __repr__(self) -> str:
        return f"Outages({self.server!r}, recorded={len(self._closed)}, open={self.current})"

    def failed(self, cause: BaseException | str) -> None:
        """A transient failure: opens an outage, or counts in the open one (and logs when due)."""
        text = _describe(cause)
        with self._lock:
            mono = self._clock()
            outage = self._open
            if outage is None:
                outage = self._open = _Open(
                    mono, self._now(), text, 0, log_at=mono + self.notice_after
                )
            outage.failures += 1
            elapsed = mono - outage.started
            if mono < outage.log_at:
                logger.debug(
                    "VBR at %s: %s (failing for %s)", self.server, text, format_duration(elapsed)
                )
                return
            outage.log_at = mono + self.log_every
            first, outage.noticed = not outage.noticed, True
        logger.warning(
            "VBR at %s %s %s (%s)%s",
            self.server,
            "unavailable for" if first else "still unavailable after",
            format_duration(elapsed),
            text,
            "; retrying" if first else "",
        )

    def answered(self) -> None:
        """VBR answered: closes the open outage, if any."""
        if self._open is None:  # the common case, without taking the lock
            return
        with self._lock:
            outage, self._open = self._open, None
            if outage is None:
                return
            elapsed = self._clock() - outage.started
            end = outage.start + timedelta(seconds=elapsed)
            self._closed.append(Outage(outage.start, end, outage.cause, outage.failures))
        log = logger.warning if outage.noticed else logger.debug
        log("VBR at %s answers again after %s", self.server, format_duration(elapsed))

    @property
    def current(self) -> Outage | None:
        """The outage going on now, if any."""
        outage = self._open
        if outage is None:
            return None
        return Outage(outage.start, None, outage.cause, outage.failures)

    def records(self) -> list[Outage]:
        """Every outage recorded, oldest first, the one going on (if any) last."""
        with self._lock:
            closed = list(self._closed)
        current = self.current
        return closed if current is None else [*closed, current]

    def unavailable_between(self, start: datetime, end: datetime | None = None) -> timedelta:
        """How long VBR was unavailable between ``start`` and ``end`` (default: now)."""
        now = self._now()
        end = end or now
        total = timedelta()
        for outage in self.records():
            overlap = min(end, outage.end or now) - max(start, outage.start)
            if overlap > timedelta():
                total += overlap
        return total


def format_duration(seconds: float) -> str:
    """``0.4s``, ``7s``, ``1m05s``, ``1h02m03s``."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def _describe(cause: BaseException | str) -> str:
    text = cause if isinstance(cause, str) else str(cause) or type(cause).__name__
    return text if len(text) <= 200 else text[:200] + "..."
