"""The benchmark's crisis jobs: each simulates a share of the records, wherever it runs.

A job (:class:`Job`, plain data: it pickles for worker processes and SLURM array tasks)
holds some records, the composed base config and the parameter draws. For every record it
builds the generated episode, sets the draws by role (pooled parameters drawn per replicate,
:func:`sim.posterior.pool`), runs the model over the horizon with one replicate per draw, and
reads the runs into the outcome bins (:func:`sim.benchmark.outcomes.simulated`).

- ``counts`` jobs (the fit) return, per draw, how many of the job's records fell in each bin
  of each variable within each trigger group;
- ``forecast`` jobs (scoring) return, per record, how many draws fell in each bin.

Random numbers are keyed by the record (its ICB actor number) and the draw's row, never by
the job or the chunk, so results do not depend on how records are shared out or on the
number of workers.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.benchmark.episodes import GROUPS, Record, episode_config
from sim.benchmark.outcomes import VARIABLES, Rungs, simulated
from sim.episode import set_role_key
from sim.model import EscalationModel
from sim.posterior import pool
from sim.settings import Settings

#: Largest bin count of any variable (the counts' last axis).
KMAX = max(v.k for v in VARIABLES)


@dataclass(frozen=True)
class Job:
    """A share of the records and what to simulate them with.

    Attributes:
        kind: ``counts`` (the fit) or ``forecast`` (the scored forecasts).
        records: The job's records.
        base: The composed config (scenario, simulation settings) as a plain dict.
        template: The ``template`` node of the benchmark's settings.
        keys: Role-keyed parameter names, one per column of ``draws``.
        draws: (J, len(keys)) parameter draws; each is one replicate.
        seed: The benchmark's seed.
        horizon: Days simulated after the trigger.
        quiet_days: The horizon's last days in which coercion means a crisis has not ended.
        chunk: Replicates per model call.
    """

    kind: str
    records: tuple[Record, ...]
    base: dict[str, Any]
    template: dict[str, Any]
    keys: tuple[str, ...]
    draws: np.ndarray
    seed: int
    horizon: int
    quiet_days: int
    chunk: int


def simulate_record(job: Job, record: Record) -> dict[str, np.ndarray]:
    """Bins of every variable for each draw of ``job`` on ``record`` ((J,) each)."""
    raw = episode_config(record, job.base, job.template)
    n = int(job.draws.shape[0])
    raw["simulation"] = {
        **raw["simulation"],
        "replicates": n,
        "days": job.horizon + 1,
        "seed": job.seed * 100_003 + record.cracno,
        "write_events": False,
    }
    keys, values = pool(list(job.keys), job.draws, np.random.default_rng([job.seed, record.cracno]))
    for j, key in enumerate(keys):
        set_role_key(raw, key, values[:, j])
    settings = Settings.from_config(copy.deepcopy(raw))
    roles = raw["episode"]["roles"]
    out: dict[str, list[np.ndarray]] = {v.name: [] for v in VARIABLES}
    for lo in range(0, n, job.chunk):
        rows = np.arange(lo, min(n, lo + job.chunk))
        m = EscalationModel(settings, replicates=rows).run()
        victim, adversary, mediator = roles["victim"], roles["adversary"], roles["mediator"]
        r = Rungs.of(m.ladder)
        h = m.history
        vc = m.channel_for(victim, adversary).index
        ac = m.channel_for(adversary, victim).index
        mv = h[:, m.channel_for(mediator, victim).index]
        ma = h[:, m.channel_for(mediator, adversary).index]
        med = np.where((mv == r.mediate) | (ma == r.mediate), r.mediate, r.none)
        d = _dyad(m, vc, ac)
        # Two tracks keep each day's second act apart (None when no state took one).
        second = getattr(m, "second", None)
        bins = simulated(
            h[:, vc],
            h[:, ac],
            med,
            m.formal_agreement[d],
            m.agreed_day[d] >= 0,
            r,
            job.quiet_days,
            None if second is None else (second[:, vc], second[:, ac]),
        )
        m.dispose()
        for name, b in bins.items():
            out[name].append(b)
    return {k: np.concatenate(parts) for k, parts in out.items()}


def _dyad(model: EscalationModel, vc: int, ac: int) -> int:
    for d in range(len(model.dyads)):
        if set(model.dyad_channels(d)) == {vc, ac}:
            return d
    raise AssertionError("the generated episode's two states form no dyad")


def run_job(job: Job) -> dict[str, Any]:
    """Run one job (what a worker process or a SLURM array task executes).

    Returns:
        For ``counts``: ``{"counts": (J, variables, groups, KMAX) uint16}``. For
        ``forecast``: ``{"forecasts": {cracno: {variable: [count per bin]}}}``.
    """
    if job.kind == "counts":
        n = int(job.draws.shape[0])
        counts = np.zeros((n, len(VARIABLES), len(GROUPS), KMAX), dtype=np.uint16)
        rows = np.arange(n)
        for record in job.records:
            g = GROUPS.index(record.group)
            bins = simulate_record(job, record)
            for i, var in enumerate(VARIABLES):
                b = bins[var.name]
                ok = b >= 0
                np.add.at(counts, (rows[ok], np.intp(i), np.intp(g), b[ok]), 1)
        return {"counts": counts}
    if job.kind == "forecast":
        forecasts: dict[int, dict[str, list[int]]] = {}
        for record in job.records:
            bins = simulate_record(job, record)
            forecasts[record.cracno] = {
                var.name: np.bincount(bins[var.name][bins[var.name] >= 0], minlength=var.k)
                .astype(int)
                .tolist()
                for var in VARIABLES
            }
        return {"forecasts": forecasts}
    raise ValueError(f"job kind {job.kind!r}: expected counts or forecast")
