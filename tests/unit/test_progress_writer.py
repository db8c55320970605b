"""The background writer of progress artifacts: created by the first write, latest value wins,
one artifact written at most once an interval (but its last value), with a client of the
writer's own, a failed write does not stop the others."""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar
from uuid import uuid4

import pytest

from drflow.flows.engine import evidence
from drflow.flows.engine.evidence import _ProgressArtifact, _ProgressWriter


class FakeClient:
    """Prefect's sync client, as far as the writer uses it."""

    def __init__(self, calls: list[tuple[str, str, float]], release: threading.Event) -> None:
        self.calls = calls
        self.release = release
        self.opened = 0

    def __enter__(self) -> FakeClient:
        self.opened += 1
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update_artifact(self, artifact_id: object, artifact: object) -> None:
        assert self.release.wait(5)
        self.calls.append(("update", str(artifact_id), artifact.data))


@pytest.fixture
def prefect(monkeypatch: pytest.MonkeyPatch):
    """Record creations and updates instead of calling Prefect; each write waits until
    released, and the test knows when one has begun."""
    calls: list[tuple[str, str, float]] = []
    entered, release = threading.Event(), threading.Event()
    client = FakeClient(calls, release)

    def create(value: float, *, key: str, description: str) -> object:
        entered.set()
        assert release.wait(5)
        calls.append(("create", key, value))
        return uuid4()

    monkeypatch.setattr(evidence, "create_progress_artifact", create)
    monkeypatch.setattr(evidence, "get_client", lambda sync_client: client)
    return calls, entered, release, client


def _join_writer() -> None:
    for thread in threading.enumerate():
        if thread.name == "drflow-progress":
            thread.join(5)
            assert not thread.is_alive()


def test_values_put_during_a_write_collapse_to_the_latest(prefect) -> None:
    calls, entered, release, client = prefect
    writer = _ProgressWriter()
    one = _ProgressArtifact(key="progress-one", description="")
    two = _ProgressArtifact(key="progress-two", description="")
    writer.put(one, 0.0)
    assert entered.wait(5)  # the first write (the creation) is on its way
    for value in (20.0, 30.0, 40.0):
        writer.put(one, value)
    writer.put(two, 50.0)
    release.set()
    _join_writer()
    assert ("create", "progress-one", 0.0) in calls
    assert ("create", "progress-two", 50.0) in calls
    assert ("update", str(one.id), 40.0) in calls
    assert len(calls) == 3  # 20 and 30 were never written
    assert client.opened == 1  # one client for the whole burst of writes


def test_an_artifact_is_written_again_only_after_the_interval(
    prefect, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls, entered, release, client = prefect
    ended: dict[str, float] = {}
    create, update = evidence.create_progress_artifact, client.update_artifact

    def created(*args: object, **kwargs: object) -> object:
        made = create(*args, **kwargs)
        ended["create"] = time.monotonic()
        return made

    def updated(*args: object) -> None:
        ended["update began"] = time.monotonic()
        update(*args)

    monkeypatch.setattr(evidence, "create_progress_artifact", created)
    monkeypatch.setattr(client, "update_artifact", updated)
    release.set()
    writer = _ProgressWriter(interval=0.5)
    one = _ProgressArtifact(key="progress-one", description="")
    writer.put(one, 0.0)
    assert entered.wait(5)
    for value in (10.0, 20.0):  # within the interval of the creation: only the latest counts
        writer.put(one, value)
    _join_writer()
    assert [(kind, value) for kind, _, value in calls] == [("create", 0.0), ("update", 20.0)]
    assert ended["update began"] - ended["create"] >= 0.5

    last_written = one.written
    writer.put(one, 100.0)  # the last value: at once
    _join_writer()
    assert calls[-1] == ("update", str(one.id), 100.0)
    assert ended["update began"] - last_written < 0.5


def test_the_writer_writes_with_a_client_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the one ``get_client()`` returns in the writer's context: in a run's, that is the
    run's client, closed as the run ends, maybe before a value that waited is written."""
    in_the_run: ContextVar[bool] = ContextVar("in_the_run", default=False)
    made_in_the_run: list[bool] = []
    release = threading.Event()
    release.set()

    def get_client(sync_client: bool) -> FakeClient:
        made_in_the_run.append(in_the_run.get())
        return FakeClient([], release)

    monkeypatch.setattr(evidence, "get_client", get_client)
    one = _ProgressArtifact(key="progress-one", description="", id=uuid4())
    token = in_the_run.set(True)
    try:
        _ProgressWriter().put(one, 10.0)
    finally:
        in_the_run.reset(token)
    _join_writer()
    assert made_in_the_run == [False]


def test_a_failed_write_does_not_stop_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[float] = []

    def create(value: float, *, key: str, description: str) -> object:
        if key == "progress-bad":
            raise RuntimeError("Prefect said no")
        written.append(value)
        return uuid4()

    monkeypatch.setattr(evidence, "create_progress_artifact", create)
    monkeypatch.setattr(
        evidence, "get_client", lambda sync_client: FakeClient([], threading.Event())
    )
    writer = _ProgressWriter()
    bad = _ProgressArtifact(key="progress-bad", description="")
    writer.put(bad, 1.0)
    writer.put(_ProgressArtifact(key="progress-good", description=""), 2.0)
    _join_writer()
    assert written == [2.0]
    assert bad.id is None  # its next write tries to create it again
