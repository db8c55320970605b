"""The drill's slot, taken by a workload's own run around its VBR work only.

A drill limits how many workloads recover at once (the plan's and groups' ``max_parallel``, the
global limit ``vbr-restore-sessions``). A workload's run costs Prefect a few seconds to start
and to finish, and none of that is VBR work: when its flow runs in the drill's process, the
drill hands it the slot to take (:func:`slot_handed_over`), and the flow holds it from the start
of the recovery until its mount is gone (:func:`vbr_work`). Meanwhile the drill starts the next
runs ahead of their slot, so a freed slot goes to a run that is already waiting at it.

Outside such a drill (a run of its own, a deployment run) there is no slot to take here: the
drill that started it, if any, holds one for the whole run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

SlotTaker = Callable[[], AbstractContextManager[None]]

_handed: ContextVar[SlotTaker | None] = ContextVar("drflow_drill_slot", default=None)

PIPELINED_KINDS = frozenset({"vsphere", "hyperv", "fcd"})
"""Workload kinds whose flows take the slot themselves (their flows end with their mount gone
or kept; a switchover flow may suspend, so the drill holds the slot for those)."""


class DeadlinePassed(Exception):
    """The drill's deadline passed while the workload waited for its slot: it did not start."""


@contextmanager
def slot_handed_over(take: SlotTaker) -> Iterator[None]:
    """Within the block, a workload flow run in this thread takes its slot with ``take``."""
    token = _handed.set(take)
    try:
        yield
    finally:
        _handed.reset(token)


@contextmanager
def vbr_work() -> Iterator[bool]:
    """Hold the slot a drill handed over while the block runs; yields whether there was one."""
    take = _handed.get()
    if take is None:
        yield False
        return
    with take():
        yield True
