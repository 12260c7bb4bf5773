"""Agreement between coders: Krippendorff's alpha on the daily rungs, and the reported table."""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path

import krippendorff
import numpy as np
import pytest
import yaml

from sim.config import compose_config
from sim.errors import ConfigError
from sim.ladder import Ladder
from sim.timeline import load_timeline
from sim.validation.agreement import agreement, compare, double_coded, load_codings, table

ROOT = Path(__file__).resolve().parents[1]
EPISODE = "us_iran_2020"


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return Ladder.from_config(compose_config("baseline").ladder)


def _write(tmp_path: Path, raw: dict, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "sources.yaml").write_bytes((ROOT / "seeds" / EPISODE / "sources.yaml").read_bytes())
    path = folder / "timeline.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _compare(ladder: Ladder, a, b):  # type: ignore[no-untyped-def]
    channels = [("united_states", "iran"), ("iran", "united_states")]
    groups = {"iran": ["kataib_hezbollah"], "united_states": []}
    return compare(EPISODE, [a, b], ladder, channels, groups, 31)


def test_identical_codings_agree_fully(ladder: Ladder) -> None:
    t = load_timeline(EPISODE)
    r = _compare(ladder, t, t)
    assert r.ordinal == pytest.approx(1.0) and r.nominal == pytest.approx(1.0) and r.exact == 1.0
    assert r.channels == ("united_states->iran", "iran->united_states") and r.days == 31


def test_a_second_coder_who_drops_the_strikes_agrees_less(ladder: Ladder, tmp_path: Path) -> None:
    t = load_timeline(EPISODE)
    raw = copy.deepcopy(t.raw)
    raw["events"] = [e for e in raw["events"] if not str(e["action"]).startswith("strike")]
    b = load_timeline(_write(tmp_path, raw, "b"))
    r = _compare(ladder, t, b)
    assert r.ordinal < 1.0 and r.exact < 1.0
    # The figure is the krippendorff package's, on the ladder's rung order.
    values = np.array(
        [[ladder.index[x] for ch in coder for x in ch] for coder in r.rungs], dtype=float
    )
    expected = krippendorff.alpha(reliability_data=values, level_of_measurement="ordinal")
    assert r.ordinal == pytest.approx(expected)
    # Moving one strike by a day is a disagreement too.
    raw2 = copy.deepcopy(t.raw)
    first = next(e for e in raw2["events"] if str(e["action"]).startswith("strike"))
    first["day"] += 1
    if "date" in first:
        first["date"] = dt.date.fromisoformat(str(first["date"])) + dt.timedelta(days=1)
    c = load_timeline(_write(tmp_path, raw2, "c"))
    assert _compare(ladder, t, c).ordinal < 1.0


def test_an_episode_without_two_codings_is_refused() -> None:
    with pytest.raises(ConfigError, match="not double-coded"):
        load_codings(EPISODE)


@pytest.mark.parametrize("name", double_coded())
def test_double_coded_episode_reports_its_alpha(name: str) -> None:
    """The figures in seeds/README.md are the ones the raw codings give."""
    r = agreement(name)
    row = table([r]).splitlines()[-1]
    assert row in (ROOT / "seeds" / "README.md").read_text(encoding="utf-8")
    notes = ROOT / "seeds" / name / "coding" / "reconciliation.md"
    assert notes.is_file() and len(notes.read_text(encoding="utf-8")) > 500


def test_three_episodes_are_double_coded() -> None:
    assert len(double_coded()) == 3
    readme = (ROOT / "seeds" / "README.md").read_text(encoding="utf-8")
    assert len(re.findall(r"^\| `\w+` \| \d+ \| [0-9.n/a-]+ \|", readme, re.M)) >= 3
