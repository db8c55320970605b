"""Instant recovery of First Class Disks, of machines to Azure and of file shares while VBR goes
dark for 30 (simulated) seconds: refusing connections or answering 503, in turn.

The phases: the start (refused, or carried out with its answer lost), the wait until the disks
are mounted / the VM is ready in Azure / the share is published, verification (the Azure VM's
sessions read by VBR's view of it; elsewhere a workload check that takes VBR dark while the
checks run), the unmount (dismount, unpublish, stop), and the migration, with its switchover
for Azure and file shares. The user is a Backup Administrator: only that role migrates FCDs and
Azure VMs.

Each recovery must pass, leave nothing mounted or held, start nothing twice, and report the
time VBR was unavailable when the client saw it.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.flows.faults.support import (
    OUTAGE_SPEED,
    Mode,
    OutageScenario,
    drill_client,
    example_plan,
    named,
    outage_command,
    outage_rule,
    recovery_report,
    run_drill,
    set_faults,
)
from tests.flows.support import run_flow

from drflow.checks import CommandCheck, HttpCheck
from drflow.flows.azure import AzureRecoveryParams, azure_instant_recovery
from drflow.flows.fcd import FcdRecoveryParams, fcd_instant_recovery
from drflow.flows.file_share import FileShareRecoveryParams, file_share_instant_recovery
from drflow.tasks import VBRConnection, get_client

pytestmark = [pytest.mark.flow, pytest.mark.faults]

FCD = "/api/v1/restore/instantRecovery/vSphere/fcd"
AZURE = "/api/v1/restore/instantRecovery/azure/vm"
SHARES = "/api/v1/restore/instantRecovery/unstructuredData"
BY_ID = "/[^/]+$"
"""A mount by id under a start path."""
CLUSTER = {"vcenter": "vcenter01.lab.local", "name": "DR cluster"}
FINANCE = "\\\\fs01\\finance"

Case = tuple[dict[str, Any] | None, str, Mode | None]
"""(the rule that starts the outage, or None: a workload check does; then; the check's mode)."""


@pytest.fixture
def administrator(admin: httpx.Client, connection: VBRConnection, monkeypatch) -> VBRConnection:
    """The connection as a Backup Administrator, the simulator at the outage speed."""
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "administrator")
    admin.put("/_sim/config", json={"speed": OUTAGE_SPEED}).raise_for_status()
    return connection


def verify_checks(sim: Any, mode: Mode | None) -> list[CommandCheck | HttpCheck]:
    """With a mode: a check that takes VBR dark, then one of a service on VBR's listener (dark
    too in refuse mode), which keeps trying until VBR is back."""
    if mode is None:
        return []
    dark = CommandCheck(command=outage_command(sim.url, mode), deadline=10, interval=0.5)
    return [dark, HttpCheck(url=f"{sim.url}/_sim/config", deadline=10, interval=0.1)]


def checked(report: Any, mode: Mode | None) -> None:
    """A verify case: its service check met the outage and passed once VBR was back."""
    if mode is None:
        return
    service = report.checks[1]
    assert service.passed, service
    if mode == "refuse":
        assert service.attempts > 1, "the service check never met the outage"


# --- First Class Disks -----------------------------------------------------------------------

FCD_CASES: dict[str, Case] = {
    "start-refused/503": (outage_rule("POST", f"^{FCD}$", "503"), "unmount", None),
    "start-lost/refuse": (
        outage_rule("POST", f"^{FCD}$", "refuse", request="lost"),
        "unmount",
        None,
    ),
    "wait/refuse": (outage_rule("GET", f"^{FCD}{BY_ID}", "refuse", skip=1), "unmount", None),
    "verify/refuse": (None, "unmount", "refuse"),
    "dismount-lost/503": (
        outage_rule("POST", "/dismount$", "503", request="lost"),
        "unmount",
        None,
    ),
    "migrate-lost/refuse": (
        outage_rule("POST", "/migrate$", "refuse", request="lost"),
        "migrate",
        None,
    ),
}


@pytest.mark.parametrize("case", list(FCD_CASES))
def test_fcd_recovery_rides_out_an_outage(
    sim, admin: httpx.Client, administrator: VBRConnection, case: str
) -> None:
    rule, then, mode = FCD_CASES[case]
    measured = OutageScenario(f"outage/fcd/{case}", admin, get_client(administrator))
    if rule is not None:
        set_faults(admin, [rule])

    params = FcdRecoveryParams(
        vm="mq01",
        cluster=CLUSTER,
        then=then,
        # one disk goes to production, the other is dismounted after the migration
        migration={"datastore": "ds-prod01", "disks": ["mq01_1"]} if then == "migrate" else None,
        checks=verify_checks(sim, mode),
        connection=administrator,
    )
    report = recovery_report(run_flow(fcd_instant_recovery, params))

    measured.finish([report], starts={"fcd": 1}, triggered=rule is not None, seen=rule is not None)
    assert report.choice == then
    checked(report, mode)
    if then == "migrate":
        assert report.details["dismounted"] == "mq01"


# --- Azure -----------------------------------------------------------------------------------

AZURE_CASES: dict[str, Case] = {
    "start-lost/refuse": (
        outage_rule("POST", f"^{AZURE}$", "refuse", request="lost"),
        "unmount",
        None,
    ),
    "start-refused/503": (outage_rule("POST", f"^{AZURE}$", "503"), "unmount", None),
    "wait/503": (outage_rule("GET", f"^{AZURE}{BY_ID}", "503", skip=1), "unmount", None),
    # verification reads the VM's sessions (VBR's view of it) first
    "verify/refuse": (outage_rule("GET", "/sessions$", "refuse"), "unmount", None),
    "unmount-lost/503": (outage_rule("POST", "/unmount$", "503", request="lost"), "unmount", None),
    "migrate-lost/refuse": (
        outage_rule("POST", "/migrate$", "refuse", request="lost"),
        "migrate",
        None,
    ),
    "switchover-wait/503": (
        outage_rule("GET", "/switchoverSettings$", "503", skip=1),
        "migrate",
        None,
    ),
}


@pytest.mark.parametrize("case", list(AZURE_CASES))
def test_azure_recovery_rides_out_an_outage(
    sim, admin: httpx.Client, administrator: VBRConnection, case: str
) -> None:
    rule, then, _ = AZURE_CASES[case]
    measured = OutageScenario(f"outage/azure/{case}", admin, get_client(administrator))
    set_faults(admin, [rule])

    params = AzureRecoveryParams(vm="web01", then=then, connection=administrator)
    report = recovery_report(run_flow(azure_instant_recovery, params))

    measured.finish([report], starts={"azure": 1})
    assert report.choice == then
    if then == "migrate":
        assert report.details["switchover"] == "switched over (Auto)"


# --- file shares -----------------------------------------------------------------------------

SHARE_CASES: dict[str, Case] = {
    "start-refused/refuse": (outage_rule("POST", f"^{SHARES}$", "refuse"), "unmount", None),
    "start-lost/503": (outage_rule("POST", f"^{SHARES}$", "503", request="lost"), "unmount", None),
    "wait/refuse": (outage_rule("GET", f"^{SHARES}{BY_ID}", "refuse", skip=1), "unmount", None),
    "verify/refuse": (None, "unmount", "refuse"),
    "unpublish-lost/503": (
        outage_rule("POST", "/unmount$", "503", request="lost"),
        "unmount",
        None,
    ),
    "migrate-lost/refuse": (
        outage_rule("POST", "/migrate$", "refuse", request="lost"),
        "migrate",
        None,
    ),
    "switchover-wait/503": (
        outage_rule("GET", "/switchoverSettings$", "503", skip=1),
        "migrate",
        None,
    ),
}


@pytest.mark.parametrize("case", list(SHARE_CASES))
def test_file_share_recovery_rides_out_an_outage(
    sim, admin: httpx.Client, administrator: VBRConnection, case: str
) -> None:
    rule, then, mode = SHARE_CASES[case]
    measured = OutageScenario(f"outage/file-share/{case}", admin, get_client(administrator))
    if rule is not None:
        set_faults(admin, [rule])

    params = FileShareRecoveryParams(
        share=FINANCE, then=then, checks=verify_checks(sim, mode), connection=administrator
    )
    report = recovery_report(run_flow(file_share_instant_recovery, params))

    measured.finish(
        [report], starts={"file_share": 1}, triggered=rule is not None, seen=rule is not None
    )
    assert report.choice == then
    checked(report, mode)
    if then == "migrate":
        assert report.details["switchover"] == "switched over (Auto)"


# --- a drill of every kind a plan holds ------------------------------------------------------


def test_drill_rides_out_an_outage(
    sim, admin: httpx.Client, connection: VBRConnection, tmp_path, monkeypatch, workload_runs: str
) -> None:
    """``plans/branch-office.yaml`` (a file share, FCDs, an Azure VM, a Hyper-V VM; two at a
    time) while VBR refuses connections for 30 s from its third restore request on (a start
    or an unmount, carried out, its answer lost): every workload's calls in flight then meet
    the same outage. Every workload passes, nothing is left or started twice, and the reports
    of the workloads that called VBR meanwhile show it."""
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    admin.put("/_sim/config", json={"speed": OUTAGE_SPEED}).raise_for_status()
    path = example_plan("branch-office", tmp_path, whole=True)
    measured = OutageScenario(
        named("outage/drill/branch-office/refuse", workload_runs), admin, drill_client(path)
    )
    set_faults(admin, [outage_rule("POST", "^/api/v1/restore/", "refuse", request="lost", skip=2)])

    report, _ = run_drill(path, workload_runs)

    assert report.verdict == "passed", report.model_dump_json(indent=2)
    reports = [result.report for result in report.results]
    assert all(r is not None for r in reports), report.model_dump_json(indent=2)
    measured.finish(
        [r for r in reports if r is not None],
        starts={"file_share": 1, "fcd": 1, "azure": 1, "hyperv": 1},
    )
