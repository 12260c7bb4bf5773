"""``benchmark.html`` from a synthetic ``benchmark.json``: contents, targets and nulls."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np

from sim.benchmark.report import write_benchmark_report

FORECASTERS = ["model", "model_prior", "base_rates", "base_rates_by_trigger", "regression"]
WORDS = {
    "model": "the model, fitted",
    "model_prior": "the model, prior",
    "base_rates": "base rates",
    "base_rates_by_trigger": "base rates by trigger type",
    "regression": "multinomial logistic regression",
}
VARIABLES = {
    "major_response": (
        "major response to the trigger",
        ["none", "verbal, political or economic", "non-violent military", "violent"],
        True,
    ),
    "outcome_form": (
        "form of outcome",
        ["agreement", "tacit", "unilateral", "imposed", "faded or other"],
        False,
    ),
    "mediation": ("a third party mediated", ["no", "yes"], False),
}


def _variable(rng: np.random.Generator, label: str, bins: list[str], ordinal: bool) -> dict:
    k = len(bins)
    head = "rps" if ordinal else "brier"
    scores = {
        f: {"rps": float(rng.uniform(0.1, 0.3)), "brier": float(rng.uniform(0.4, 0.8))}
        | {"log": float(rng.uniform(-1.6, -0.6))}
        for f in FORECASTERS
    }
    skill = {f: 1 - scores[f][head] / scores["base_rates"][head] for f in FORECASTERS}
    edges = np.linspace(0, 1, 6)
    return {
        "label": label,
        "icb": "x (icb2)",
        "bins": bins,
        "ordinal": ordinal,
        "headline": head,
        "n_train": 300,
        "n_test": 90,
        "observed_test": [int(c) for c in rng.integers(0, 40, size=k)],
        "scores": scores,
        "skill": skill,
        "skill_interval": {f: [skill[f] - 0.1, skill[f] + 0.1] for f in FORECASTERS},
        "mean_forecast": {f: list(rng.dirichlet(np.ones(k))) for f in FORECASTERS},
        "reliability": {
            f: {
                "bins": [
                    {
                        "low": float(lo),
                        "high": float(hi),
                        "predicted": float((lo + hi) / 2),
                        "observed": float(rng.uniform(lo, hi)),
                        "count": int(rng.integers(1, 60)),
                    }
                    for lo, hi in itertools.pairwise(edges)
                ],
                "slope": float(rng.uniform(0.6, 1.2)),
                "events": 90,
            }
            for f in ("model", "regression", "base_rates_by_trigger")
        },
    }


def make_summary(seed: int = 3) -> dict[str, Any]:
    """A small but complete ``benchmark.json`` with three variables."""
    rng = np.random.default_rng(seed)
    variables = {n: _variable(rng, *spec) for n, spec in VARIABLES.items()}
    return {
        "benchmark": "icb",
        "data": {"source": "International Crisis Behavior v14", "citation": "Brecher et al."},
        "split": {
            "date": "1990-01-01",
            "train": {"crises": 313, "actor_records": 554},
            "test": {"crises": 89, "actor_records": 196},
        },
        "forecasters": FORECASTERS,
        "forecaster_words": WORDS,
        "variables": variables,
        "targets": {
            "skill_at_least": 0.10,
            "skill_variables": ["major_response", "outcome_form"],
            "skill_met": {"major_response": True, "outcome_form": False},
            "beats_regression": ["mediation"],
            "beats_regression_needed": 2,
            "all_met": False,
        },
        "worst": [
            {
                "crisno": 400 + i,
                "crisname": f"Crisis <{i}>",
                "records": ["IRN against IRQ", "IRQ against IRN"],
                "model_log": -2.0 - i,
                "base_rates_log": -1.0,
                "gap": -1.0 - i,
            }
            for i in range(3)
        ],
        "fit": {
            "draws": 4000,
            "kept": 200,
            "tolerance": 0.21,
            "median_prior_distance": 0.5,
            "median_posterior_distance": 0.15,
            "parameters": [
                {"key": "a.b", "prior_median": 1.0, "posterior_median": 0.7, "sd_ratio": 0.6},
                {"key": "c.d", "prior_median": 0.2, "posterior_median": 0.2, "sd_ratio": 0.98},
            ],
        },
        "seconds": {"fit": 120.0, "forecast": 300.0, "total": 430.0},
        "workers": 8,
        "launcher": "local",
    }


def test_report_shows_labels_worst_crisis_and_targets(tmp_path: Path) -> None:
    path = write_benchmark_report(tmp_path, make_summary())
    assert path == tmp_path / "benchmark.html"
    html = path.read_text(encoding="utf-8")
    for label, _, _ in VARIABLES.values():
        assert label in html
    assert "Crisis &lt;1&gt;" in html  # crisis names are escaped like every other text
    assert "not met" in html and ", met" in html
    assert "Not all targets met." in html
    assert "\u2605" in html  # the best score per variable is marked
    assert "430 s" in html and "8 worker(s)" in html
    assert html.count('class="plotly-graph-div"') == 3


def test_report_renders_null_interval_slope_and_scores(tmp_path: Path) -> None:
    summary = make_summary()
    var = summary["variables"]["major_response"]
    var["skill_interval"]["model"] = None
    var["skill"]["regression"] = None
    var["scores"]["regression"]["rps"] = None
    var["reliability"]["model"]["slope"] = None
    del summary["variables"]["mediation"]["reliability"]["regression"]
    summary["fit"]["parameters"][0]["sd_ratio"] = None
    summary["worst"][0]["gap"] = None
    html = write_benchmark_report(tmp_path, summary).read_text(encoding="utf-8")
    assert "(no\u00a0interval)" in html and "– (90 events)" in html
    assert "major response to the trigger" in html
