"""Forecasts of a crisis under way: a particle filter on the model, questions, a backtest.

``escalation forecast`` (:mod:`sim.forecast.command`) conditions a crisis on its observed days
and answers fixed questions (:mod:`sim.forecast.questions`); ``escalation backtest``
(:mod:`sim.forecast.backtest`) scores those answers over the library. See ``docs/forecast.md``.
"""
