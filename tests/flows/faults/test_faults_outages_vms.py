"""Instant recovery of vSphere and Hyper-V VMs while VBR goes dark for 30 (simulated) seconds.

VBR refuses connections (the listener closes, as when its service stops) or answers every
request 503, in turn from one case to the next, during each phase a VM's recovery has: the
start (a start refused, and a start carried out whose answer is lost), the wait for the mount,
verification, the operator's decision, the unmount and the migration. Each outage is started
by the request of the phase (a fault rule), except where the phase makes no call to VBR: then
a workload check (verify) or the test (while the run waits for the operator) starts it.

Each recovery must pass, leave nothing mounted or held, start nothing twice, and its report
must show the time VBR was unavailable when the client saw it
(:class:`~tests.flows.faults.support.OutageScenario`).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prefect.flow_runs import resume_flow_run
from tests.flows.faults.support import (
    OUTAGE_SPEED,
    Mode,
    OutageScenario,
    drill_client,
    named,
    outage_command,
    outage_rule,
    recovery_report,
    run_drill,
    set_faults,
    start_outage,
)
from tests.flows.support import now, run_flow, run_in_background, wait_for_paused_run
from tests.flows.test_drill import write_plan

from drflow.checks import CommandCheck, HttpCheck
from drflow.flows.hyperv import HyperVRecoveryParams, hyperv_instant_recovery
from drflow.flows.vsphere import MigrationTarget, VSphereRecoveryParams, vsphere_instant_recovery
from drflow.tasks import VBRConnection, get_client

pytestmark = [pytest.mark.flow, pytest.mark.faults]

VI = "/api/v1/restore/instantRecovery/vSphere/vm"
HV = "/api/v1/restore/instantRecovery/hyperV/vm"
MOUNT = "/[^/]+$"
"""A mount by id under a start path."""
TARGET = MigrationTarget(vcenter="vcenter01.lab.local", host="esx02.lab.local")


@pytest.fixture
def fast(admin: httpx.Client) -> None:
    admin.put("/_sim/config", json={"speed": OUTAGE_SPEED}).raise_for_status()


def health(sim: Any, deadline: float = 10.0) -> HttpCheck:
    """The simulator's probe of the recovered VM (on VBR's listener: dark in refuse mode)."""
    return HttpCheck(url=f"{sim.url}/_sim/guests/{{vm}}/health", deadline=deadline, interval=0.1)


def goes_dark(sim: Any, mode: Mode) -> CommandCheck:
    """A check that takes VBR dark: verification goes on while it is."""
    return CommandCheck(command=outage_command(sim.url, mode), deadline=10, interval=0.5)


# --- vSphere ---------------------------------------------------------------------------------

VSPHERE: dict[str, tuple[dict[str, Any], str]] = {
    "start-refused/refuse": (outage_rule("POST", f"^{VI}$", "refuse"), "unmount"),
    "start-lost/503": (outage_rule("POST", f"^{VI}$", "503", request="lost"), "unmount"),
    # the first list looks for a start of this run; then the wait polls it
    "wait/refuse": (outage_rule("GET", f"^{VI}$", "refuse", skip=2), "unmount"),
    "unmount-lost/refuse": (outage_rule("POST", "/unmount$", "refuse", request="lost"), "unmount"),
    "unmount-refused/503": (outage_rule("POST", "/unmount$", "503"), "unmount"),
    "migrate-lost/503": (outage_rule("POST", "/migrate$", "503", request="lost"), "migrate"),
    # the evidence names the VBR server the run talked to: its last call
    "evidence/503": (outage_rule("GET", "^/api/v1/serverInfo$", "503"), "unmount"),
    "migration-wait/refuse": (
        outage_rule("GET", "^/api/v1/sessions/[^/]+$", "refuse", skip=1),
        "migrate",
    ),
}
"""Case (phase/mode) -> (the rule that starts the outage, then)."""


@pytest.mark.parametrize("case", list(VSPHERE))
def test_vsphere_recovery_rides_out_an_outage(
    sim, admin: httpx.Client, connection: VBRConnection, fast: None, case: str
) -> None:
    rule, then = VSPHERE[case]
    measured = OutageScenario(f"outage/vsphere/{case}", admin, get_client(connection))
    set_faults(admin, [rule])

    params = VSphereRecoveryParams(
        vm="web01",
        then=then,
        migration=TARGET if then == "migrate" else None,
        connection=connection,
    )
    report = recovery_report(run_flow(vsphere_instant_recovery, params))

    measured.finish([report], starts={"vsphere": 1})
    assert report.choice == then
    if then == "unmount":
        assert report.cleaned_up is True


def test_vsphere_verification_rides_out_an_outage(
    sim, admin: httpx.Client, connection: VBRConnection, fast: None
) -> None:
    """VBR refuses connections while the workload checks run: the check of the VM's guest
    (reached on VBR's listener) keeps trying until it is back and passes; the unmount follows."""
    measured = OutageScenario("outage/vsphere/verify/refuse", admin, get_client(connection))
    checks = [goes_dark(sim, "refuse"), health(sim)]
    params = VSphereRecoveryParams(vm="web01", checks=checks, connection=connection)

    report = recovery_report(run_flow(vsphere_instant_recovery, params))

    measured.finish([report], starts={"vsphere": 1}, triggered=False, seen=False)
    dark, guest = report.checks
    assert dark.passed
    assert guest.passed
    assert guest.attempts > 1, "the guest check never met the outage"


def test_vsphere_decision_answered_during_an_outage(
    sim, admin: httpx.Client, connection: VBRConnection, fast: None
) -> None:
    """The run waits for the operator (``then=ask``); VBR answers 503 when the operator
    answers unmount: the unmount rides out the rest of the outage."""
    measured = OutageScenario("outage/vsphere/decision/503", admin, get_client(connection))
    params = VSphereRecoveryParams(vm="web01", then="ask", connection=connection)
    since = now()
    thread, holder = run_in_background(vsphere_instant_recovery, params)
    run_id = wait_for_paused_run("vsphere-instant-recovery", since=since)
    # the run looks for the answer every 2 s: 30 s of VBR at speed 2 (15 s) outlast that, on a
    # loaded machine too (at speed 5, 6 s, a slow pick-up of the answer once missed the outage)
    admin.put("/_sim/config", json={"speed": 2}).raise_for_status()
    start_outage(admin, "503")
    resume_flow_run(run_id, run_input={"choice": "unmount", "approver": "fault-suite"})
    thread.join(timeout=60)
    assert not thread.is_alive(), "the run did not end"
    report = recovery_report(holder["outcome"])

    measured.finish([report], starts={"vsphere": 1}, triggered=False)
    assert report.choice == "unmount"
    assert report.decided_by == "fault-suite"
    assert report.cleaned_up is True


# --- Hyper-V ---------------------------------------------------------------------------------

HYPERV: dict[str, tuple[dict[str, Any], str]] = {
    "start-lost/refuse": (outage_rule("POST", f"^{HV}$", "refuse", request="lost"), "unmount"),
    "start-refused/503": (outage_rule("POST", f"^{HV}$", "503"), "unmount"),
    "wait/503": (outage_rule("GET", f"^{HV}{MOUNT}", "503", skip=1), "unmount"),
    "unmount-lost/503": (outage_rule("POST", "/unmount$", "503", request="lost"), "unmount"),
    "migrate-lost/refuse": (
        outage_rule("POST", "/migrate$", "refuse", request="lost"),
        "migrate",
    ),
}


@pytest.mark.parametrize("case", list(HYPERV))
def test_hyperv_recovery_rides_out_an_outage(
    sim, admin: httpx.Client, connection: VBRConnection, fast: None, case: str
) -> None:
    rule, then = HYPERV[case]
    measured = OutageScenario(f"outage/hyperv/{case}", admin, get_client(connection))
    set_faults(admin, [rule])

    params = HyperVRecoveryParams(vm="hv-web01", then=then, connection=connection)
    report = recovery_report(run_flow(hyperv_instant_recovery, params))

    measured.finish([report], starts={"hyperv": 1})
    assert report.choice == then


def test_hyperv_verification_rides_out_an_outage(
    sim, admin: httpx.Client, connection: VBRConnection, fast: None
) -> None:
    """As for vSphere: the guest check rides out VBR refusing connections."""
    measured = OutageScenario("outage/hyperv/verify/refuse", admin, get_client(connection))
    checks = [goes_dark(sim, "refuse"), health(sim)]
    params = HyperVRecoveryParams(vm="hv-web01", checks=checks, connection=connection)

    report = recovery_report(run_flow(hyperv_instant_recovery, params))

    measured.finish([report], starts={"hyperv": 1}, triggered=False, seen=False)
    assert report.checks[1].passed
    assert report.checks[1].attempts > 1, "the guest check never met the outage"


# --- a drill of VMs ----------------------------------------------------------------------------

DRILL_VMS = ["web01", "web02", "app01", "db01", "mq01", "hv-web01", "hv-file01"]


def test_drill_of_vms_rides_out_an_outage(
    sim,
    admin: httpx.Client,
    connection: VBRConnection,
    fast: None,
    tmp_path,
    monkeypatch,
    workload_runs: str,
) -> None:
    """Seven VMs recovered at once (five vSphere, whose waits share one list of the mounts
    per poll, two Hyper-V) while VBR answers 503 for 30 s from the fourth poll of the
    vSphere mounts on: every wait in flight meets the outage. Every workload passes, nothing
    is left or started twice, and the reports show the outage."""
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    workloads = [
        {"name": vm, "kind": "hyperv" if vm.startswith("hv-") else "vsphere", "vm": vm}
        for vm in DRILL_VMS
    ]
    path = write_plan(tmp_path, "vms", [{"name": "all", "workloads": workloads}], max_parallel=7)
    measured = OutageScenario(
        named("outage/drill/vms/503", workload_runs), admin, drill_client(path)
    )
    set_faults(admin, [outage_rule("GET", f"^{VI}$", "503", skip=4)])

    report, _ = run_drill(path, workload_runs)

    assert report.verdict == "passed", report.model_dump_json(indent=2)
    reports = [result.report for result in report.results]
    assert all(r is not None for r in reports), report.model_dump_json(indent=2)
    measured.finish([r for r in reports if r is not None], starts={"vsphere": 5, "hyperv": 2})
