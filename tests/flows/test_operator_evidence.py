"""What a recovery's evidence says, in Prefect (the session's test server) and on the terminal:
one progress artifact per run, updated in place under one key per workload, so the Artifacts
page holds a card per workload, not per run; words that claim no more than was checked; where
the run and its report are, said by ``drflow run`` when it starts."""

from __future__ import annotations

import re
import time
from typing import Any
from uuid import UUID

import pytest
from rich.console import Console
from tests.flows.support import run_flow, run_logs
from typer.testing import CliRunner

from drflow.checks import HttpCheck
from drflow.cli import app
from drflow.cli.live import evidence_table
from drflow.flows import RecoveryReport
from drflow.flows.flr import FileLevelRestoreParams, file_level_restore
from drflow.flows.vsphere import VSphereRecoveryParams, vsphere_instant_recovery

pytestmark = pytest.mark.flow


def progress_of(run_id: str) -> list[Any]:
    """The progress artifacts of a flow run."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterType,
    )

    with get_client(sync_client=True) as client:
        return client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(run_id)]),
                type=ArtifactFilterType(any_=["progress"]),
            )
        )


def page_cards() -> dict[str, Any]:
    """The cards of the UI's Artifacts page (the latest artifact of each key), by key."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return {c.key: c for c in client.read_latest_artifacts(limit=200)}


def test_one_progress_artifact_per_run_updated_in_place_under_one_key_per_workload(
    sim, connection
) -> None:
    runs = []
    for _ in range(2):  # the same workload twice: still one card
        report = run_flow(
            vsphere_instant_recovery,
            VSphereRecoveryParams(vm="web02", then="unmount", connection=connection),
        )
        assert isinstance(report, RecoveryReport), report
        assert report.verdict == "passed", report.reason
        runs.append(report.flow_run_id)
    for run_id in runs:
        deadline = time.monotonic() + 10
        while True:  # written in the background: it lands soon after the run
            found = progress_of(run_id)
            if len(found) == 1 and float(found[0].data) == 100:
                break
            assert len(found) <= 1, f"{len(found)} progress artifacts for one run"
            assert time.monotonic() < deadline, f"progress of {run_id}: {found}"
            time.sleep(0.05)
        [progress] = found
        assert progress.key == "progress-web02"
        assert progress.description == "web02: progress"
    cards = page_cards()
    assert "recovery-web02" in cards
    # one card for the workload, showing its latest run's progress (the earlier run's under it)
    [card] = [c for c in cards.values() if c.key == "progress-web02"]
    assert (str(card.flow_run_id), float(card.data)) == (runs[-1], 100.0)


def test_a_recovery_without_checks_is_recovered_not_verified(sim, connection) -> None:
    report = run_flow(
        vsphere_instant_recovery,
        VSphereRecoveryParams(vm="web02", then="unmount", connection=connection),
    )
    assert report.outcome() == "recovered (no checks)"
    assert report.rto_seconds is not None
    # said while the run went on (before its verdict), it was "not recovered"
    deadline = time.monotonic() + 10
    while not any("web02 recovered (no checks), RTO" in m for m in run_logs(report.flow_run_id)):
        assert time.monotonic() < deadline, run_logs(report.flow_run_id)
        time.sleep(0.2)
    assert not any("not recovered" in m for m in run_logs(report.flow_run_id))


def test_a_recovery_with_one_check_says_one_check(sim, connection) -> None:
    check = HttpCheck(url=f"{sim.url}/_sim/guests/{{vm}}/health", deadline=5, interval=0.1)
    report = run_flow(
        vsphere_instant_recovery,
        VSphereRecoveryParams(vm="web02", then="unmount", checks=[check], connection=connection),
    )
    assert report.outcome() == "recovered and verified (1 check passed)"


def test_a_mount_only_file_level_restore_has_no_rto(sim, connection) -> None:
    report = run_flow(
        file_level_restore,
        FileLevelRestoreParams(vm="web01", keep_minutes=0, connection=connection),
    )
    assert isinstance(report, RecoveryReport), report
    assert report.verdict == "passed", report.reason
    assert report.rto_seconds is None
    assert report.outcome() == "mounted for the operator (no checks)"
    assert "- RTO (request to verified): -" in report.markdown()
    terminal = Console(width=200, emoji=False)  # the table as the terminal shows it
    with terminal.capture() as shown:
        terminal.print(evidence_table(report))
    cells = [line.split("│")[1:3] for line in shown.get().splitlines() if line.count("│") == 3]
    rows = {" ".join(what.split()): " ".join(value.split()) for what, value in cells}
    assert rows["outcome"] == "mounted for the operator (no checks)"
    assert rows["RTO"] == "none: a mount for the operator is not timed"


def test_drflow_run_says_where_the_run_and_its_report_are_before_it_ends(sim, connection) -> None:
    command = ["run", "vsphere-instant-recovery", "--vm", "web02", "--simulator"]
    result = CliRunner().invoke(
        app, [*command, "--connection.url", sim.url], env={"COLUMNS": "400"}
    )
    assert result.exit_code == 0, result.output
    text = result.output
    announced = re.search(
        r"Prefect run vsphere-instant-recovery\[web02\]: (http://\S+/runs/flow-run/(\S+))", text
    )
    assert announced, text
    assert "Report: artifacts recovery-web02, recovery-phases-web02 of this run" in text
    assert text.index("Report: ") < text.index("web02: passed")  # before the end's table
    from prefect import get_client

    with get_client(sync_client=True) as client:  # the page is the run's
        run = client.read_flow_run(UUID(announced.group(2)))
    assert run.name == "vsphere-instant-recovery[web02]"
    assert run.state.is_completed()
