"""Generated episodes: one per ICB crisis actor record, from what was known at its trigger.

A record (:class:`Record`) is a dyad that :func:`sim.icb.select` kept: the crisis actor (the
episode's victim) and the state it held responsible (the adversary). Its episode
(:func:`episode_config`) casts the two states, one generic mediator ("third parties", with
equal leverage over both: who would mediate is not known at the trigger) and, for a violent
trigger by a non-state actor, a militant group hosted by the adversary. Day 0 is the
trigger, mapped onto the ladder by :data:`TRIGGER_RUNGS`.

Ex-ante context read from ICB (codebook meanings in ``docs/icb.md``):

- ``pc`` (conflict setting) sets the dyad's standing hostility (the template's table);
- ``cractloc`` = 1 (the crisis on the actor's home territory) makes the dyad a ``border``
  relation, otherwise a ``rivalry`` (the model reads both alike today);
- ``nuclear``, ``regime`` and ``powdis`` have no mechanism in the model. They are kept in the
  record and enter the regression only (:mod:`sim.benchmark.baselines`).

No outcome column (:data:`sim.icb.OUTCOMES`) is read here: :data:`COVARIATES` and the
selection's columns are the only ones.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: The ex-ante actor-level columns read besides the selection's (codebook, ICB2 variables
#: 45, 50, 54, 59 and 63).
COVARIATES = ("cractloc", "pc", "nuclear", "regime", "powdis")

#: ``triggr`` code -> the rung of the day-0 act (ICB2 variable 1; ``docs/benchmark.md``).
TRIGGER_RUNGS: dict[int, str] = {
    1: "threaten",  # verbal act: protest, threat, accusation, demand
    2: "recall_ambassador",  # political act: subversion, severance, diplomatic sanctions
    3: "sanction",  # economic act: embargo, nationalisation, aid withheld
    5: "condemn",  # other non-violent act
    7: "posture",  # non-violent military act: show of force, mobilisation
    8: "strike_militants",  # indirect violent act: violence against an ally or client
    9: "strike_state",  # violent act: clash, incursion, attack
}
#: ``triggr`` code -> trigger group (the base rates by trigger type, the fit's strata).
TRIGGER_GROUPS: dict[int, str] = {
    1: "non_violent",
    2: "non_violent",
    3: "non_violent",
    5: "non_violent",
    7: "military",
    8: "indirect_violent",
    9: "violent",
}
GROUPS = ("non_violent", "military", "indirect_violent", "violent")


@dataclass(frozen=True)
class Record:
    """One crisis actor record of the benchmark (ex-ante values only).

    Attributes:
        crisno: ICB crisis number.
        cracno: ICB crisis actor number (unique across crises).
        crisname: ICB crisis name.
        actor: The actor's ICB abbreviation (the victim).
        adversary: The adversary's abbreviation (``state_<code>`` if it is no ICB actor).
        triggr: Trigger type (ICB2 variable 1).
        trigger_by: ``adversary``, ``non_state`` or ``several_states``.
        trigger_date: ISO date of the trigger.
        split: ``train`` (before 1990) or ``test``.
        cractloc: Distance of the actor from the crisis (1 home territory .. 4 elsewhere).
        pc: Conflict setting (1 non-protracted, 2 protracted, 3 long-war protracted).
        nuclear: The actor's nuclear capability (1..4).
        adversary_nuclear: The adversary's, from its own row in the crisis (0 if none).
        regime: The actor's regime (1 democratic .. 5).
        powdis: Power discrepancy (NaN where blank; sign not verified).
    """

    crisno: int
    cracno: int
    crisname: str
    actor: str
    adversary: str
    triggr: int
    trigger_by: str
    trigger_date: str
    split: str
    cractloc: int
    pc: int
    nuclear: int
    adversary_nuclear: int
    regime: int
    powdis: float

    @property
    def name(self) -> str:
        """The generated episode's name, e.g. ``icb_482_ind_1064``.

        Crisis, actor and actor record: an actor can have several records in one crisis
        (one per trigger it perceived).
        """
        return f"icb_{self.crisno}_{_ident(self.actor)}_{self.cracno}"

    @property
    def group(self) -> str:
        """The trigger group (:data:`TRIGGER_GROUPS`)."""
        return TRIGGER_GROUPS[self.triggr]

    @property
    def militant_trigger(self) -> bool:
        """Whether day 0 is a militant group's attack (a violent non-state trigger)."""
        return self.trigger_by == "non_state" and self.triggr in (8, 9)


def _ident(abbrev: str) -> str:
    out = "".join(ch if ch.isalnum() else "_" for ch in str(abbrev).strip().lower())
    return out if out and out[0].isalpha() else f"s_{out}"


def _int(value: Any, default: int) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(number) else int(number)


def records(actors: pd.DataFrame, selected: pd.DataFrame) -> list[Record]:
    """The benchmark's records: the selection joined with the ex-ante covariates.

    Args:
        actors: The actor-level file (:func:`sim.icb.load`); only :data:`COVARIATES`,
            ``cracid`` and ``actor`` are read from it.
        selected: :func:`sim.icb.select`'s rows.
    """
    cov = actors.loc[:, ["crisno", "cracno", "cracid", "actor", *COVARIATES]]
    names = cov.drop_duplicates("cracid").set_index("cracid")["actor"]
    by_row: dict[int, dict[Any, Any]] = {int(r["cracno"]): r for r in cov.to_dict("records")}
    # An actor can have several records in a crisis (one per trigger): its highest code.
    nuclear_in = cov.groupby(["crisno", "cracid"])["nuclear"].max()
    out = []
    for s in selected.to_dict("records"):
        row = by_row[int(s["cracno"])]
        adv = int(s["adversary"])
        adv_name = str(names[adv]) if adv in names.index else f"state_{adv}"
        adv_nuclear = nuclear_in.get((int(s["crisno"]), adv), 0)
        powdis = float(row["powdis"]) if pd.notna(row["powdis"]) else math.nan
        out.append(
            Record(
                crisno=int(s["crisno"]),
                cracno=int(s["cracno"]),
                crisname=str(s["crisname"]).strip(),
                actor=str(s["actor"]).strip(),
                adversary=adv_name.strip(),
                triggr=int(s["triggr"]),
                trigger_by=str(s["trigger_by"]),
                trigger_date=str(s["trigger_date"]),
                split=str(s["split"]),
                cractloc=_int(row["cractloc"], 4),
                pc=_int(row["pc"], 1),
                nuclear=_int(row["nuclear"], 1),
                adversary_nuclear=_int(adv_nuclear, 0),
                regime=_int(row["regime"], 0),
                powdis=powdis,
            )
        )
    return out


def episode_config(
    record: Record, base: dict[str, Any], template: dict[str, Any]
) -> dict[str, Any]:
    """The record's episode as a config (``base`` with its roster, relations and trigger).

    Args:
        record: The record.
        base: A composed config (scenario and simulation settings) as a plain dict.
        template: The ``template`` node of ``configs/benchmark/icb.yaml``.
    """
    raw = copy.deepcopy(base)
    victim, adversary = _ident(record.actor), _ident(record.adversary)
    if adversary == victim:
        adversary = f"{adversary}_adversary"
    state = dict(template["state"])
    mediator = {k: v for k, v in template["mediator"].items() if k != "leverage"}
    actors: dict[str, Any] = {
        victim: {
            **copy.deepcopy(state),
            "label": record.actor,
            "policy": dict(template.get("victim_policy") or state["policy"]),
        },
        adversary: {**copy.deepcopy(state), "label": record.adversary},
        "third_parties": copy.deepcopy(mediator),
    }
    hostility = float(template["hostility"].get(record.pc, template["hostility"][1]))
    dyad = "border" if record.cractloc == 1 else "rivalry"
    leverage = float(template["mediator"].get("leverage", 0.5))
    relations: dict[str, Any] = {
        "dyad": {
            "source": victim,
            "target": adversary,
            "type": dyad,
            "weight": 1.0,
            "hostility": hostility,
        },
        "third_parties_leverage_victim": {
            "source": "third_parties",
            "target": victim,
            "type": "leverage",
            "weight": leverage,
        },
        "third_parties_leverage_adversary": {
            "source": "third_parties",
            "target": adversary,
            "type": "leverage",
            "weight": leverage,
        },
    }
    trigger: dict[str, Any] = {"day": 0, "actor": adversary, "target": victim}
    if record.militant_trigger:
        actors["militants"] = {**copy.deepcopy(template["militant"]), "label": "Militants"}
        relations["adversary_hosts_militants"] = {
            "source": adversary,
            "target": "militants",
            "type": "hosts",
        }
        relations["militants_attack_victim"] = {
            "source": "militants",
            "target": victim,
            "type": "attacks",
        }
        trigger.update(actor="militants", rung="militant_attack")
    else:
        trigger["rung"] = TRIGGER_RUNGS[record.triggr]
    raw["actors"] = actors
    raw["relations"] = relations
    raw["events"] = {"trigger": trigger}
    raw["episode"] = {
        "name": record.name,
        "title": f"ICB {record.crisno} {record.crisname}: {record.actor} and {record.adversary}",
        "timeline": None,
        "roles": {"victim": victim, "adversary": adversary, "mediator": "third_parties"},
        "description": (
            f"Generated from ICB v14 actor record {record.cracno} (trigger {record.triggr} "
            f"by {record.trigger_by}, {record.trigger_date}); ex-ante values only "
            "(docs/benchmark.md)."
        ),
    }
    return raw


#: Keys of a generated episode that an ``episode/NAME.yaml`` file holds.
EPISODE_FILE_KEYS = ("episode", "actors", "relations", "events")


def episode_file(raw: dict[str, Any]) -> dict[str, Any]:
    """The part of a generated config that an episode file holds (``--config-dir``)."""
    return {k: raw[k] for k in EPISODE_FILE_KEYS}
