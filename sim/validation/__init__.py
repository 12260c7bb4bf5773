"""The scorecard: leave-one-episode-out validation as a referee of its own.

Beside :mod:`sim.calibration` (which fits) and above it (each fold calls a fit):
:mod:`~sim.validation.features` (features and bins, fixed in advance),
:mod:`~sim.validation.cases` (an episode as the scorecard reads it),
:mod:`~sim.validation.scores` (forecasts and proper scores),
:mod:`~sim.validation.baselines` (base rates, analog, Markov chain, persistence),
:mod:`~sim.validation.folds` (one fold), :mod:`~sim.validation.compare` (across folds),
:mod:`~sim.validation.report` (``validation.html``), :mod:`~sim.validation.sbc`
(simulation-based calibration of the shipped fit) and :mod:`~sim.validation.command`
(``escalation validate``). docs/validation.md describes it.
"""
