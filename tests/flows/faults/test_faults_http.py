"""Drills of the example plans while the simulator fails requests: 5 % and 20 % of 500, 502,
503 and 504 on every route, 429 bursts with ``Retry-After``, answers slower than the client's
timeout, and dropped connections.

Each drill must reach the verdict it reaches without faults (every workload passes: the
``no-faults`` control here for ``branch-office``, ``test_drill.py`` for ``tier1``), leave no
mount or restore session behind, start no workload twice, and retry within the client's
:class:`~drflow.vbr.RetryPolicy`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.flows.faults.support import (
    EVERY_ROUTE,
    SPEED,
    Scenario,
    drill_client,
    example_plan,
    named,
    outcomes,
    run_drill,
    set_faults,
)

pytestmark = [pytest.mark.flow, pytest.mark.faults]

READ_TIMEOUT = 2.0
"""The client's read timeout in the latency drill (seconds): its spikes go beyond it. Only
there: on a busy machine a 2 s timeout could expire without an injected fault."""


@pytest.fixture
def drill_env(sim, admin: httpx.Client, connection, monkeypatch: pytest.MonkeyPatch) -> object:
    """The simulator (its fault decisions drawn from its RNG, seeded with the fixture's seed
    0), fast, reachable as ``${DRFLOW_VBR_URL}`` from the plans."""
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    admin.put("/_sim/config", json={"speed": SPEED}).raise_for_status()
    return sim


def errors_on_every_route(rate: float) -> list[dict[str, Any]]:
    """``rate`` of all requests fail, evenly split over 500, 502, 503 and 504."""
    statuses = (500, 502, 503, 504)
    rules = []
    remaining = 1.0
    for status in statuses:  # each rule sees only what the ones before it let through
        share = rate / len(statuses)
        rules.append({"path": EVERY_ROUTE, "status": status, "error_rate": share / remaining})
        remaining -= share
    return rules


SCENARIOS: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "no-faults": ("branch-office", []),  # the control: the verdict without faults
    "http-errors-5pct": ("tier1", errors_on_every_route(0.05)),
    "http-errors-20pct": ("branch-office", errors_on_every_route(0.20)),
    "rate-limit-bursts": (
        "branch-office",
        [  # 429 in a row: the drill's first calls, then the first start, then now and then
            {"path": EVERY_ROUTE, "status": 429, "retry_after": 1, "max_count": 3},
            {"method": "POST", "path": "^/api/v1/restore/", "status": 429, "max_count": 2},
            {"path": "^/api/v1/restore/", "status": 429, "error_rate": 0.1, "max_count": 4},
        ],
    ),
    "latency-beyond-timeout": (
        "branch-office",
        [{"path": EVERY_ROUTE, "latency": READ_TIMEOUT + 0.5, "error_rate": 0.05, "max_count": 3}],
    ),
    "dropped-connections": (
        "tier1",
        [{"path": EVERY_ROUTE, "drop_connection": True, "error_rate": 0.08}],
    ),
}
"""Scenario -> (example plan drilled, fault rules)."""


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_drill_under_http_faults(
    drill_env,
    admin: httpx.Client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    scenario: str,
    workload_runs: str,
) -> None:
    plan, rules = SCENARIOS[scenario]
    if any(rule.get("latency") for rule in rules):
        monkeypatch.setenv("DRFLOW_VBR_READ_TIMEOUT", str(READ_TIMEOUT))
    path = example_plan(plan, tmp_path, whole=True)
    client = drill_client(path)
    measured = Scenario(named(f"{scenario}/{plan}", workload_runs), admin, client)
    set_faults(admin, rules)

    report, _ = run_drill(path, workload_runs)
    measured.drilled(report)

    assert report.verdict == "passed", report.model_dump_json(indent=2)
    assert set(outcomes(report).values()) == {"passed"}
    measured.finish(expect_faults=bool(rules))
