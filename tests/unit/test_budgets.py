"""Budget scopes: nested, detached, by deadline, and carried into threads with their context."""

from __future__ import annotations

import contextvars
import math
import threading
from datetime import UTC, datetime, timedelta

import pytest

from drflow.vbr import budget
from drflow.vbr.budgets import call_tolerance, current_budget, remaining


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_outside_any_budget_time_is_unbounded_and_the_tolerance_the_clients() -> None:
    assert current_budget() is None
    assert remaining() == math.inf
    assert call_tolerance(600.0) == 600.0


def test_the_innermost_deadline_and_the_outer_ones_bound_together() -> None:
    clock = Clock()
    with budget(30, clock=clock):
        with budget(60, clock=clock):
            assert remaining() == 30  # the outer one ends first
        with budget(timedelta(seconds=10), clock=clock):
            clock.now += 4
            assert remaining() == 6
        clock.now += 40
        assert remaining() == 0  # spent: never negative


def test_a_detached_budget_ignores_the_ones_around_it() -> None:
    clock = Clock()
    with budget(5, clock=clock), budget(900, detached=True, clock=clock):
        assert remaining() == 900


def test_a_deadline_may_be_a_time_of_day() -> None:
    with budget(datetime.now(UTC) + timedelta(minutes=5)):
        assert 299 < remaining() <= 300


def test_the_outage_tolerance_is_the_innermost_one_set() -> None:
    with budget(outage_tolerance=60):
        assert call_tolerance(600.0) == 60
        with budget(10):  # sets a deadline only: the tolerance around it holds
            assert call_tolerance(600.0) == 60
            with budget(outage_tolerance=math.inf):
                assert call_tolerance(600.0) == math.inf
    assert call_tolerance(600.0) == 600.0


def test_a_scope_ends_with_its_block_even_on_an_error() -> None:
    with pytest.raises(RuntimeError), budget(1):
        raise RuntimeError
    assert current_budget() is None


def test_threads_started_with_the_context_share_the_budget() -> None:
    seen: dict[str, float] = {}
    with budget(120):
        context = contextvars.copy_context()
        with_context = threading.Thread(
            target=context.run, args=(lambda: seen.update(a=remaining()),)
        )
        without = threading.Thread(target=lambda: seen.update(b=remaining()))
        for thread in (with_context, without):
            thread.start()
            thread.join()
    assert 119 < seen["a"] <= 120
    assert seen["b"] == math.inf  # a thread gets a budget only with the context it runs in
