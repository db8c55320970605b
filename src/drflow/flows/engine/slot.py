"""The slot a drill hands to a workload's run, taken around its VBR work only.

A drill limits how many workloads recover at once. A workload's run costs Prefect a few seconds
to start and to finish, and none of that is VBR work: when the run executes in the drill's own
process, the drill hands it the slot to take (:func:`slot_handed_over`), and the engine holds it
from the start of the recovery until what it mounted is gone or kept (:func:`vbr_work`). Outside
such a drill there is no slot to take here: the drill that started the run, if any, holds one
for the whole run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

SlotTaker = Callable[[], AbstractContextManager[None]]

_handed: ContextVar[SlotTaker | None] = ContextVar("drflow_drill_slot", default=None)


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
