"""``drflow resume`` as an operator uses it, against the simulator in Prefect (the session's test
server): a paused run found by its name or by its plan and workload, what it waits for listed,
an answer its form does not allow refused before anything is sent, who decided and the note in
the output and the evidence, and errors that say what to do."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.flows.support import now, run_in_background, wait_for_paused_run
from typer.testing import CliRunner

from drflow.cli import app
from drflow.drills import DrillReport, dr_recover, ensure_concurrency_limit
from drflow.flows import RecoveryReport, VSphereRecoveryParams, vsphere_instant_recovery
from drflow.tasks import close_clients

pytestmark = pytest.mark.flow

VM = "mq01"  # no other test of this worker pauses it
RUN_NAME = f"vsphere-instant-recovery[{VM}]"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "300"})


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_a_run_is_answered_by_name_after_a_refused_answer(sim, connection) -> None:
    params = VSphereRecoveryParams(vm=VM, then="ask", connection=connection)
    since = now()
    thread, holder = run_in_background(vsphere_instant_recovery, params)
    run_id = wait_for_paused_run("vsphere-instant-recovery", since=since)

    listed = invoke("resume", "--list")
    assert listed.exit_code == 0, listed.output
    text = one_line(listed.output)
    assert f"{RUN_NAME} ({run_id})" in text
    assert f"waits for: {RUN_NAME} waits for a decision: unmount or keep" in text
    assert f"answer: drflow resume '{RUN_NAME}' unmount|keep" in text

    # no migration target: migrate is not an answer this run allows; nothing is sent
    refused = invoke("resume", RUN_NAME, "migrate")
    assert refused.exit_code == 2, refused.output
    assert "accepts unmount or keep, not migrate (nothing was sent)" in one_line(refused.output)
    assert wait_for_paused_run("vsphere-instant-recovery", since=since) == run_id  # still waits

    answered = invoke("resume", RUN_NAME, "keep", "--note", "kept for the audit", "--by", "alice")
    assert answered.exit_code == 0, answered.output
    assert one_line(answered.output).startswith(
        f'resumed {RUN_NAME} ({run_id}) with keep, decided by alice: "kept for the audit"'
    )
    thread.join(timeout=60)
    report = holder["outcome"]
    assert isinstance(report, RecoveryReport), report
    assert (report.choice, report.decided_by) == ("keep", "alice")
    assert report.details["operator note"] == "kept for the audit"

    # it no longer waits: by name and by id, the error says so and what to do
    again = invoke("resume", RUN_NAME, "unmount")
    assert again.exit_code == 2
    assert f"no paused run named '{RUN_NAME}' on the Prefect server at" in one_line(again.output)
    assert "drflow resume --list" in again.output
    by_id = invoke("resume", run_id, "unmount")
    assert by_id.exit_code == 2
    assert f"{RUN_NAME} ({run_id}) is Completed, not paused" in one_line(by_id.output)


def test_unknown_runs_and_plans_say_what_to_do(tmp_path: Path) -> None:
    unknown = str(uuid.uuid4())
    by_id = invoke("resume", unknown, "keep")
    assert by_id.exit_code == 2
    assert f"no flow run {unknown} on the Prefect server at" in one_line(by_id.output)
    assert "`drflow resume --list` shows the paused runs there" in one_line(by_id.output)
    assert "None" not in by_id.output  # what it said before: "could not resume ...: None"

    by_name = invoke("resume", "vsphere-instant-recovery[nosuch]", "keep")
    assert by_name.exit_code == 2
    assert "no paused run named 'vsphere-instant-recovery[nosuch]'" in one_line(by_name.output)

    plan = tmp_path / "never-run.yaml"
    plan.write_text(yaml.safe_dump(_plan("never-run", [{"name": "web01", "kind": "vsphere",
                                                         "vm": "web01"}])))  # fmt: skip
    by_plan = invoke("resume", str(plan), "web01", "keep")
    assert by_plan.exit_code == 2
    assert "no drill or recovery of plan 'never-run' on the Prefect server at" in one_line(
        by_plan.output
    )


def _plan(name: str, workloads: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "vbr": {"url": "${DRFLOW_VBR_URL}"}, "groups": [
        {"name": "files", "workloads": workloads}]}  # fmt: skip


@pytest.fixture
def recovering(sim, admin, monkeypatch: pytest.MonkeyPatch) -> object:
    """The simulator as the plans' VBR (its Restore Operator), fast, the global limit there."""
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    monkeypatch.setenv("DRFLOW_VBR_USERNAME", "restore-operator")
    monkeypatch.setenv("DRFLOW_VBR_PASSWORD", "simulator")
    monkeypatch.setenv("DRFLOW_VBR_POLL_INITIAL", "0.05")
    monkeypatch.setenv("DRFLOW_VBR_POLL_MAX", "0.2")
    admin.put("/_sim/config", json={"speed": 500}).raise_for_status()
    ensure_concurrency_limit()
    yield sim
    close_clients()


def test_a_plans_workload_is_answered_by_plan_and_workload(recovering, tmp_path: Path) -> None:
    # a failover whose file share waits for the approval of its Manual switchover
    name = f"resume-{uuid.uuid4().hex[:6]}"
    plan = tmp_path / "failover.yaml"
    share = {"name": "finance", "kind": "file-share", "share": "\\\\fs01\\finance",
             "then": "migrate", "switchover": {"type": "Manual"}}  # fmt: skip
    plan.write_text(yaml.safe_dump(_plan(name, [share])))
    since = now()
    holder: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: holder.setdefault("state", dr_recover(str(plan), return_state=True)),
        daemon=True,
    )
    thread.start()
    child = wait_for_paused_run("file-share-instant-recovery", since=since, deadline_s=120)

    wrong = invoke("resume", name, "payroll", "migrate")  # not a workload of that run
    assert wrong.exit_code == 2
    assert "has no run of workload 'payroll'; its paused runs: " in one_line(wrong.output)

    answered = invoke("resume", name, "finance", "migrate", "--note", "switch now")
    assert answered.exit_code == 0, answered.output
    assert f"({child}) with migrate" in one_line(answered.output)
    thread.join(timeout=120)
    assert not thread.is_alive()
    report = holder["state"].result(raise_on_failure=False)
    assert isinstance(report, DrillReport), report
    assert report.verdict == "passed", report.reason
    [result] = report.results
    assert result.report.details["switchover approved by"].endswith(": switch now")

    # by its file, once it no longer waits: the error names the run and its state
    done = invoke("resume", str(plan), "finance", "migrate")
    assert done.exit_code == 2
    text = one_line(done.output)
    assert f"the latest run of plan '{name}'" in text
    assert "not paused; none is paused" in text
