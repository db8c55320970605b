"""The Jinja2 environment of the reports: its templates, filters, and SVG charts as markup."""

from __future__ import annotations

import base64
from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from drflow.flows import human_duration

from . import charts


@cache
def environment() -> Environment:
    """Templates from ``drflow/drills/audit/templates``, every value escaped unless marked safe."""
    env = Environment(
        loader=PackageLoader("drflow.drills.audit", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(  # the charts' geometry, shared with :mod:`.charts`
        width=charts.WIDTH,
        labels=charts.LABELS,
        plot=charts.PLOT,
        row=charts.ROW,
        bar_height=charts.BAR,
        trend_width=charts.TREND_WIDTH,
        trend_height=charts.TREND_HEIGHT,
    )
    env.filters["duration"] = human_duration
    env.filters["utc"] = _utc
    env.filters["num"] = _number
    return env


def render(template: str, **context: Any) -> str:
    """``template`` rendered with ``context``."""
    return environment().get_template(template).render(**context)


def svg(template: str, chart: object) -> Markup:
    """A chart drawn by its SVG template, as markup to embed in HTML."""
    return Markup(render(template, c=chart))  # noqa: S704 - rendered with autoescape


def data_uri(svg_text: str) -> str:
    """An SVG as a ``data:`` URI (an image that needs no request)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg_text.encode()).decode()


def _utc(value: datetime | None, spec: str = "%Y-%m-%d %H:%M:%S") -> str:
    return "-" if value is None else f"{value:{spec}} UTC"


def _number(value: float | None, digits: int = 3) -> str:
    """A value for a ``data-*`` attribute: empty when unknown, else plain decimals."""
    return "" if value is None else f"{value:.{digits}f}".rstrip("0").rstrip(".")
