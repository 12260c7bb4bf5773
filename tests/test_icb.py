"""The vendored ICB data: checksums, loading, dates and the benchmark's selection rule."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import icb
from sim.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "sim" / "data" / "icb"
DOC = ROOT / "docs" / "icb.md"

#: The counts docs/icb.md quotes ("What the rule keeps"); the test fails if either drifts.
COUNTS = {
    "crises": {"train": 313, "test": 89, "all": 402},
    "actor_records": {"train": 554, "test": 196, "all": 750},
}


@pytest.fixture(scope="module")
def actors() -> pd.DataFrame:
    return icb.load("actor")


@pytest.fixture(scope="module")
def crises() -> pd.DataFrame:
    return icb.load("crisis")


def readme_checksums() -> dict[str, str]:
    text = (DATA / "README.md").read_text()
    return dict(re.findall(r"\| `(icb[12]v14\.csv)` \| [\d,]+ \| `([0-9a-f]{64})` \|", text))


def test_vendored_files_have_the_published_checksums() -> None:
    published = readme_checksums()
    assert set(published) == {"icb1v14.csv", "icb2v14.csv"}
    assert published == icb.SHA256
    for name, digest in published.items():
        data = (DATA / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest
        assert data.count(b"\r\n") == data.count(b"\n") and not data.endswith(b"\n")


def test_the_packaged_path_is_the_vendored_file() -> None:
    assert icb.packaged_file("actor").resolve() == (DATA / "icb2v14.csv").resolve()


def test_the_wheel_ships_the_csv_files() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "sim.data.icb" in setuptools["packages"]
    assert "*.csv" in setuptools["package-data"]["*"]


def test_load_gives_both_levels(actors: pd.DataFrame, crises: pd.DataFrame) -> None:
    assert crises.shape == (487, 95)
    assert actors.shape == (1078, 95)
    assert crises["crisno"].nunique() == 487
    assert set(actors["crisno"]) == set(crises["crisno"])


def test_a_changed_copy_is_refused(tmp_path: Path) -> None:
    data = bytearray((DATA / "icb2v14.csv").read_bytes())
    data[-1:] = b"8" if data[-1:] != b"8" else b"7"
    copy = tmp_path / "icb2v14.csv"
    copy.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match="SHA-256"):
        icb.load("actor", path=copy)
    exact = tmp_path / "exact.csv"
    exact.write_bytes((DATA / "icb2v14.csv").read_bytes())
    assert icb.load("actor", path=exact).shape == (1078, 95)


def test_an_oversized_file_is_refused_before_hashing(tmp_path: Path) -> None:
    big = tmp_path / "icb1v14.csv"
    big.write_bytes(b"x" * (icb.MAX_BYTES + 1))
    with pytest.raises(ConfigError, match="limit"):
        icb.load("crisis", path=big)


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ConfigError, match="level"):
        icb.load("dyad")  # type: ignore[arg-type]


def test_day_codes() -> None:
    assert icb.to_date(2010, 11, 23) == icb.ICBDate(dt.date(2010, 11, 23), exact=True)
    assert icb.to_date(2015, 8, 66) == icb.ICBDate(dt.date(2015, 8, 1), exact=False)
    assert icb.to_date(2016, 2, 77) == icb.ICBDate(dt.date(2016, 2, 15), exact=False)
    assert icb.to_date(2016, 2, 88) == icb.ICBDate(dt.date(2016, 2, 29), exact=False)
    assert icb.to_date(2014, 10, 88) == icb.ICBDate(dt.date(2014, 10, 31), exact=False)
    assert icb.to_date(2016, 9, np.nan) is None
    assert icb.to_date(np.nan, 9, 18) is None
    assert icb.to_date(2016, 2, 30) is None
    assert icb.to_date(2016, 9, 99) is None


def test_dates_of_rows(actors: pd.DataFrame) -> None:
    uri = actors[(actors["crisno"] == 482) & (actors["actor"] == "IND")].iloc[0]
    assert icb.trigger_date(uri) == icb.ICBDate(dt.date(2016, 9, 18), exact=True)
    assert icb.response_date(uri) == icb.ICBDate(dt.date(2016, 9, 19), exact=True)
    assert icb.termination_date(uri) == icb.ICBDate(dt.date(2016, 9, 20), exact=True)


def test_selection_counts_match_the_doc(actors: pd.DataFrame, crises: pd.DataFrame) -> None:
    assert icb.counts(icb.select(actors, crises)) == COUNTS
    text = DOC.read_text()
    c, a = COUNTS["crises"], COUNTS["actor_records"]
    assert f"| crises | {c['train']} | {c['test']} | {c['all']} |" in text
    assert f"| actor records | {a['train']} | {a['test']} | {a['all']} |" in text


def test_selection_reads_no_outcome(actors: pd.DataFrame, crises: pd.DataFrame) -> None:
    kept = icb.select(actors, crises)
    blind_actors, blind_crises = actors.copy(), crises.copy()
    for frame, level in ((blind_actors, "actor"), (blind_crises, "crisis")):
        frame.loc[:, list(icb.OUTCOMES[level])] = np.nan
    pd.testing.assert_frame_equal(icb.select(blind_actors, blind_crises), kept)
    # Nor any column outside the declared ones: drop the rest.
    only = icb.select(
        actors[list(icb.SELECTION_COLUMNS["actor"])],
        crises[list(icb.SELECTION_COLUMNS["crisis"])],
    )
    pd.testing.assert_frame_equal(only, kept)
    for level in ("actor", "crisis"):
        assert not set(icb.SELECTION_COLUMNS[level]) & set(icb.OUTCOMES[level])


def test_selection_rule_holds_row_by_row(actors: pd.DataFrame, crises: pd.DataFrame) -> None:
    kept = icb.select(actors, crises)
    assert kept["cracno"].is_unique
    assert set(kept["triggr"]) <= set(icb.LADDER_TRIGGERS)
    assert (kept["adversary"] != kept["cracid"]).all()
    assert (kept["adversary"] < icb.INTERNAL).all()
    by = kept["trigger_by"]
    assert (
        kept.loc[by == "adversary", "trigent"] == kept.loc[by == "adversary", "adversary"]
    ).all()
    assert set(kept.loc[by != "adversary", "trigent"]) <= {icb.NON_STATE, icb.SEVERAL_STATES}
    years = kept["crisno"].map(crises.set_index("crisno")["yrtrig"])
    assert ((years < 1990) == (kept["split"] == "train")).all()
    # The library's ICB crises are in, each with the dyad we code.
    dyads = {(r.crisno, r.actor, r.adversary) for r in kept.itertuples()}
    assert (482, "IND", 770) in dyads  # Uri: non-state trigger, Pakistan held responsible
    assert (476, "RUS", 640) in dyads  # the jet: Turkey's shoot-down
    assert (462, "ROK", 731) in dyads  # Yeonpyeong: the North's shelling
    # Turkey's NATO allies: triggered by Turkey, threatened by Russia -> out (condition 2).
    assert not kept[(kept["crisno"] == 476) & (kept["actor"] == "USA")].shape[0]
