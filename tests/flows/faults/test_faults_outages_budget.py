"""An outage longer than the budgets: the recovery fails cleanly, and nothing is left behind.

The run's outage tolerance is 3 s (``outage_tolerance_minutes``) and its clean-up budget 2 s
(``DRFLOW_VBR_CLEANUP_BUDGET``); VBR stays dark for 600 simulated seconds (12 s). The run must
give up within its budgets (not wait for VBR to come back), fail with a reason that says VBR
could not be reached (not a traceback), and say what it could not clean up (``cleanup
pending: <object>``). Once VBR is back, the janitor removes it: nothing is left, nothing was
started twice.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from tests.flows.faults.support import (
    OUTAGE_SPEED,
    Figures,
    back,
    duplicates,
    held,
    kind_duplicates,
    outage_rule,
    set_faults,
    stats,
)
from tests.flows.support import mounts, run_flow

from drflow.flows.engine import RecoveryFailed
from drflow.flows.janitor import janitor
from drflow.flows.vsphere import VSphereRecoveryParams, vsphere_instant_recovery
from drflow.tasks import VBRConnection, get_client

pytestmark = [pytest.mark.flow, pytest.mark.faults]

VI = "/api/v1/restore/instantRecovery/vSphere/vm"
TOLERANCE_MINUTES = 0.05
"""3 s: how long one call of the run keeps retrying."""
CLEANUP_BUDGET = 2.0
"""Seconds an unmount keeps trying."""
OUTAGE = 600
"""Simulated seconds VBR stays dark: 12 s at the outage speed, far beyond both budgets."""
GIVE_UP_WITHIN = 10.0
"""Real seconds the run may take from its start to its end: its budgets and some slack."""


@pytest.fixture
def budgets(admin: httpx.Client, connection: VBRConnection, monkeypatch) -> VBRConnection:
    monkeypatch.setenv("DRFLOW_VBR_CLEANUP_BUDGET", str(CLEANUP_BUDGET))
    admin.put("/_sim/config", json={"speed": OUTAGE_SPEED}).raise_for_status()
    return connection


CASES: dict[str, dict[str, Any]] = {
    # the drill's unmount: VBR is gone from then on
    "unmount/refuse": outage_rule("POST", "/unmount$", "refuse", seconds=OUTAGE),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_outage_beyond_the_budget_fails_cleanly_and_the_janitor_cleans_up(
    sim, admin: httpx.Client, budgets: VBRConnection, case: str
) -> None:
    began = time.monotonic()
    client = get_client(budgets)
    retries_before = client.retry.retries
    set_faults(admin, [CASES[case]])
    params = VSphereRecoveryParams(
        vm="web01", outage_tolerance_minutes=TOLERANCE_MINUTES, connection=budgets
    )

    outcome = run_flow(vsphere_instant_recovery, params)
    ended = time.monotonic()

    assert isinstance(outcome, RecoveryFailed), outcome
    report = outcome.report
    assert "VBR" in report.reason, report.reason
    assert "unreachable" in report.reason or "unavailable" in report.reason, report.reason
    assert "Traceback" not in report.reason
    assert report.cleanup() == "cleanup pending: vsphere-vm web01", report.cleanup()
    assert report.cleaned_up is False
    stats_when_back = back(admin)
    outage_real = stats_when_back["outages"]["real_seconds"]
    assert ended - began < GIVE_UP_WITHIN < outage_real, (
        f"the run took {ended - began:.1f}s to give up on a {outage_real}s outage"
    )
    [left] = mounts(admin)
    assert report.flow_run_id in left["reason"]

    swept = janitor(connection=budgets)

    assert swept.failed == []
    assert [line for line in swept.removed if "web01" in line], swept
    assert mounts(admin) == []
    after = stats(admin)
    assert held(after) == {}
    assert kind_duplicates(after) == {}
    assert duplicates(after) == {}
    assert after["workloads"]["vsphere"]["starts"] == 1
    Figures(
        scenario=f"outage-beyond-budget/vsphere/{case}",
        runs=1,
        verdicts=[report.verdict],
        requests=sum(n for key, n in after["requests"].items() if " /_sim/" not in key),
        faults_injected=1,
        faults=after["faults_injected"],
        retries=client.retry.retries - retries_before,
        most_retries_in_one_call=client.retry.most_retries,
        longest_retrying_seconds=round(client.retry.longest_retrying, 1),
        retry_budget_seconds=TOLERANCE_MINUTES * 60,
        starts=after["workloads"]["vsphere"]["starts"],
        leaks=0,
        duplicates=0,
        tokens=after["tokens"],
        longest_outage_seconds=stats_when_back["outages"]["real_seconds"],
        seconds=round(time.monotonic() - began, 1),
    ).record()
