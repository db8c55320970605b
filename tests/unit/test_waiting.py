"""Poll intervals: geometric by default, following the time waited when asked."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence

import pytest

from drflow.vbr.polling import Backoff, poll
from drflow.vbr.shared_reads import SharedReads


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.polls: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def run(backoff: Backoff, ready_at: float, *, began: float = 0.0) -> Clock:
    """A wait that began at ``began``, until ``ready_at``; its polls in ``clock.polls``."""
    clock = Clock()
    clock.now = began

    def read() -> float:
        clock.polls.append(clock.now)
        return clock.now

    poll(
        read,
        lambda now: now >= ready_at,
        timeout=3600,
        backoff=backoff,
        what="test",
        clock=clock,
        sleep=clock.sleep,
    )
    return clock


def test_geometric_intervals_by_default() -> None:
    clock = run(Backoff(initial=1, cap=4, factor=2), ready_at=10)
    assert clock.sleeps == [1, 2, 4, 4]


@pytest.mark.parametrize("ready_at", [3.0, 30.0, 300.0])
def test_following_intervals_end_a_wait_within_their_share(ready_at: float) -> None:
    backoff = Backoff(initial=1, cap=60).following(0.05)
    clock = run(backoff, ready_at)
    assert clock.now - ready_at <= max(1, 0.05 * clock.now) + 1e-9
    assert all(b >= a for a, b in zip(clock.sleeps, clock.sleeps[1:], strict=False))


def test_following_intervals_stay_within_bounds() -> None:
    backoff = Backoff(initial=2, cap=5).following(0.5)
    assert [backoff.after(w) for w in (0, 3, 8, 100)] == [2, 2, 4, 5]


def test_polls_on_ticks_fall_on_ticks_whenever_the_wait_began() -> None:
    backoff = Backoff(initial=1, cap=60).following(0.05, tick=1)
    for began in (0.0, 0.25, 0.999):
        polls = run(backoff, 30, began=began).polls
        assert polls[0] == began
        assert all(p == pytest.approx(round(p)) for p in polls[1:])  # on the ticks
        assert polls[-1] - 30 <= max(1, 0.05 * 30) + 1e-9  # and still within the share


def test_polls_on_thirds_keep_their_pace_and_their_tick() -> None:
    """Ticks of a third of the shortest interval: a wait polls about every second, on the
    tick it began on, so that waits that began on the other ticks list in between."""
    backoff = Backoff(initial=1, cap=60).following(0.05, tick=1 / 3)
    polls = run(backoff, 10, began=1 / 3).polls
    assert len(polls) >= 10
    assert all(b - a == pytest.approx(1.0) for a, b in itertools.pairwise(polls))


def test_news_between_polls_is_read_without_moving_the_schedule() -> None:
    """A sleep that ends early (another wait's read came in) is followed by a read, and the
    wait's own next poll stays where it was."""
    clock = Clock()
    reads: list[float] = []
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        clock.now += min(seconds, 0.25)  # news a quarter of a second into every sleep

    def read() -> float:
        reads.append(clock.now)
        return clock.now

    poll(
        read,
        lambda now: now >= 2.1,
        timeout=60,
        backoff=Backoff(initial=1, cap=1),
        what="t",
        clock=clock,
        sleep=sleep,
    )
    assert reads == [0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.25]
    assert naps[:4] == [1.0, 0.75, 0.5, 0.25]  # counting down to the poll that was due


class TestSharedReads:
    """One list answers every waiting thread; a wait wakes up to lists that have its mount."""

    @staticmethod
    def reads(lists: list[list[str]]) -> SharedReads[dict[str, str]]:
        def read_many(ids: Sequence[str]) -> list[dict[str, str]]:
            lists.append(list(ids))
            return [{"id": i} for i in ids if i != "gone"]

        return SharedReads(read_many, lambda m: m["id"])

    def test_a_list_wakes_the_waits_whose_mount_it_has(self) -> None:
        lists: list[list[str]] = []
        shared = self.reads(lists)
        woke: list[bool] = []
        with shared.watching("a"), shared.watching("b"):
            thread = threading.Thread(target=lambda: woke.append(shared.wait_for_list("a", 10)))
            thread.start()
            while thread.is_alive():  # b's wait polls: its lists have a too
                assert shared.read("b", max_age=0) == {"id": "b"}
                thread.join(0.01)
        assert woke == [True]
        assert all(ids == ["a", "b"] for ids in lists)  # one list for both
        assert len(lists) < 500  # woken by a list, not by the 10 s timeout
        assert shared.latest("a") == {"id": "a"}

    def test_a_list_without_the_mount_does_not_wake_its_wait(self) -> None:
        shared = self.reads([])
        with shared.watching("b"):
            shared.read("b", max_age=1)
        started = time.monotonic()
        assert shared.wait_for_list("a", 0.2) is False
        assert time.monotonic() - started >= 0.2

    def test_a_mount_no_longer_listed_reads_as_none(self) -> None:
        shared = self.reads([])
        with shared.watching("gone"):
            assert shared.read("gone", max_age=1) is None
            assert shared.latest("gone") is None
