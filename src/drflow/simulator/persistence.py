"""The simulator's state file: what a restarted simulator finds again.

With ``SimulatorConfig.state_file`` set (``drflow simulator --state-file PATH``), the simulator
reloads the file when it starts, if it exists, and saves its state there:

- before it answers any request that may change it (every method but ``GET``, ``HEAD`` and
  ``OPTIONS``), so what a client was told is committed survives a kill of the process;
- after a read, when the last save is older than :data:`SAVE_INTERVAL` (reads change only
  counters and file-level-restore activity times);
- when the server stops.

A save pickles the state to a temporary file beside the target and renames it over the target
(``os.replace``): a reader, or a simulator killed mid-save, sees the old file or the new one,
never half of one. It is not flushed to disk, so it survives the process dying, not the machine.
The estate, which only a reset replaces, is written once, beside the state
(``<state file>.estate-<token>``); a save refers to its objects, so it costs what the sessions
and mounts cost, whatever the estate's size (measured: 6-16 ms a save on a busy 2-core machine
with the demo estate or a generated one of 1,000 or 5,000 VMs; the first save of a 5,000-VM
estate takes ~4 s).

What a restart keeps, as a restarted VBR server would (its configuration database outlives the
service):

- the estate as it was loaded (restore-point times do not move), restore and instant-recovery
  sessions with their logs, and what each workload kind keeps (its ``state``: mounts of every
  kind, restores, Entra ID restore sessions and sign-ins, its count of starts);
- issued access and refresh tokens, valid until they expire or are revoked. Veeam documents
  token lifetimes (counted from issue), not what a restart of the REST service does to them;
  the simulator takes the case where a client keeps its logon. ``POST /_sim/tokens/revoke``
  after a restart gives the other case (every token refused: the client logs in again);
- its installation id (``vbrId`` of ``GET /api/v1/serverInfo``): the same server after a
  restart, a new one without the file;
- request and status counters, and the id generator (no id is handed out twice).

Everything time-driven is derived from timestamps on read (:mod:`drflow.simulator.clock`), so a
mount that was booting when the simulator stopped is found booted, or unmounted, as the clock
says once it is back. Not kept: the configuration (a restarted simulator takes the one it is
started with) and the fault rules, which are a test harness, not VBR state.

The file is a pickle, readable only by its owner: load only a file this simulator wrote.
"""

from __future__ import annotations

import copyreg
import dataclasses
import io
import os
import pickle
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from .estate import Estate
    from .state import Simulator

FORMAT = 2
"""Version of the file's layout; a file of another version is refused."""

SAVE_INTERVAL = 1.0
"""Seconds after which a read also saves (reads change only counters and activity times)."""

KEPT = ("vbr_id", "rng", "tokens", "sessions", "requests", "statuses", "_usn")
"""The :class:`~drflow.simulator.state.Simulator` attributes a save writes, besides its estate
and the state of each workload kind (``Simulator.workloads``)."""

_READS = frozenset({"GET", "HEAD", "OPTIONS"})

# Locks guard objects but are not their state: a reloaded object gets fresh ones.
_LOCKS = copyreg.dispatch_table | {
    type(threading.Lock()): lambda _: (threading.Lock, ()),
    type(threading.RLock()): lambda _: (threading.RLock, ()),
}


class StateFileError(ValueError):
    """The state file cannot be read or was not written by this simulator."""


def _walk(root: object) -> Iterator[object]:
    """The dataclass and pydantic objects reachable from ``root``, once each, in an order that
    depends only on the structure (so a reloaded copy is walked in the same order)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, BaseModel):
            yield obj
            stack.extend(reversed(obj.__dict__.values()))
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            yield obj
            stack.extend(getattr(obj, f.name) for f in reversed(dataclasses.fields(obj)))
        elif isinstance(obj, dict):
            stack.extend(reversed(obj.values()))
        elif isinstance(obj, list | tuple):
            stack.extend(reversed(obj))


class _EstateIndex:
    """The estate's objects by number. A save refers to them (a mount to its VM and restore
    point) by number instead of copying them, so the estate, which only a reset replaces, is
    written once and a save costs what the sessions and mounts cost, whatever the estate's size.
    """

    def __init__(self, estate: Estate, token: str | None = None) -> None:
        self.estate = estate  # keeps the objects, and so their ids, alive
        self.token = token or uuid.uuid4().hex
        self.objects = list(_walk(estate))
        self.numbers = {id(obj): n for n, obj in enumerate(self.objects)}


class _Pickler(pickle.Pickler):
    def __init__(self, out: io.BytesIO, index: _EstateIndex) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self.dispatch_table = _LOCKS
        self._numbers = index.numbers

    def persistent_id(self, obj: object) -> int | None:
        return self._numbers.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: io.BytesIO, index: _EstateIndex) -> None:
        super().__init__(data)
        self._objects = index.objects

    def persistent_load(self, pid: int) -> object:
        return self._objects[pid]


def estate_path(path: Path, token: str) -> Path:
    """Where the estate a state file refers to is kept (beside it)."""
    return path.with_name(f"{path.name}.estate-{token}")


def _unpickle(path: Path, data: bytes | io.BytesIO, index: _EstateIndex | None = None) -> Any:
    stream = data if isinstance(data, io.BytesIO) else io.BytesIO(data)
    try:
        if index is None:
            return pickle.load(stream)  # noqa: S301 - the simulator's own file, owner-only
        return _Unpickler(stream, index).load()
    except Exception as exc:
        raise StateFileError(
            f"{path} is not a simulator state file ({exc}); remove it to start afresh"
        ) from exc


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StateFileError(f"cannot read the simulator state file {path}: {exc}") from exc


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old content or the new, never a part
    (a temporary file beside it, renamed over it); the file is readable by its owner only."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StateFile:
    """Keeps ``sim`` saved in ``path`` (see the module docstring for when)."""

    def __init__(self, sim: Simulator, path: Path) -> None:
        self.sim = sim
        self.path = Path(path)
        self.saves = 0
        """How many times the state was written (for tests and measurements)."""
        self.save_seconds = 0.0
        """Time spent saving, in all."""
        self._lock = threading.Lock()  # one writer at a time, in snapshot order
        self._last = 0.0
        self._index: _EstateIndex | None = None

    def load(self) -> bool:
        """Reload the saved state when the file exists; whether it did."""
        if not self.path.parent.is_dir():
            raise StateFileError(
                f"cannot keep the simulator state in {self.path}: "
                f"directory {self.path.parent} does not exist"
            )
        if not self.path.exists():
            return False
        stream = io.BytesIO(_read(self.path))
        header = _unpickle(self.path, stream)
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise StateFileError(
                f"{self.path} was written by another version of the simulator; "
                "remove it to start afresh"
            )
        estate_file = estate_path(self.path, header["estate"])
        index = _EstateIndex(_unpickle(estate_file, _read(estate_file)), header["estate"])
        state = _unpickle(self.path, stream, index)
        with self.sim.lock:
            self.sim.estate = index.estate
            self.sim.workloads.load(state.pop("workloads"))
            for name, value in state.items():
                setattr(self.sim, name, value)
        self._index = index
        return True

    def save(self) -> None:
        """Write the current state now (and the estate, the first time and after a reset)."""
        with self._lock:
            start = time.perf_counter()
            sim, estate = self.sim, None
            buffer = io.BytesIO()
            with sim.lock:
                if self._index is None or self._index.estate is not sim.estate:
                    self._index = _EstateIndex(sim.estate)
                    estate = pickle.dumps(sim.estate, protocol=pickle.HIGHEST_PROTOCOL)
                header = {"format": FORMAT, "saved": sim.clock.now(), "estate": self._index.token}
                pickle.dump(header, buffer, protocol=pickle.HIGHEST_PROTOCOL)
                kept = {name: getattr(sim, name) for name in KEPT}
                kept["workloads"] = sim.workloads.states()
                _Pickler(buffer, self._index).dump(kept)
            if estate is not None:
                write_atomically(estate_path(self.path, self._index.token), estate)
            write_atomically(self.path, buffer.getvalue())
            if estate is not None:  # the estates no state refers to any more
                current = estate_path(self.path, self._index.token)
                for old in self.path.parent.glob(f"{self.path.name}.estate-*"):
                    if old != current:
                        old.unlink(missing_ok=True)
            self._last = time.monotonic()
            self.saves += 1
            self.save_seconds += time.perf_counter() - start

    def describe(self) -> dict[str, object]:
        """Where the state is saved, how often it was and the mean cost (``/_sim/stats``)."""
        mean = self.save_seconds / self.saves if self.saves else 0.0
        return {"path": str(self.path), "saves": self.saves, "mean_ms": round(mean * 1000, 3)}

    def _due(self, method: str) -> bool:
        return method not in _READS or time.monotonic() - self._last >= SAVE_INTERVAL

    def wrap(self, app: ASGIApp) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        """``app`` saving the state before each answer that may report a change."""
        import anyio.to_thread

        async def saving_app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            saved = False

            async def save_then_send(message: Message) -> None:
                nonlocal saved
                if not saved and message["type"] == "http.response.start":
                    saved = True
                    if self._due(scope["method"]):
                        await anyio.to_thread.run_sync(self.save)
                await send(message)

            await app(scope, receive, save_then_send)
            if not saved and self._due(scope["method"]):  # no answer: a dropped connection
                await anyio.to_thread.run_sync(self.save)

        return saving_app
