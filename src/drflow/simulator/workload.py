"""Workload kinds, the simulator's one extension point.

A workload kind (vSphere instant recovery, entire VM restore, Entra ID restore, ...) is one
module or package of :mod:`drflow.simulator.workloads` exporting a :class:`Workload` subclass,
and one entry in :data:`drflow.simulator.workloads.KINDS`. Each simulator holds one instance of
every kind (:class:`Workloads`, ``Simulator.workloads``), and everything that spans the kinds
iterates over it:

- the app serves each kind's ``router``;
- ``POST /api/v1/sessions/{id}/stop`` asks each kind to :meth:`~Workload.stop_session`;
- the state file saves and reloads each kind's ``state`` (:mod:`drflow.simulator.persistence`);
- ``GET /_sim/mounts`` lists each kind's :meth:`~Workload.describe_mounts`, ``GET /_sim/stats``
  reports each kind's starts, what it still holds and its duplicate starts, and the workload
  probe (``GET /_sim/guests/{vm}/health``) asks each kind's :meth:`~Workload.guest_state`.

A kind's ``state`` is everything of it that a restarted simulator finds again: a dataclass
deriving from :class:`WorkloadState` (which counts the kind's starts), made afresh by
:meth:`~Workload.new_state` when the simulator starts or is reset.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar, overload

from fastapi import APIRouter, Request

from .sessions import LogTitles, Outcome, SessionRecord

if TYPE_CHECKING:
    from .auth import Principal
    from .guests import GuestState
    from .state import Simulator

MARK = re.compile(r"drflow-run:[^\s\]]+")
"""The mark a drflow run writes into what it starts (``drflow-run:<flow run id>``)."""


@dataclass
class StartLog:
    """The starts a kind accepted, and the run marks their requests carried, per target."""

    count: int = 0
    marks: Counter[str] = field(default_factory=Counter)
    """``"<mark> <target>"`` -> how many starts of that target carried that mark."""

    def record(self, *texts: str | None, target: str = "") -> None:
        """Count one accepted start of ``target`` (a VM, shares) whose request carried
        ``texts`` (a reason, FCD names). One run may start many targets under its mark (a
        drill whose workloads are task runs of its run); it starts each only once."""
        self.count += 1
        found = {mark for text in texts if text for mark in MARK.findall(text)}
        self.marks.update(f"{mark} {target}".rstrip() for mark in found)

    def duplicates(self) -> dict[str, int]:
        """A run's starts of one target after its first: ``"<mark> <target>"`` -> how many
        starts carried them."""
        return {key: n for key, n in sorted(self.marks.items()) if n > 1}


@dataclass
class WorkloadState:
    """What a kind keeps (and the state file saves): at least its starts."""

    starts: StartLog = field(default_factory=StartLog)


StateT = TypeVar("StateT", bound=WorkloadState)
W = TypeVar("W", bound="Workload[Any]")


class Workload(Generic[StateT]):
    """One workload kind of one simulator: its state, its routes and its hooks."""

    kind: ClassVar[str]
    """Its key in ``Simulator.workloads`` and in ``GET /_sim/stats``."""
    router: ClassVar[APIRouter]
    """Its API routes (each depends on :meth:`of` for the instance it serves)."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.state: StateT = self.new_state()

    @classmethod
    def of(cls, request: Request) -> Self:
        """The instance of this kind that serves ``request`` (a FastAPI dependency)."""
        return request.state.sim.workloads[cls]

    def new_state(self) -> StateT:
        """A fresh state: nothing started yet."""
        raise NotImplementedError

    def stop_session(self, record: SessionRecord, who: Principal) -> bool:
        """``POST /sessions/{id}/stop`` of ``record``: stop it if this kind started it (True),
        else leave it (False)."""
        if record.workload != self.kind:
            return False
        self.stop(record, who)
        return True

    def stop(self, record: SessionRecord, who: Principal) -> None:
        """Stop ``record``, a session this kind started, on request of ``who``."""
        raise NotImplementedError

    def describe_mounts(self, now: datetime, include_gone: bool) -> list[dict[str, Any]]:
        """This kind's entries of ``GET /_sim/mounts`` (each with ``kind``, ``id``, ``state``,
        ``reason``, ...): the mounts it holds, and with ``include_gone`` the ones that are gone."""
        return []

    def guest_state(self, vm_name: str, now: datetime) -> GuestState | None:
        """What this kind says about the workload of a machine named ``vm_name`` (None:
        nothing, it runs no machine of that name)."""
        return None

    def settle(self, now: datetime) -> None:
        """Bring into being what became due by ``now`` (sessions this kind planned to start);
        called before sessions are read. Nothing runs in the background."""

    def open_session(
        self,
        session_type: str,
        name: str,
        initiated_by: str,
        *,
        starting_s: float,
        work_s: float,
        outcome: Outcome,
        titles: LogTitles,
        resource_id: uuid.UUID | None = None,
        resource_path: str | None = None,
        parent: SessionRecord | None = None,
        platform: str | None = None,
        hold: bool = False,
        ids: tuple[uuid.UUID, uuid.UUID] | None = None,
        created: datetime | None = None,
        subject: str | None = None,
    ) -> SessionRecord:
        """Start a session of this kind (see :mod:`drflow.simulator.sessions` for its
        timeline) and register it.

        ``resource_id`` is what it acts on (default: the session itself, as for a mount whose
        id is its session's), ``resourceReference`` is ``resource_path/<resource id>``;
        ``parent`` is the session it derives from (``parentSessionId``). ``ids`` are the
        session's and its job's ids when drawn in advance, ``created`` its start when planned.
        """
        sim = self.sim
        session_id, job_id = ids or (sim.new_id(), sim.new_id())
        resource = resource_id or session_id
        record = SessionRecord(
            id=session_id,
            name=name,
            job_id=job_id,
            session_type=session_type,
            created=created or sim.now(),
            starting_s=starting_s,
            work_s=work_s,
            outcome=outcome,
            titles=titles,
            hold=hold,
            initiated_by=initiated_by,
            resource_id=resource,
            resource_reference=f"{resource_path}/{resource}" if resource_path else None,
            platform_name=platform,
            parent_session_id=parent.id if parent else None,
            workload=self.kind,
            subject=subject,
        )
        return self.sim.add_session(record)

    def held_mounts(self, now: datetime) -> int:
        """How many of its mounts are not gone at ``now``."""
        return len(self.describe_mounts(now, include_gone=False))

    def stats(self, now: datetime, running_sessions: int) -> dict[str, Any]:
        """This kind's entry of ``GET /_sim/stats``."""
        starts = self.state.starts
        return {
            "starts": starts.count,
            "held": {"mounts": self.held_mounts(now), "sessions": running_sessions},
            "duplicates": starts.duplicates(),
        }


class Workloads:
    """The workload kinds of one simulator, in registry order."""

    def __init__(self, sim: Simulator, kinds: Sequence[type[Workload[Any]]]) -> None:
        self._by_class: dict[type[Workload[Any]], Workload[Any]] = {k: k(sim) for k in kinds}
        self._by_kind = {w.kind: w for w in self._by_class.values()}

    @overload
    def __getitem__(self, key: type[W]) -> W: ...
    @overload
    def __getitem__(self, key: str) -> Workload[Any]: ...
    def __getitem__(self, key: type[Workload[Any]] | str) -> Workload[Any]:
        if isinstance(key, str):
            return self._by_kind[key]
        return self._by_class[key]

    def __iter__(self) -> Iterator[Workload[Any]]:
        return iter(self._by_class.values())

    def reset(self) -> None:
        """Every kind back to a fresh state."""
        for workload in self:
            workload.state = workload.new_state()

    def states(self) -> dict[str, WorkloadState]:
        """What the state file saves: each kind's state by kind."""
        return {workload.kind: workload.state for workload in self}

    def load(self, states: dict[str, WorkloadState]) -> None:
        """Take the states a state file saved (a kind it does not name starts afresh)."""
        for workload in self:
            workload.state = states.get(workload.kind) or workload.new_state()
