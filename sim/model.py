"""The escalation model: one Mesa model simulates a batch of R replicates at once.

Every piece of dynamic state is a numpy array whose last axis is the replicate axis;
actors are Mesa agents (one per actor, not per replicate). With R=1 this is a plain
step-by-step Mesa model to inspect in a notebook.

A day (:meth:`EscalationModel.step`, the ODD's process overview in ``docs/model.md``):

1. perception: yesterday's appeals, leverage and provocation; 2. decisions (simultaneous),
then :data:`SHAPING`; 3. actions, scheduled events, same-day reactions; 4. effects: the
submodels of :data:`EFFECTS`, in order, then each agent's own. Day 0 holds only the
scheduled events (the episode's trigger).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import mesa
import numpy as np

from sim import relations as rel
from sim import submodels as sm
from sim import wiring
from sim.agents import Actor, Channel, get_actor_type
from sim.errors import ConfigError
from sim.kinds import kind_family
from sim.policies import MEDIATOR_ACTIONS
from sim.records import Records
from sim.rng import CounterRNG, batch_iteration, model_seed
from sim.settings import Settings
from sim.submodels import Today

#: The day's effects, in order: each submodel reads what the ones before it wrote.
EFFECTS = (
    sm.tracks.record,  # the day's second acts, on the other track (two_tracks)
    sm.militant_capacity.recover,  # groups recover capacity; provocation decays
    sm.casualties.apply,  # deaths from force and attacks; violated soil; strikes given
    sm.attribution.count_proxy_strikes,  # a group's attack as its host's or sponsor's strike
    sm.strikes_on_bases.apply,  # strikes on militant bases degrade and provoke the groups
    sm.diplomatic_status.apply,  # ambassadors recalled and returned
    sm.crises.apply,  # crises open, peak and close; agreements and relapses
    sm.hostility.apply,  # each dyad's hostility
    sm.pressure.apply,  # each state's domestic pressure
    sm.mediation.record_offers,  # mediators that offered mediation
)


#: After the states have planned, before they act: mechanisms that shape their plans.
SHAPING = (
    sm.preparation.shape,  # fractional climbing; force only once prepared
    sm.answer_type.shape,  # strikes fall on bases or on state forces
    sm.gestures.shape,  # unilateral gestures in a crisis
    sm.absorption.absorb,  # struck states may absorb the blow
    sm.strike_size.plan,  # the strikes still planned are limited or major
    sm.tracks.shape,  # a military and a diplomatic-economic track (two_tracks)
)

#: Batch statistics a model built from keywords collects after each day (Mesa reporters).
REPORTERS: dict[str, Callable[[Any], float]] = {
    "day": lambda m: m.day - 1,
    "seed": lambda m: m.settings.simulation.seed,  # batch_run's rows name the seed to replay
    "p_force": lambda m: float((m.level >= m.lv_force).any(axis=0).mean()),
    "p_deescalated": lambda m: float((m.agreed_day >= 0).all(axis=0).mean()),
    "p_recalled": lambda m: float(m.recalled.any(axis=0).mean()),
    "mean_deaths": lambda m: float(m.total_deaths.mean()),
}


class EscalationModel(Records, mesa.Model):
    """A batch of independent replicates of the crisis.

    Built from validated settings (what the runner does), or from keyword parameters, as
    Mesa's ``batch_run`` and visualisation build models::

        EscalationModel(scenario="hawkish_pakistan", replicates=1000, rng=3, days=20)
        mesa.batch_run(EscalationModel, {"scenario": ["baseline", "no_mediation"],
                                         "replicates": 500}, iterations=3)

    ``batch_run``'s iteration ``i`` runs seed ``simulation.seed + i`` (1, 2, 3 by default),
    so its rows differ and replay; seeds in the parameters (or Mesa >= 3.4's ``rng=[...]``)
    are used as given. A model built from keywords collects batch statistics after each
    day in ``datacollector`` (:data:`REPORTERS`).

    Args:
        settings: Validated settings (see :meth:`Settings.from_config`); None to compose
            them from the keywords.
        replicates: Global indices of the replicates to simulate, or how many (default: all
            ``settings.simulation.replicates``). A replicate's path depends only on
            the seed, its index and its parameters, so any subset replays exactly.
        scenario: Scenario name (keyword construction).
        episode: Episode name (keyword construction; None: the default episode).
        rng: ``simulation.seed``, as Mesa 3 models take it: an int, or a numpy ``Generator``
            or ``SeedSequence`` to draw one from (keyword construction; None: the config's).
        seed: Alias of an int ``rng`` (keyword construction).
        days: ``simulation.days`` (keyword construction).
        overrides: More Hydra overrides, e.g. ``"posterior=baseline"`` (keyword construction).
        collect: Collect :data:`REPORTERS` each day (default: when built from keywords).

    Attributes:
        day: The next day to simulate (0 before the first step).
        history: int8 array (days, channels, R) of the rung each channel took.
        deaths: int32 array (days, channels, R) of deaths each action caused.
        channels: The directed lines of action (actor -> target).
    """

    # Set by sim.wiring.connect while the model is built.
    channels: list[Channel]
    dyads: list[tuple[str, str]]
    _state_channels: list[Channel]
    _index: dict[tuple[str, str], Channel]
    _own: dict[str, set[int]]
    _dyad_rows: list[tuple[int, int]]
    _hostile: dict[int, list[tuple[Any, int]]]
    _attributed: dict[int, list[tuple[Any, int, float]]]
    _mediators: dict[str, list[tuple[Any, float, int]]]

    def __init__(
        self,
        settings: Settings | None = None,
        replicates: np.ndarray | int | None = None,
        *,
        scenario: str = "baseline",
        episode: str | None = None,
        rng: Any = None,
        seed: int | None = None,
        days: int | None = None,
        overrides: str | Sequence[str] = (),
        collect: bool | None = None,
    ) -> None:
        keywords = settings is None
        if settings is None:
            from sim.config import run_config

            count = replicates if isinstance(replicates, int) else None
            chosen = model_seed(rng, seed)
            cfg = run_config(scenario, episode, count, chosen, days, overrides)
            if chosen is None and (iteration := batch_iteration()):
                # batch_run's iterations: seed + i, so iteration i replays with seed=seed + i.
                cfg.simulation.seed = int(cfg.simulation.seed) + iteration
            settings = Settings.from_config(cfg)
        super().__init__(rng=settings.simulation.seed)
        self.settings = settings
        sim = settings.simulation
        self.replicates = (
            np.arange(sim.replicates if replicates is None else replicates, dtype=np.int64)
            if replicates is None or isinstance(replicates, int)
            else np.asarray(replicates, dtype=np.int64)
        )
        self.datacollector = (
            mesa.DataCollector(model_reporters=dict(REPORTERS))
            if (keywords if collect is None else collect)
            else None
        )
        if self.replicates.ndim != 1 or self.replicates.size == 0:
            raise ConfigError("replicates: expected a non-empty 1-D array of indices")
        self.n = n = int(self.replicates.size)
        self.days = sim.days
        self.day = 0
        self.ladder = lad = settings.ladder
        self.counter = CounterRNG(sim.seed, self.replicates)
        self.graph = rel.build_graph(
            {a.id: a.kind for a in settings.actors.values()}, settings.relations
        )
        self._ladder_roles()
        self.mech = {k: self.batch_value(v) for k, v in settings.mechanisms.items()}

        self.actors: dict[str, Actor] = {}
        for spec in settings.actors.values():
            self.actors[spec.id] = get_actor_type(spec.kind)(self, spec)
        self._members: dict[str, list[Any]] = {}
        self._connect()

        c, d = len(self.channels), len(self.dyads)
        self.rung = np.full((c, n), self.r_none, dtype=np.int8)
        self.level = np.zeros((c, n), dtype=np.int8)
        self.given = np.zeros((c, n), dtype=np.int16)
        self.recalled = np.zeros((c, n), dtype=bool)
        self.crisis_open = np.zeros((d, n), dtype=bool)
        self.crisis_start = np.zeros((d, n), dtype=np.int32)
        self.crisis_peak = np.zeros((d, n), dtype=np.int8)
        self.agreed_day = np.full((d, n), -1, dtype=np.int32)
        self.relapse = np.zeros((d, n), dtype=bool)
        self.hostility = np.array(
            [np.zeros(n) + rel.initial_hostility(self.graph, a, b) for a, b in self.dyads]
        ).reshape(d, n)
        self.history = np.full((self.days, c, n), self.r_none, dtype=np.int8)
        self._init_records()
        self.total_deaths = np.zeros(n, dtype=np.int64)
        sm.starting_tension.initialise(self)
        self.events_by_day: dict[int, list[tuple[int, int, int | None]]] = {}
        for ev in settings.events:
            ch = self.channel_for(ev.actor, ev.target)
            self.events_by_day.setdefault(ev.day, []).append(
                (ch.index, lad.index[ev.rung], ev.casualties)
            )

    # ------------------------------------------------------------------ building
    def _ladder_roles(self) -> None:
        """Rungs and levels the mechanisms refer to by role."""
        lad = self.ladder
        self.lv_force = lad.level_of("force")
        self.lv_cap = lad.level_of("leverage_cap")
        self.lv_crisis = lad.level_of("crisis")
        self.lv_strike_militants = lad.level_of("strike_militants")
        self.rung_to_level = np.zeros(len(lad), dtype=np.int8)
        self.rung_to_level[lad.state_levels] = np.arange(len(lad.state_levels), dtype=np.int8)
        self.r_none = lad.rung_of("none")
        self.r_agree = lad.rung_of("agreement")
        self.r_talks = lad.rung_of("talks")
        self.r_restore = lad.rung_of("restore")
        self.r_recall = lad.rung_of("recall")
        self.r_strike_militants = lad.rung_of("strike_militants")
        self.r_attack = lad.rung_of("militant_attack")
        strike_state = lad.index.get("strike_state")
        self.lv_strike_state = int(self.rung_to_level[strike_state]) if strike_state else None
        self.r_gesture = lad.index.get(lad.roles.get("gesture", "declare_ceasefire"))
        self.r_mediator = np.array(
            [self.r_none] + [lad.rung_of(a) for a in MEDIATOR_ACTIONS[1:]], dtype=np.int8
        )

    def batch_value(self, value: Any) -> Any:
        """A parameter value for this batch: scalars as they are, arrays sliced to it."""
        if isinstance(value, np.ndarray):
            return value[self.replicates]
        return value

    def _connect(self) -> None:
        """Open every actor's channels, pair states' channels into dyads, cache lookups."""
        wiring.connect(self)

    def add_channel(
        self,
        actor: Actor,
        target: str,
        strike_target: str | None = None,
        kind: str | None = None,
    ) -> Channel:
        """Open a line of action from ``actor`` to ``target`` (while the model is built).

        Args:
            actor: The acting agent; the channel is appended to its ``channels``.
            target: Target actor id.
            strike_target: Event-log target of strikes on militants along it (default:
                the target).
            kind: The channel's kind (default: the actor's kind; built-in kinds pass their
                own, so that their variants' channels read as theirs).

        Returns:
            The new channel; its ``index`` is its row in the action arrays.
        """
        if hasattr(self, "rung"):
            raise RuntimeError("channels can only be added while the model is built")
        if target not in self.actors:
            raise ConfigError(f"relations: {actor.actor_id!r} targets unknown actor {target!r}")
        ch = Channel(
            len(self.channels), actor.actor_id, target, kind or actor.kind, strike_target or target
        )
        self.channels.append(ch)
        actor.channels.append(ch)
        return ch

    def channel_for(self, actor: str, target: str) -> Channel:
        """The channel along which ``actor`` acts on ``target``.

        A target that is a militant group resolves to the state whose soil hosts it.

        Raises:
            ConfigError: If no such channel exists in the roster's relations.
        """
        if (actor, target) in self._index:
            return self._index[(actor, target)]
        host = rel.host_of(self.graph, target) if target in self.graph else None
        if host is not None and (actor, host) in self._index:
            return self._index[(actor, host)]
        raise ConfigError(
            f"events: {actor!r} has no line of action toward {target!r} "
            "(check the relations: border/rivalry, hosts, attacks, leverage)"
        )

    # ------------------------------------------------------------ lookups
    def members(self, kind: str) -> list[Any]:
        """Actors whose kind is ``kind`` or derives from it, in roster order."""
        if kind not in self._members:
            self._members[kind] = [a for a in self.actors.values() if kind in kind_family(a.kind)]
        return self._members[kind]

    def state_channels(self) -> list[Channel]:
        """Channels of states toward their opponents (the escalation paths)."""
        return list(self._state_channels)

    def dyad_channels(self, d: int) -> tuple[int, int]:
        """Rows of dyad ``d``'s two channels (first state toward second, and back)."""
        return self._dyad_rows[d]

    def hostile_groups(self, c: Channel) -> list[tuple[Any, int]]:
        """Groups on ``c``'s target's soil that attack its actor, with their channel rows."""
        return self._hostile[c.index]

    def mediators_of(self, actor: str) -> list[tuple[Any, float, int]]:
        """Mediators holding leverage over ``actor``: (agent, edge weight, channel row)."""
        return self._mediators[actor]

    # ------------------------------------------------------------ observations
    def attributed_groups(self, c: Channel) -> list[tuple[Any, int, float]]:
        """Groups attacking ``c``'s actor that its target hosts or sponsors: (agent, row, w)."""
        return self._attributed[c.index]

    def received(self, c: Channel) -> np.ndarray:
        """Provocation felt from ``c``'s target yesterday, as a level (attribution, grievance)."""
        return self.provocation[c.index]

    def mediation_offered(self, state: str) -> np.ndarray:
        """Whether any mediator with leverage over ``state`` has offered mediation."""
        out = np.zeros(self.n, dtype=bool)
        for med, _, _ in self._mediators[state]:
            out |= med.offered
        return out

    def dyad_level(self, d: int) -> np.ndarray:
        """Higher of the two states' levels in dyad ``d`` on the last simulated day."""
        ia, ib = self._dyad_rows[d]
        return np.maximum(self.level[ia], self.level[ib])

    # ---------------------------------------------------------------- stepping
    def step(self) -> None:
        """Simulate one day for every replicate (the ODD's process overview)."""
        if self.day >= self.days:
            raise RuntimeError(f"the horizon of {self.days} days is reached")
        t = self.day
        rung = np.full_like(self.rung, self.r_none)
        if t > 0:
            self.mediator_effects = sm.mediator_acts.perceive(self, sm.mediation.influence(self))
            self.provocation = sm.grievance.feel(self, sm.attribution.perceive(self))
            self._decide()
            for shape in SHAPING:
                shape(self)
            self._act(rung)
        else:
            sm.starting_tension.day0(self, rung)
        fixed = self._scheduled_events(t, rung)
        sm.same_day.react(self, rung)  # words that answer today's blow the same day
        today = Today(t, rung, np.take(self.rung_to_level, rung), fixed)
        for effect in EFFECTS:
            effect(self, today)
        for a in self.actors.values():
            a.apply(rung)
        self.rung, self.level, self.history[t] = rung, today.level, rung
        self.day += 1
        # Mesa's convention: batch_run and visualisations stop when running is False.
        self.running = self.day < self.days
        if self.datacollector is not None:
            self.datacollector.collect(self)
        if not self.running:
            # mesa.Agent keeps a class-level id counter per model, which would keep every
            # finished model (and its arrays) alive: a leak of ~28 MB per chunk otherwise.
            mesa.Agent._ids.pop(self, None)

    def _decide(self) -> None:
        """Let every agent plan from yesterday's state; their order cannot matter."""
        self.agents.do("decide")

    def _act(self, rung: np.ndarray) -> None:
        """Every agent's plan as rungs on its channels (each channel has one actor)."""
        for a in self.actors.values():
            own = self._own[a.actor_id]
            for i, r in a.act().items():
                if i not in own:
                    raise RuntimeError(
                        f"{a.actor_id} ({a.kind}): act() returned channel {i}, not one of its own"
                    )
                rung[i] = r

    def _scheduled_events(self, t: int, rung: np.ndarray) -> dict[int, int]:
        """Override the channels today's events name; return the tolls they fix."""
        fixed: dict[int, int] = {}
        for ci, r, cas in self.events_by_day.get(t, []):
            rung[ci] = r
            if cas is not None:
                fixed[ci] = cas
        return fixed

    def run(self) -> EscalationModel:
        """Simulate the remaining days of the horizon and return the model."""
        while self.day < self.days:
            self.step()
        return self

    def dispose(self) -> None:
        """Drop the model's state and its agents' (they reference each other), freeing memory.

        The runner calls it once a chunk's results are taken: reference counting then frees
        the arrays at once, with no garbage collection over everything imported.
        """
        mesa.Agent._ids.pop(self, None)
        for a in list(self.actors.values()):
            a.__dict__.clear()
        self.__dict__.clear()
