"""Going dark: the simulated VBR unavailable for a while, then back with its state.

An outage lasts ``seconds`` of simulated time, ``seconds / config.speed`` real seconds (so
fault suites stay fast), and ends by itself. Two modes:

- ``refuse``: the listener goes down, as when the VBR service stops: the listening socket is
  closed (new connections are refused), open connections are closed once their answer is out,
  and a request that still arrives is dropped unanswered. The whole listener is down, ``/_sim``
  included. At the end the same address is listened on again; the state was kept. It needs the
  simulator served over HTTP (:class:`~drflow.simulator.server.SimulatorServer`,
  ``drflow simulator``), which attaches its :class:`Listener`.
- ``503``: every ``/api`` request is answered 503 ``ServiceUnavailable`` in VBR's ``Error``
  model (with ``Retry-After`` when ``retry_after`` is set), as a proxy in front of a stopped
  service would; ``/_sim`` keeps answering.

An outage starts with ``POST /_sim/outage`` (:class:`OutageSpec`) or when a fault rule with an
``outage`` action fires (:mod:`drflow.simulator.faults`): the request that triggers it is
either refused (not carried out: dropped, or answered 503) or carried out with its answer lost
(``request: "lost"``, as a restart right after committing would). One outage at a time: another
while one is on is refused. ``GET /_sim/stats`` counts them (``outages``); the counts are not
kept across restarts (fault injection is a harness, not VBR state).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field


class OutageSpec(BaseModel):
    """An outage to start (``POST /_sim/outage``)."""

    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(gt=0, le=86400)
    """How long, in simulated seconds (divided by ``config.speed`` in real time)."""
    mode: Literal["refuse", "503"] = "refuse"
    retry_after: int | None = Field(default=None, ge=0)
    """503 mode: the ``Retry-After`` header, in seconds."""


class TriggeredOutage(OutageSpec):
    """The outage action of a fault rule."""

    request: Literal["refused", "lost"] = "refused"
    """What becomes of the request that triggers it: ``refused`` (not carried out: dropped in
    refuse mode, answered 503 in 503 mode) or ``lost`` (carried out, its answer dropped or
    replaced by the 503)."""


class Listener(Protocol):
    """What serves the simulator over HTTP and can stop listening for a while."""

    def go_dark(self, seconds: float) -> None:
        """Stop listening at once (close the listening socket and the connections) and listen
        again on the same address ``seconds`` later. Called on the listener's event loop."""
        ...


class OutageRefused(Exception):
    """An outage that cannot start: one is already on, or refuse mode without a listener."""


@dataclass(frozen=True)
class Outage:
    """An outage that is on."""

    spec: OutageSpec
    real_seconds: float
    started: float
    """``time.monotonic()`` when it started."""

    @property
    def ends(self) -> float:
        return self.started + self.real_seconds

    def describe(self) -> dict[str, Any]:
        remaining = max(0.0, self.ends - time.monotonic())
        return {
            "mode": self.spec.mode,
            "seconds": self.spec.seconds,
            "real_seconds": round(self.real_seconds, 3),
            "retry_after": self.spec.retry_after,
            "remaining_real_seconds": round(remaining, 3),
        }


class Outages:
    """The outages of one simulated server: the one on (if any) and the counts."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.listener: Listener | None = None
        """Set by the HTTP server that serves the simulator (refuse mode needs it)."""
        self._on: Outage | None = None
        self.count = 0
        self.simulated_seconds = 0.0
        self.real_seconds = 0.0

    def start(self, spec: OutageSpec, speed: float) -> Outage:
        """Start an outage now (:class:`OutageRefused` when it cannot)."""
        with self._lock:
            on = self.current()
            if on is not None:
                raise OutageRefused(
                    f"an outage ({on.spec.mode}) is already on for "
                    f"{on.describe()['remaining_real_seconds']} s more"
                )
            if spec.mode == "refuse" and self.listener is None:
                raise OutageRefused(
                    "refusing connections needs the simulator served over HTTP "
                    "(SimulatorServer or drflow simulator)"
                )
            outage = Outage(spec, spec.seconds / speed, time.monotonic())
            self._on = outage
            self.count += 1
            self.simulated_seconds += spec.seconds
            self.real_seconds += outage.real_seconds
        if spec.mode == "refuse":
            assert self.listener is not None
            self.listener.go_dark(outage.real_seconds)
        return outage

    def current(self) -> Outage | None:
        """The outage on now, if any (one comparison when there is none)."""
        on = self._on
        if on is not None and time.monotonic() >= on.ends:
            self._on = on = None
        return on

    def reset(self) -> None:
        """Forget the counts (an outage on runs to its end)."""
        with self._lock:
            self.count = 0
            self.simulated_seconds = self.real_seconds = 0.0

    def stats(self) -> dict[str, Any]:
        """``outages`` of ``GET /_sim/stats``."""
        on = self.current()
        return {
            "count": self.count,
            "simulated_seconds": round(self.simulated_seconds, 3),
            "real_seconds": round(self.real_seconds, 3),
            "current": on.describe() if on else None,
        }
