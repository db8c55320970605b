"""The charts of a drill for the Prefect UI: a markdown artifact of SVG images.

The Prefect UI renders a markdown artifact's images but not inline SVG, so each chart is an
image with a ``data:`` URI (no request to anywhere); the SVG carries its own white background
for the UI's dark theme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .charts import against_targets, timeline, trends
from .templating import data_uri, render

if TYPE_CHECKING:
    from ..history import DrillRun
    from ..report import DrillReport


def charts_markdown(report: DrillReport, history: list[DrillRun]) -> str:
    """The timeline, RTO and RPO against targets and (with ``history``, the drills against the
    same VBR up to this one) each workload's RTO trend, as markdown with SVG images."""
    against = report.vbr.describe() if report.vbr else "VBR (not identified)"
    lines = [
        f"# {report.mode.capitalize()} of plan `{report.plan}`: **{report.verdict.upper()}**",
        "",
        f"- Against: {against}",
        "",
        "## Timeline",
        "",
        _image("timeline", render("timeline.svg", c=timeline(report))),
        "",
        "## RTO against its target",
        "",
        _image("RTO", render("targets.svg", c=against_targets(report.results, "rto"))),
        "",
        "## RPO against its target",
        "",
        _image("RPO", render("targets.svg", c=against_targets(report.results, "rpo"))),
    ]
    if history:
        lines += [
            "",
            f"## RTO in the last {len(history)} drill(s) against this VBR (this one in orange)",
            "",
            "| Workload | RTO per drill |",
            "| --- | --- |",
        ]
        lines += [
            f"| {trend.workload} | {_image(trend.workload, render('trend.svg', c=trend))} |"
            for trend in trends(history, report.flow_run_id)
        ]
    return "\n".join(lines)


def _image(alt: str, svg_text: str) -> str:
    return f"![{alt}]({data_uri(svg_text)})"
