"""The day's processes, one module each, with its equation in the docstring.

The model's schedule (:data:`sim.model.EFFECTS`) is the ordered list of these
functions; each takes the model and :class:`Today` and updates the model's state in
place. A mechanism's parameters (``mechanisms:`` in the config) are declared in its
module as ``PARAMS``, next to the code that uses them; the settings validate them from
:data:`MECHANISM_PARAMS`. ``docs/model.md`` has a section for each module.

Adding a mechanism: a module here, a line in the schedule, a section of the doc.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import Param
from sim.submodels import (
    absorption,
    answer_type,
    attribution,
    casualties,
    crises,
    diplomatic_status,
    gestures,
    grievance,
    hostility,
    mediation,
    mediator_acts,
    militant_capacity,
    preparation,
    pressure,
    same_day,
    starting_tension,
    strike_size,
    strikes_on_bases,
    tracks,
)


@dataclass
class Today:
    """The day being applied.

    Attributes:
        day: The day's index.
        rung: int8 array (channels, R): every channel's rung today.
        level: int8 array (channels, R): the state level of each rung (0 for rungs that
            are not state levels, such as a militant attack).
        fixed: Channel -> death toll a scheduled event fixes today.
    """

    day: int
    rung: np.ndarray
    level: np.ndarray
    fixed: dict[int, int]


_MODULES = (
    starting_tension,
    attribution,
    grievance,
    preparation,
    answer_type,
    gestures,
    absorption,
    strike_size,
    tracks,
    same_day,
    militant_capacity,
    casualties,
    strikes_on_bases,
    diplomatic_status,
    crises,
    hostility,
    pressure,
    mediation,
    mediator_acts,
)

#: Every mechanism parameter, by its key under ``mechanisms:``.
MECHANISM_PARAMS: dict[str, Param] = {
    key: p for module in _MODULES for key, p in getattr(module, "PARAMS", {}).items()
}
