"""Run a policy written for one replicate at a time inside the vectorised batch.

Research code often starts as plain Python with ``if`` statements. Subclass
:class:`OneReplicatePolicy`, then wrap it with :func:`per_replicate` to get a
batch :class:`~sim.policies.base.Policy` that the registry and configs accept.
It loops over replicates in Python, so it is slower (roughly 1 µs per replicate
per day and actor instead of a few ns), but it draws the same counter-based
random numbers, so results stay deterministic and replayable.

Example:
    >>> from sim.policies import OneReplicatePolicy, Traits, per_replicate
    >>> class HalfMeasures(OneReplicatePolicy):
    ...     name = "half_measures"
    ...     traits = Traits(role="state", stochastic=False, memory_depth=1)
    ...
    ...     def respond(self, obs, uniform):
    ...         return obs.received // 2
    >>> Batch = per_replicate(HalfMeasures)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from functools import partial
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np

from sim.policies.base import Param, Policy, Traits
from sim.rng import Draws


class OneReplicatePolicy:
    """A policy for one replicate, in plain Python.

    Subclasses set ``name``, ``traits`` and ``params`` like batch policies and
    implement :meth:`respond`. One instance lives per replicate, so instance
    attributes are that replicate's memory; ``self.values`` holds its parameters
    as plain scalars.

    Args:
        **values: Parameter values for this replicate.
    """

    name: ClassVar[str] = ""
    traits: ClassVar[Traits]
    params: ClassVar[Mapping[str, Param]] = {}

    def __init__(self, **values: Any) -> None:
        self.values = values

    def respond(self, obs: SimpleNamespace, uniform: Callable[[int], float]) -> int:
        """Today's level (state) or mediator action code for this replicate.

        Args:
            obs: The observation's fields as scalars (``obs.received`` ...).
            uniform: ``uniform(k)`` is this replicate's k-th uniform draw of the day.
        """
        raise NotImplementedError


def _pick(column: Callable[[int], np.ndarray], i: int, k: int) -> float:
    return float(column(k)[i])


def per_replicate(cls: type[OneReplicatePolicy]) -> type[Policy]:
    """Wrap a one-replicate policy class into a batch policy class.

    Args:
        cls: The plain-Python policy.

    Returns:
        A :class:`Policy` subclass with the same name, traits and parameters;
        register it with :func:`~sim.policies.base.register_policy`.
    """

    class Adapted(Policy):
        name = cls.name
        traits = cls.traits
        params = cls.params
        inner = cls
        # One Python object per replicate: a particle filter resamples them by name.
        per_replicate_objects = ("players",)

        def reset(self) -> None:
            self.players = [
                cls(
                    **{
                        k: (v[i].item() if isinstance(v, np.ndarray) else v)
                        for k, v in self.values.items()
                    }
                )
                for i in range(self.n)
            ]

        def decide(self, obs: Any, draws: Draws) -> np.ndarray:
            names = [f.name for f in fields(obs)]
            cols = {k: getattr(obs, k) for k in names}
            cache: dict[int, np.ndarray] = {}

            def column(k: int) -> np.ndarray:
                if k not in cache:
                    cache[k] = draws.uniform(k)
                return cache[k]

            out = np.empty(self.n, dtype=np.int8)
            for i, player in enumerate(self.players):
                view = SimpleNamespace(
                    **{
                        k: (v[i].item() if isinstance(v, np.ndarray) else v)
                        for k, v in cols.items()
                    }
                )
                out[i] = player.respond(view, partial(_pick, column, i))
            return out

    Adapted.__name__ = Adapted.__qualname__ = f"PerReplicate[{cls.__name__}]"
    Adapted.__doc__ = cls.__doc__
    return Adapted
