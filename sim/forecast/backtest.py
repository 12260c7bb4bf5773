"""``escalation backtest``: a rolling-origin backtest of the forecasts over the library.

For each episode (a fold): the shared parameters are fitted on the other episodes with the
scorecard's fit settings (:func:`sim.calibration.joint_fit.fit`, one seed); the episode is
then forecast from each cutoff in :data:`CUTOFFS` by one particle filter run conditioned
through the last cutoff, forking at the earlier ones (:func:`sim.forecast.forecast.forecast`),
and every question is scored against what happened, as are the baselines of
:mod:`sim.forecast.scoring`. The cutoffs, the questions, the scores and the baselines were
fixed before the first backtest ran (``docs/forecast.md``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.calibration.features import exact_days
from sim.calibration.joint import load_episodes
from sim.calibration.joint_fit import fit
from sim.forecast import scoring
from sim.forecast.crisis import Crisis, from_episode, probe
from sim.forecast.forecast import HORIZON, Reader, build_model, forecast
from sim.forecast.questions import Codes, Daily, asked, daily_from_acts
from sim.timeline import load_timeline

#: Cutoffs (last observed day) every episode is forecast from.
CUTOFFS = (0, 1, 3, 7, 14)
#: The fit's scenario (the joint calibration's).
SCENARIO = "crisis_mechanisms"


def observed_daily(crisis: Crisis) -> Daily:
    """What the questions read of the crisis's coded days."""
    obs = crisis.observed
    model = probe(crisis.raw)
    codes = Codes.of(model.ladder)
    model.dispose()
    acts = [list(obs.acts[obs.names.index(s)]) for s in ("victim", "adversary")]
    med = [list(a) for n, a in zip(obs.names, obs.acts, strict=True) if "mediator" in n]
    return daily_from_acts(acts, med or None, codes)


def observed_answers(daily: Daily, horizon: int) -> dict[int, dict[str, int]]:
    """What happened: each question's answer from each cutoff."""
    if daily.days <= horizon:
        raise ValueError(f"coded to day {daily.days - 1}, short of day {horizon}")
    qs = asked(daily.engaged is not None)
    return {c: {q.id: int(q.read(daily, c, horizon)[0]) for q in qs} for c in CUTOFFS}


def run_fold(job: tuple[dict[str, Any], str, list[str], int, int]) -> dict[str, Any]:
    """One fold: ``(fit settings, held-out name, training names, particles, seed)``."""
    cfg, held, train, particles, seed = job
    start = time.perf_counter()
    episodes = load_episodes(train, SCENARIO, horizon=HORIZON)
    f = fit(cfg, episodes, seed)
    crisis = from_episode(held, SCENARIO)
    thetas = (f.prior.keys, f.draws(particles, np.random.default_rng(seed + 1)))
    fc = forecast(
        crisis,
        max(CUTOFFS),
        particles=particles,
        seed=seed + 2,
        forks=CUTOFFS,
        thetas=thetas,
        fan_chart=False,
    )
    model = build_model(crisis, particles, seed + 2, HORIZON, thetas)
    model.run()
    reader = Reader(crisis, crisis.observed.cut(max(CUTOFFS)), HORIZON, fan=False)
    flat = np.zeros(model.n)
    unconditioned = {c: reader(model, flat, c)["questions"] for c in CUTOFFS}
    # The held-out episode's exact day-by-day sequence (both states, every well-sourced day)
    # under the fold's posterior from day 0: the restraint issue's third target.
    held_ep = load_episodes([held], SCENARIO, horizon=HORIZON)[0]
    paths = model.history[:, list(held_ep.channels), :].transpose(1, 0, 2)
    p_exact = float(exact_days(paths, held_ep.target).mean())
    model.dispose()
    model_p = {d["cutoff"]: d["questions"] for d in fc["by_day"]}
    return {
        "episode": held,
        "trained_on": train,
        "fit_seconds": f.seconds,
        "model": {c: {q: v["p"] for q, v in model_p[c].items()} for c in CUTOFFS},
        "mc_error": {c: {q: v["mc_error"] for q, v in model_p[c].items()} for c in CUTOFFS},
        "unconditioned": {c: {q: v["p"] for q, v in unconditioned[c].items()} for c in CUTOFFS},
        "diagnostics": fc["diagnostics"],
        "p_exact_path": p_exact,
        "seconds": time.perf_counter() - start,
    }


def score_folds(
    folds: Sequence[dict[str, Any]], crises: dict[str, Crisis], horizon: int = HORIZON
) -> dict[str, Any]:
    """Every forecaster's scores per cutoff and question, skill, reliability and targets."""
    dailies = {name: observed_daily(c) for name, c in crises.items()}
    answers = {name: observed_answers(d, horizon) for name, d in dailies.items()}
    per_episode: dict[str, Any] = {}
    pooled: dict[int, dict[str, dict[str, list[tuple[list[float], int]]]]] = {}
    for fold in folds:
        name = fold["episode"]
        questions = asked(dailies[name].engaged is not None)
        per_episode[name] = {}
        for c in CUTOFFS:
            rows: dict[str, Any] = {}
            for q in questions:
                y = answers[name][c][q.id]
                others = [
                    answers[o][c][q.id] for o in answers if o != name and q.id in answers[o][c]
                ]
                ps = {
                    "model": fold["model"][c][q.id],
                    "unconditioned": fold["unconditioned"][c][q.id],
                    "persistence": scoring.persistence(q, dailies[name], c, horizon),
                    "base_rates": scoring.base_rates(others, len(q.answers)),
                }
                rows[q.id] = {
                    "answer": q.answers[y],
                    "p": ps,
                    "brier": {k: scoring.brier(p, y) for k, p in ps.items()},
                    "log": {k: scoring.log_score(p, y) for k, p in ps.items()},
                }
                for k, p in ps.items():
                    pooled.setdefault(c, {}).setdefault(q.id, {}).setdefault(k, []).append((p, y))
            per_episode[name][c] = rows
    return summarise(per_episode, pooled)


def summarise(
    per_episode: dict[str, Any], pooled: dict[int, dict[str, dict[str, list[Any]]]]
) -> dict[str, Any]:
    """Mean scores per cutoff and question, skill by cutoff and episode, reliability, targets."""
    cutoffs: dict[str, Any] = {}
    for c in CUTOFFS:
        qs: dict[str, Any] = {}
        for qid, by in pooled[c].items():
            qs[qid] = {
                "brier": {
                    k: float(np.mean([scoring.brier(p, y) for p, y in v])) for k, v in by.items()
                },
                "log": {
                    k: float(np.mean([scoring.log_score(p, y) for p, y in v]))
                    for k, v in by.items()
                },
                "n": len(by["model"]),
            }
        mean = {k: float(np.mean([qs[q]["brier"][k] for q in qs])) for k in scoring.FORECASTERS}
        ep_skill = {}
        for name, rows in per_episode.items():
            b = {
                k: float(np.mean([r["brier"][k] for r in rows[c].values()]))
                for k in scoring.FORECASTERS
            }
            ep_skill[name] = {
                "brier": b,
                "skill_vs_persistence": scoring.skill(b["model"], b["persistence"]),
                "skill_vs_base_rates": scoring.skill(b["model"], b["base_rates"]),
                "skill_vs_unconditioned": scoring.skill(b["model"], b["unconditioned"]),
            }
        cutoffs[str(c)] = {
            "questions": qs,
            "mean_brier": mean,
            "skill": {
                ref: scoring.skill(mean["model"], mean[ref])
                for ref in ("persistence", "base_rates", "unconditioned")
            },
            "episodes": ep_skill,
        }
    rel = {}
    for k in scoring.FORECASTERS:
        every = [f for c in CUTOFFS for by in pooled[c].values() for f in by[k]]
        rel[k] = scoring.reliability(every)
    targets = _targets(cutoffs, rel)
    return {"cutoffs": cutoffs, "reliability": rel, "targets": targets, "per_episode": per_episode}


def _targets(cutoffs: dict[str, Any], rel: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets, each with the figure reached."""
    out: dict[str, Any] = {}
    for c in (c for c in CUTOFFS if c >= 3):
        eps = cutoffs[str(c)]["episodes"]
        ok: dict[str, list[bool]] = {}
        for ref in ("persistence", "base_rates"):
            ok[ref] = [
                s[f"skill_vs_{ref}"] is not None and s[f"skill_vs_{ref}"] >= 0.2
                for s in eps.values()
            ]
        share = {ref: float(np.mean(v)) for ref, v in ok.items()}
        # The target: the same episodes beat both references.
        share["both"] = float(np.mean([a and b for a, b in zip(*ok.values(), strict=True)]))
        out[f"cutoff_{c}"] = {
            "share_of_episodes_with_skill_0.2": share,
            "met": share["both"] >= 0.8,
        }
    slope = rel["model"]["slope"]
    out["reliability_slope"] = {"value": slope, "met": slope is not None and 0.8 <= slope <= 1.2}
    return out


def crises_of(names: Sequence[str]) -> dict[str, Crisis]:
    """The library episodes as crises of the fit's scenario, checked to be coded far enough."""
    out = {}
    for n in names:
        if load_timeline(n).observed_days - 1 < HORIZON:
            raise ValueError(f"{n}: coded short of the {HORIZON}-day horizon")
        out[n] = from_episode(n, SCENARIO)
    return out
