"""Event tables in and out (sim/eventtable.py): round trips, code mapping, refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import run_config
from sim.errors import ConfigError
from sim.eventtable import code_table, event_rows, read_event_table, write_event_table
from sim.ladder import Ladder
from sim.model import EscalationModel
from sim.settings import Settings
from sim.timeline import load_timeline

ACTORS = {"iran": "Iran", "pakistan": "Pakistan", "jaish_al_adl": "Jaish al-Adl"}


@pytest.fixture(scope="module", params=[None, "korea_2010"])
def model(request: pytest.FixtureRequest) -> EscalationModel:
    cfg = run_config("calibrated_joint", request.param, 200, 3, 31, ["posterior=joint"])
    m = EscalationModel(Settings.from_config(cfg))
    m.run()
    return m


LADDER = Settings.from_config(run_config("calibrated_joint", None, 2, 3, 2)).ladder


@pytest.fixture
def ladder() -> Ladder:
    return LADDER


def model_acts(m: EscalationModel, pos: int) -> set[tuple[int, str, str, int]]:
    """The model's acts of one replicate, from its paths table (independent of the writer)."""
    p = m.paths()
    p = p[(p.replicate == m.replicates[pos]) & p.act]
    strike_target = {(c.actor, c.target): c.strike_target for c in m.channels}
    out = {
        (
            int(r.day),
            r.actor,
            strike_target[(r.actor, r.target)] if r.rung == m.r_strike_militants else r.target,
            int(r.rung),
        )
        for r in p.itertuples()
    }
    second = getattr(m, "second", None)  # two tracks: a day's second act
    if second is not None:
        for d, c in zip(*np.nonzero(second[:, :, pos] != m.r_none), strict=True):
            ch = m.channels[int(c)]
            out.add((int(d), ch.actor, ch.target, int(second[d, c, pos])))
    return out


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip(model: EscalationModel, suffix: str, tmp_path: Path) -> None:
    assert model.settings.episode.timeline is not None
    actors = {k: a.label for k, a in model.settings.actors.items()}
    day0 = load_timeline(model.settings.episode.timeline).day0
    for pos in (0, 7, 123, model.n - 1):
        path = write_event_table(model, tmp_path / f"r{pos}{suffix}", replicate=pos)
        table = read_event_table(path, model.ladder, actors, day0=day0)
        got = {(r.day, r.actor, r.target, r.rung) for r in table.rows}
        assert len(got) == len(table.rows)  # one act per actor, target, day and track
        assert got == model_acts(model, pos)
        assert [r.day for r in table.rows] == sorted(r.day for r in table.rows)
        frame = event_rows(model, pos)
        assert set(frame.replicate) <= {int(model.replicates[pos])}


def test_round_trip_without_the_rung_column_reads_each_code(
    model: EscalationModel, tmp_path: Path
) -> None:
    """Without ``rung``, each written code reads as the rung its code maps to."""
    frame = event_rows(model, 3).drop(columns="rung")
    frame.to_csv(tmp_path / "t.csv", index=False)
    actors = {k: a.label for k, a in model.settings.actors.items()}
    table = read_event_table(tmp_path / "t.csv", model.ladder, actors)
    codes = code_table(model.ladder)
    assert [r.rung for r in table.rows] == [codes.rung(c) for c in frame.code]


def test_replicate_position_outside_the_batch(model: EscalationModel) -> None:
    with pytest.raises(ConfigError, match="outside the batch"):
        event_rows(model, model.n)


def write(tmp_path: Path, rows: list[str], header: str = "date,source,target,code") -> Path:
    path = tmp_path / "events.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_cameo_longest_prefix_and_leading_zeros(ladder: Ladder, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            "2024-01-16,iran,Jaish al-Adl,1951",
            "2024-01-17, PAKISTAN ,iran,036",
            "2024-01-18,iran,pakistan,0871",
            "2024-01-18,iran,pakistan,161",
            "2024-01-18,iran,pakistan,17",
        ],
    )
    table = read_event_table(path, ladder, ACTORS)
    names = [ladder.names[r.rung] for r in table.rows]
    assert names == [
        "strike_militants",
        "talks",
        "declare_ceasefire",
        "recall_ambassador",
        "sanction",
    ]
    assert table.rows[0].target == "jaish_al_adl"
    assert table.rows[1].actor == "pakistan"
    assert table.rows[1].code == "036"
    assert table.day0 == dt.date(2024, 1, 16)
    assert [r.day for r in table.rows] == [0, 1, 2, 2, 2]


def test_plover_types_and_the_rung_column(ladder: Ladder, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            "2024-01-18,iran,pakistan,ASSAULT,,strike_state",
            "2024-01-16,iran,pakistan,assault,-9.5,",
            "2024-01-17,iran,pakistan,Threaten,,",
            "2024-01-17,pakistan,iran,CONSULT,4,",
        ],
        header="date,source,target,code,intensity,rung",
    )
    table = read_event_table(path, ladder, ACTORS)
    assert [ladder.names[r.rung] for r in table.rows] == [
        "militant_attack",
        "threaten",
        "talks",
        "strike_state",
    ]
    assert [r.intensity for r in table.rows] == [-9.5, None, 4.0, None]


def test_every_plover_type_and_cameo_root_has_a_rung(ladder: Ladder) -> None:
    codes = code_table(ladder)
    for root in range(1, 21):
        assert codes.rung(f"{root:02d}") is not None
    plover = "AGREE CONSULT SUPPORT CONCEDE COOPERATE AID RETREAT REQUEST ACCUSE REJECT"
    for word in [*plover.split(), "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE"]:
        assert codes.rung(word) is not None
    assert codes.rung("CRIME") is None


@pytest.mark.parametrize(
    ("rows", "header", "match"),
    [
        (
            ["2024-01-16,iran,pakistan,036", "2024-01-17,iran,pakistan,99"],
            None,
            "row 2: code: '99'",
        ),
        (["2024-01-16,iran,pakistan,abc1"], None, "row 1: code"),
        (["2024-01-16,iran,pakistan,"], None, "row 1: code: ''"),
        (["2024-01-16,iran,pakistn,036"], None, "row 1: target: unknown actor 'pakistn'.*did you"),
        (["2024-01-16,iran,pakistan"], "date,source,target", "missing column.*code.*found"),
        (["16/01/2024,iran,pakistan,036"], None, "row 1: date"),
        (["2024-02-30,iran,pakistan,036"], None, "row 1: date"),
        (["2024-01-16,iran,pakistan,036,11"], "date,source,target,code,intensity", "row 1: inten"),
        (["2024-01-16,iran,pakistan,036,nan"], "date,source,target,code,intensity", "row 1: inten"),
        (["2024-01-16,iran,pakistan,036,strik"], "date,source,target,code,rung", "row 1: rung"),
        (
            ["2024-01-16,iran,pakistan,036,0", "2024-01-16,iran,pakistan,036,1"],
            "date,source,target,code,replicate",
            "2 replicates.*filter",
        ),
    ],
)
def test_refusals_name_the_row_or_column(
    ladder: Ladder, tmp_path: Path, rows: list[str], header: str | None, match: str
) -> None:
    path = write(tmp_path, rows, header or "date,source,target,code")
    with pytest.raises(ConfigError, match=match) as exc:
        read_event_table(path, ladder, ACTORS)
    assert "events.csv" in str(exc.value)


def test_row_before_day0(ladder: Ladder, tmp_path: Path) -> None:
    path = write(tmp_path, ["2024-01-17,iran,pakistan,036", "2024-01-15,iran,pakistan,036"])
    with pytest.raises(ConfigError, match="row 2: date: 2024-01-15 is before day 0"):
        read_event_table(path, ladder, ACTORS, day0=dt.date(2024, 1, 16))


def test_too_many_rows(ladder: Ladder, tmp_path: Path) -> None:
    path = write(tmp_path, ["2024-01-16,iran,pakistan,036"] * 11)
    with pytest.raises(ConfigError, match="limit of 10 rows"):
        read_event_table(path, ladder, ACTORS, max_rows=10)
    frame = pd.read_csv(path, dtype=str)
    frame.to_parquet(tmp_path / "events.parquet")
    with pytest.raises(ConfigError, match="limit of 10"):
        read_event_table(tmp_path / "events.parquet", ladder, ACTORS, max_rows=10)
    assert len(read_event_table(path, ladder, ACTORS, max_rows=11).rows) == 11


def test_wrong_suffix(ladder: Ladder, model: EscalationModel, tmp_path: Path) -> None:
    path = tmp_path / "events.xlsx"
    path.write_text("date,source,target,code\n")
    with pytest.raises(ConfigError, match=r"events\.xlsx: unknown table format '\.xlsx'"):
        read_event_table(path, ladder, ACTORS)
    with pytest.raises(ConfigError, match="unknown table format"):
        write_event_table(model, tmp_path / "out.json")


VALID_CODES = ["010", "036", "1951", "161", "19", "0871", "AGREE", "assault", "Mobilize", "17"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(0, 366),
            st.sampled_from([*ACTORS, *ACTORS.values(), "IRAN"]),
            st.sampled_from([*ACTORS, *ACTORS.values()]),
            st.sampled_from(VALID_CODES),
            st.one_of(st.none(), st.floats(-10, 10)),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_any_valid_table_reads(rows: list[tuple[int, str, str, str, float | None]]) -> None:
    import tempfile

    ladder = LADDER
    start = dt.date(2023, 12, 1)
    frame = pd.DataFrame(
        {
            "date": [(start + dt.timedelta(days=d)).isoformat() for d, *_ in rows],
            "source": [r[1] for r in rows],
            "target": [r[2] for r in rows],
            "code": [r[3] for r in rows],
            "intensity": ["" if r[4] is None else repr(r[4]) for r in rows],
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        frame.to_csv(path, index=False)
        table = read_event_table(path, ladder, ACTORS)
    assert len(table.rows) == len(rows)
    assert all(0 <= r.rung < len(ladder) for r in table.rows)
    assert table.day0 == start + dt.timedelta(days=min(d for d, *_ in rows))
    assert min(r.day for r in table.rows) == 0
    assert np.all(np.diff([r.day for r in table.rows]) >= 0)


def test_the_events_command_writes_a_replicate_as_a_table_once(tmp_path: Path) -> None:
    from sim.cli import main

    run = tmp_path / "run"
    assert main(["run", "replicates=20", "days=6", f"hydra.run.dir={run}"]) == 0
    out = tmp_path / "r3.csv"
    assert main(["events", str(run), "3", "-o", str(out)]) == 0
    df = pd.read_csv(out, dtype=str)
    assert set(df["replicate"]) == {"3"} and df["date"].iloc[0] == "2024-01-16"
    assert main(["events", str(run), "3", "-o", str(out)]) == 2  # never overwritten
    assert main(["events", str(run), "99", "-o", str(tmp_path / "x.csv")]) == 2
    assert not (tmp_path / "x.csv").exists()


def test_a_table_spanning_years_is_refused(tmp_path: Path) -> None:
    from sim.config import run_config
    from sim.errors import ConfigError
    from sim.eventtable import read_event_table
    from sim.settings import Settings

    lad = Settings.from_config(run_config("baseline", None, 1, 1, 2)).ladder
    path = tmp_path / "stray.csv"
    path.write_text(
        "date,source,target,code\n2024-01-16,iran,pakistan,111\n9999-12-31,iran,pakistan,111\n"
    )
    with pytest.raises(ConfigError, match=r"row 2.*days after day 0"):
        read_event_table(path, lad, {"iran": "Iran", "pakistan": "Pakistan"})
