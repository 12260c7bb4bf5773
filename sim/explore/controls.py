"""The explore page's state as data: its controls, and the overrides each state means.

A state of the page is a :class:`PageState`: the episode, scenario and posterior chosen,
the replicates and seed as typed, and the values the user moved away from the composed
config's (``changed``). :func:`overrides` turns it into the overrides of ``escalation run``,
so the page never holds a value the command line could not: every redraw is validated by
the command line's own path (:func:`sim.explore.compute.validate`).

The controls are Mesa's user-parameter dictionaries (``{"type": "SliderFloat", "value": ...,
"min": ..., "max": ..., "step": ..., "label": ...}``, as ``SolaraViz(model_params=...)``
takes them), made from what each policy and mechanism declares (:class:`sim.params.Param`).
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

from omegaconf import DictConfig

from sim.errors import ConfigError
from sim.ladder import Ladder
from sim.params import Param
from sim.policies import get_policy, registered_policies
from sim.submodels import MECHANISM_PARAMS

#: A slider's widest span for an integer parameter that declares none (a count of days).
INT_SPAN = 30


@dataclass(frozen=True)
class PageState:
    """What the page shows, as the user set it.

    Attributes:
        episode: An episode of the library.
        scenario: A scenario of the library.
        posterior: ``none`` or a packaged posterior (draw each replicate's parameters).
        replicates: Replicates as typed.
        seed: Seed as typed.
        days: Simulated days.
        changed: Override key -> value, for each policy, policy parameter or mechanism the
            user moved from the composed config's value.
    """

    episode: str
    scenario: str = "baseline"
    posterior: str = "none"
    replicates: str = "10000"
    seed: str = "1"
    days: int = 30
    changed: Mapping[str, Any] = field(default_factory=dict)

    def with_value(self, key: str, value: Any) -> PageState:
        """The state after one control moved (a new policy drops the old one's values)."""
        changed = dict(self.changed)
        if key.endswith(".policy.name"):
            prefix = key.removesuffix("name")
            changed = {k: v for k, v in changed.items() if not k.startswith(prefix)}
        changed[key] = value
        return replace(self, changed=changed)

    def baseline(self) -> PageState:
        """The same episode, scenario, posterior, size and seed, with nothing moved."""
        return replace(self, changed={})


def posteriors() -> list[str]:
    """The packaged posteriors (``calibration/posterior/NAME.parquet``), after ``none``."""
    root = resources.files("sim.calibration").joinpath("posterior")
    names = sorted(p.name.removesuffix(".parquet") for p in root.iterdir() if p.is_file())
    return ["none", *[n for n in names if n]]


def whole(text: str, field_name: str) -> int:
    """A typed whole number, or a one-line refusal.

    Raises:
        ConfigError: If ``text`` is not a whole number.
    """
    try:
        return int(str(text).strip())
    except ValueError:
        raise ConfigError(f"{field_name}: expected a whole number, got {text!r}") from None


def overrides(state: PageState) -> list[str]:
    """The overrides of ``escalation run`` that this state means.

    Raises:
        ConfigError: If the replicates or the seed are not whole numbers.
    """
    out = [f"episode={state.episode}"]
    if state.scenario != "baseline":
        out.append(f"scenario={state.scenario}")
    if state.posterior != "none":
        out.append(f"posterior={state.posterior}")
    out += [
        f"replicates={whole(state.replicates, 'replicates')}",
        f"days={int(state.days)}",
        f"seed={whole(state.seed, 'seed')}",
    ]
    out += [f"{k}={_text(v)}" for k, v in sorted(state.changed.items())]
    return out


def command(overrides_: list[str]) -> str:
    """The ``escalation run`` command line of these overrides, quoted for a shell."""
    return shlex.join(["escalation", "run", *overrides_])


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _spec(p: Param, label: str, value: Any, ladder: Ladder) -> dict[str, Any]:
    """Mesa's user-parameter dictionary of one declared parameter."""
    if p.rung:
        return {"type": "Select", "label": label, "value": str(value), "values": list(ladder.names)}
    if isinstance(p.default, int) and p.low == 0 and p.high == 1:
        return {"type": "Checkbox", "label": label, "value": bool(value)}
    if isinstance(p.default, int):
        low = int(p.low) if math.isfinite(p.low) else min(0, int(value))
        high = int(p.high) if math.isfinite(p.high) and p.high - low <= 100 else low + INT_SPAN
        return {
            "type": "SliderInt",
            "label": label,
            "value": int(value),
            "min": low,
            "max": int(max(high, int(value))),
            "step": 1,
        }
    flow = float(p.low) if math.isfinite(p.low) else 0.0
    fhigh = float(p.high) if math.isfinite(p.high) else max(1.0, 2 * float(value))
    return {
        "type": "SliderFloat",
        "label": label,
        "value": float(value),
        "min": flow,
        "max": fhigh,
        "step": round((fhigh - flow) / 100, 6) or 0.01,
    }


def controls(cfg: DictConfig, ladder: Ladder) -> dict[str, dict[str, dict[str, Any]]]:
    """The page's controls for a composed config, grouped (actor labels, ``mechanisms``).

    Returns:
        Group title -> override key -> Mesa's user-parameter dictionary.
    """
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for aid, actor in cfg.actors.items():
        node = actor.get("policy")
        if node is None:
            continue
        name = str(node.name)
        cls = get_policy(name)
        group: dict[str, dict[str, Any]] = {
            f"actors.{aid}.policy.name": {
                "type": "Select",
                "label": "policy",
                "value": name,
                "values": list(registered_policies(cls.traits.role)),
            }
        }
        for key, p in cls.params.items():
            value = node.get(key, p.default)
            group[f"actors.{aid}.policy.{key}"] = _spec(p, key, value, ladder)
        out[f"{actor.get('label') or aid} ({aid})"] = group
    mech = cfg.get("mechanisms") or {}
    out["mechanisms"] = {
        f"mechanisms.{key}": _spec(p, key, mech.get(key, p.default), ladder)
        for key, p in MECHANISM_PARAMS.items()
    }
    return out
