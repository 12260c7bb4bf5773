"""``forecast.html`` from a synthetic forecast: contents, escaping and the number of figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.forecast.report import write_forecast_report

SCRIPT = "<script>alert(1)</script>"
BINARY = {
    "force_victim_7": "Does the victim use force within 7 days?",
    "force_adversary_7": "Does the adversary use force within 7 days?",
    "mediator_14": "Does the mediator act toward either state within 14 days?",
}
CHOICE = {
    "next_answer_victim": "The type of the victim's next use of force by the horizon",
    "next_answer_adversary": "The type of the adversary's next use of force by the horizon",
}
THREE = ["none", "bases", "state forces"]


def _answer(k: int, shift: float) -> dict[str, list[float]]:
    p = [0.7 - shift, 0.3 + shift] if k == 2 else [0.5 - shift, 0.3, 0.2 + shift]
    return {"p": p, "mc_error": [0.01] * k}


def make_forecast(cutoffs: tuple[int, ...] = (0, 1, 2), horizon: int = 10) -> dict[str, Any]:
    """A minimal but complete ``forecast.json``: horizon 10, observed days 0..2, a mediator."""
    until = cutoffs[-1]
    channels = ["victim", "adversary", "mediator->victim", "mediator->adversary"]
    acts = [["strike_militants"], ["threaten", "threaten", "summon"], []]
    days = horizon + 1
    qs = {**{q: 2 for q in BINARY}, **{q: 3 for q in CHOICE}}
    by_day = [
        {"cutoff": c, "questions": {q: _answer(k, 0.05 * i) for q, k in qs.items()}}
        for i, c in enumerate(cutoffs)
    ]
    texts = {**BINARY, **CHOICE}
    return {
        "crisis": "toy",
        "title": f"Toy crisis {SCRIPT}",
        "day0": "2024-01-16",
        "until": until,
        "horizon": horizon,
        "particles": 1000,
        "roles": {"victim": "a", "adversary": "b", "mediator": "m"},
        "labels": {"a": "Aland", "b": "Bland <b>", "m": "Mland"},
        "error_model": {"miscoding": 0.15, "missed": 0.2, "decay": 0.5},
        "observed": {
            "channels": channels,
            "rungs": {c: ["none"] * (until + 1) for c in channels},
            "acts": {c: acts[: until + 1] for c in channels},
        },
        "questions": [
            {
                "id": q,
                "text": texts[q],
                "answers": ["no", "yes"] if k == 2 else THREE,
                **by_day[-1]["questions"][q],
            }
            for q, k in qs.items()
        ],
        "fan": {
            "quantiles": [0.05, 0.25, 0.5, 0.75, 0.95],
            **{
                side: {
                    "cumulative_goldstein": [
                        [-q * d for d in range(days)] for q in (9, 6, 4, 2, 1)
                    ],
                    "p_force": [0.1] * days,
                }
                for side in ("victim", "adversary")
            },
            "observed": {"victim": [-10.0] * (until + 1), "adversary": [0.0] * (until + 1)},
        },
        "by_day": by_day,
        "diagnostics": {
            "ess": [1000.0, 600.0, 80.0][: until + 1],
            "resampled_days": [until],
            "log_evidence": [-1.0] * (until + 1),
            "log_evidence_total": -1.0 * (until + 1),
            "distinct_parameters": 420,
            "seconds": 0.5,
        },
    }


def test_the_page_holds_the_forecast_escaped(tmp_path: Path) -> None:
    path = write_forecast_report(tmp_path, make_forecast())
    assert path == tmp_path / "forecast.html" and path.exists()
    html = path.read_text()
    assert SCRIPT not in html and "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Bland <b>" not in html and "Bland &lt;b&gt; toward Aland" in html
    assert "Mland toward Aland" in html and "16 Jan 2024" in html and "threaten ×2" in html
    for text in {**BINARY, **CHOICE}.values():
        assert text.replace("'", "&#39;") in html
    assert "yes 30% ± 1%" not in html and "yes 40% ± 1%" in html  # the final forecast
    # Fan chart, use of force, P(yes) by cutoff, and the three-answer questions by cutoff.
    assert html.count('class="plotly-graph-div"') == 4


def test_one_cutoff_and_no_fan_still_render(tmp_path: Path) -> None:
    forecast = make_forecast(cutoffs=(2,))
    html = write_forecast_report(tmp_path, forecast).read_text()
    assert html.count('class="plotly-graph-div"') == 4
    forecast["fan"] = None  # a forecast run without its fan chart
    html = write_forecast_report(tmp_path, forecast).read_text()
    assert html.count('class="plotly-graph-div"') == 2
