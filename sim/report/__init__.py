"""Reports: Plotly figures and self-contained HTML pages."""

from sim.report.figures import deescalation_chart, fan_chart, reach_chart, sample_paths
from sim.report.html import Section, render_page, run_page, write_run_report

__all__ = [
    "Section",
    "deescalation_chart",
    "fan_chart",
    "reach_chart",
    "render_page",
    "run_page",
    "sample_paths",
    "write_run_report",
]
