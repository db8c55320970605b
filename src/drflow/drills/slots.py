"""The drill's slots of the global concurrency limit, handed from one workload to the next.

A drill takes a slot of ``vbr-restore-sessions`` for every workload it recovers. Taking one is
a call to Prefect's API; a workload that ends hands its slot straight to the drill's next one
instead (:class:`HeldSlots`), and the first workloads' slots are taken while their runs start.
How a workload's run takes the slot the drill hands it: :mod:`drflow.flows.engine.handoff`.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prefect.concurrency.sync import concurrency

from drflow.flows import registry
from drflow.flows.engine.prefect_api import ride_out

PIPELINED_KINDS = frozenset(kind for kind, entry in registry.KINDS.items() if entry.pipelined)
"""Workload kinds whose runs take the slot themselves, around their VBR work only."""


class DeadlinePassed(Exception):
    """The drill's deadline passed while the workload waited for its slot: it did not start."""


class HeldSlots:
    """The drill's slots of a global concurrency limit, handed from one workload to the next.

    A slot given back stays with the drill for ``linger`` seconds: the drill's next workload
    to take one (usually waiting for it already) takes it without a call to Prefect's API,
    instead of a release and an acquire. One not taken within that time goes back to Prefect.
    The slots of the drill's first workloads are taken while their runs start (:meth:`reserve`,
    :meth:`prefetch`). Each held slot is a thread of its own that holds Prefect's
    ``concurrency`` lease (and renews it) until the slot goes back; a renewal that fails is
    logged by Prefect and does not stop the recovery that holds the slot.
    """

    def __init__(self, limit: str, linger: float = 0.5) -> None:
        self._limit = limit
        self._linger = linger
        self._cond = threading.Condition()
        self._idle: list[_Slot] = []
        self._taken: list[_Slot] = []  # every slot taken from Prefect
        self._credit = 0  # slots that may be prefetched
        self._reserving = 0  # prefetches on their way
        self._closed = False

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """Hold one slot of the limit while the block runs; yields whether it was the
        drill's already (handed on or prefetched), rather than taken from Prefect's limit."""
        held, the_drills = self._take()
        try:
            yield the_drills
        finally:
            self._give_back(held)

    def reserve(self, slots: int) -> None:
        """Let the drill's next ``slots`` workloads :meth:`prefetch` their slot (its first
        wave, whose slots are free)."""
        with self._cond:
            self._credit = slots

    def prefetch(self, linger: float = 30.0) -> None:
        """Start taking a slot now, while the workload's run starts, if one is reserved: it
        waits up to ``linger`` seconds for a workload to take it (a run takes seconds to
        start), and a workload that comes for a slot meanwhile waits for it rather than take
        another."""
        with self._cond:
            if self._credit <= 0 or self._closed:
                return
            self._credit -= 1
            self._reserving += 1
        _start_in_this_context(self._reserve_one, linger, name="drflow-slot-prefetch")

    def close(self, timeout: float = 10.0) -> None:
        """Give every slot back to Prefect as soon as the drill no longer uses it, and wait
        (up to ``timeout`` s) until Prefect has those not in use: a process that exits right
        after its drill must not leave slots taken until their leases expire."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            given_back = [held for held in self._taken if held.released() or held in idle]
        for held in idle:
            held.release()
        deadline = time.monotonic() + timeout
        for held in given_back:
            held.wait_ended(max(0.0, deadline - time.monotonic()))

    def _take(self) -> tuple[_Slot, bool]:
        with self._cond:
            while True:
                while self._idle:
                    held = self._idle.pop()
                    if held.alive():
                        return held, True
                if not self._reserving:
                    break
                self._cond.wait()
        return self._acquire(), False

    def _acquire(self) -> _Slot:
        held = _Slot.acquire(self._limit)
        with self._cond:
            self._taken.append(held)
        return held

    def _reserve_one(self, linger: float) -> None:
        try:
            held: _Slot | None = self._acquire()
        except Exception:  # the workloads that need it take their own, and meet the error
            held = None
        if held is not None:
            self._give_back(held, linger)
        with self._cond:
            self._reserving -= 1
            self._cond.notify_all()

    def _give_back(self, held: _Slot, linger: float | None = None) -> None:
        with self._cond:
            keep = held.alive() and not self._closed
            if keep:
                held.handovers += 1
                self._idle.append(held)
                self._cond.notify_all()
        if not keep:
            held.release()
            return
        timer = threading.Timer(linger or self._linger, self._expire, (held, held.handovers))
        timer.daemon = True
        timer.start()

    def _expire(self, held: _Slot, handover: int) -> None:
        with self._cond:
            if held not in self._idle or held.handovers != handover:
                return  # taken meanwhile
            self._idle.remove(held)
        held.release()


class _Slot:
    """One slot of a global limit, held by a thread inside Prefect's ``concurrency``."""

    def __init__(self) -> None:
        self._acquired = threading.Event()
        self._release = threading.Event()
        self._ended = threading.Event()
        self._error: BaseException | None = None
        self.handovers = 0

    @classmethod
    def acquire(cls, limit: str) -> _Slot:
        """Wait until Prefect grants a slot of ``limit`` (while its API is away too); raise
        what it raised instead."""

        def attempt() -> _Slot:
            held = cls()
            _start_in_this_context(held._hold, limit, name="drflow-slot")
            held._acquired.wait()
            if held._error is not None:
                raise held._error
            return held

        return ride_out(attempt, what=f"a slot of {limit}")

    def alive(self) -> bool:
        """Whether the slot is still held (its lease was not lost)."""
        return not self._ended.is_set()

    def release(self) -> None:
        """Give the slot back to Prefect (in the background)."""
        self._release.set()

    def released(self) -> bool:
        """Whether the slot was given back to Prefect (or is on its way back)."""
        return self._release.is_set()

    def wait_ended(self, timeout: float) -> bool:
        """Wait until Prefect has the slot back (or it was lost); False on timeout."""
        return self._ended.wait(timeout)

    def _hold(self, limit: str) -> None:
        try:
            with concurrency(limit, occupy=1, strict=True, raise_on_lease_renewal_failure=False):
                self._acquired.set()
                self._release.wait()
        except BaseException as exc:
            self._error = exc
        finally:
            self._ended.set()
            self._acquired.set()


def _start_in_this_context(fn: Callable[..., None], *args: object, name: str) -> None:
    """Run ``fn(*args)`` in a daemon thread that sees this thread's context (its Prefect
    settings and run)."""
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(fn, *args), name=name, daemon=True).start()
