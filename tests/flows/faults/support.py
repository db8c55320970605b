"""What the fault drills share: run an example plan under fault rules, then prove from the
simulator's own records that nothing was left behind, nothing started twice, and the client
retried within its outage tolerance, each retry for a fault; and record the figures of each
scenario.

Figures go to stdout and, as one JSON line per scenario, to the file named by
``DRFLOW_FAULT_FIGURES`` when it is set.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
import yaml
from tests.flows.support import mounts, poll
from tests.flows.test_drill import drill

from drflow.drills.report import DrillReport
from drflow.flows.engine import RecoveryFailed, RecoveryReport
from drflow.plans import WorkloadRuns, load_plan
from drflow.tasks import VBRConnection, get_client
from drflow.vbr import VBRClient

ROOT = Path(__file__).resolve().parents[3]
PLANS = ROOT / "plans"
SPEED = 200
"""Simulator speed of the drills: fast, yet slower than a poll (mounts are seen Mounting)."""
EVERY_ROUTE = "^/api/"
START_ROUTES = {
    "vsphere": "/api/v1/restore/instantRecovery/vSphere/vm",
    "hyperv": "/api/v1/restore/instantRecovery/hyperV/vm",
    "azure": "/api/v1/restore/instantRecovery/azure/vm",
    "file-share": "/api/v1/restore/instantRecovery/unstructuredData",
    "fcd": "/api/v1/restore/instantRecovery/vSphere/fcd",
    "vm-restore-vsphere": "/api/v1/restore/vmRestore/vSphere",
    "vm-restore-hyperv": "/api/v1/restore/vmRestore/hyperV",
    "file-share-restore": "/api/v1/restore/unstructuredData/fileShare",
    "bucket-restore": "/api/v1/restore/unstructuredData/objectStorage",
    "entra-id-restore": "/api/v1/restore/entraId/tenant",
    "flr": "/api/v1/restore/flr",
    "unstructured-flr": "/api/v1/restore/flr/unstructuredData",
    "entra-id-audit-log": "/api/v1/restore/entraId/auditLog",
}
"""Every operation that starts work on VBR, by what it starts."""


def figures_file() -> Path | None:
    path = os.environ.get("DRFLOW_FAULT_FIGURES")
    return Path(path) if path else None


@dataclass
class Figures:
    """The measured figures of one scenario (one JSON line)."""

    scenario: str
    runs: int = 0
    verdicts: list[str] = field(default_factory=list)
    requests: int = 0
    faults_injected: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    most_retries_in_one_call: int = 0
    longest_retrying_seconds: float = 0.0
    retry_budget_seconds: float = 0.0
    starts: int = 0
    start_requests: int = 0
    leaks: int = 0
    duplicates: int = 0
    tokens: dict[str, int] = field(default_factory=dict)
    longest_outage_seconds: float = 0.0
    """The longest outage the runs rode out, as the VBR client saw it (from its first failed
    call to the next answer)."""
    seconds: float = 0.0

    def record(self) -> None:
        line = json.dumps(asdict(self), sort_keys=True)
        print(f"fault-figures {line}")
        target = figures_file()
        if target is not None:
            with target.open("a", encoding="utf-8") as out:
                out.write(line + "\n")


def stats(admin: httpx.Client) -> dict[str, Any]:
    return admin.get("/_sim/stats").json()


def set_faults(admin: httpx.Client, rules: list[dict[str, Any]]) -> None:
    admin.put("/_sim/faults", json={"rules": rules}).raise_for_status()


def clear_faults(admin: httpx.Client) -> None:
    admin.delete("/_sim/faults").raise_for_status()


def example_plan(name: str, tmp_path: Path, *, whole: bool = False) -> str:
    """The path of an example plan; ``whole`` drops its ``sample`` so every workload runs."""
    source = PLANS / f"{name}.yaml"
    if not whole:
        return str(source)
    plan = yaml.safe_load(source.read_text())
    plan.pop("sample", None)
    path = tmp_path / f"{name}-whole.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return str(path)


def drill_client(plan_path: str) -> VBRClient:
    """The process-wide VBR client the drill of ``plan_path`` uses (its retry policy)."""
    return get_client(VBRConnection.model_validate(load_plan(plan_path).vbr.connection()))


def run_drill(path: str, workload_runs: WorkloadRuns = "auto") -> tuple[DrillReport, Any]:
    """(report, final state) of a drill of the plan file at ``path``, run in this process, its
    workloads run as ``workload_runs`` says (the plan's own setting when ``auto``)."""
    if workload_runs == "auto":
        return drill(path)
    plan = yaml.safe_load(Path(path).read_text())
    plan["workload_runs"] = workload_runs
    with tempfile.TemporaryDirectory(prefix="drflow-plan-") as folder:
        copy = Path(folder) / Path(path).name
        copy.write_text(yaml.safe_dump(plan, sort_keys=False))
        return drill(str(copy))


def named(scenario: str, workload_runs: WorkloadRuns) -> str:
    """A scenario's name in the figures: with how its drill ran its workloads, unless as
    flow runs (the figures of earlier runs have no suffix)."""
    return scenario if workload_runs == "flow-runs" else f"{scenario}/{workload_runs}"


def outcomes(report: DrillReport) -> dict[str, str]:
    return {r.name: r.outcome for r in report.results}


def assert_nothing_left(admin: httpx.Client) -> int:
    """No mount and no restore session is left on the simulator; returns the leak count (0).

    Polled briefly: an unmount the drill waited for is gone at once, but a session's end is
    computed from the simulator's clock.
    """

    def leftovers() -> tuple[list[dict], int]:
        return mounts(admin), stats(admin)["restore_sessions"]["running"]

    try:
        poll(lambda: leftovers() == ([], 0), "nothing to be left on the simulator", 15)
    except AssertionError:
        held, running = leftovers()
        pytest.fail(f"left behind: mounts {held}, {running} restore sessions running")
    return 0


def duplicates(after: dict[str, Any]) -> dict[str, int]:
    """Sessions started more than once for the same target (``"<type> <name>"``: count)."""
    return {key: count for key, count in after["starts"].items() if count > 1}


def start_requests(after: dict[str, Any]) -> int:
    """How many start requests (POSTs that start a restore) reached the simulator."""
    return sum(after["requests"].get(f"POST {path}", 0) for path in START_ROUTES.values())


def retries_within_policy(client: VBRClient, retries_before: int, after: dict[str, Any]) -> int:
    """Assert the client retried within its policy; returns how many retries it made.

    - no call kept retrying longer than the outage tolerance (the bound per call);
    - every retry had a cause: there are no more retries than failures the simulator injected
      (each one fails at most one attempt).
    """
    policy = client.retry
    retries = policy.retries - retries_before
    tolerance = client.settings.outage_tolerance
    assert policy.longest_retrying <= tolerance, (
        f"one call kept retrying for {policy.longest_retrying:.1f}s; the tolerance is {tolerance}s"
    )
    injected = sum(after["faults_injected"].values())
    assert retries <= injected, f"{retries} retries for {injected} injected faults"
    return retries


class Scenario:
    """One scenario's measurements: start it before the drills, finish it after."""

    def __init__(self, name: str, admin: httpx.Client, client: VBRClient) -> None:
        self.figures = Figures(scenario=name, retry_budget_seconds=client.settings.outage_tolerance)
        self.admin = admin
        self.client = client
        self._retries_before = client.retry.retries
        self._started = time.monotonic()

    def drilled(self, report: DrillReport) -> None:
        self.figures.runs += 1
        self.figures.verdicts.append(report.verdict)

    def finish(self, *, expect_faults: bool = True) -> Figures:
        """Check leaks, duplicates and retries; record and return the figures."""
        figures = self.figures
        figures.leaks = assert_nothing_left(self.admin)
        after = stats(self.admin)
        figures.requests = sum(n for key, n in after["requests"].items() if " /_sim/" not in key)
        figures.faults = after["faults_injected"]
        figures.faults_injected = sum(figures.faults.values())
        figures.retries = retries_within_policy(self.client, self._retries_before, after)
        figures.most_retries_in_one_call = self.client.retry.most_retries
        figures.longest_retrying_seconds = round(self.client.retry.longest_retrying, 1)
        figures.starts = sum(after["starts"].values())
        figures.start_requests = start_requests(after)
        # a start is sent again only after a fault (a 429, or a lost answer with nothing
        # started): every start request beyond one per start had an injected fault for cause
        assert figures.start_requests <= figures.starts + figures.faults_injected, (
            f"{figures.start_requests} start requests for {figures.starts} starts"
        )
        figures.tokens = after["tokens"]
        twice = duplicates(after)
        figures.duplicates = sum(count - 1 for count in twice.values())
        figures.seconds = round(time.monotonic() - self._started, 1)
        figures.record()
        assert twice == {}, f"started more than once: {twice}"
        if expect_faults:
            assert figures.faults_injected > 0, "no fault was injected: the drill proves nothing"
        return figures


def outage_figures(scenario: str, after: dict[str, Any], **measured: Any) -> Figures:
    """The figures of a scenario whose faults the simulator did not inject (a restart of it, a
    killed drill): what the simulator counted (``after``: its stats), plus what was ``measured``."""
    return Figures(
        scenario=scenario,
        requests=sum(n for key, n in after["requests"].items() if " /_sim/" not in key),
        starts=sum(after["starts"].values()),
        start_requests=start_requests(after),
        duplicates=sum(count - 1 for count in duplicates(after).values()),
        tokens=after["tokens"],
        **measured,
    )


# --- outages: VBR going dark while a recovery runs -------------------------------------------

OUTAGE_SPEED = 50
"""Simulator speed of the outage scenarios: a 30 s outage lasts 0.6 s, a mount 0.4 s."""
OUTAGE_SECONDS = 30
"""How long VBR is dark in each outage scenario (simulated seconds)."""
Mode = Literal["refuse", "503"]


def outage_rule(
    method: str,
    path: str,
    mode: Mode,
    *,
    request: Literal["refused", "lost"] = "refused",
    skip: int = 0,
    seconds: float = OUTAGE_SECONDS,
) -> dict[str, Any]:
    """A fault rule: the ``skip + 1``-th ``method`` request to ``path`` (a regular expression)
    takes VBR dark for ``seconds``; the request itself is ``refused`` or carried out with its
    answer ``lost``."""
    return {
        "method": method,
        "path": path,
        "skip": skip,
        "max_count": 1,
        "outage": {"seconds": seconds, "mode": mode, "request": request},
    }


def start_outage(admin: httpx.Client, mode: Mode, seconds: float = OUTAGE_SECONDS) -> None:
    """Take VBR dark now (``POST /_sim/outage``)."""
    admin.post("/_sim/outage", json={"seconds": seconds, "mode": mode}).raise_for_status()


def outage_command(url: str, mode: Mode, seconds: float = OUTAGE_SECONDS) -> list[str]:
    """A command that takes the simulator at ``url`` dark (a check's command: an outage that
    begins while a recovery verifies its workload). No braces: a check formats its command."""
    code = (
        f"import httpx; httpx.post({url + '/_sim/outage'!r}, "
        f"json=dict(seconds={seconds!r}, mode={mode!r})).raise_for_status()"
    )
    return [sys.executable, "-c", code]


def back(admin: httpx.Client, deadline: float = 30.0) -> dict[str, Any]:
    """The simulator's stats once no outage is on (polled: in refuse mode ``/_sim`` is dark
    too, and a refused connection only means it is not back yet)."""

    def over() -> dict[str, Any] | None:
        try:
            current = stats(admin)
        except httpx.TransportError:
            return None
        return current if current["outages"]["current"] is None else None

    return poll(over, "VBR to be back from its outage", deadline, 0.05)


def held(after: dict[str, Any]) -> dict[str, dict[str, int]]:
    """What each workload kind of the simulator still holds (only the kinds holding some)."""
    return {
        kind: figures["held"]
        for kind, figures in after["workloads"].items()
        if any(figures["held"].values())
    }


def kind_duplicates(after: dict[str, Any]) -> dict[str, dict[str, int]]:
    """Run marks carried by more than one start, per workload kind (only kinds with some)."""
    return {
        kind: figures["duplicates"]
        for kind, figures in after["workloads"].items()
        if figures["duplicates"]
    }


def recovery_report(outcome: Any) -> RecoveryReport:
    """The report of a recovery flow's outcome (its return value or ``RecoveryFailed``)."""
    report = outcome.report if isinstance(outcome, RecoveryFailed) else outcome
    assert isinstance(report, RecoveryReport), outcome
    return report


class OutageScenario:
    """One recovery under an outage: start it before the run, :meth:`finish` after.

    :meth:`finish` proves from the simulator's records that the outage took place (the rule
    fired once; one outage counted), that nothing is left (no mount listed, nothing held by
    any workload kind), that nothing was started twice (no run mark on two starts, no restore
    started twice), and that the run's report shows the outage the client rode out; it
    records the figures.
    """

    def __init__(self, name: str, admin: httpx.Client, client: VBRClient) -> None:
        self.figures = Figures(scenario=name, retry_budget_seconds=client.settings.outage_tolerance)
        self.admin = admin
        self.client = client
        self._retries_before = client.retry.retries
        self._outages_before = len(client.outages.records())
        self._started = time.monotonic()

    def finish(
        self,
        reports: list[RecoveryReport],
        *,
        starts: dict[str, int],
        triggered: bool = True,
        seen: bool = True,
    ) -> Figures:
        """Check and record; ``starts``: accepted starts expected per workload kind;
        ``triggered``: a fault rule started the outage (else the test did); ``seen``: the
        client must have made calls into the outage (its report then shows it)."""
        figures = self.figures
        after = back(self.admin)
        figures.runs = len(reports)
        figures.verdicts = [report.verdict for report in reports]
        assert after["outages"]["count"] >= 1, "VBR never went dark: the scenario proves nothing"
        if triggered:
            fired = [rule["fired"] for rule in self.admin.get("/_sim/faults").json()["rules"]]
            assert fired == [1], f"the outage rule fired {fired} times, not once"
        figures.leaks = assert_nothing_left(self.admin)
        after = stats(self.admin)
        assert held(after) == {}, f"still held: {held(after)}"
        figures.requests = sum(n for key, n in after["requests"].items() if " /_sim/" not in key)
        injected = dict(after["faults_injected"])
        if not triggered:  # started through the admin API: not a rule's
            injected["outage:api"] = after["outages"]["count"]
        figures.faults = injected
        figures.faults_injected = sum(
            n for kind, n in injected.items() if not kind.startswith("latency")
        )
        figures.retries = self.client.retry.retries - self._retries_before
        figures.most_retries_in_one_call = self.client.retry.most_retries
        figures.longest_retrying_seconds = round(self.client.retry.longest_retrying, 1)
        outages = self.client.outages.records()[self._outages_before :]
        longest = max((o.duration().total_seconds() for o in outages), default=0.0)
        figures.longest_outage_seconds = round(longest, 2)
        figures.starts = sum(after["starts"].values())
        figures.start_requests = start_requests(after)
        figures.tokens = after["tokens"]
        twice = kind_duplicates(after)
        figures.duplicates = sum(n - 1 for marks in twice.values() for n in marks.values())
        figures.duplicates += sum(count - 1 for count in duplicates(after).values())
        figures.seconds = round(time.monotonic() - self._started, 1)
        figures.record()
        assert twice == {}, f"the same run started twice: {twice}"
        assert duplicates(after) == {}, f"started more than once: {duplicates(after)}"
        accepted = {k: f["starts"] for k, f in after["workloads"].items() if f["starts"]}
        assert accepted == starts, f"starts accepted {accepted}, expected {starts}"
        for report in reports:
            assert report.verdict == "passed", report.model_dump_json(indent=2)
        if seen:
            assert outages, "the client saw no outage"
            real = after["outages"]["real_seconds"]
            shown = sum(report.vbr_unavailable_seconds or 0 for report in reports)
            # the client sees the outage from the call it failed first to the next answer
            assert shown >= min(longest, real) * 0.5, (
                f"the reports show {shown}s of VBR unavailable; the client saw {longest:.2f}s "
                f"of a {real}s outage"
            )
        return figures
