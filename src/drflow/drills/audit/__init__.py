"""Reports of drills for people: the audit document (HTML) and the charts in the Prefect UI.

:mod:`.charts` computes the charts (a Gantt timeline, RTO and RPO against their targets, the RTO
trend) and the templates of ``templates/`` draw them as SVG; :mod:`.html` renders a drill's
JSON evidence as one self-contained HTML file; :mod:`.ui` the same charts as a markdown
artifact for the Prefect UI. Nothing here talks to Prefect or VBR: the callers read and publish.
"""

from .html import Evidence, drill_html
from .ui import charts_markdown

__all__ = ["Evidence", "charts_markdown", "drill_html"]
