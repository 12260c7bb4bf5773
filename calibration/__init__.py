"""Calibration of the engine to an observed episode of the library (ABC-SMC).

Public API: :func:`run_calibration` (what ``escalation calibrate`` runs), :func:`abc_smc`
(the generic sampler), :class:`Prior` / :func:`prior_from_config`, :func:`build_targets` and
:func:`distances`, :func:`posterior_arrays` (per-replicate draws from saved particles).
"""

from sim.calibration.abc_smc import Generation, Result, abc_smc
from sim.calibration.command import run_calibration
from sim.calibration.priors import Marginal, Prior, prior_from_config
from sim.calibration.targets import Targets, build_targets, distances, fit_flags

from sim.posterior import posterior_arrays

__all__ = [
    "Generation",
    "Marginal",
    "Prior",
    "Result",
    "Targets",
    "abc_smc",
    "build_targets",
    "distances",
    "fit_flags",
    "posterior_arrays",
    "prior_from_config",
    "run_calibration",
]
