"""Publishing a recovery's evidence as Prefect artifacts: report, table, live progress.

Each carries a key per workload (``recovery-<workload>``, ``recovery-phases-<workload>``,
``progress-<workload>``): the Artifacts page shows each key's latest as one card, and the
history of a key across runs. The live progress is one artifact per run, updated in place.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from uuid import UUID

from prefect import get_client
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
)
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.actions import ArtifactUpdate
from prefect.context import SettingsContext, get_settings_context
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, Settings

from .prefect_api import ride_out
from .report import RecoveryReport, artifact_key

ProgressListener = Callable[[str, str, float], None]
WRITE_INTERVAL = 1.0
"""Seconds between two writes of one progress artifact at least, but for its last (100): what a
card shows lags by no more, and Prefect's API takes one write a second per workload at most,
however fast VBR goes."""
_listeners: list[ProgressListener] = []
logger = logging.getLogger("drflow.flows")


@contextmanager
def watching(listener: ProgressListener) -> Iterator[None]:
    """Call ``listener(workload, phase, percent)`` on every progress of recoveries in this
    process (the command line's live view)."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


class Progress:
    """A progress artifact (0 to 100) that follows a recovery while it waits.

    One per run, created once and then updated in place, under the workload's key
    (``progress-<workload>``): the Artifacts page shows one card per workload, its latest run's
    progress, however many times it is recovered; each run's own page shows its own.

    It is created and updated in the background (:class:`_ProgressWriter`): a recovery never
    waits on Prefect's API to say how far it is, since it may hold a slot of the concurrency
    limit or be one of many runs starting at once.
    """

    def __init__(self, workload: str) -> None:
        self._workload = workload
        self._artifact = _ProgressArtifact(
            description=f"{workload}: progress", key=artifact_key("progress", workload)
        )
        self._value = 0.0
        _writer.put(self._artifact, self._value)

    def update(self, value: float, phase: str = "") -> None:
        value = max(self._value, min(100.0, value))
        for listener in list(_listeners):
            listener(self._workload, phase, value)
        if value != self._value:
            _writer.put(self._artifact, value)
            self._value = value


@dataclass(eq=False)
class _ProgressArtifact:
    """A progress artifact, created by its first write."""

    description: str
    key: str | None = None
    id: UUID | None = None
    written: float | None = None
    """When it was last written (``time.monotonic()``), or None."""

    def write(self, value: float, client: SyncPrefectClient) -> None:
        if self.id is None:  # in the run's context: the artifact belongs to the run
            self.id = create_progress_artifact(value, key=self.key, description=self.description)
        else:
            client.update_artifact(self.id, ArtifactUpdate(data=value))


class _ProgressWriter:
    """Writes the latest value of each progress artifact from a thread of its own.

    Values that arrive while a write is on its way, or within ``interval`` of the artifact's
    last write, replace each other (only the latest one of an artifact is written); an
    artifact's first value and its last (100) are written at once. The thread runs only while
    there is something to write, with one Prefect client of its own throughout, and is not a
    daemon: a process that ends writes its last values first. Its calls are not retried (a
    progress update is a view: one lost while Prefect's API is away does not matter), so it
    never holds a process that exits for long.
    """

    def __init__(self, interval: float = WRITE_INTERVAL) -> None:
        self._interval = interval
        self._cond = threading.Condition()
        self._pending: dict[_ProgressArtifact, tuple[float, contextvars.Context]] = {}
        self._running = False
        self._unretried: tuple[Settings, Settings] | None = None

    def put(self, artifact: _ProgressArtifact, value: float) -> None:
        """Write ``value`` soon, in the caller's context (its Prefect settings and run)."""
        with self._cond:
            self._pending[artifact] = (value, contextvars.copy_context())
            self._cond.notify()
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="drflow-progress").start()

    def _run(self) -> None:
        with ExitStack() as stack:
            client: SyncPrefectClient | None = None
            while True:
                with self._cond:
                    if (artifact := self._next_due()) is None:
                        self._running = False
                        return
                    value, context = self._pending.pop(artifact)
                try:
                    if client is None:
                        client = stack.enter_context(_own_client(context))
                    context.run(self._write_unretried, artifact, value, client)
                except Exception as exc:  # progress is a view: a lost update must not fail a run
                    logger.warning(
                        "progress artifact (%s) not written: %s", artifact.description, exc
                    )
                artifact.written = time.monotonic()

    def _next_due(self) -> _ProgressArtifact | None:
        """The pending artifact due first, once it is due (None: nothing pending); called
        with the lock held, which waiting releases."""
        while self._pending:
            artifact = min(self._pending, key=self._due)
            wait = self._due(artifact) - time.monotonic()
            if wait <= 0:
                return artifact
            self._cond.wait(wait)
        return None

    def _due(self, artifact: _ProgressArtifact) -> float:
        """When the pending value of ``artifact`` may be written (``time.monotonic()``)."""
        if artifact.written is None or self._pending[artifact][0] >= 100:
            return float("-inf")
        return artifact.written + self._interval

    def _write_unretried(
        self, artifact: _ProgressArtifact, value: float, client: SyncPrefectClient
    ) -> None:
        """One write, not retried by Prefect's client (the setting is read at each request).

        The settings without retries are derived once per settings of the writers, not per
        write: deriving them validates every Prefect setting again (tens of milliseconds of
        CPU), which was about a seventh of a drill's CPU."""
        current = get_settings_context()
        if self._unretried is None or self._unretried[0] is not current.settings:
            updates = {PREFECT_CLIENT_MAX_RETRIES: 0}
            self._unretried = (current.settings, current.settings.copy_with_update(updates))
        with SettingsContext(profile=current.profile, settings=self._unretried[1]):
            artifact.write(value, client)


def _own_client(context: contextvars.Context) -> SyncPrefectClient:
    """A Prefect client of the writer's own, with the settings (the API) of ``context``: in a
    run's context, ``get_client()`` returns the run's client, which the run closes as it ends,
    and the writer may still write for it after that (a value that waited for its interval)."""
    current = context.run(get_settings_context)
    with SettingsContext(profile=current.profile, settings=current.settings):
        return get_client(sync_client=True)


_writer = _ProgressWriter()


def publish(report: RecoveryReport) -> None:
    """The report as markdown (key ``recovery-<workload>``) and its phases as a table; when
    Prefect's API is away, they wait for it (the evidence is not dropped)."""
    workload = report.workload
    artifacts: list[tuple[Callable[..., object], Callable[[], object], str, str]] = [
        (
            create_markdown_artifact,
            report.markdown,
            "recovery",
            f"Recovery of {workload}: {report.verdict}",
        ),
        (
            create_table_artifact,
            report.table,
            "recovery-phases",
            f"Phases of the recovery of {workload}",
        ),
    ]
    for create, content, prefix, description in artifacts:
        ride_out(
            partial(create, content(), key=artifact_key(prefix, workload), description=description),
            what=f"the evidence of {workload}",
        )
