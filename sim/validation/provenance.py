"""Hand-set values shared by every episode: where each came from, and which folds saw it.

The joint fit does not fit these; every episode config carries them (the reference
episode's values, ``configs/episode/iran_pakistan_2024.yaml``, copied into the others), so a
fold whose held-out episode informed a value is not held out from it. The scorecard writes
this table into ``validation.json`` and marks each fold that saw a value
(``docs/validation.md``, "Hand-set values").
"""

from __future__ import annotations

from typing import Any

#: One row per hand-set shared value: the value, where it is set, where it came from, and the
#: episodes that informed it.
HAND_SET: tuple[dict[str, Any], ...] = (
    {
        "value": "pressure_sensitivity = 0.1",
        "set_in": "configs/episode/*.yaml (every state)",
        "from": "chosen on baseline runs of the 2024 Iran-Pakistan episode (at 0.3 a third of "
        "runs reached strikes on state forces; docs/model.md)",
        "seen_by": ["iran_pakistan_2024"],
    },
    {
        "value": "violation_pressure = 0.3",
        "set_in": "configs/episode/*.yaml (every state)",
        "from": "Pakistan calling Iran's strike a blatant breach of sovereignty "
        "(seeds/iran_pakistan_2024)",
        "seen_by": ["iran_pakistan_2024"],
    },
    {
        "value": "casualties_mean of strike_militants = 6",
        "set_in": "configs/ladder/cameo.yaml",
        "from": "the tolls of the 2024 Iran-Pakistan strikes (2 and 9-11 dead; "
        "seeds/iran_pakistan_2024)",
        "seen_by": ["iran_pakistan_2024"],
    },
)


def seen_by(episode: str) -> list[str]:
    """The hand-set values that episode ``episode`` informed."""
    return [row["value"] for row in HAND_SET if episode in row["seen_by"]]
