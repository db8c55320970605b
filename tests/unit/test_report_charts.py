"""The charts of a drill report computed from hand-made evidence (no Prefect, no VBR): what each
mark stands for, and the edge cases a real drill rarely shows (skipped workloads, unfinished
phases, values past their target, drills a workload missed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from drflow.drills import DrillReport, WorkloadResult
from drflow.drills.audit import Evidence, drill_html
from drflow.drills.audit.charts import LABELS, MET, MISSED, PLOT, against_targets, timeline, trends
from drflow.drills.evidence import fenced, unfenced
from drflow.drills.history import DrillRun
from drflow.flows import RecoveryReport
from drflow.flows.engine.report import Phase

T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def recovered(name: str, phases: list[tuple[str, float, float | None]]) -> WorkloadResult:
    report = RecoveryReport(
        workload=name,
        then="unmount",
        verdict="passed",
        phases=[
            Phase(name=n, started=at(s), ended=at(e) if e is not None else None)
            for n, s, e in phases
        ],
    )
    return WorkloadResult(
        name=name, kind="vsphere", outcome="passed", report=report, ended_at=at(100)
    )


def drill() -> DrillReport:
    return DrillReport(
        plan="p",
        mode="drill",
        flow_run_id="run-2",
        started_at=T0,
        ended_at=at(100),
        definition={
            "name": "p",
            "groups": [
                {"name": "data", "workloads": [{"name": "db01", "kind": "vsphere", "vm": "db01"}]},
                {
                    "name": "front",
                    "workloads": [
                        {"name": "web01", "kind": "vsphere", "vm": "web01"},
                        {"name": "web02", "kind": "vsphere", "vm": "web02"},
                        {"name": "web03", "kind": "vsphere", "vm": "web03"},
                    ],
                },
            ],
        },
        results=[
            recovered("web01", [("recover", 10, 30), ("verify", 30, None)]),
            recovered("db01", [("select restore point", 0, 5), ("recover", 5, 50)]),
            WorkloadResult(name="web02", kind="vsphere", reason="skipped: web01 did not pass"),
        ],
    )


def test_the_timeline_has_a_lane_per_workload_under_its_group_in_the_plans_order() -> None:
    chart = timeline(drill())
    assert [(lane.label, lane.workload) for lane in chart.lanes] == [
        ("data", None),
        ("db01", "db01"),
        ("front", None),
        ("web01", "web01"),
        ("web02", "web02"),  # web03 was not in this drill: no lane
    ]
    [skipped] = [lane for lane in chart.lanes if lane.workload == "web02"]
    assert skipped.note == "skipped: web01 did not pass"
    assert chart.seconds == 100
    bars = {(b.workload, b.phase): b for b in chart.bars}
    assert set(bars) == {
        ("db01", "select restore point"),
        ("db01", "recover"),
        ("web01", "recover"),
        ("web01", "verify"),
    }
    recover = bars["db01", "recover"]
    assert (recover.start, recover.seconds, recover.finished) == (5, 45, True)
    assert recover.x == pytest.approx(LABELS + 5 * PLOT / 100)
    assert recover.width == pytest.approx(45 * PLOT / 100)
    unfinished = bars["web01", "verify"]  # drawn up to the workload's end, and said so
    assert (unfinished.seconds, unfinished.finished) == (70, False)
    assert [name for _, name, _ in chart.legend] == ["select restore point", "recover", "verify"]


def test_targets_are_the_100_percent_line_and_a_miss_is_red() -> None:
    results = [
        WorkloadResult(name="a", kind="vsphere", rto_seconds=60, rto_target_seconds=600),
        WorkloadResult(name="b", kind="vsphere", rto_seconds=900, rto_target_seconds=600),
        WorkloadResult(name="c", kind="vsphere", rto_target_seconds=600),
        WorkloadResult(name="d", kind="vsphere", rto_seconds=30),
    ]
    chart = against_targets(results, "rto")
    bars = {bar.workload: bar for bar in chart.bars}
    assert (bars["a"].percent, bars["a"].met, bars["a"].colour) == (10, True, MET)
    assert (bars["b"].percent, bars["b"].met, bars["b"].colour) == (150, False, MISSED)
    assert bars["b"].width == pytest.approx(1.5 * (chart.target_x - LABELS))
    assert (bars["c"].percent, bars["c"].width, bars["c"].label) == (
        None,
        0,
        "not measured (target 10m)",
    )
    assert (bars["d"].percent, bars["d"].met, bars["d"].label) == (None, None, "30s (no target)")
    assert chart.target_x == pytest.approx(LABELS + PLOT / 1.65)  # 150 % and a margin


def test_a_trend_skips_drills_a_workload_missed_and_marks_this_one() -> None:
    def run(n: int, rto: float | None, target: float = 600) -> DrillRun:
        rows = [{"workload": "db01", "rto_seconds": rto, "rto_target_seconds": target}]
        return DrillRun(at(n * 86400), f"run-{n}", rows if rto is not None else [])

    [trend] = trends([run(0, 100), run(1, None), run(2, 200)], current="run-2")
    assert [(p.flow_run_id, p.seconds, p.current) for p in trend.points] == [
        ("run-0", 100, False),
        ("run-1", None, False),
        ("run-2", 200, True),
    ]
    assert trend.points[1].y is None
    assert len(trend.path.split()) == 2
    assert trend.last == 200
    assert trend.target_y is None  # 600 s is off a scale that ends at 230 s
    [close] = trends([run(0, 100, 110)], current=None)
    assert close.target_y is not None


def test_evidence_survives_its_markdown_fence_byte_for_byte() -> None:
    text = '{"reason": "``` a fence, and ```` a longer one"}'
    assert unfenced(fenced(text)) == text
    assert fenced(text).startswith("`````json\n")


def test_a_report_whose_evidence_lacks_the_plan_says_so() -> None:
    report = drill()
    report.definition = None
    html = drill_html(report, Evidence(report.evidence(), "a test"), [])
    assert (
        "The evidence does not record the plan this drill ran, and no plan file was given" in html
    )
    assert 'class="banner unknown"' in html  # nor does it name its VBR
