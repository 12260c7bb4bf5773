"""The seeds: the timeline loads, names only what the configs define, cites and paraphrases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sim.config import compose_config
from sim.errors import ConfigError
from sim.ladder import Ladder
from sim.timeline import SOURCE_FILES, load_timeline

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return Ladder.from_config(compose_config("baseline").ladder)


def test_every_actor_action_and_rung_exists_in_the_configs(ladder: Ladder) -> None:
    cfg = compose_config("baseline")
    t = load_timeline()
    t.check(ladder, cfg.actors.keys())
    assert t.actors() <= set(cfg.actors)
    assert t.actions() <= set(ladder.names)


def test_observed_paths(ladder: Ladder) -> None:
    t = load_timeline()
    assert t.day0.isoformat() == "2024-01-16" and t.observed_days == 4
    assert t.path(ladder, "iran", "pakistan", ["jaish_al_adl"]) == [
        "strike_militants",
        "none",
        "summon",
        "de_escalate",
    ]
    assert t.path(ladder, "pakistan", "iran", ["blf_bla"]) == [
        "none",
        "recall_ambassador",
        "strike_militants",
        "de_escalate",
    ]
    assert t.path(ladder, "china", "iran")[2] == "mediate"


def test_disagreements_are_kept_as_ranges_and_alternatives() -> None:
    t = load_timeline()
    strike = next(e for e in t.events if e.id == "pakistan_strikes_blf_bla")
    assert strike.casualties == (9, 11)
    assert strike.day == 2 and 1 in strike.day_alternatives
    topics = " ".join(d["topic"] for d in t.raw["disagreements"]).lower()
    assert "day" in topics and ("dead" in topics or "toll" in topics or "casualt" in topics)


def test_every_event_cites_a_known_source() -> None:
    for e in load_timeline().events:
        assert e.sources and set(e.sources) <= set(SOURCE_FILES)
    listed = yaml.safe_load((SEEDS / "sources.yaml").read_text())
    files = {s["file"] for s in (listed["sources"] if isinstance(listed, dict) else listed)}
    assert files == set(SOURCE_FILES)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/seeds is not beside the repository")
def test_facts_are_paraphrased_not_copied() -> None:
    """No run of 8 words from a source document appears in the seeds files."""
    n = 8
    grams: set[tuple[str, ...]] = set()
    for f in SOURCE_FILES:
        w = _words((SHARED / f).read_text(encoding="utf-8"))
        grams |= {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}
    for path in SEEDS.glob("*.y*ml"):
        w = _words(path.read_text(encoding="utf-8"))
        copied = [
            " ".join(w[i : i + n]) for i in range(len(w) - n + 1) if tuple(w[i : i + n]) in grams
        ]
        assert not copied, f"{path.name} copies source text: {copied[:3]}"


def test_bad_timeline_is_refused(tmp_path: Path, ladder: Ladder) -> None:
    bad = tmp_path / "timeline.yaml"
    bad.write_text(
        "day0: 2024-01-16\nevents:\n  - {id: x, day: 0, actor: irann, target: pakistan, "
        "action: strike_militants, sources: [000_35208569d043b585.txt]}\n"
    )
    with pytest.raises(ConfigError, match="unknown actor 'irann' \\(did you mean 'iran'"):
        load_timeline(bad).check(ladder, ["iran", "pakistan"])
    bad.write_text(
        "day0: 2024-01-16\nevents:\n  - {id: x, day: 0, actor: iran, target: pakistan, "
        "action: strike, sources: [a.txt]}\n"
    )
    with pytest.raises(ConfigError, match=r"unknown source 'a\.txt'"):
        load_timeline(bad)
    bad.write_text("day0: [unclosed\n")
    with pytest.raises(ConfigError, match="malformed YAML"):
        load_timeline(bad)
