"""The event log: every action of every actor on every day in every replicate.

Tidy long format, one row per actor and day with a rung other than ``none`` (days on which an
actor took no action are left out, so a path is read as "none unless logged"):

=========== ======= ===========================================================
column      type    meaning
=========== ======= ===========================================================
replicate   int64   global replicate index (replay it with ``sim.replay``)
day         int16   day index, 0 = the episode's day 0 (the trigger)
actor       string  acting actor id
target      string  target actor id (a group for strikes on militant bases)
action      string  rung name
rung        int8    index of the rung on the ladder
goldstein   float32 Goldstein score of the rung
casualties  int32   deaths the action caused
act         bool    a new act that day (false: the row restates a standing
                    state the actor already holds, such as a recall while its
                    ambassador is still recalled)
=========== ======= ===========================================================

Acts and standing states: a state's policy picks a level every day, and a state that holds
its answer at the recall rung takes that rung day after day. Recalling an ambassador is one
act; the days it stays recalled are a state, not new acts. The log keeps one row per day, so
that a path still reads rung by rung, and marks the held days ``act = false``. Count CAMEO
events from the acts only (``events[events.act]``): a recall then appears once per recall,
again only after a return of ambassadors. Every other rung is an act on each day it is taken
(a strike each day is a new strike, with its own casualties).

Written chunk by chunk as Parquet parts in ``events/`` (``pandas.read_parquet``
reads the folder), so memory stays bounded whatever the number of replicates.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.folders import atomic
from sim.safeparquet import read_parquet_parts

if TYPE_CHECKING:
    from sim.model import EscalationModel

COLUMNS = (
    "replicate",
    "day",
    "actor",
    "target",
    "action",
    "rung",
    "goldstein",
    "casualties",
    "act",
)


def event_table(model: EscalationModel) -> pa.Table:
    """The actions of a finished (or partly run) batch as an Arrow table.

    Rows are ordered by replicate, day and channel.
    """
    t = model.day
    n_c = len(model.channels)
    hist = np.ascontiguousarray(model.history[:t].transpose(2, 0, 1))  # (R, T, C)
    # One flat index per action, replicate-major; integer division recovers the axes.
    flat = np.flatnonzero(hist != model.r_none)
    r, rest = np.divmod(flat, t * n_c)
    d, c = np.divmod(rest, n_c)
    rung = hist.reshape(-1)[flat]
    # Deaths are stored sparsely: place each (day, channel, replicates, tolls) record.
    casualties = np.zeros(flat.size, dtype=np.int32)
    for day, ch, hit, toll in model.death_records():
        pos = np.searchsorted(flat, hit * (t * n_c) + day * n_c + ch)
        casualties[pos] = toll
    act = np.ones(flat.size, dtype=bool)
    for day, ch, hit in model.held_records():
        act[np.searchsorted(flat, hit * (t * n_c) + day * n_c + ch)] = False
    second = getattr(model, "second", None)
    if second is not None:
        # Two tracks (sim/submodels/tracks.py): a day's second act is a row of its own,
        # after the day's path act on the same channel.
        hist2 = np.ascontiguousarray(second[:t].transpose(2, 0, 1)).reshape(-1)
        flat2 = np.flatnonzero(hist2 != model.r_none)
        order = np.argsort(np.concatenate([flat * 2, flat2 * 2 + 1]), kind="stable")
        flat = np.concatenate([flat, flat2])[order]
        rung = np.concatenate([rung, hist2[flat2]])[order]
        casualties = np.concatenate([casualties, np.zeros(flat2.size, np.int32)])[order]
        act = np.concatenate([act, np.ones(flat2.size, dtype=bool)])[order]
        r, rest = np.divmod(flat, t * n_c)
        d, c = np.divmod(rest, n_c)
    actors = sorted({ch.actor for ch in model.channels})
    targets = sorted(
        {ch.target for ch in model.channels} | {ch.strike_target for ch in model.channels}
    )
    actor_code = np.array([actors.index(ch.actor) for ch in model.channels], dtype=np.int32)
    target_code = np.array([targets.index(ch.target) for ch in model.channels], dtype=np.int32)
    strike_code = np.array(
        [targets.index(ch.strike_target) for ch in model.channels], dtype=np.int32
    )
    tgt = np.where(rung == model.r_strike_militants, strike_code[c], target_code[c])
    names = model.ladder.names
    return pa.table(
        {
            "replicate": pa.array(model.replicates[r], pa.int64()),
            "day": pa.array(d.astype(np.int16)),
            "actor": pa.DictionaryArray.from_arrays(pa.array(actor_code[c]), pa.array(actors)),
            "target": pa.DictionaryArray.from_arrays(
                pa.array(tgt.astype(np.int32)), pa.array(targets)
            ),
            "action": pa.DictionaryArray.from_arrays(
                pa.array(rung.astype(np.int32)), pa.array(names)
            ),
            "rung": pa.array(rung.astype(np.int8)),
            "goldstein": pa.array(model.ladder.goldstein[rung].astype(np.float32)),
            "casualties": pa.array(casualties),
            "act": pa.array(act),
        }
    )


def write_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file through a temporary name, then rename it.

    A killed run never leaves a file that looks complete.
    """
    with atomic(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", compression_level=1)


def read_events(run_dir: str | Path) -> pd.DataFrame:
    """Read a run's event log as a DataFrame (string columns as categoricals).

    A bounded read (:func:`sim.safeparquet.read_parquet_parts`): the parts' rows together are
    capped, counted from their footers before their data is read.
    """
    return read_parquet_parts(Path(run_dir) / "events", root=run_dir)
