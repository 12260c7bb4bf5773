"""HTML pages from Plotly figures and a Jinja2 template.

By default plotly.js is embedded once (in the first figure), so the page opens offline on
its own; with ``report.plotly_js=shared`` it is written once as ``plotly.min.js`` beside the
page(s) and referenced by a relative path, so several reports in a folder share one copy
(4.6 MB less each). Every figure has a fixed ``div_id`` so the same summary gives the same
bytes. All text reaches the page through Jinja2 with autoescaping on.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from sim.folders import write_text
from sim.report import figures
from sim.report.layout import rung_labels
from sim.safeio import read_json, read_text

PLOTLY_CONFIG = {"showSendToCloud": False, "displaylogo": False, "responsive": True}


#: Where plotly.js goes: inside each page, or once in a file beside the pages.
PLOTLY_JS_MODES = ("inline", "shared")
PLOTLY_JS_FILE = "plotly.min.js"


@dataclass
class Section:
    """One figure with its heading, a sentence or two under it, and optionally a table.

    Attributes:
        title: Heading.
        caption: Sentences under the figure.
        figure: The Plotly figure.
        table: ``{"title", "header", "rows"}`` shown under the caption.
        warning: A plain warning shown above the figure.
    """

    title: str
    caption: str
    figure: go.Figure
    table: dict[str, Any] | None = None
    warning: str | None = None


def check_plotly_js(mode: Any) -> str:
    """``report.plotly_js`` if valid.

    Raises:
        ConfigError: Naming the field, for any other value.
    """
    from sim.errors import ConfigError

    if mode not in PLOTLY_JS_MODES:
        raise ConfigError(f"report.plotly_js: {mode!r} is not one of {', '.join(PLOTLY_JS_MODES)}")
    return str(mode)


def write_atomic_text(path: Path, text: str) -> Path:
    """Write a text file through a temporary name and a rename (no temp file left on failure)."""
    write_text(path, text)
    return path


def shared_plotly_src(folder: Path, page: Path) -> str:
    """The relative path from ``page`` to the shared ``plotly.min.js`` in ``folder``."""
    return Path(os.path.relpath(folder / PLOTLY_JS_FILE, page.parent)).as_posix()


def write_shared_plotly(folder: Path) -> Path:
    """Write ``plotly.min.js`` into ``folder``, unless the same file is already there."""
    from plotly.offline import get_plotlyjs

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / PLOTLY_JS_FILE
    js = get_plotlyjs()
    if _text_or_none(target) != js:
        write_atomic_text(target, js)
    return target


def _text_or_none(path: Path) -> str | None:
    # Bounded (sim/safeio.py): a FIFO or a link out of the folder reads as missing.
    try:
        return read_text(path, root=path.parent)
    except (OSError, ValueError):  # ValueError: ConfigError, a file the reader refuses
        return None


#: Table cells with figures up to this many characters (an interval) never wrap.
NOWRAP_CHARS = 40
#: Words up to this many characters never wrap either; longer text does.
NOWRAP_WORDS = 16


def _nowrap(text: str) -> bool:
    """Whether a cell stays on one line: figures up to 40 characters, words up to 16."""
    figures = any(c.isdigit() for c in text)
    return len(text) <= (NOWRAP_CHARS if figures else NOWRAP_WORDS)


def cell_class(cell: Any) -> Markup:
    """The class attribute of a table cell: figures on one line, long text roomy.

    An interval such as ``45% [41%–49%]`` wrapped onto three lines is hard to read, so a
    short cell with figures stays whole; text (a sentence, a folder name) wraps instead.
    """
    text = str(cell)
    if _nowrap(text):
        return Markup(' class="nw"')
    return Markup(' class="long"') if len(text) > 2 * NOWRAP_CHARS else Markup("")


def breakable(cell: Any, always: bool = False) -> Markup:
    """A long cell's text, escaped, that may break after ``. _ / , = ~`` only.

    Config keys and folder names have no spaces: without these break points a narrow
    column either overflows or breaks them at any letter (``actors.chin|a.policy``).
    """
    text = escape(str(cell))
    if _nowrap(str(cell)) and not always:  # a heading (``always``) may break anyway
        return text
    # Never inside a number (``0.5``): only before a letter or an underscore.
    return Markup(re.sub(r"(?<!\d)([./_,=~])(?=[A-Za-z_])", r"\1<wbr>", str(text)))


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("sim.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell_class"] = cell_class
    env.filters["breakable"] = breakable
    return env


def render_page(
    title: str,
    intro: list[str],
    sections: list[Section],
    tables: list[dict[str, Any]],
    plotly_src: str | None = None,
) -> str:
    """Render a page.

    Args:
        title: Page title.
        intro: Paragraphs of the summary in words.
        sections: Figures, in order.
        tables: Each ``{"title": str, "header": [...], "rows": [[...], ...]}``.
        plotly_src: Relative path of a shared ``plotly.min.js``; None embeds plotly.js.
    """
    blocks = []
    for i, s in enumerate(sections):
        html = s.figure.to_html(
            full_html=False,
            include_plotlyjs=(i == 0 and plotly_src is None),
            div_id=f"fig-{i}",
            config=PLOTLY_CONFIG,
        )
        blocks.append(
            {
                "title": s.title,
                "caption": s.caption,
                "html": html,
                "id": f"fig-{i}",
                "table": s.table,
                "warning": s.warning,
            }
        )
    return (
        _env()
        .get_template("page.html.j2")
        .render(title=title, intro=intro, sections=blocks, tables=tables, plotly_src=plotly_src)
    )


def _fmt(p: dict[str, float], pct: bool = True) -> str:
    if pct:
        return f"{p['estimate']:.1%} [{p['lower']:.1%}–{p['upper']:.1%}]"
    return f"{p['estimate']:.1f} [{p['lower']:.1f}–{p['upper']:.1f}]"


def run_page(summary: dict[str, Any], plotly_src: str | None = None) -> str:
    """The single-run report of one scenario (``plotly_src``: see :func:`render_page`)."""
    m = summary["metrics"]
    scen = summary.get("scenario", {})
    name = scen.get("title") or scen.get("name", "run")
    week = m["p_deescalated_by_day"].get("7")
    ep = summary.get("episode") or {}
    episode_line = ""
    if ep.get("title"):
        episode_line = f"Episode: {ep['title']}"
        if ep.get("first_date"):
            episode_line += (
                f", observed {ep['first_date']} to {ep['last_date']} (seeds/{ep['timeline']}/)"
            )
        episode_line += "."
    intro = [
        episode_line,
        f"{m['replicates']:,} simulated episodes over {m['days']} days "
        f"(seed {summary.get('seed')}).",
        scen.get("description", ""),
    ]
    if ep.get("roles_not_cast"):
        intro.append(
            "Role-keyed values for roles this episode does not cast were not used: "
            + ", ".join(ep["roles_not_cast"])
            + "."
        )
    if summary.get("posterior"):
        intro.append(
            "Each replicate's parameters were drawn from the calibration's posterior particles "
            f"({summary['posterior']}), so the bands carry the calibration's uncertainty about "
            "the parameters as well as the model's randomness."
        )
    if week:
        intro.append(
            f"In this scenario the chance that the two states have de-escalated within a "
            f"week is {_fmt(week)}; the mean death toll is "
            f"{m['casualties_mean']['estimate']:.1f}, and a strike on state forces or worse "
            "happens "
            f"in {m['p_reach_state_forces_or_worse']['estimate']:.1%} of episodes."
        )
    sections = []
    for i, ch in enumerate(summary["channels"]):
        who = figures.channel_label(summary, ch)
        sections.append(
            Section(
                f"Escalation path: {who}",
                "Median rung per day (line) with the bands holding 50% and 90% of replicates"
                f"{figures.observed_sentence(summary, ch)}.",
                figures.fan_chart(summary, i, "rung"),
            )
        )
        sections.append(
            Section(
                f"Goldstein score: {who}",
                "The same paths on the Goldstein conflict-cooperation scale "
                "(-10 war, +10 cooperation).",
                figures.fan_chart(summary, i, "goldstein"),
            )
        )
    if summary["channels"]:
        sections.append(
            Section(
                "Sample paths",
                "A few individual replicates, to show what single episodes look like "
                "behind the bands.",
                figures.sample_paths(summary, 0),
            )
        )
    sections.append(
        Section(
            "How high it goes",
            "Share of episodes in which a state took each rung at least once, "
            "with 95% Wilson intervals.",
            figures.reach_chart(summary),
        )
    )
    sections.append(
        Section(
            "De-escalation over time",
            "Probability that the two states have de-escalated by day k (an agreement, or a "
            "unilateral gesture left unanswered; 95% intervals), and the share of episodes "
            "de-escalating on each day.",
            figures.deescalation_chart(summary),
        )
    )
    rows = [
        ["P(de-escalated by day " + k + ")", _fmt(v)] for k, v in m["p_deescalated_by_day"].items()
    ]
    rows += [
        ["P(never de-escalated)", _fmt(m["p_never_deescalated"])],
        ["Days to de-escalation (median)", _fmt(m["days_to_deescalation_median"], pct=False)],
        ["P(strike on state forces or worse)", _fmt(m["p_reach_state_forces_or_worse"])],
        [
            "Median peak rung",
            rung_labels(summary).get(m["peak_rung_median"], m["peak_rung_median"]),
        ],
        ["Casualties (mean)", _fmt(m["casualties_mean"], pct=False)],
        [
            "Casualties (median; 90% of episodes within)",
            f"{m['casualties_quantiles']['0.5']:.0f} ({m['casualties_quantiles']['0.05']:.0f}–"
            f"{m['casualties_quantiles']['0.95']:.0f})",
        ],
        ["P(ambassador recalled)", _fmt(m["p_ambassador_recalled"])],
        ["P(ambassadors returned | recalled)", _fmt(m["p_ambassadors_returned_given_recalled"])],
        ["P(force again after an agreement)", _fmt(m["p_relapse_after_agreement"])],
        ["P(mediation offered)", _fmt(m["p_mediation_offered"])],
    ]
    tables = [
        {
            "title": "Outcome metrics (95% intervals over replicates)",
            "header": ["metric", "value"],
            "rows": rows,
        }
    ]
    title = f"Escalation report: {name}" + (f" ({ep['name']})" if ep.get("name") else "")
    return render_page(title, [p for p in intro if p], sections, tables, plotly_src)


def write_run_report(
    run_dir: str | Path,
    summary: dict[str, Any] | None = None,
    plotly_js: str = "inline",
    shared_dir: str | Path | None = None,
) -> Path:
    """Write ``report.html`` into a run directory (atomically) and return its path.

    Args:
        run_dir: The run directory.
        summary: Its summary (read from ``summary.json`` if not given).
        plotly_js: ``inline`` (plotly.js inside the page) or ``shared`` (``plotly.min.js``
            in ``shared_dir``, by default the run directory, referenced by a relative path).
        shared_dir: Where the shared ``plotly.min.js`` goes (a sweep's root for its jobs).
    """
    path = Path(run_dir)
    if summary is None:
        summary = read_json(path / "summary.json", root=path)
    out = path / "report.html"
    if check_plotly_js(plotly_js) == "inline":
        return write_atomic_text(out, run_page(summary))
    folder = Path(shared_dir) if shared_dir is not None else path
    html = run_page(summary, shared_plotly_src(folder, out))
    write_shared_plotly(folder)
    return write_atomic_text(out, html)
