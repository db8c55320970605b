"""What a drill hands to a workload's run in its own process, and what it gets back.

A drill limits how many workloads recover at once. A workload's run costs Prefect a few seconds
to start and to finish, and none of that is VBR work: when the run executes in the drill's own
process, the drill hands it the slot to take (:attr:`Handoff.take_slot`), and the engine holds
it from the start of the recovery until what it mounted is gone or kept (:func:`vbr_work`).

A drill's preflight has read each VM's newest restore point: the drill hands it on, and the
recovery takes it when it is the point its policy wants (:func:`newest_point`), rather than
asking VBR again. A drill rehearses the estate as its preflight found it.

The engine also tells the drill when the recovery began and hands back its report when it ends
(:func:`began`, :func:`ended`). Prefect's API may be away when the run's state is written: the
drill then still has the report of a recovery that ran, and knows that a run which failed
before it began started nothing in VBR (so it may be started again). Outside such a drill
there is nothing to take or hand back here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drflow.vbr.models import ObjectRestorePointModel

    from .report import RecoveryReport

SlotTaker = Callable[[], AbstractContextManager[None]]


@dataclass
class Handoff:
    """Between a drill and one workload's run in its process."""

    take_slot: SlotTaker | None = None
    """How the run takes the drill's slot (None: the drill holds it for the whole run)."""
    began: bool = False
    """The engine began the recovery: from here on it may have started work in VBR."""
    report: RecoveryReport | None = None
    """The report of the recovery, once it ended (whatever Prefect recorded of the run)."""
    flow_name: str | None = None
    """Set when the workload runs as a task run of the drill's flow run, not as a flow run of
    its own: the flow whose recovery it carries out (what its report and VBR's ``reason``
    name)."""
    newest_point: ObjectRestorePointModel | None = None
    """The workload's newest restore point as the drill's preflight read it (any platform and
    operation; see ``drflow.vbr.select_restore_point``)."""


_current: ContextVar[Handoff | None] = ContextVar("drflow_handoff", default=None)


@contextmanager
def handed_over(handoff: Handoff) -> Iterator[Handoff]:
    """Within the block, a workload flow run in this thread works with ``handoff``."""
    token = _current.set(handoff)
    try:
        yield handoff
    finally:
        _current.reset(token)


def task_of_flow() -> str | None:
    """The workload flow a task run of a drill carries out; None in a flow run of its own."""
    handoff = _current.get()
    return handoff.flow_name if handoff is not None else None


def newest_point() -> ObjectRestorePointModel | None:
    """The newest restore point the drill's preflight read for this workload, if any."""
    handoff = _current.get()
    return handoff.newest_point if handoff is not None else None


def began() -> None:
    """The engine begins a recovery (tells the drill, if there is one)."""
    handoff = _current.get()
    if handoff is not None:
        handoff.began = True


def ended(report: RecoveryReport) -> None:
    """The engine ended a recovery with ``report`` (hands it to the drill, if there is one)."""
    handoff = _current.get()
    if handoff is not None:
        handoff.report = report


@contextmanager
def vbr_work() -> Iterator[bool]:
    """Hold the slot a drill handed over while the block runs; yields whether there was one."""
    handoff = _current.get()
    if handoff is None or handoff.take_slot is None:
        yield False
        return
    with handoff.take_slot():
        yield True
