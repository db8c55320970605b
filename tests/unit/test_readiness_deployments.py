"""prefect.yaml checks every example plan's readiness daily, on a schedule with a timezone."""

from __future__ import annotations

from pathlib import Path

from drflow.deployments import definitions
from drflow.plans import load_plan

ROOT = Path(__file__).resolve().parents[2]


def test_every_example_plan_has_a_daily_readiness_check() -> None:
    checks = {
        entry["parameters"]["plan"]: entry
        for entry in definitions(ROOT / "prefect.yaml")
        if entry["entrypoint"] == "drflow.drills.readiness:readiness"
    }
    plans = {f"plans/{path.name}" for path in (ROOT / "plans").glob("*.yaml")}
    assert set(checks) == plans
    for plan, entry in checks.items():
        assert entry["name"] == f"daily-readiness-{load_plan(ROOT / plan).name}"
        [schedule] = entry["schedules"]
        assert schedule["cron"].split()[2:] == ["*", "*", "*"]  # at a time of every day
        assert schedule["timezone"]
