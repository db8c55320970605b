"""Poll intervals: geometric by default, following the time waited when asked."""

from __future__ import annotations

import pytest

from drflow.vbr._waiting import Backoff, poll


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def run(backoff: Backoff, ready_at: float) -> Clock:
    clock = Clock()
    poll(
        lambda: clock.now,
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


def test_aligned_polls_fall_on_ticks_whenever_the_wait_began() -> None:
    backoff = Backoff(initial=1, cap=60).following(0.05, aligned=True)
    for began in (0.0, 0.25, 0.999):
        clock = Clock()
        clock.now = began
        polls: list[float] = []

        def read(clock: Clock = clock, polls: list[float] = polls) -> float:
            polls.append(clock.now)
            return clock.now

        poll(
            read,
            lambda now: now >= 30,
            timeout=3600,
            backoff=backoff,
            what="test",
            clock=clock,
            sleep=clock.sleep,
        )
        assert polls[0] == began
        assert all(p == pytest.approx(round(p)) for p in polls[1:])  # on the ticks
        assert polls[-1] - 30 <= max(1, 0.05 * 30) + 1e-9  # and still within the share
