"""The example plans under plans/ stay valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from drflow.plans import load_plan

PLANS = sorted((Path(__file__).resolve().parents[2] / "plans").glob("*.yaml"))


def test_there_are_example_plans() -> None:
    assert len(PLANS) >= 2


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_example_plan_is_valid(path: Path) -> None:
    plan = load_plan(path)
    assert plan.workloads()
