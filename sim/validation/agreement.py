"""Agreement between two independent codings of an episode, as Krippendorff's alpha.

Some episodes of the library were coded twice: two coders worked from the same source
list (the episode's ``sources.yaml``), each blind to the other's timeline, and the library's
``timeline.yaml`` reconciles the two. The raw codings stay in the episode folder as
``coding/coder_a.yaml`` and ``coding/coder_b.yaml``, the reconciliation notes as
``coding/reconciliation.md`` (``seeds/README.md``).

The unit is an actor-day: the daily rung of each state of the episode's dyad toward the
other (the most escalatory act of the day, acts toward groups the other hosts or sponsors
included; :meth:`sim.timeline.Timeline.path`), over the library timeline's coded days. The
value is the rung's place on the ladder. The primary figure, fixed before any coding was
compared, is the ordinal alpha over both states' days; the nominal alpha, the share of
units coded alike and the alpha of each state alone are reported beside it.

``python -m sim.validation.agreement [EPISODE ...]`` prints the table of ``seeds/README.md``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from omegaconf import OmegaConf

from sim import relations as rel
from sim.errors import ConfigError
from sim.ladder import Ladder
from sim.timeline import Timeline, episode_dir, library, load_timeline

#: The two raw codings of a double-coded episode, in ``seeds/<episode>/coding/``.
CODERS = ("coder_a", "coder_b")


@dataclass(frozen=True)
class Agreement:
    """How far two codings of one episode agree on the daily rungs.

    Attributes:
        episode: The episode's name.
        channels: The directed state pairs compared (``victim->adversary`` first).
        days: Coded days per channel.
        ordinal: Krippendorff's alpha, ordinal, over every actor-day (the primary figure).
        nominal: Krippendorff's alpha, nominal, over every actor-day.
        exact: Share of actor-days both coders put on the same rung.
        per_channel: Ordinal alpha of each channel alone (NaN where no rung varies).
        rungs: The two coders' daily rungs, ``(coder, channel, day)`` rung names.
    """

    episode: str
    channels: tuple[str, ...]
    days: int
    ordinal: float
    nominal: float
    exact: float
    per_channel: dict[str, float]
    rungs: tuple[tuple[tuple[str, ...], ...], ...]


def double_coded() -> list[str]:
    """The library's episodes that keep two raw codings."""
    return [n for n in library() if all(_coding(n, c).is_file() for c in CODERS)]


def _coding(name: str, coder: str) -> Path:
    return episode_dir(name) / "coding" / f"{coder}.yaml"


def load_codings(name: str) -> tuple[Timeline, Timeline]:
    """The two raw codings of an episode, checked against the episode's sources.

    Raises:
        ConfigError: If the episode keeps no two codings, or one of them is malformed.
    """
    sources = episode_dir(name) / "sources.yaml"
    paths = [_coding(name, c) for c in CODERS]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise ConfigError(f"seeds/{name}/coding: {', '.join(missing)} not found (not double-coded)")
    a, b = (load_timeline(p, sources=sources) for p in paths)
    return a, b


def _alpha(data: np.ndarray, level: Literal["nominal", "ordinal"]) -> float:
    """Krippendorff's alpha of ``(coder, unit)`` values; NaN where no value varies."""
    import krippendorff

    if len(np.unique(data[~np.isnan(data)])) < 2:
        return math.nan
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def agreement(name: str, ladder: Ladder | None = None) -> Agreement:
    """Krippendorff's alpha between the two codings of an episode.

    Args:
        name: A double-coded episode of the library.
        ladder: The ladder whose rung order is the ordinal scale (default: the baseline's).

    Raises:
        ConfigError: If the episode is not double-coded, a coding is malformed or covers
            fewer days than the library's timeline.
    """
    from sim.config import compose_config

    cfg = compose_config("baseline", [f"episode={name}"])
    ladder = ladder or Ladder.from_config(cfg.ladder)
    library_t = load_timeline(name)
    victim, adversary = library_t.roles["victim"], library_t.roles["adversary"]
    if victim is None or adversary is None:
        raise ConfigError(f"seeds/{name}: agreement needs a victim and an adversary")
    days = library_t.observed_days
    codings = load_codings(name)
    for coder, t in zip(CODERS, codings, strict=True):
        if t.observed_days < days:
            raise ConfigError(
                f"seeds/{name}/coding/{coder}.yaml: {t.observed_days} coded days,"
                f" the library's timeline has {days}"
            )
    channels = ((victim, adversary), (adversary, victim))
    groups = {state: _groups(cfg, state) for state in (victim, adversary)}
    return compare(name, codings, ladder, channels, groups, days)


def compare(
    name: str,
    codings: Sequence[Timeline],
    ladder: Ladder,
    channels: Sequence[tuple[str, str]],
    groups: dict[str, list[str]],
    days: int,
) -> Agreement:
    """Krippendorff's alpha between two timelines on the daily rungs of ``channels``.

    Args:
        name: The episode's name, for the result.
        codings: The two timelines.
        ladder: The ladder whose rung order is the ordinal scale.
        channels: Directed ``(actor, opponent)`` pairs.
        groups: State -> the groups it hosts or sponsors (acts toward them count toward it).
        days: Days compared, from day 0.
    """
    rungs = tuple(
        tuple(tuple(t.path(ladder, a, b, groups.get(b, ()), days=days)[:days]) for a, b in channels)
        for t in codings
    )
    short = [
        t.name for t, coder in zip(codings, rungs, strict=True) if any(len(c) < days for c in coder)
    ]
    if short:
        raise ConfigError(f"seeds/{name}: a coding covers fewer than {days} days ({short[0]})")
    values = np.array(
        [[ladder.index[r] for channel in coder for r in channel] for coder in rungs], dtype=float
    )
    labels = tuple(f"{a}->{b}" for a, b in channels)
    per_channel = {
        label: _alpha(values[:, i * days : (i + 1) * days], "ordinal")
        for i, label in enumerate(labels)
    }
    return Agreement(
        episode=name,
        channels=labels,
        days=days,
        ordinal=_alpha(values, "ordinal"),
        nominal=_alpha(values, "nominal"),
        exact=float(np.mean(values[0] == values[1])),
        per_channel=per_channel,
        rungs=rungs,
    )


def _groups(cfg: Any, state: str) -> list[str]:
    """Groups the composed episode says ``state`` hosts or sponsors (as the runner reads them)."""
    kinds = {str(aid): str(a["kind"]) for aid, a in cfg.actors.items()}
    relations = OmegaConf.to_container(cfg.get("relations") or {}, resolve=True)
    assert isinstance(relations, dict)
    g = rel.build_graph(kinds, relations.values())
    return sorted({*rel.hosted_by(g, state), *rel.sponsored_by(g, state)})


def _fmt(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.2f}"


def table(results: Sequence[Agreement]) -> str:
    """The Markdown table of ``seeds/README.md``."""
    lines = [
        "| episode | actor-days | α ordinal | α nominal | same rung | α per state (ordinal) |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        per = "; ".join(f"{k.split('->')[0]} {_fmt(v)}" for k, v in r.per_channel.items())
        lines.append(
            f"| `{r.episode}` | {len(r.channels) * r.days} | {_fmt(r.ordinal)} |"
            f" {_fmt(r.nominal)} | {r.exact:.0%} | {per} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the agreement table for the named (default: every double-coded) episode."""
    names = list(argv if argv is not None else sys.argv[1:]) or double_coded()
    try:
        print(table([agreement(n) for n in names]))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
