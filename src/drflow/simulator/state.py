"""The simulator's in-memory state: one :class:`Simulator` per app, guarded by one lock.

Everything time-driven is derived on read from timestamps and ``clock.now()``, so the state
is deterministic under a :class:`~drflow.simulator.clock.FakeClock` and needs no background
task. Durations are divided by ``config.speed`` when an operation starts. Reading the clock
changes nothing: what a workload planned to happen at a time now past (an Azure switchover
session) comes into being in :meth:`Simulator.settle`, which the reads of sessions call.

What each workload kind keeps is its own (``Simulator.workloads``, :mod:`.workload`); the
simulator holds what spans them: the estate, tokens, sessions, counters, fault rules.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from .auth import TokenStore
from .clock import Clock, SystemClock
from .config import SimulatorConfig
from .estate import Estate, build_estate, generated_estate_file, load_estate
from .faults import FaultInjector
from .outage import Outages
from .persistence import StateFile
from .sessions import RESTORE_SESSION_TYPES, LogTitles, Outcome, SessionRecord
from .workload import Workloads
from .workloads import KINDS


class Simulator:
    """One simulated VBR server's state (see the module docstring)."""

    def __init__(self, config: SimulatorConfig | None = None, clock: Clock | None = None) -> None:
        self.config = (config or SimulatorConfig()).model_copy(deep=True)
        self.clock: Clock = clock or SystemClock()
        self.lock = threading.RLock()
        self.outages = Outages()
        """Outages, on or past (:mod:`.outage`); the HTTP server attaches its listener."""
        self.workloads = Workloads(self, KINDS)
        """The workload kinds, each with its own state (the one registry of kinds)."""
        # load once up front so a malformed estate fails at construction, with its message
        self.reset()
        self.state_file: StateFile | None = None
        """Saves the state (``config.state_file``); reloaded from it here when it exists."""
        if self.config.state_file is not None:
            self.state_file = StateFile(self, self.config.state_file)
            self.state_file.load()

    # --- lifecycle ------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to a fresh start: estate reloaded, no tokens, sessions, mounts, faults, stats
        (the fault rules of the configuration are installed again)."""
        with self.lock:
            now = self.clock.now()
            vms = self.config.estate_vms
            self.estate: Estate = (
                build_estate(generated_estate_file(vms), now)
                if vms
                else load_estate(self.config.estate, now)
            )
            self.rng = random.Random(self.config.seed)
            # the installation id serverInfo answers: new with each new state, and not drawn
            # from the seeded generator, so that two simulators never share one
            self.vbr_id = str(uuid.uuid4())
            self.tokens = TokenStore()
            self.faults = FaultInjector(self.config.seed, self.config.faults)
            self.outages.reset()
            self.sessions: dict[uuid.UUID, SessionRecord] = {}
            self.workloads.reset()
            self.requests: Counter[str] = Counter()
            self.statuses: Counter[int] = Counter()
            self._usn = 0
            for run in self.estate.job_runs:
                self.sessions[run.id] = SessionRecord(
                    id=run.id,
                    name=run.job.name,
                    job_id=run.job.backup.job_id or run.job.backup.id,
                    session_type="BackupJob",
                    created=run.started,
                    starting_s=5.0,
                    work_s=(run.ended - run.started).total_seconds() - 5.0,
                    outcome=Outcome("Success", "Success"),
                    titles=LogTitles(
                        started=f"Job {run.job.name} started",
                        working="Building list of machines to process",
                        succeeded=[f"Job {run.job.name} finished"],
                    ),
                    initiated_by="System",
                    resource_id=run.job.backup.id,
                    resource_reference=f"/api/v1/backups/{run.job.backup.id}",
                    platform_name=run.job.platform,
                    usn=self.next_usn(),
                )

    # --- helpers for operations -----------------------------------------------------------

    def now(self) -> datetime:
        """The clock's time (reading it changes nothing)."""
        return self.clock.now()

    def settle(self, now: datetime) -> None:
        """Bring into being what the workloads planned for a time now past (sessions that
        start at a planned instant); called before sessions are read."""
        with self.lock:
            for workload in self.workloads:
                workload.settle(now)

    def new_id(self) -> uuid.UUID:
        """A random-looking but seeded (reproducible) UUID4."""
        with self.lock:
            return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def next_usn(self) -> int:
        self._usn += 1
        return self._usn

    def scaled(self, seconds: float) -> float:
        """A simulated duration in real seconds at the current speed."""
        return seconds / self.config.speed

    def request_stop(
        self,
        record: SessionRecord,
        now: datetime,
        seconds: float,
        outcome: Outcome,
        *,
        title: str,
        stopped_title: str | None = None,
    ) -> bool:
        """Ask ``record`` to stop (:meth:`SessionRecord.request_stop`); its ``usn`` moves on
        when it does. False when it already stopped or is stopping."""
        with self.lock:
            if not record.request_stop(
                now, seconds, outcome, title=title, stopped_title=stopped_title
            ):
                return False
            record.usn = self.next_usn()
            return True

    def stop(
        self, record: SessionRecord, now: datetime, seconds: float, *, title: str, done: str
    ) -> bool:
        """Stop ``record`` in ``seconds`` (``title``: the log record of the request); unless it
        was canceled before completing, it ends ``Success`` with ``done``."""
        return self.request_stop(
            record, now, seconds, Outcome("Success", done), title=title, stopped_title=done
        )

    def cancel(self, record: SessionRecord, now: datetime, who: str, what: str) -> bool:
        """Stop ``record`` on request of user ``who``: it ends canceled (``what``: what it
        did, for its log)."""
        return self.request_stop(
            record,
            now,
            self.scaled(1.0),
            Outcome("Failed", f"Stopped by user {who}", canceled=True),
            title=f"Stopping {what} (requested by {who})",
        )

    def add_session(self, record: SessionRecord) -> SessionRecord:
        with self.lock:
            record.usn = self.next_usn()
            self.sessions[record.id] = record
            return record

    def update_config(self, changes: dict[str, Any]) -> SimulatorConfig:
        """Change settings at run time (validated; takes effect for what starts afterwards)."""
        with self.lock:
            merged = self.config.model_dump() | changes
            self.config = SimulatorConfig.model_validate(merged)
            return self.config

    # --- introspection --------------------------------------------------------------------

    def restore_concurrency(self, now: datetime | None = None) -> tuple[int, int]:
        """(running now, peak ever) number of restore sessions running at the same time."""
        now = now or self.now()
        with self.lock:
            self.settle(now)
            events: list[tuple[datetime, int]] = []
            running = 0
            for record in self.sessions.values():
                if record.session_type not in RESTORE_SESSION_TYPES:
                    continue
                end = record.end_time(now)
                if end is None:
                    running += 1
                    end = now + timedelta(days=36500)
                events.append((record.created, 1))
                events.append((end, -1))
        events.sort(key=lambda event: (event[0], event[1]))  # ends before starts at a tie
        peak = current = 0
        for _, delta in events:
            current += delta
            peak = max(peak, current)
        return running, peak

    def stats(self) -> dict[str, Any]:
        """``GET /_sim/stats``."""
        now = self.now()
        running, peak = self.restore_concurrency(now)
        with self.lock:
            saving = self.state_file
            return {
                "requests": dict(sorted(self.requests.items())),
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "faults_injected": dict(sorted(self.faults.injected.items())),
                "starts": self.starts(),
                "workloads": self.workload_stats(now),
                "restore_sessions": {"running": running, "peak": peak},
                "outages": self.outages.stats(),
                "tokens": {
                    "issued": self.tokens.issued_count,
                    "refreshed": self.tokens.refreshed_count,
                    "refused": self.tokens.refused_count,
                    "active": self.tokens.active_count(now),
                },
                **({"state_file": saving.describe()} if saving else {}),
            }

    def starts(self) -> dict[str, int]:
        """How many sessions the API started, by ``"<sessionType> <what it acts on>"`` (backup
        job runs left out): more than one for a workload of one drill means it was started
        twice."""
        with self.lock:
            started = Counter(
                f"{record.session_type} {record.subject or record.name}"
                for record in self.sessions.values()
                if record.workload is not None
            )
        return dict(sorted(started.items()))

    def workload_stats(self, now: datetime) -> dict[str, dict[str, Any]]:
        """Per workload kind: starts accepted, what it still holds (mounts not gone, sessions
        running) and duplicate starts (a run's mark carried by two starts of one target)."""
        with self.lock:
            self.settle(now)
            running = Counter(
                record.workload
                for record in self.sessions.values()
                if record.workload is not None and record.is_running(now)
            )
            return {w.kind: w.stats(now, running[w.kind]) for w in self.workloads}

    def mounts(self, include_gone: bool = False) -> list[dict[str, Any]]:
        """Every mount of any kind with its reason and state (``GET /_sim/mounts``)."""
        now = self.now()
        with self.lock:
            return [
                entry
                for workload in self.workloads
                for entry in workload.describe_mounts(now, include_gone)
            ]
