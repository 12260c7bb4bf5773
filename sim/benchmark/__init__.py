"""The ICB benchmark (``escalation benchmark icb``, ``docs/benchmark.md``).

Every crisis actor record that :func:`sim.icb.select` keeps becomes a generated episode
(:mod:`.episodes`) built from what was known at its trigger. Runs of it are read as the ICB
outcome variables through one documented mapping (:mod:`.outcomes`). The model's population
parameters are fitted on the crises triggered before 1990 (:mod:`.fit`), the crises from 1990
on are forecast once (:mod:`.jobs`), and the forecasts are scored against base rates, base
rates by trigger type and a multinomial logistic regression fitted on the same training part
(:mod:`.baselines`, :mod:`.scoring`). :mod:`.command` runs it; :mod:`.report` draws it.
"""
