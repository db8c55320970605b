"""Publishing a recovery's evidence as Prefect artifacts: report, table, live progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from uuid import UUID

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from ._report import RecoveryReport, artifact_key

ProgressListener = Callable[[str, str, float], None]
_listeners: list[ProgressListener] = []


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
    """A progress artifact (0 to 100) that follows a recovery while it waits."""

    def __init__(self, workload: str) -> None:
        self._workload = workload
        self._id: UUID | None = create_progress_artifact(
            0.0,
            key=artifact_key("progress", workload),
            description=f"Recovery of {workload}: progress",
        )
        self._value = 0.0

    def update(self, value: float, phase: str = "") -> None:
        value = max(self._value, min(100.0, value))
        for listener in list(_listeners):
            listener(self._workload, phase, value)
        if self._id is not None and value != self._value:
            update_progress_artifact(self._id, value)
            self._value = value


def publish(report: RecoveryReport) -> None:
    """The report as markdown (key ``recovery-<workload>``) and its phases as a table."""
    create_markdown_artifact(
        report.markdown(),
        key=artifact_key("recovery", report.workload),
        description=f"Recovery of {report.workload}: {report.verdict}",
    )
    create_table_artifact(
        report.table(),
        key=artifact_key("recovery-phases", report.workload),
        description=f"Phases of the recovery of {report.workload}",
    )
