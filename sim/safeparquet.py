"""Bounded reads of untrusted Parquet files: rows and columns checked from the footer first.

Posteriors, sweep tables and a run's ``events/`` and ``outcomes/`` parts come from users:
each file is opened as :mod:`sim.safeio` opens any file (regular, inside the folder given,
a size cap), and its footer's row and column counts are checked before any data is read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import ConfigError
from sim.safeio import MiB, human_size, open_regular

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

#: Largest Parquet file read (posteriors, sweep tables, parts of an event log).
MAX_PARQUET_BYTES = 1024 * MiB
#: Most rows of a Parquet file (a posterior holds its particles: 4,000 shipped).
MAX_PARQUET_ROWS = 10_000_000
#: Most rows of a folder of Parquet parts together (a run's ``events/`` and ``outcomes/``).
MAX_PARTS_ROWS = 100_000_000
#: Most columns of a Parquet file (a posterior: one per parameter, 23 shipped).
MAX_PARQUET_COLUMNS = 1_000


def _read_parquet(
    path: str | Path,
    root: str | Path | None,
    where: str,
    columns: Sequence[str] | None,
    caps: tuple[int, int, int, int],
) -> pa.Table:
    """A Parquet file's table, checked first; ``caps``: bytes, rows, columns, rows so far."""
    import pyarrow.parquet as pq

    limit, max_rows, max_columns, so_far = caps
    fd, st = open_regular(path, root=root, where=where)
    with os.fdopen(fd, "rb") as f:
        if st.st_size > limit:
            raise ConfigError(f"{where}: larger than the {human_size(limit)} limit for such files")
        try:
            meta = pq.ParquetFile(f).metadata
        except Exception:  # pyarrow raises several types for files that are not Parquet
            raise ConfigError(f"{where}: not a readable Parquet file") from None
        if meta.num_columns > max_columns:
            raise ConfigError(
                f"{where}: {meta.num_columns:,} columns, more than the limit of {max_columns:,}"
            )
        if so_far + meta.num_rows > max_rows:
            raise ConfigError(
                f"{where}: {so_far + meta.num_rows:,} rows, more than the limit of {max_rows:,}"
            )
        f.seek(0)
        try:
            return pq.read_table(f, columns=columns, use_pandas_metadata=True)
        except Exception:  # a footer that reads but data that does not: still not Parquet
            raise ConfigError(f"{where}: not a readable Parquet file") from None


def read_parquet(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    root: str | Path | None = None,
    limit: int = MAX_PARQUET_BYTES,
    max_rows: int = MAX_PARQUET_ROWS,
    max_columns: int = MAX_PARQUET_COLUMNS,
    where: str | None = None,
) -> pd.DataFrame:
    """A Parquet file as a DataFrame, its rows and columns checked from the footer first.

    ``max_rows`` and ``max_columns`` are checked against the footer before any data is read
    (all of the file's columns count, not only the ``columns`` read); ``limit`` is in bytes.

    Raises:
        ConfigError: On a refused file, one that is not Parquet, or one past a cap.
        OSError: If it cannot be opened.
    """
    where = where or str(path)
    return _read_parquet(path, root, where, columns, (limit, max_rows, max_columns, 0)).to_pandas()


def read_parquet_parts(
    folder: str | Path,
    *,
    columns: Sequence[str] | None = None,
    root: str | Path | None = None,
    max_rows: int = MAX_PARTS_ROWS,
    max_columns: int = MAX_PARQUET_COLUMNS,
) -> pd.DataFrame:
    """A folder of Parquet parts (``events/``, ``outcomes/``) as one DataFrame.

    The parts are those ``pandas.read_parquet`` would read (names not starting with ``.``
    or ``_``), in name order; their rows together are capped at ``max_rows``.

    Raises:
        ConfigError: On a refused part, one that is not Parquet, or rows past the cap.
        OSError: If the folder or a part cannot be read.
    """
    import pyarrow as pa

    base = Path(folder)
    names = sorted(n for n in os.listdir(base) if not n.startswith((".", "_")))
    tables: list[pa.Table] = []
    rows = 0
    for name in names:
        caps = (MAX_PARQUET_BYTES, max_rows, max_columns, rows)
        tables.append(_read_parquet(base / name, root, str(base / name), columns, caps))
        rows += tables[-1].num_rows
    if not tables:
        raise ConfigError(f"{base}: no Parquet parts")
    return pa.concat_tables(tables, promote_options="default").to_pandas()
