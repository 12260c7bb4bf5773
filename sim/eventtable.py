"""Event tables in and out: CAMEO- or PLOVER-coded events read as ladder rungs, and written.

Researchers hold event data as tables of ``date, source, target, code[, intensity]``.
:func:`read_event_table` reads such a table (CSV or Parquet) into ladder rungs and day
indices; :func:`write_event_table` writes one replicate of a run in the same form, with a
``rung`` column that makes the table read back exactly. Codes map to rungs through the
ladder's own CAMEO codes and ``sim/event_codes.yaml`` (docs/event-tables.md): CAMEO codes by
longest prefix, PLOVER types by name. Tables are untrusted input: every read is bounded
(:mod:`sim.safeio`, :mod:`sim.safeparquet`) and every refusal is a one-line
:class:`~sim.errors.ConfigError` naming the file and the row.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.errors import ConfigError, suggest
from sim.folders import atomic
from sim.ladder import Ladder
from sim.safeio import MiB, decode, read_bytes
from sim.safeparquet import read_parquet
from sim.timeline import load_timeline
from sim.yamlfiles import load_yaml

if TYPE_CHECKING:
    from sim.model import EscalationModel

#: Largest event table read (a CSV of 100,000 rows is a few MiB).
MAX_TABLE_BYTES = 64 * MiB
#: Most rows read unless the caller asks for more.
MAX_ROWS = 100_000
#: Most days a table may span after day 0 (a crisis, not a decade).
MAX_DAYS = 366
#: Columns every table needs.
REQUIRED = ("date", "source", "target", "code")
#: Columns :func:`event_rows` writes, in order.
COLUMNS = ("date", "source", "target", "code", "intensity", "rung", "replicate", "day")
#: The mapping of CAMEO codes and PLOVER types to rungs (package data).
CODES_FILE = Path(__file__).with_name("event_codes.yaml")
SUFFIXES = (".csv", ".parquet")

_CAMEO = re.compile(r"[0-9]{2,4}")
_PLOVER = re.compile(r"[A-Za-z]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class EventRow:
    """One event read from a table.

    Attributes:
        day: Days since the table's ``day0``.
        actor: Acting actor id (the ``source``).
        target: Target actor id.
        rung: Ladder index of the rung the event reads as.
        code: The event code as the table gives it.
        intensity: The table's Goldstein score, if it gives one.
    """

    day: int
    actor: str
    target: str
    rung: int
    code: str
    intensity: float | None


@dataclass(frozen=True)
class EventTable:
    """An event table read as rungs: its day 0 and its rows, sorted by day then file order."""

    day0: dt.date
    rows: tuple[EventRow, ...]


@dataclass(frozen=True)
class CodeTable:
    """CAMEO codes and PLOVER types -> ladder index, for one ladder (:func:`code_table`)."""

    cameo: dict[str, int]
    plover: dict[str, int]

    def rung(self, code: str) -> int | None:
        """The rung ``code`` reads as: CAMEO by longest prefix, PLOVER by name; else None."""
        code = code.strip()
        if _CAMEO.fullmatch(code):
            for n in range(len(code), 1, -1):
                if code[:n] in self.cameo:
                    return self.cameo[code[:n]]
            return None
        if _PLOVER.fullmatch(code):
            return self.plover.get(code.upper())
        return None


@functools.cache
def _codes_file() -> dict[str, Any]:
    return load_yaml(CODES_FILE)


def code_table(ladder: Ladder) -> CodeTable:
    """The code mapping for ``ladder``: its own CAMEO codes, then ``event_codes.yaml``.

    A code one rung of the ladder holds reads as that rung whatever the file says (the ladder
    is the authority); the file settles the codes several rungs share and adds the rest.

    Raises:
        ConfigError: Naming the entry, if the file names a rung the ladder lacks or holds a
            malformed code.
    """
    raw = _codes_file()
    where = CODES_FILE.name
    counts = Counter(r.cameo for r in ladder.rungs if _CAMEO.fullmatch(r.cameo))
    cameo: dict[str, int] = {}
    for i, r in enumerate(ladder.rungs):
        if r.cameo in counts:
            cameo.setdefault(r.cameo, i)  # shared: the first (milder) unless the file says
    tables: dict[str, dict[str, int]] = {"cameo": {}, "plover": {}}
    for section, pattern in (("cameo", _CAMEO), ("plover", _PLOVER)):
        entries = raw.get(section) or {}
        if not isinstance(entries, dict):
            raise ConfigError(f"{where}: {section}: expected a mapping of code -> rung")
        for key, name in entries.items():
            code = str(key)
            if not pattern.fullmatch(code):
                raise ConfigError(f"{where}: {section}.{code}: not a {section.upper()} code")
            if name not in ladder.index:
                raise ConfigError(
                    f"{where}: {section}.{code}: unknown rung {name!r}"
                    f"{suggest(str(name), ladder.names)}"
                )
            tables[section][code.upper()] = ladder.index[name]
    for code, i in tables["cameo"].items():
        if counts.get(code, 0) != 1:
            cameo[code] = i
    return CodeTable(cameo=cameo, plover=tables["plover"])


def _text(value: Any) -> str:
    """A cell as stripped text ('' for a missing one; dates in ISO form)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):  # pandas' Timestamp too
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _read_frame(path: Path, max_rows: int) -> pd.DataFrame:
    """The table's cells, bounded in bytes and rows; CSV cells all as text."""
    where = str(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return read_parquet(path, limit=MAX_TABLE_BYTES, max_rows=max_rows, where=where)
    if suffix != ".csv":
        raise ConfigError(f"{where}: unknown table format {path.suffix!r} (use .csv or .parquet)")
    text = decode(read_bytes(path, limit=MAX_TABLE_BYTES, where=where), where)
    try:
        # dtype=str: CAMEO codes keep their leading zeros ("036"); empty cells stay "".
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, nrows=max_rows + 1)
    except pd.errors.EmptyDataError:
        raise ConfigError(f"{where}: empty file (expected a header row)") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise ConfigError(f"{where}: not a readable CSV table: {exc}".splitlines()[0]) from None
    if len(frame) > max_rows:
        raise ConfigError(f"{where}: more than the limit of {max_rows:,} rows")
    return frame


def _actor(name: str, lookup: Mapping[str, str], known: list[str], at: str) -> str:
    """The roster id a source or target cell names (its id, or its label in any case)."""
    if name in lookup:
        return lookup[name]
    if name.casefold() in lookup:
        return lookup[name.casefold()]
    raise ConfigError(f"{at}: unknown actor {name!r}{suggest(name, known)}")


def read_event_table(
    path: str | Path,
    ladder: Ladder,
    actors: Mapping[str, str],
    day0: dt.date | None = None,
    max_rows: int = MAX_ROWS,
) -> EventTable:
    """Read a CAMEO- or PLOVER-coded event table (``.csv`` or ``.parquet``) as ladder rungs.

    Args:
        path: The table: columns ``date`` (``YYYY-MM-DD``), ``source``, ``target``, ``code``,
            optionally ``intensity`` (a Goldstein score in [-10, 10]), ``rung`` (a rung name,
            used instead of the code when given) and ``replicate`` (one value at most).
        ladder: The ladder whose rungs the codes read as.
        actors: Roster actor id -> display label; a source or target cell names one by id
            or by label (case-insensitive).
        day0: The date of day 0 (default: the table's earliest date).
        max_rows: The most rows read.

    Returns:
        The rows, sorted by day, then file order.

    Raises:
        ConfigError: Naming the file and row (data rows counted from 1, the header not
            counted): an unknown suffix, a file past the size or row limit, a missing
            column, several replicates, an unknown actor, code or rung, a malformed date or
            intensity, a date before ``day0``.
        OSError: If the file cannot be read.
    """
    path = Path(path)
    where = str(path)
    frame = _read_frame(path, max_rows)
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = pd.Index(columns)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ConfigError(
            f"{where}: missing column(s) {', '.join(missing)} (found: {', '.join(columns)})"
        )
    if "replicate" in columns:
        found = sorted({_text(v) for v in frame["replicate"]} - {""})
        if len(found) > 1:
            raise ConfigError(
                f"{where}: replicate: holds {len(found)} replicates ({', '.join(found[:5])}"
                f"{', ...' if len(found) > 5 else ''}); filter the table to one replicate first"
            )
    codes = code_table(ladder)
    lookup = {str(k).casefold(): str(k) for k in actors}
    lookup |= {str(v).strip().casefold(): str(k) for k, v in actors.items()}
    lookup |= {str(k): str(k) for k in actors}  # an exact id wins over a label
    known = sorted({str(k) for k in actors} | {str(v).strip() for v in actors.values()})
    optional = [c for c in ("intensity", "rung") if c in columns]
    parsed: list[tuple[dt.date, str, str, int, str, float | None]] = []
    cells = zip(*(frame[c] for c in (*REQUIRED, *optional)), strict=True)
    for i, values in enumerate(cells, start=1):
        at = f"{where}: row {i}"
        cell = dict(zip((*REQUIRED, *optional), map(_text, values), strict=True))
        if not _DATE.fullmatch(cell["date"]):
            raise ConfigError(f"{at}: date: {cell['date']!r} is not a YYYY-MM-DD date")
        try:
            date = dt.date.fromisoformat(cell["date"])
        except ValueError:
            raise ConfigError(f"{at}: date: {cell['date']!r} is not a calendar date") from None
        source = _actor(cell["source"], lookup, known, f"{at}: source")
        target = _actor(cell["target"], lookup, known, f"{at}: target")
        if cell.get("rung"):
            rung = ladder.index.get(cell["rung"])
            if rung is None:
                raise ConfigError(
                    f"{at}: rung: unknown rung {cell['rung']!r}"
                    f"{suggest(cell['rung'], ladder.names)}"
                )
        else:
            found_rung = codes.rung(cell["code"])
            if found_rung is None:
                raise ConfigError(
                    f"{at}: code: {cell['code']!r} is no CAMEO code or PLOVER type with a rung "
                    f"(see {CODES_FILE.name})"
                )
            rung = found_rung
        intensity = None
        if cell.get("intensity"):
            try:
                intensity = float(cell["intensity"])
            except ValueError:
                intensity = math.nan
            if not (math.isfinite(intensity) and -10.0 <= intensity <= 10.0):
                raise ConfigError(
                    f"{at}: intensity: {cell['intensity']!r} is not a number in [-10, 10]"
                )
        parsed.append((date, source, target, rung, cell["code"], intensity))
    if day0 is None:
        if not parsed:
            raise ConfigError(f"{where}: no rows (give day0 to read an empty table)")
        day0 = min(p[0] for p in parsed)
    for i, p in enumerate(parsed, start=1):
        if p[0] < day0:
            raise ConfigError(f"{where}: row {i}: date: {p[0]} is before day 0 ({day0})")
        # A crisis's days, not years: one stray date would make millions of empty days.
        if (p[0] - day0).days > MAX_DAYS:
            raise ConfigError(
                f"{where}: row {i}: date: {p[0]} is {(p[0] - day0).days} days after day 0 "
                f"({day0}); a table may span {MAX_DAYS} days at most (give day0 if the "
                "first row is stray)"
            )
    rows = [EventRow((p[0] - day0).days, p[1], p[2], p[3], p[4], p[5]) for p in parsed]
    rows.sort(key=lambda r: r.day)  # stable: file order within a day
    return EventTable(day0=day0, rows=tuple(rows))


def _episode_day0(model: EscalationModel) -> dt.date:
    """Day 0 of the model's episode, when it is one of the library's observed episodes."""
    name = model.settings.episode.timeline
    if name is None:
        raise ConfigError(
            f"episode {model.settings.episode.name!r} has no observed timeline, so no calendar "
            "date for day 0: pass day0"
        )
    return load_timeline(name).day0


def event_rows(
    model: EscalationModel, replicate: int = 0, day0: dt.date | None = None
) -> pd.DataFrame:
    """One replicate's simulated acts as an event table (the columns of :data:`COLUMNS`).

    Only acts: ``none`` and rungs that restate a standing state (a recall while still
    recalled, :meth:`sim.records.Records.held_records`) are left out. A strike on militant
    bases targets the group (the channel's ``strike_target``), as in :mod:`sim.eventlog`.

    Args:
        model: A run (or partly run) model; its days ``0 .. model.day - 1`` are written.
        replicate: Position of the replicate in the model's batch (0 .. ``model.n`` - 1);
            the ``replicate`` column holds its global index, ``model.replicates[replicate]``.
        day0: The calendar date of day 0 (default: day 0 of the model's episode, for the
            library's observed episodes; an invented episode must pass one).

    Raises:
        ConfigError: On a position outside the batch, or no ``day0`` for an invented episode.
    """
    if not 0 <= replicate < model.n:
        raise ConfigError(f"replicate: position {replicate} outside the batch (0..{model.n - 1})")
    start = day0 if day0 is not None else _episode_day0(model)
    hist = model.history[: model.day, :, replicate]  # (days, channels)
    act = hist != model.r_none
    for day, ch, hit in model.held_records():
        if np.any(hit == replicate):
            act[day, ch] = False
    ladder = model.ladder
    out: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    acts = [(int(d), int(c), int(hist[d, c])) for d, c in zip(*np.nonzero(act), strict=True)]
    second = getattr(model, "second", None)  # two tracks: a day's second act, its own row
    if second is not None:
        more = second[: model.day, :, replicate]
        acts += [
            (int(d), int(c), int(more[d, c]))
            for d, c in zip(*np.nonzero(more != model.r_none), strict=True)
        ]
        acts.sort(key=lambda a: (a[0], a[1]))  # stable: the path act first
    for d, row, r in acts:  # by day, then channel
        chan = model.channels[row]
        out["date"].append((start + dt.timedelta(days=int(d))).isoformat())
        out["source"].append(chan.actor)
        out["target"].append(chan.strike_target if r == model.r_strike_militants else chan.target)
        out["code"].append(ladder.rungs[r].cameo)
        out["intensity"].append(float(ladder.goldstein[r]))
        out["rung"].append(ladder.rungs[r].name)
        out["replicate"].append(int(model.replicates[replicate]))
        out["day"].append(int(d))
    dtypes = {"intensity": "float64", "replicate": "int64", "day": "int64"}
    return pd.DataFrame({c: pd.Series(v, dtype=dtypes.get(c, object)) for c, v in out.items()})


def write_event_table(
    model: EscalationModel,
    path: str | Path,
    replicate: int = 0,
    day0: dt.date | None = None,
) -> Path:
    """Write :func:`event_rows` to ``path`` (``.csv`` or ``.parquet``), atomically.

    Returns:
        The path written.

    Raises:
        ConfigError: On another suffix, or as :func:`event_rows`.
        OSError: If the file cannot be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ConfigError(f"{path}: unknown table format {path.suffix!r} (use .csv or .parquet)")
    frame = event_rows(model, replicate, day0)
    with atomic(path) as tmp:  # a killed write never leaves a table that looks complete
        if suffix == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
    return path
