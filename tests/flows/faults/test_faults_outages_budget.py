"""An outage longer than the budgets: the recovery fails cleanly, and nothing is left behind.

The run's outage tolerance is 3 s (``outage_tolerance_minutes``) and its clean-up budget 2 s
(``DRFLOW_VBR_CLEANUP_BUDGET``); VBR stays dark for 600 simulated seconds (12 s). The run must
give up within its budgets (not wait for VBR to come back), fail with a reason that says VBR
could not be reached (not a traceback), and say what it could not clean up (``cleanup
pending: <object>``). Once VBR is back, the janitor removes it: nothing is left, nothing was
started twice.

When VBR comes back within the clean-up budget, the run cleans up itself: even what a start
whose answer was lost began, which the run never got to hold. And an outage longer than the
tolerance is ridden out where the phase has a budget of its own: a wait (its timeout), an
unmount (the clean-up budget).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from tests.flows.faults.support import (
    OUTAGE_SPEED,
    Figures,
    OutageScenario,
    back,
    duplicates,
    held,
    kind_duplicates,
    outage_rule,
    recovery_report,
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
    # the start is carried out, its answer lost; VBR is gone before it can be adopted
    "start-lost/503": outage_rule("POST", f"^{VI}$", "503", request="lost", seconds=OUTAGE),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_outage_beyond_the_budgets_fails_cleanly_and_the_janitor_cleans_up(
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
    # the unmount's mount is known; what a lost start began is not, until VBR answers
    assert report.cleanup() in (
        "cleanup pending: vsphere-vm web01",
        "cleanup pending: vsphere-instant-recovery web01",
    ), report.cleanup()
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


def test_what_a_lost_start_began_is_removed_by_the_run_once_vbr_is_back(
    sim, admin: httpx.Client, connection: VBRConnection, monkeypatch
) -> None:
    """VBR carries out the start, loses its answer and stays dark for 6 s: the run gives up
    after its 3 s tolerance (nothing adopted), then its clean-up (15 s budget) rides out the
    rest of the outage, finds the mount by the run's mark and unmounts it."""
    began = time.monotonic()
    monkeypatch.setenv("DRFLOW_VBR_CLEANUP_BUDGET", "15")
    admin.put("/_sim/config", json={"speed": OUTAGE_SPEED}).raise_for_status()
    set_faults(admin, [outage_rule("POST", f"^{VI}$", "refuse", request="lost", seconds=300)])
    client = get_client(connection)
    retries_before = client.retry.retries
    params = VSphereRecoveryParams(
        vm="web01", outage_tolerance_minutes=TOLERANCE_MINUTES, connection=connection
    )

    outcome = run_flow(vsphere_instant_recovery, params)

    assert isinstance(outcome, RecoveryFailed), outcome
    report = outcome.report
    assert report.reason.startswith("VBR unreachable for "), report.reason
    assert report.cleanup() == "cleaned up", report.cleanup()
    assert report.cleaned_up is True
    [released] = report.objects
    assert released.object.kind == "vsphere-vm"
    after = back(admin)
    assert mounts(admin) == []
    assert held(after) == {}
    assert kind_duplicates(after) == {}
    assert after["workloads"]["vsphere"]["starts"] == 1
    Figures(
        scenario="outage-beyond-tolerance/vsphere/start-lost/refuse/cleaned-up-by-the-run",
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
        tokens=after["tokens"],
        longest_outage_seconds=after["outages"]["real_seconds"],
        seconds=round(time.monotonic() - began, 1),
    ).record()


WITHIN_THEIR_OWN_BUDGET: dict[str, dict[str, Any]] = {
    # a wait is bounded by its own timeout (timeout_minutes), not by the outage tolerance
    "wait/refuse": outage_rule("GET", f"^{VI}$", "refuse", skip=2, seconds=300),
    # an unmount keeps trying for the cleanup budget
    "unmount-lost/503": outage_rule("POST", "/unmount$", "503", request="lost", seconds=300),
}


@pytest.mark.parametrize("case", list(WITHIN_THEIR_OWN_BUDGET))
def test_an_outage_beyond_the_tolerance_is_ridden_out_by_waits_and_unmounts(
    sim, admin: httpx.Client, connection: VBRConnection, monkeypatch, case: str
) -> None:
    """VBR dark for 6 s, twice the run's outage tolerance of 3 s, while the run waits for
    the mount or unmounts it: those are bounded by their own budgets (the wait's timeout, the
    15 s cleanup budget), so the recovery passes and its report shows the whole outage."""
    monkeypatch.setenv("DRFLOW_VBR_CLEANUP_BUDGET", "15")
    admin.put("/_sim/config", json={"speed": OUTAGE_SPEED}).raise_for_status()
    measured = OutageScenario(
        f"outage-beyond-tolerance/vsphere/{case}", admin, get_client(connection)
    )
    set_faults(admin, [WITHIN_THEIR_OWN_BUDGET[case]])
    params = VSphereRecoveryParams(
        vm="web01", outage_tolerance_minutes=TOLERANCE_MINUTES, connection=connection
    )

    report = recovery_report(run_flow(vsphere_instant_recovery, params))

    figures = measured.finish([report], starts={"vsphere": 1})
    assert figures.longest_outage_seconds > TOLERANCE_MINUTES * 60
    assert report.vbr_unavailable_seconds is not None
    assert report.vbr_unavailable_seconds > TOLERANCE_MINUTES * 60
