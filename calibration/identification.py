"""What a fit learnt about each parameter: weighted summaries of the particles, in words.

One definition for both fits (one episode, :mod:`sim.calibration.fit`; several,
:mod:`sim.calibration.joint_fit`) and both reports: each parameter's posterior median,
50% and 90% credible intervals (weighted quantiles of the final particles), its posterior sd
against its prior's, and a flag that reads that ratio (docs/reports.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sim.calibration.priors import Marginal, Prior

#: Posterior sd / prior sd below which a parameter is read as pinned to a point, below which
#: it is well identified, and above which it is read as left at its prior.
COLLAPSED, WELL, AT_PRIOR = 0.1, 0.5, 0.9

#: Flags, by how far the data moved the parameter.
FLAGS = {
    "collapsed": "collapsed to a point: the data fix it (check it is not a bound or an artefact)",
    "well": "well identified",
    "weakly": "weakly identified",
    "prior": "stays at its prior: the data say nothing about it",
}


def prior_sd(m: Marginal) -> float:
    """Standard deviation of a marginal prior (its ``scipy.stats`` distribution's)."""
    return float(m.frozen.std())


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """The ``q`` quantile of ``x`` under weights ``w`` (numpy's inverse CDF).

    The smallest ``x`` whose weighted CDF reaches ``q``, so that a weight of zero moves no
    quantile.
    """
    return float(np.quantile(x, q, weights=w, method="inverted_cdf"))


def flag(ratio: float, width: float = 1.0) -> str:
    """Plain words for a posterior/prior sd ratio (and a 90% interval's width)."""
    if ratio < COLLAPSED or width == 0:
        return FLAGS["collapsed"]
    if ratio > AT_PRIOR:
        return FLAGS["prior"]
    return FLAGS["well"] if ratio < WELL else FLAGS["weakly"]


def parameter_table(prior: Prior, particles: np.ndarray, weights: np.ndarray) -> dict[str, Any]:
    """Per parameter: median, mean, sd, 50%/90% credible intervals, prior sd, ratio, flag.

    Args:
        prior: The fit's prior (its marginals name the parameters, in column order).
        particles: The final particles, one column per parameter.
        weights: Their weights, summing to one.
    """
    out = {}
    for j, m in enumerate(prior.marginals):
        x = particles[:, j]
        mean = float(weights @ x)
        sd = float(np.sqrt(weights @ (x - mean) ** 2))
        psd = prior_sd(m)
        ratio = sd / psd if psd > 0 else float("nan")
        q = {p: weighted_quantile(x, weights, p) for p in (0.05, 0.25, 0.5, 0.75, 0.95)}
        out[m.key] = {
            "median": q[0.5],
            "mean": mean,
            "sd": sd,
            "ci50": [q[0.25], q[0.75]],
            "ci90": [q[0.05], q[0.95]],
            "prior_sd": psd,
            "sd_ratio": ratio,
            "flag": flag(ratio, q[0.95] - q[0.05]),
        }
    return out


def parameter_rows(parameters: dict[str, Any]) -> dict[str, Any]:
    """The reports' parameter table: median, credible intervals, sd ratio and its reading."""
    rows = [
        [
            k,
            f"{v['median']:.3g}",
            f"{v['ci50'][0]:.3g} – {v['ci50'][1]:.3g}",
            f"{v['ci90'][0]:.3g} – {v['ci90'][1]:.3g}",
            f"{_num(v['sd'])} / {_num(v['prior_sd'])}",
            f"{v['sd_ratio']:.2f}",
            v["flag"],
        ]
        for k, v in parameters.items()
    ]
    return {
        "title": "Posterior by parameter (credible intervals; sd against the prior's)",
        "header": ["parameter", "median", "50% CI", "90% CI", "sd / prior sd", "ratio", "reading"],
        "rows": rows,
    }


def flag_sentences(parameters: dict[str, Any]) -> list[str]:
    """Name the parameters that collapsed to a point or stayed at the prior, in sentences."""
    collapsed = [k for k, v in parameters.items() if v["flag"] == FLAGS["collapsed"]]
    at_prior = [k for k, v in parameters.items() if v["flag"] == FLAGS["prior"]]
    out = []
    if collapsed:
        out.append(
            f"Collapsed to a point (posterior sd under {COLLAPSED:.0%} of the prior's, or a 90% "
            f"credible interval of one value): {', '.join(collapsed)}. Check that it is not "
            "pressed against a bound of its prior; more particles or a looser final tolerance "
            "would show whether it is real."
        )
    if at_prior:
        out.append(
            f"Left at the prior (posterior sd over {AT_PRIOR:.0%} of the prior's): "
            f"{', '.join(at_prior)}. The data do not identify them; their values in "
            "calibrated.yaml are the prior's middle, not a finding."
        )
    return out


def _num(x: float) -> str:
    """Three significant digits; rounding noise around zero (an sd of 1e-15) reads as 0."""
    return f"{0.0 if abs(x) < 1e-12 else x:.3g}"
