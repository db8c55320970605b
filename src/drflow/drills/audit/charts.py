"""The charts of a drill, computed: where every mark goes and what it stands for.

- :func:`timeline`: a Gantt chart of every workload's phases, by group, in seconds from the
  drill's start;
- :func:`against_targets`: each workload's RTO (or RPO) as a share of its target, the target
  being the 100 % line;
- :func:`trends`: each workload's RTO over the last drills against the same VBR server.

Templates (``templates/*.svg``) draw them. Each mark keeps the values it stands for, which the
templates write into ``data-*`` attributes: what a chart shows can be read back from the SVG.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from drflow.flows import human_duration

if TYPE_CHECKING:
    from ..history import DrillRun
    from ..report import DrillReport, WorkloadResult

WIDTH = 760.0
"""Every chart's width in SVG units (an A4 page's text width at 96 dpi, with margins)."""
LABELS = 150.0
"""Width of the column of workload names."""
PLOT = WIDTH - LABELS - 20.0
ROW = 22.0
BAR = 14.0
AXIS = 28.0
CHAR = 6.5
"""The width of a character of the charts' 11-unit font, about."""

PHASE_COLOURS = {
    "select restore point": "#8da0cb",
    "recover": "#3b7dd8",
    "mount": "#3b7dd8",
    "restore": "#3b7dd8",
    "sign in": "#a6761d",
    "validate credentials": "#a6761d",
    "verify": "#2ca25f",
    "unmount": "#7570b3",
    "stop": "#7570b3",
    "migrate": "#d95f02",
    "keep": "#e6ab02",
}
"""The phases the engine reports (:mod:`drflow.flows.engine.run`): the start, verification, the
decision and the release."""
OTHER_PHASE = "#999999"
MET, MISSED, UNKNOWN = "#2ca25f", "#d7301f", "#bbbbbb"

_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)


@dataclass(frozen=True)
class Tick:
    """A labelled mark on an axis."""

    x: float
    label: str


@dataclass(frozen=True)
class Lane:
    """A line of the timeline: a group's heading, or a workload with its outcome."""

    y: float
    label: str
    group: str
    workload: str | None = None
    outcome: str = ""
    note: str = ""
    """Why a workload has no bars (skipped, failed before it started)."""


@dataclass(frozen=True)
class PhaseBar:
    """One phase of one workload: ``start`` and ``seconds`` from the drill's start."""

    workload: str
    group: str
    phase: str
    start: float
    seconds: float
    finished: bool
    x: float
    y: float
    width: float
    colour: str


@dataclass(frozen=True)
class Timeline:
    """A Gantt chart of a drill."""

    height: float
    seconds: float
    lanes: list[Lane]
    bars: list[PhaseBar]
    ticks: list[Tick]
    legend: list[tuple[float, str, str]]
    """Where each phase's key goes, its name and colour."""


def groups_of(report: DrillReport) -> list[tuple[str, list[str]]]:
    """Each group's name and workloads, in the order of the plan the drill ran (one group of
    every workload when the evidence does not record the plan)."""
    if not report.definition:
        return [("workloads", [r.name for r in report.results])]
    return [
        (group["name"], [w["name"] for w in group["workloads"]])
        for group in report.definition["groups"]
    ]


def timeline(report: DrillReport) -> Timeline:
    """Every workload's phases, lane by lane under its group, in the plan's order (workloads
    the drill did not run are left out)."""
    results = {r.name: r for r in report.results}
    start = report.started_at
    end = max(
        [report.ended_at or start]
        + [p.ended for r in results.values() if r.report for p in r.report.phases if p.ended]
    )
    seconds = max((end - start).total_seconds(), 1.0)
    scale = PLOT / seconds
    lanes: list[Lane] = []
    bars: list[PhaseBar] = []
    y = 0.0
    for group, names in groups_of(report):
        present = [results[n] for n in names if n in results]
        if not present:
            continue
        lanes.append(Lane(y=y, label=group, group=group))
        y += ROW
        for result in present:
            phases = result.report.phases if result.report else []
            note = "" if phases else (result.reason or result.outcome)
            lanes.append(Lane(y, result.name, group, result.name, result.outcome, note))
            for phase in phases:
                ended = phase.ended or result.ended_at or end
                at = (phase.started - start).total_seconds()
                length = (ended - phase.started).total_seconds()
                bars.append(
                    PhaseBar(
                        workload=result.name,
                        group=group,
                        phase=phase.name,
                        start=round(at, 3),
                        seconds=round(length, 3),
                        finished=phase.ended is not None,
                        x=LABELS + at * scale,
                        y=y + (ROW - BAR) / 2,
                        width=max(length * scale, 1.0),
                        colour=PHASE_COLOURS.get(phase.name, OTHER_PHASE),
                    )
                )
            y += ROW
    legend, x = [], LABELS
    for name in dict.fromkeys(bar.phase for bar in bars):
        legend.append((x, name, PHASE_COLOURS.get(name, OTHER_PHASE)))
        x += 30 + CHAR * len(name)
    ticks = [Tick(LABELS + s * scale, _time_label(s)) for s in _time_ticks(seconds)]
    return Timeline(y + AXIS + (ROW if legend else 0), seconds, lanes, bars, ticks, legend)


@dataclass(frozen=True)
class TargetBar:
    """One workload's value against its target (``percent`` of it, when both are known)."""

    workload: str
    seconds: float | None
    target: float | None
    y: float
    width: float
    colour: str
    label: str

    @property
    def percent(self) -> float | None:
        if self.seconds is None or not self.target:
            return None
        return round(100 * self.seconds / self.target, 2)

    @property
    def met(self) -> bool | None:
        if self.seconds is None or self.target is None:
            return None
        return self.seconds <= self.target


@dataclass(frozen=True)
class TargetChart:
    """A measure (RTO or RPO) of every workload as a share of its target."""

    measure: str
    height: float
    target_x: float
    bars: list[TargetBar]
    ticks: list[Tick]


def against_targets(results: Iterable[WorkloadResult], measure: str) -> TargetChart:
    """``measure`` (``rto`` or ``rpo``) of each workload as a percentage of its target: the
    target is the 100 % line, a bar past it missed its target."""
    values = [
        (r.name, getattr(r, f"{measure}_seconds"), getattr(r, f"{measure}_target_seconds"))
        for r in results
    ]
    shares = [v / t for _, v, t in values if v is not None and t]
    top = max([1.0, *shares]) * 1.1
    scale = PLOT / top
    bars = []
    for index, (name, value, target) in enumerate(values):
        share = value / target if value is not None and target else None
        met = None if value is None or target is None else value <= target
        bars.append(
            TargetBar(
                workload=name,
                seconds=value,
                target=target,
                y=index * ROW,
                width=max(share * scale, 1.5) if share is not None else 0.0,
                colour={True: MET, False: MISSED, None: UNKNOWN}[met],
                label=_against(value, target),
            )
        )
    step = next(s for s in (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 1e9) if top / s <= 6)
    ticks = [Tick(LABELS + i * step * scale, f"{i * step:.0%}") for i in range(int(top / step) + 1)]
    return TargetChart(measure.upper(), len(bars) * ROW + AXIS, LABELS + scale, bars, ticks)


@dataclass(frozen=True)
class TrendPoint:
    """One drill's RTO of a workload (``current``: the drill this report is about)."""

    when: datetime
    flow_run_id: str | None
    seconds: float | None
    current: bool
    x: float
    y: float | None


@dataclass(frozen=True)
class Trend:
    """One workload's RTO over the last drills (a sparkline), and its target."""

    workload: str
    target: float | None
    points: list[TrendPoint]
    top: float
    target_y: float | None

    @property
    def path(self) -> str:
        """The line through the measured points (``x,y`` pairs)."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points if p.y is not None)

    @property
    def last(self) -> float | None:
        return next((p.seconds for p in reversed(self.points) if p.seconds is not None), None)


TREND_WIDTH, TREND_HEIGHT, TREND_PAD = 220.0, 44.0, 6.0


def trends(runs: list[DrillRun], current: str | None) -> list[Trend]:
    """Each workload's RTO across ``runs`` (oldest first), ``current`` being this drill's run."""
    names = list(dict.fromkeys(row["workload"] for run in runs for row in run.rows))
    out = []
    for name in names:
        rows = [_row(run, name) for run in runs]
        values = [row.get("rto_seconds") for row in rows if row]
        target = next(
            (row["rto_target_seconds"] for row in reversed(rows) if row.get("rto_target_seconds")),
            None,
        )
        top = max([v for v in values if v is not None] or [1.0]) * 1.15
        scale_y = (TREND_HEIGHT - 2 * TREND_PAD) / top
        step = (TREND_WIDTH - 2 * TREND_PAD) / max(len(runs) - 1, 1)
        points = []
        for index, (run, row) in enumerate(zip(runs, rows, strict=True)):
            value = row.get("rto_seconds") if row else None
            points.append(
                TrendPoint(
                    when=run.when,
                    flow_run_id=run.flow_run_id,
                    seconds=value,
                    current=run.flow_run_id is not None and run.flow_run_id == current,
                    x=TREND_PAD + index * step,
                    y=None if value is None else TREND_HEIGHT - TREND_PAD - value * scale_y,
                )
            )
        target_y = TREND_HEIGHT - TREND_PAD - target * scale_y if target and target < top else None
        out.append(Trend(name, target, points, top, target_y))
    return out


def _row(run: DrillRun, name: str) -> dict[str, Any]:
    return next((row for row in run.rows if row["workload"] == name), {})


def _against(value: float | None, target: float | None) -> str:
    if value is None:
        return "not measured" + (f" (target {human_duration(target)})" if target else "")
    if target is None:
        return f"{human_duration(value)} (no target)"
    share = 100 * value / target
    digits = 2 if share < 10 else 0
    return f"{human_duration(value)} of {human_duration(target)} ({share:.{digits}f}%)"


def _time_ticks(seconds: float) -> list[float]:
    step = next((s for s in _STEPS if seconds / s <= 8), _STEPS[-1])
    return [i * step for i in range(int(seconds // step) + 1)]


def _time_label(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g}s"
    if seconds < 7200:
        minutes, rest = divmod(int(seconds), 60)
        return f"{minutes}m" + (f" {rest}s" if rest else "")
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}h" + (f" {rest // 60}m" if rest else "")
