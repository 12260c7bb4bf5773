"""Hand-set values shared by every episode: where each came from, and which folds saw it.

The joint fit does not fit these; every episode config carries them (the reference
episode's values, ``configs/episode/iran_pakistan_2024.yaml``, copied into the others), so a
fold whose held-out episode informed a value is not held out from it. The scorecard writes
this table into ``validation.json`` and marks each fold that saw a value
(``docs/validation.md``, "Hand-set values").
"""

from __future__ import annotations

from typing import Any

#: Chosen "so that the reference episode's shape is plausible" (docs/model.md, 3.4) and copied
#: into every episode config: the 2024 Iran-Pakistan fold saw them.
_REFERENCE = ("iran_pakistan_2024",)
_STATES = "configs/episode/*.yaml (every state)"

#: One row per hand-set shared value: the value, where it is set, where it came from, and the
#: episodes that informed it.
HAND_SET: tuple[dict[str, Any], ...] = (
    {
        "value": "pressure_sensitivity = 0.1",
        "set_in": _STATES,
        "from": "chosen on baseline runs of the 2024 Iran-Pakistan episode (at 0.3 a third of "
        "runs reached strikes on state forces; docs/model.md)",
        "seen_by": list(_REFERENCE),
    },
    {
        "value": "violation_pressure = 0.3",
        "set_in": _STATES,
        "from": "Pakistan calling Iran's strike a blatant breach of sovereignty "
        "(seeds/iran_pakistan_2024)",
        "seen_by": list(_REFERENCE),
    },
    {
        "value": "casualties_mean of strike_militants = 6",
        "set_in": "configs/ladder/cameo.yaml",
        "from": "the tolls of the 2024 Iran-Pakistan strikes (2 and 9-11 dead; "
        "seeds/iran_pakistan_2024)",
        "seen_by": list(_REFERENCE),
    },
    *(
        {
            "value": value,
            "set_in": where,
            "from": "hand-set for the 2024 Iran-Pakistan baseline (docs/model.md, 3.4)",
            "seen_by": list(_REFERENCE),
        }
        for value, where in (
            ("mediation_receptiveness = 0.3", _STATES),
            ("pressure_on_willingness = 0.5", _STATES),
            ("pressure_decay = 0.15", _STATES),
            ("casualty_pressure = 0.03", _STATES),
            ("return_rate = 0.3", _STATES),
            ("leverage_effect = 0.5", "configs/episode/*.yaml (every mediator)"),
            (
                "attack_rate = 0.01, degrade = 0.4, recovery = 0.03, provocation = 1.0, "
                "provocation_decay = 0.2",
                "configs/episode/*.yaml (every group)",
            ),
            ("hostility_decay = 0.1, hostility_gain = 0.5", "configs/mechanisms/default.yaml"),
        )
    ),
    {
        "value": "casualties_mean of strike_state = 25, sustained_conflict = 60, "
        "militant_attack = 4",
        "set_in": "configs/ladder/cameo.yaml",
        "from": "assumptions (docs/ladder.md), not read from any episode",
        "seen_by": [],
    },
)


def seen_by(episode: str) -> list[str]:
    """The hand-set values that episode ``episode`` informed."""
    return [row["value"] for row in HAND_SET if episode in row["seen_by"]]
