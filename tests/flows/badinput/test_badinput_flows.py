"""Bad input that only shows once Prefect runs: a plan naming workloads VBR does not know
(refused at preflight, nothing started), and ``drflow run`` against a VBR whose answers break
the contract (served over real HTTP by :class:`BrokenVBR` in front of the simulator)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prefect.automations import Automation
from tests.badinput.broken_vbr import HTML_PAGE, Answer, BrokenVBR
from typer.testing import CliRunner

from drflow.cli import app
from drflow.deployments import SetupError
from drflow.deployments.notify import AUTOMATION_NAME, DECISION_AUTOMATION_NAME, ensure_automations

pytestmark = [pytest.mark.badinput, pytest.mark.flow]

POINTS = "/api/v1/restorePoints"
VSPHERE = ["run", "vsphere-instant-recovery", "--vm", "web01"]


def nothing_started(admin: httpx.Client) -> None:
    """No mount, no restore session and no start request ever reached the simulator."""
    assert admin.get("/_sim/mounts", params={"include_gone": True}).json()["mounts"] == []
    stats = admin.get("/_sim/stats").json()
    assert stats["restore_sessions"]["peak"] == 0
    started = [r for r in stats["requests"] if r.startswith("POST /api/v1/restore")]
    assert started == [], started


def test_workloads_vbr_does_not_know_are_refused_at_preflight(
    sim, admin, connection, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DRFLOW_VBR_URL", sim.url)
    plan = {
        "name": "ghosts",
        "groups": [
            {
                "name": "data",
                "workloads": [
                    {"name": "db-ghost", "kind": "vsphere", "vm": "ghost01"},
                    {"name": "hv-ghost", "kind": "hyperv", "vm": "hv-ghost02", "rpo_hours": 24},
                ],
            },
            {
                "name": "front",
                "workloads": [{"name": "web-after", "kind": "vsphere", "vm": "web01"}],
            },
        ],
    }
    path = tmp_path / "ghosts.yaml"
    path.write_text(yaml.safe_dump(plan))
    report_path = tmp_path / "report.json"
    args = ["drill", str(path), "--simulator", "--report", str(report_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    report = json.loads(report_path.read_text())
    by_name = {r["name"]: r for r in report["results"]}
    assert by_name["db-ghost"]["outcome"] == "failed"
    assert by_name["db-ghost"]["reason"] == "preflight: VBR has no restore point of 'ghost01'"
    assert by_name["hv-ghost"]["outcome"] == "failed"
    assert "preflight: VBR has no restore point of 'hv-ghost02'" in by_name["hv-ghost"]["reason"]
    assert by_name["web-after"]["outcome"] == "skipped"  # its group waits for the failed ones
    assert "db-ghost" in by_name["web-after"]["reason"]
    assert "not recovered: db-ghost, hv-ghost" in " ".join(report["preflight"])
    nothing_started(admin)


def _patch_points(**patch: Any):
    def rewrite(response: httpx.Response) -> Answer:
        body = response.json()
        for point in body["data"]:
            point.update(patch)
        return Answer(response.status_code, json.dumps(body))

    return rewrite


@pytest.mark.parametrize(
    ("rules", "fragments"),
    [
        pytest.param(
            [("GET", POINTS, Answer(200, HTML_PAGE.format(title="Sign in"), "text/html"))],
            ["GET /api/v1/restorePoints -> 200", "not JSON but an HTML page"],
            id="html-page-200",
        ),
        pytest.param(
            [("POST", "/api/oauth2/token", Answer(401, "", None))],
            ["POST /api/oauth2/token -> 401", "VBR refused the login of user 'restore-operator'"],
            id="empty-401-on-login",
        ),
        pytest.param(
            [("GET", POINTS, _patch_points(id=None))],
            ["GET /api/v1/restorePoints -> 200", "not what the contract says", "id:"],
            id="points-200-with-null-ids",
        ),
    ],
)
def test_run_against_a_broken_vbr_fails_clearly_and_starts_nothing(
    sim, admin, connection, monkeypatch: pytest.MonkeyPatch, rules, fragments
) -> None:
    with BrokenVBR(sim.url, rules) as broken:
        monkeypatch.setenv("DRFLOW_VBR_URL", broken.url)
        result = CliRunner().invoke(app, VSPHERE)
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.replace("│", " ").split())  # table cells wrap
    for fragment in fragments:
        assert fragment in output, output
    assert broken.started(r"^/api/v1/restore/") == []
    nothing_started(admin)


def test_run_tolerates_unknown_enum_values_and_fields(
    sim, admin, connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Restore points from a newer VBR: an unknown point type and fields it never heard of."""
    rules = [("GET", POINTS, _patch_points(type="Snapshot", newField={"since": "rev2"}))]
    with BrokenVBR(sim.url, rules) as broken:
        monkeypatch.setenv("DRFLOW_VBR_URL", broken.url)
        result = CliRunner().invoke(app, VSPHERE)
    assert result.exit_code == 0, result.output
    assert "web01: passed" in " ".join(result.output.split())
    assert ("GET", POINTS) in broken.seen
    assert admin.get("/_sim/mounts").json()["mounts"] == []  # the drill unmounted it


@pytest.mark.parametrize(
    ("block", "fragments"),
    [
        ("ops-slack", ["'ops-slack'", "give it as TYPE/NAME", "prefect block ls"]),
        ("slack-webhook/nowhere", ["no notification block 'slack-webhook/nowhere'", "create it"]),
    ],
)
def test_a_notification_block_that_cannot_be_used_is_refused_before_any_automation(
    block: str, fragments: list[str]
) -> None:
    with pytest.raises(SetupError) as refused:
        ensure_automations(block)
    for fragment in fragments:
        assert fragment in str(refused.value)
    for name in (AUTOMATION_NAME, DECISION_AUTOMATION_NAME):  # neither was created
        with pytest.raises(ValueError, match="not found"):
            Automation.read(name=name)
