"""International Crisis Behavior (ICB) data, version 14: the vendored files and the selection.

The two files ship in ``sim/data/icb/`` (their README gives the citation, provenance and
checksums): ``icb1v14.csv``, one row per international crisis (487), and ``icb2v14.csv``, one
row per crisis actor (1,078). :func:`load` reads either through the package, bounded and
checked against :data:`SHA256` before it is parsed. :func:`select` applies the benchmark's
selection rule (``docs/icb.md``, "The selection rule"), which reads ex-ante variables only:
who triggered the crisis and how, who the actor held responsible, the setting and the trigger
date. The outcome variables it must never read are listed in :data:`OUTCOMES`.

Variable meanings are the ICB codebook's (Brecher, Wilkenfeld, Beardsley, James and Quinn;
read in version 13, 22 June 2020); ``docs/icb.md`` quotes them and says which are unverified.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.errors import ConfigError
from sim.safeio import read_bytes

Level = Literal["crisis", "actor"]

#: The file of each level.
FILES: dict[str, str] = {"crisis": "icb1v14.csv", "actor": "icb2v14.csv"}
#: SHA-256 of the vendored files, as published in ``sim/data/icb/README.md``.
SHA256: dict[str, str] = {
    "icb1v14.csv": "db510188f770b9abc187c80b57f8dec2259e4f2d8037d9aac21032ac8618b64f",
    "icb2v14.csv": "19da7d3db14e641826fc0d629eb84077a3ffed71fea1fba3df15e05cddd157ce",
}
#: Rows of each level and columns of both.
ROWS: dict[str, int] = {"crisis": 487, "actor": 1078}
COLUMNS = 95
#: Largest file read (the two are about 105 and 255 kB).
MAX_BYTES = 2 * 2**20

#: Day codes that stand for a part of the month rather than a day, with the day taken for
#: them. Not in the version-13 codebook (which says an unknown day is left blank); the
#: reading is the data's own: 66 = beginning, 77 = middle, 88 = end of the month (see
#: ``docs/icb.md``, "Dates"). ``None`` = the month's last day.
PART_OF_MONTH: dict[int, int | None] = {66: 1, 77: 15, 88: None}

#: ``trigent`` codes that are not a state (codebook, ICB2 variable 3): 995 internally
#: generated, 996 non-state actor, 997 more than one state.
INTERNAL, NON_STATE, SEVERAL_STATES = 995, 996, 997
#: ``triggr`` codes the ladder can represent as an act on day 0 (codebook, ICB2 variable 1):
#: 1 verbal, 2 political, 3 economic, 5 other non-violent, 7 non-violent military,
#: 8 indirect violent, 9 violent act. Left out: 4 external change and 6 internal challenge.
LADDER_TRIGGERS = (1, 2, 3, 5, 7, 8, 9)
#: The split: crises triggered before this day fit the model, the rest test it.
SPLIT_DATE = dt.date(1990, 1, 1)

#: The columns :func:`select` reads, and nothing else.
SELECTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "actor": (
        "crisno",
        "cracno",
        "cracid",
        "actor",
        "triggr",
        "trigent",
        "trigloc",
        "southv",
        "iwc",
        "yrtrig",
        "motrig",
        "datrig",
    ),
    "crisis": ("crisno", "crisname", "yrtrig"),
}
#: Outcome columns, what the benchmark scores; :func:`select` must not read them.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "actor": (
        "majres",
        "yerres",
        "monres",
        "dayres",
        "trgresra",
        "crismg",
        "cenvio",
        "sevvio",
        "viol",
        "usinv",
        "suinv",
        "globorg",
        "globact",
        "regorg",
        "regact",
        "outcom",
        "outfor",
        "outevl",
        "outesr",
        "yrterm",
        "moterm",
        "daterm",
        "trgterra",
        "resterra",
    ),
    "crisis": (
        "crismg",
        "cenviosy",
        "sevviosy",
        "viol",
        "timvio",
        "usinv",
        "suinv",
        "globorg",
        "globactm",
        "subout",
        "forout",
        "outesr",
        "yrterm",
        "moterm",
        "daterm",
        "brexit",
        "mediate",
        "mednum",
        "medwho",
    ),
}


def packaged_file(level: Level) -> Path:
    """The vendored file of a level, inside the installed package."""
    return Path(str(resources.files("sim").joinpath("data", "icb", _file(level))))


def _file(level: str) -> str:
    if level not in FILES:
        raise ConfigError(f"ICB level {level!r}: expected one of {sorted(FILES)}")
    return FILES[level]


def load(level: Level, *, path: str | Path | None = None) -> pd.DataFrame:
    """One level of ICB version 14 as a frame, after checking the file's checksum.

    Args:
        level: ``"crisis"`` (``icb1v14.csv``) or ``"actor"`` (``icb2v14.csv``).
        path: Another copy of that file to read instead of the vendored one; it must have
            the same bytes.

    Raises:
        ConfigError: On an unknown level, a file over :data:`MAX_BYTES`, a checksum that is
            not the published one, or a table of the wrong shape.
        OSError: If the file cannot be read.
    """
    name = _file(level)
    file = Path(path) if path is not None else packaged_file(level)
    where = f"ICB {name} ({file})"
    data = read_bytes(file, limit=MAX_BYTES, where=where)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256[name]:
        raise ConfigError(
            f"{where}: SHA-256 {digest} is not the published {SHA256[name]} (a changed or "
            "damaged copy; refused)"
        )
    frame = pd.read_csv(io.BytesIO(data), encoding="ascii")
    if frame.shape != (ROWS[level], COLUMNS):
        raise ConfigError(f"{where}: {frame.shape} rows and columns, expected {ROWS[level]}")
    return frame


# ------------------------------------------------------------------------------------ dates


@dataclass(frozen=True)
class ICBDate:
    """A date of the ICB files: the day, and whether the file gave that day exactly."""

    date: dt.date
    exact: bool


def _number(value: Any) -> int | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if np.isnan(number) or number != int(number):
        return None
    return int(number)


def to_date(year: Any, month: Any, day: Any) -> ICBDate | None:
    """The date coded by ICB's year, month and day fields, or None where it is unknown.

    A day of 1-31 is exact; 66, 77 and 88 (:data:`PART_OF_MONTH`) give the first, the 15th
    and the last day of the month, marked inexact. A blank day, month or year (unknown), or
    any other code, gives None.
    """
    y, m, d = _number(year), _number(month), _number(day)
    if y is None or m is None or d is None or not 1 <= m <= 12:
        return None
    last = calendar.monthrange(y, m)[1]
    if 1 <= d <= last:
        return ICBDate(dt.date(y, m, d), exact=True)
    if d in PART_OF_MONTH:
        part = PART_OF_MONTH[d]
        return ICBDate(dt.date(y, m, last if part is None else part), exact=False)
    return None


def trigger_date(row: Mapping[str, Any] | pd.Series) -> ICBDate | None:
    """The trigger date of an ICB row (``yrtrig``, ``motrig``, ``datrig``), either level."""
    return to_date(row["yrtrig"], row["motrig"], row["datrig"])


def response_date(row: Mapping[str, Any] | pd.Series) -> ICBDate | None:
    """The date of an actor's major response (``yerres``, ``monres``, ``dayres``); an outcome."""
    return to_date(row["yerres"], row["monres"], row["dayres"])


def termination_date(row: Mapping[str, Any] | pd.Series) -> ICBDate | None:
    """The termination date of an ICB row (``yrterm``, ``moterm``, ``daterm``); an outcome."""
    return to_date(row["yrterm"], row["moterm"], row["daterm"])


# -------------------------------------------------------------------------------- selection


def _is_state(code: pd.Series) -> pd.Series:
    """Whether each code is a country code (below the 995-997 codes for other entities)."""
    return code.notna() & (code < INTERNAL)


def select(actors: pd.DataFrame, crises: pd.DataFrame) -> pd.DataFrame:
    """The actor records the benchmark keeps (the rule of ``docs/icb.md``), one dyad each.

    An actor record is kept when all of these hold:

    1. the actor held a state responsible: ``southv`` (perceived source of threat) is a
       country code other than the actor's own; that state is the record's ``adversary``;
    2. the trigger came from outside the actor (``trigloc`` = 1) and was the adversary's own
       act (``trigent`` = ``southv``), a non-state actor's (996) or several states' (997);
    3. the trigger is an act the ladder can represent (``triggr`` in
       :data:`LADDER_TRIGGERS`);
    4. the crisis is not an intra-war crisis for the actor (``iwc`` = 1);
    5. the trigger date is known to the day (``datrig`` a real day, not 66/77/88 or blank).

    A crisis is kept when any of its actor records is. Records are split by their crisis's
    trigger year (``icb1`` ``yrtrig``): before :data:`SPLIT_DATE` is ``train``, from it on
    ``test``. Only the columns of :data:`SELECTION_COLUMNS` are read.

    Returns:
        The kept records: ``crisno``, ``cracno``, ``cracid``, ``actor``, ``crisname``,
        ``triggr``, ``trigent``, ``adversary``, ``trigger_by`` (``adversary``, ``non_state``
        or ``several_states``), ``trigger_date`` and ``split``, sorted by ``cracno``.
    """
    a = actors.loc[:, list(SELECTION_COLUMNS["actor"])]
    c = crises.loc[:, list(SELECTION_COLUMNS["crisis"])]
    southv, trigent = a["southv"], a["trigent"]
    held = _is_state(southv) & (southv != a["cracid"])
    by_adversary = trigent == southv
    by_other = trigent.isin([NON_STATE, SEVERAL_STATES])
    dates = [
        to_date(y, m, d) for y, m, d in zip(a["yrtrig"], a["motrig"], a["datrig"], strict=True)
    ]
    exact = pd.Series([d is not None and d.exact for d in dates], index=a.index)
    keep = (
        held
        & (a["trigloc"] == 1)
        & (by_adversary | by_other)
        & a["triggr"].isin(LADDER_TRIGGERS)
        & (a["iwc"] == 1)
        & exact
    )
    out = a.loc[keep, ["crisno", "cracno", "cracid", "actor", "triggr", "trigent"]].copy()
    out["adversary"] = southv[keep].astype(int)
    out["trigger_by"] = np.where(
        by_adversary[keep],
        "adversary",
        np.where(trigent[keep] == NON_STATE, "non_state", "several_states"),
    )
    out["trigger_date"] = [d.date for d, k in zip(dates, keep, strict=True) if k and d is not None]
    years = c.set_index("crisno")["yrtrig"]
    crisis_year = out["crisno"].map(years)
    if crisis_year.isna().any():
        missing = sorted(out.loc[crisis_year.isna(), "crisno"].unique())
        raise ConfigError(f"ICB selection: crises {missing} have no trigger year in icb1")
    out["split"] = np.where(crisis_year < SPLIT_DATE.year, "train", "test")
    out["crisname"] = out["crisno"].map(c.set_index("crisno")["crisname"])
    for col in ("crisno", "cracno", "cracid", "triggr", "trigent"):
        out[col] = out[col].astype(int)
    return out.sort_values("cracno").reset_index(drop=True)


def counts(selected: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Crises and actor records of a selection, in all and by split."""
    out: dict[str, dict[str, int]] = {"crises": {}, "actor_records": {}}
    for part in ("train", "test", "all"):
        rows = selected if part == "all" else selected[selected["split"] == part]
        out["crises"][part] = int(rows["crisno"].nunique())
        out["actor_records"][part] = len(rows)
    return out
