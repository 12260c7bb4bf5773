"""The episode library: every timeline loads, cites its sources, paraphrases, and runs."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.config import compose_config
from sim.errors import ConfigError
from sim.ladder import Ladder
from sim.timeline import library, load_timeline

sys.path.insert(0, str(Path(__file__).parent))
from fingerprint_sources import digest, grams

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "seeds"
EPISODES = (
    "india_china_2020",
    "india_pakistan_2016",
    "india_pakistan_2025",
    "iran_israel_2024_04",
    "korea_2010",
    "russia_turkey_2015",
    "saudi_iran_2019_09",
    "us_iran_2019_06",
    "us_iran_2020",
    "us_iran_2024_01",
)
REFERENCE = "iran_pakistan_2024"
REFERENCE_FILES = ("000_35208569d043b585.txt", "003_bede1a2adb19394d.txt")


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return Ladder.from_config(compose_config("baseline").ladder)


def test_the_library_holds_exactly_the_eleven_episodes() -> None:
    assert library() == sorted((REFERENCE, *EPISODES))


@pytest.mark.parametrize("name", library())
def test_timeline_matches_its_schema_and_sources(name: str, ladder: Ladder) -> None:
    t = load_timeline(name)  # the loader checks fields, dates, ids and cited source ids
    assert t.name == name and t.raw["episode"] == name
    t.check(ladder)  # every actor is declared and every action is a rung
    assert t.roles.get("victim") and t.roles.get("adversary")
    assert {t.actor_kinds[t.roles["victim"]], t.actor_kinds[t.roles["adversary"]]} == {"state"}
    cited = {s for e in t.events for s in e.sources}
    cited |= {s for c in t.raw.get("context") or [] for s in c.get("sources") or []}
    for d in t.raw.get("disagreements") or []:
        cited |= {s for p in d.get("positions") or [] for s in p.get("sources") or []}
    cited |= {s for sources in t.roster.values() for s in sources}
    assert cited <= set(t.sources), sorted(cited - set(t.sources))
    assert cited == set(t.sources), f"listed, never cited: {sorted(set(t.sources) - cited)}"
    for e in t.events:
        assert e.day < t.observed_days + 7, f"{e.id}: far past the coded days"
    for ev in t.raw["events"]:
        assert str(ev.get("summary", "")).strip(), f"{name}: {ev['id']} has no summary"
        if name != REFERENCE:
            assert ev.get("date") == t.day0 + dt.timedelta(days=ev["day"])
    if name != REFERENCE:
        for sid, s in t.sources.items():
            assert isinstance(s["date"], dt.date), f"{sid}: date is not an ISO date"
            assert s["date"] <= t.last_date + dt.timedelta(days=3650)
            assert str(s.get("description", "")).strip(), f"{sid}: no description"
    # Day 0 holds the trigger: a use of force.
    force = {"militant_attack", "strike_militants", "strike_state", "sustained_conflict"}
    assert any(e.day == 0 and e.action in force for e in t.events)


@pytest.mark.parametrize("name", library())
def test_roster_relations_cite_sources_dated_before_day0(name: str) -> None:
    """Every relation of the episode config is put in by reports published before day 0."""
    cfg = compose_config("baseline", [f"episode={name}"])
    t = load_timeline(name)
    relations = set(cfg.relations)
    assert relations == set(t.roster), (
        f"relations without a roster entry: {sorted(relations - set(t.roster))}; "
        f"roster entries for no relation: {sorted(set(t.roster) - relations)}"
    )
    for key, sources in t.roster.items():
        for sid in sources:
            date = t.sources[sid].get("date")
            assert isinstance(date, dt.date), f"{key}: {sid} has no publication date"
            assert date < t.day0, f"{key}: {sid} is dated {date}, not before day 0 ({t.day0})"


def test_a_roster_citing_an_unknown_source_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ep"
    folder.mkdir()
    for f in ("timeline.yaml", "sources.yaml"):
        (folder / f).write_text((SEEDS / "us_iran_2020" / f).read_text())
    doc = yaml.safe_load((folder / "sources.yaml").read_text())
    doc["roster"] = [{"relation": "rivalry", "sources": ["no_such_report"]}]
    (folder / "sources.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match=r"roster.*no_such_report"):
        load_timeline(folder / "timeline.yaml")


@pytest.mark.parametrize("name", (*EPISODES, REFERENCE))
def test_facts_are_paraphrased_not_copied_from_web_sources(name: str) -> None:
    """No run of 8 words of a report read while coding appears in the episode's files."""
    fp = SEEDS / name / "fingerprints.json"
    doc = json.loads(fp.read_text())
    hashes = set(doc["hashes"])
    assert doc["n"] == 8 and doc["sources_read"] >= 3 and len(hashes) > 1000
    # The raw codings of a double-coded episode (coding/) are paraphrased too.
    for path in sorted((SEEDS / name).rglob("*.*")):
        if path.suffix not in (".yaml", ".md"):
            continue
        text = path.read_text(encoding="utf-8")
        if path.name == "sources.yaml":
            # Headlines are titles and may be given exactly: leave them out of the check.
            # So are addresses (a page's address often spells its headline).
            text = "\n".join(
                line for line in text.splitlines() if "title:" not in line and "url:" not in line
            )
        copied = [g for g in grams(text) if digest(g) in hashes]
        assert not copied, f"{name}/{path.name} copies source text: {copied[:3]}"


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/seeds is not beside the repository")
def test_reference_facts_are_paraphrased_not_copied() -> None:
    """No run of 8 words from a source document appears in the reference episode's files."""
    source = set()
    for f in REFERENCE_FILES:
        source |= grams((SHARED / f).read_text(encoding="utf-8"))
    for path in (SEEDS / REFERENCE).glob("*.y*ml"):
        copied = sorted(grams(path.read_text(encoding="utf-8")) & source)
        assert not copied, f"{path.name} copies source text: {copied[:3]}"


def test_the_fingerprint_check_catches_a_copied_sentence() -> None:
    source = (
        "The four attackers were killed after a gun battle that lasted three hours, officials said."
    )
    hashes = {digest(g) for g in grams(source)}
    ours = "Officials said the four attackers were killed after a gun battle that lasted hours."
    assert any(digest(g) in hashes for g in grams(ours))
    assert not any(digest(g) in hashes for g in grams("Troops killed all four gunmen."))


def test_reference_observed_paths(ladder: Ladder) -> None:
    t = load_timeline()
    assert t.name == REFERENCE and t.day0.isoformat() == "2024-01-16" and t.observed_days == 31
    # The exchange of 16-19 January (days 0-3): Pakistan's Foreign Office threatened on day 1.
    assert t.path(ladder, "iran", "pakistan", ["jaish_al_adl"])[:4] == [
        "strike_militants",
        "statement",
        "summon",
        "de_escalate",
    ]
    assert t.path(ladder, "pakistan", "iran", ["blf_bla"])[:4] == [
        "none",
        "threaten",
        "strike_militants",
        "de_escalate",
    ]
    assert t.path(ladder, "china", "iran")[1:3] == ["appeal", "mediate"]
    # Ambassadors back on day 10 (26 January): relations restored on both sides.
    iran = t.acts(ladder, "iran", "pakistan", ["jaish_al_adl"])
    assert ladder.index["restore_relations"] in iran[10]
    strike = next(e for e in t.events if e.id == "pakistan_strikes_blf_bla")
    assert strike.casualties == (9, 11) and strike.day == 2 and 1 in strike.day_alternatives
    topics = " ".join(d["topic"] for d in t.raw["disagreements"]).lower()
    assert "day" in topics and ("dead" in topics or "toll" in topics or "casualt" in topics)


@pytest.mark.parametrize("name", library())
def test_episode_config_matches_its_timeline(name: str) -> None:
    """The roster casts the timeline's roles and holds its trigger, with the same kinds."""
    cfg = compose_config("baseline", [f"episode={name}"])
    t = load_timeline(name)
    assert cfg.episode.name == name and cfg.episode.timeline == name
    roles = {r: t.roles.get(r) for r in ("victim", "adversary", "mediator")}
    assert dict(cfg.episode.roles) == roles
    force = {"militant_attack", "strike_militants", "strike_state"}
    trigger = {e.actor for e in t.events if e.day == 0 and e.action in force}
    needed = {a for a in roles.values() if a} | trigger
    assert needed <= set(cfg.actors), sorted(needed - set(cfg.actors))
    for aid in needed:
        assert cfg.actors[aid].kind == t.actor_kinds[aid], aid
    forced = [e for e in cfg.events.values() if e.day == 0]
    assert any(
        e.actor in trigger and e.rung == t_e.action
        for e in forced
        for t_e in t.events
        if t_e.day == 0
    )


@pytest.mark.parametrize("name", library())
@pytest.mark.parametrize("posterior", [None, "baseline", "joint"])
def test_every_episode_runs(name: str, posterior: str | None) -> None:
    """A few replicates of each episode's roster, with its own values and from the posterior."""
    from sim.runner import simulate
    from sim.settings import Settings

    extra = [f"posterior={posterior}"] if posterior else []
    cfg = compose_config(
        "baseline", [f"episode={name}", "simulation.replicates=40", "simulation.days=40", *extra]
    )
    s = Settings.from_config(cfg)
    summary = simulate(s, None, progress=False).summary
    t = load_timeline(name)
    assert summary["episode"]["name"] == name
    assert summary["episode"]["observed_days"] == t.observed_days
    victim, adversary = t.roles["victim"], t.roles["adversary"]
    observed = summary["observed"]
    assert f"{victim}->{adversary}" in observed and f"{adversary}->{victim}" in observed
    assert all(len(p) == t.observed_days for p in observed.values())
    if posterior:
        values = s.actors[victim].params["max_step"]
        assert isinstance(values, np.ndarray) and values.shape == (40,)


def test_bad_timeline_is_refused(tmp_path: Path, ladder: Ladder) -> None:
    bad = tmp_path / "timeline.yaml"
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - {id: a, outlet: X, title: T, date: 2024-01-16, url: 'https://x.org/a'}\n"
    )
    bad.write_text(
        "day0: 2024-01-16\nevents:\n  - {id: x, day: 0, actor: irann, target: pakistan, "
        "action: strike_militants, sources: [a]}\n"
    )
    with pytest.raises(ConfigError, match="unknown actor 'irann' \\(did you mean 'iran'"):
        load_timeline(bad).check(ladder, ["iran", "pakistan"])
    bad.write_text(
        "day0: 2024-01-16\nevents:\n  - {id: x, day: 0, actor: iran, target: pakistan, "
        "action: strike, sources: [b]}\n"
    )
    with pytest.raises(ConfigError, match=r"unknown source 'b'"):
        load_timeline(bad)
    bad.write_text(
        "day0: 2024-01-16\nevents:\n  - {id: x, day: 1, date: 2024-01-16, actor: iran, "
        "target: pakistan, action: strike, sources: [a]}\n"
    )
    with pytest.raises(ConfigError, match=r"events\[0\]\.date: 2024-01-16 is not day0 \+ 1"):
        load_timeline(bad)
    (tmp_path / "sources.yaml").write_text("sources:\n  - {id: a, outlet: X, title: T}\n")
    with pytest.raises(ConfigError, match=r"sources\[0\] \(a\)\.date: missing"):
        load_timeline(bad)
    bad.write_text("day0: [unclosed\n")
    with pytest.raises(ConfigError, match="malformed YAML"):
        load_timeline(bad)
    with pytest.raises(ConfigError, match="unknown episode 'india_pakistan_2017'"):
        load_timeline("india_pakistan_2017")


@pytest.mark.parametrize("name", library())
def test_calibrated_scenario_applies_to_every_episode(name: str) -> None:
    """The shipped calibrated scenario is keyed by role: it sets the cast actors' values."""
    from sim.settings import Settings

    s = Settings.from_config(compose_config("calibrated", [f"episode={name}"]))
    t = load_timeline(name)
    shipped = yaml.safe_load((ROOT / "scenarios" / "calibrated.yaml").read_text())["by_role"]
    victim, adversary = t.roles["victim"], t.roles["adversary"]
    assert s.actors[victim].params["max_step"] == shipped["victim"]["max_step"]
    assert s.actors[adversary].params["max_step"] == shipped["adversary"]["max_step"]
    mediator = t.roles.get("mediator")
    if mediator:
        restraint = shipped["mediator"]["restraint_effect"]
        assert s.actors[mediator].params["restraint_effect"] == pytest.approx(restraint)
    else:
        assert s.episode.skipped_roles == ("mediator",)
