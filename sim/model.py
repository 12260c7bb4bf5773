"""The escalation model: one Mesa model simulates a batch of R replicates at once.

Every piece of dynamic state is a numpy array whose last axis is the replicate
axis; actors are Mesa agents (one per actor, not per replicate). With R=1 this is
a plain step-by-step Mesa model to inspect in a notebook.

A day (:meth:`EscalationModel.step`):

1. every agent decides from the state at the end of yesterday (simultaneous);
2. plans become actions: agreements where both states are willing, levels
   turned into rungs, mediator and militant actions; scheduled events override;
3. effects are applied in a fixed order: casualties and sovereignty violations,
   strikes on militant bases, diplomatic status, crises and agreements,
   hostility, domestic pressure, mediation offers, militant capacity.

Day 0 holds only the scheduled events (the episode's trigger).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import relations as rel
from sim.agents import Actor, Channel, MediatorActor, MilitantGroup, StateActor, get_actor_type
from sim.errors import ConfigError
from sim.policies import M_APPEAL, M_LEVERAGE, M_MEDIATE, MEDIATOR_ACTIONS
from sim.rng import CounterRNG
from sim.settings import Settings


class EscalationModel(mesa.Model):
    """A batch of independent replicates of the crisis.

    Args:
        settings: Validated settings (see :meth:`Settings.from_config`).
        replicates: Global indices of the replicates to simulate (default: all
            ``settings.simulation.replicates``). A replicate's path depends only on
            the seed, its index and its parameters, so any subset replays exactly.

    Attributes:
        day: The next day to simulate (0 before the first step).
        history: int8 array (days, channels, R) of the rung each channel took.
        deaths: int32 array (days, channels, R) of deaths each action caused.
        channels: The directed lines of action (actor -> target).
    """

    def __init__(self, settings: Settings, replicates: np.ndarray | None = None) -> None:
        super().__init__(rng=settings.simulation.seed)
        self.settings = settings
        sim = settings.simulation
        self.replicates = (
            np.arange(sim.replicates, dtype=np.int64)
            if replicates is None
            else np.asarray(replicates, dtype=np.int64)
        )
        if self.replicates.ndim != 1 or self.replicates.size == 0:
            raise ConfigError("replicates: expected a non-empty 1-D array of indices")
        self.n = int(self.replicates.size)
        self.days = sim.days
        self.day = 0
        self.ladder = lad = settings.ladder
        self.counter = CounterRNG(sim.seed, self.replicates)
        kinds = {a.id: a.kind for a in settings.actors.values()}
        self.graph = rel.build_graph(kinds, settings.relations)

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
        self.r_mediator = np.array(
            [self.r_none] + [lad.rung_of(a) for a in MEDIATOR_ACTIONS[1:]], dtype=np.int8
        )
        self.mech = {k: self.batch_value(v) for k, v in settings.mechanisms.items()}

        self.actors: dict[str, Actor] = {}
        for spec in settings.actors.values():
            self.actors[spec.id] = get_actor_type(spec.kind)(self, spec)
        self._build_channels()

        n, c, d = self.n, len(self.channels), len(self.dyads)
        self.rung = np.full((c, n), self.r_none, dtype=np.int8)
        self.level = np.zeros((c, n), dtype=np.int8)
        self.given = np.zeros((c, n), dtype=np.int16)
        self.crisis_open = np.zeros((d, n), dtype=bool)
        self.crisis_start = np.zeros((d, n), dtype=np.int32)
        self.crisis_peak = np.zeros((d, n), dtype=np.int8)
        self.agreed_day = np.full((d, n), -1, dtype=np.int32)
        self.relapse = np.zeros((d, n), dtype=bool)
        self.hostility = np.array(
            [np.zeros(n) + rel.initial_hostility(self.graph, a, b) for a, b in self.dyads]
        ).reshape(d, n)
        self.history = np.full((self.days, c, n), self.r_none, dtype=np.int8)
        # Deaths are rare: kept sparse as (day, channel, replicate positions, counts).
        self._death_records: list[tuple[int, int, np.ndarray, np.ndarray]] = []
        self.total_deaths = np.zeros(n, dtype=np.int64)
        self.events_by_day: dict[int, list[tuple[int, int, int | None]]] = {}
        for ev in settings.events:
            ch = self.channel_for(ev.actor, ev.target)
            self.events_by_day.setdefault(ev.day, []).append(
                (ch.index, lad.index[ev.rung], ev.casualties)
            )

    # ------------------------------------------------------------------ building
    def batch_value(self, value: Any) -> Any:
        """A parameter value for this batch: scalars as they are, arrays sliced to it."""
        if isinstance(value, np.ndarray):
            return value[self.replicates]
        return value

    def _build_channels(self) -> None:
        g = self.graph
        self.channels: list[Channel] = []
        self.dyads: list[tuple[str, str]] = []
        by_pair: dict[tuple[str, str], Channel] = {}
        states = [a for a in self.actors.values() if isinstance(a, StateActor)]
        for s in states:
            for o in rel.opponents(g, s.actor_id):
                if o not in self.actors:
                    continue
                groups = rel.hostile_groups(g, o, s.actor_id)
                ch = Channel(len(self.channels), s.actor_id, o, "state", groups[0] if groups else o)
                self.channels.append(ch)
                by_pair[(s.actor_id, o)] = ch
        for (a, b), ch in by_pair.items():
            ch.reverse = by_pair[(b, a)].index
            pair = (a, b) if a < b else (b, a)
            if pair not in self.dyads:
                self.dyads.append(pair)
            ch.dyad = self.dyads.index(pair)
        for s in states:
            for ch in self.channels:
                if ch.actor == s.actor_id:
                    s.add_channel(ch)
        for a in self.actors.values():
            if isinstance(a, MediatorActor):
                a.weights = rel.leverage(g, a.actor_id)
                for target in a.weights:
                    ch = Channel(len(self.channels), a.actor_id, target, "mediator", target)
                    self.channels.append(ch)
                    a.channels.append(ch)
            elif isinstance(a, MilitantGroup):
                for victim in rel.victims_of(g, a.actor_id):
                    ch = Channel(len(self.channels), a.actor_id, victim, "militant", victim)
                    self.channels.append(ch)
                    a.channels.append(ch)
                    a.attacked[ch.index] = np.zeros(self.n, dtype=bool)
        # Kinds added by research code open channels along the relation types they declare.
        for a in self.actors.values():
            a.connect()
        self._others = [
            a
            for a in self.actors.values()
            if not isinstance(a, StateActor | MediatorActor | MilitantGroup)
        ]
        self._state_channels = [c for c in self.channels if c.kind == "state"]
        self._index = {(c.actor, c.target): c for c in self.channels}
        # Static graph queries, cached: groups on a channel's target's soil that attack its
        # actor, with the group channel along which they do.
        self._hostile: dict[int, list[tuple[MilitantGroup, int]]] = {}
        for c in self._state_channels:
            pairs = []
            for grp in rel.hostile_groups(g, c.target, c.actor):
                group = self.actors.get(grp)
                if isinstance(group, MilitantGroup):
                    pairs += [(group, gc.index) for gc in group.channels if gc.target == c.actor]
            self._hostile[c.index] = pairs
        self._mediators: dict[str, list[tuple[MediatorActor, float]]] = {
            state: [
                (a, a.weights[state])
                for a in self.actors.values()
                if isinstance(a, MediatorActor) and state in a.weights
            ]
            for state in self.actors
        }

    def add_channel(self, actor: Actor, target: str, strike_target: str | None = None) -> Channel:
        """Open a line of action from ``actor`` to ``target`` (while the model is built).

        Args:
            actor: The acting agent; the channel is appended to its ``channels``.
            target: Target actor id.
            strike_target: Event-log target of strikes on militants along it (default:
                the target).

        Returns:
            The new channel; its ``index`` is its row in the action arrays.
        """
        if hasattr(self, "rung"):
            raise RuntimeError("channels can only be added while the model is built")
        if target not in self.actors:
            raise ConfigError(f"relations: {actor.actor_id!r} targets unknown actor {target!r}")
        ch = Channel(
            len(self.channels), actor.actor_id, target, actor.kind, strike_target or target
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

    # ------------------------------------------------------------ observations
    def received(self, c: Channel) -> np.ndarray:
        """Provocation attributable to ``c``'s target yesterday, as a level."""
        got = self.level[c.reverse].copy()
        for group, gi in self._hostile[c.index]:
            got = np.where(group.attacked[gi], np.maximum(got, self.lv_strike_militants), got)
        return got

    def _mediators_of(self, state: str) -> list[tuple[MediatorActor, float]]:
        return self._mediators[state]

    def mediation_offered(self, state: str) -> np.ndarray:
        """Whether any mediator with leverage over ``state`` has offered mediation."""
        out = np.zeros(self.n, dtype=bool)
        for med, _ in self._mediators_of(state):
            out |= med.offered
        return out

    def _mediator_effects(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per state, yesterday's mediator effects combined over mediators.

        Returns:
            state id -> (P(stepping down a rung) from appeals and offers,
            P(leverage binding) from leverage).
        """
        out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        appeal, offer = self.r_mediator[M_APPEAL], self.r_mediator[M_MEDIATE]
        lever = self.r_mediator[M_LEVERAGE]
        for state in self.actors:
            calm_keep = np.ones(self.n)
            bind_keep = np.ones(self.n)
            for med, weight in self._mediators_of(state):
                rung = self.rung[self._index[(med.actor_id, state)].index]
                calm_keep *= 1.0 - ((rung == appeal) | (rung == offer)) * med.p("restraint_effect")
                bind_keep *= 1.0 - (rung == lever) * (med.p("leverage_effect") * weight)
            out[state] = (1.0 - calm_keep, 1.0 - bind_keep)
        return out

    def dyad_level(self, d: int) -> np.ndarray:
        """Higher of the two states' levels in dyad ``d`` on the last simulated day."""
        a, b = self.dyads[d]
        return np.maximum(
            self.level[self._index[(a, b)].index], self.level[self._index[(b, a)].index]
        )

    # ---------------------------------------------------------------- stepping
    def step(self) -> None:
        """Simulate one day for every replicate."""
        if self.day >= self.days:
            raise RuntimeError(f"the horizon of {self.days} days is reached")
        t = self.day
        rung = np.full_like(self.rung, self.r_none)
        fixed: dict[int, int] = {}
        if t > 0:
            self.mediator_effects = self._mediator_effects()
            self._decide()
            self._actions(rung)
        for ci, r, cas in self.events_by_day.get(t, []):
            rung[ci] = r
            if cas is not None:
                fixed[ci] = cas
        self._apply(rung, fixed)
        self.day += 1
        # Mesa's convention: batch_run and visualisations stop when running is False.
        self.running = self.day < self.days
        if not self.running:
            # mesa.Agent keeps a class-level id counter per model, which would keep every
            # finished model (and its arrays) alive: a leak of ~28 MB per chunk otherwise.
            mesa.Agent._ids.pop(self, None)

    def _decide(self) -> None:
        """Let every agent plan from yesterday's state; their order cannot matter."""
        self.agents.do("decide")

    def run(self) -> EscalationModel:
        """Simulate the remaining days of the horizon and return the model."""
        while self.day < self.days:
            self.step()
        return self

    def _actions(self, rung: np.ndarray) -> None:
        lad = self.ladder
        plans: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for a in self.actors.values():
            if isinstance(a, StateActor):
                plans.update(a.plan)
            elif isinstance(a, MediatorActor):
                for ch in a.channels:
                    rung[ch.index] = self.r_mediator[a.plan]
            elif isinstance(a, MilitantGroup):
                for ch in a.channels:
                    rung[ch.index] = np.where(a.plan[ch.index], self.r_attack, self.r_none)
        for a in self._others:
            for i, r in a.act().items():
                rung[i] = r
        for ch in self._state_channels:
            level, willing, ret = plans[ch.index]
            agree = willing & plans[ch.reverse][1]
            state = self.actors[ch.actor]
            assert isinstance(state, StateActor)
            # An agreement drops any intent still pending; otherwise it carries over.
            state.intent[ch.index] = np.where(agree, 0, state.next_intent[ch.index]).astype(np.int8)
            out = np.where(ret, self.r_restore, self.r_none)
            out = np.where(willing, self.r_talks, out)
            out = np.where(level > 0, lad.state_levels[level], out)
            rung[ch.index] = np.where(agree, self.r_agree, out)

    def _apply(self, rung: np.ndarray, fixed: dict[int, int]) -> None:
        t, lad = self.day, self.ladder
        level = self.rung_to_level[rung]
        states = {k: a for k, a in self.actors.items() if isinstance(a, StateActor)}
        for s in states.values():
            s.suffered = np.zeros(self.n, dtype=np.int32)
            s.violated = np.zeros(self.n, dtype=bool)
        for g in self.actors.values():
            if isinstance(g, MilitantGroup):
                g.capacity += g.p("recovery") * (g.p("capacity0") - g.capacity)
                g.provoked *= 1.0 - g.p("provocation_decay")

        for ch in self.channels:
            i = ch.index
            if ch.kind == "mediator":
                continue
            force = level[i] >= self.lv_force
            if ch.kind == "state":
                harms = force
            elif ch.kind == "militant":
                harms = rung[i] == self.r_attack
            else:  # a kind added by research code: strikes and attacks harm as built-in ones do
                harms = force | (rung[i] == self.r_attack)
            hit = np.flatnonzero(harms)
            victim = states.get(ch.target)
            if hit.size:
                if i in fixed:
                    toll = np.full(hit.size, fixed[i], dtype=np.int32)
                else:
                    u = self.counter.uniform_where(harms, t, ch.key("casualties"))[hit]
                    toll = lad.casualties(rung[i][hit], u)
                self._death_records.append((t, i, hit, toll))
                self.total_deaths[hit] += toll
                if victim is not None:
                    victim.suffered[hit] += toll
            if victim is not None and ch.kind != "militant":
                victim.violated |= force
            if ch.kind == "state":
                self.given[i] += harms
                sm = rung[i] == self.r_strike_militants
                if sm.any():
                    for group, _ in self._hostile[i]:
                        group.capacity = np.where(
                            sm, group.capacity * (1 - group.p("degrade")), group.capacity
                        )
                        group.provoked = np.where(sm, group.p("provocation"), group.provoked)
                s = states[ch.actor]
                s.recalled[i] = (s.recalled[i] | (rung[i] == self.r_recall)) & (
                    rung[i] != self.r_restore
                )
            elif ch.kind == "militant":
                group = self.actors[ch.actor]
                assert isinstance(group, MilitantGroup)
                group.attacked[i] = rung[i] == self.r_attack

        top = max(lad.top_level, 1)
        for d, (a, b) in enumerate(self.dyads):
            ia, ib = self._index[(a, b)].index, self._index[(b, a)].index
            top_today = np.maximum(level[ia], level[ib])
            agree = (rung[ia] == self.r_agree) & (rung[ib] == self.r_agree)
            opened = ~self.crisis_open[d] & (top_today >= self.lv_crisis)
            self.crisis_start[d] = np.where(opened, t, self.crisis_start[d])
            self.crisis_peak[d] = np.where(opened, 0, self.crisis_peak[d])
            self.crisis_open[d] |= opened
            self.crisis_peak[d] = np.where(
                self.crisis_open[d], np.maximum(self.crisis_peak[d], top_today), self.crisis_peak[d]
            )
            self.relapse[d] |= (self.agreed_day[d] >= 0) & (top_today >= self.lv_force)
            self.agreed_day[d] = np.where(agree & (self.agreed_day[d] < 0), t, self.agreed_day[d])
            self.crisis_open[d] &= ~agree
            h = self.hostility[d] * (1.0 - self.mech["hostility_decay"])
            self.hostility[d] = np.clip(h + self.mech["hostility_gain"] * top_today / top, 0.0, 1.0)

        for s in states.values():
            p0 = s.p("pressure0")
            p = p0 + (s.pressure - p0) * (1.0 - s.p("pressure_decay"))
            p = p + s.p("casualty_pressure") * s.p("citizen_share") * s.suffered
            s.pressure = np.clip(p + s.p("violation_pressure") * s.violated, 0.0, 1.0)
        for a in self.actors.values():
            if isinstance(a, MediatorActor) and a.channels:
                a.offered |= rung[a.channels[0].index] == self.r_mediator[M_MEDIATE]
        for a in self.actors.values():
            a.apply(rung)

        self.rung = rung
        self.level = level
        self.history[t] = rung

    # ------------------------------------------------------------------ output
    def death_records(self) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
        """Deaths as sparse records: (day, channel, replicate positions, deaths)."""
        return [rec for rec in self._death_records if rec[0] < self.day]

    @property
    def deaths(self) -> np.ndarray:
        """int32 array (days, channels, R): deaths each action caused (built on demand)."""
        out = np.zeros(self.history.shape, dtype=np.int32)
        for t, i, hit, toll in self._death_records:
            out[t, i, hit] = toll
        return out

    def state_channels(self) -> list[Channel]:
        """Channels of states toward their opponents (the escalation paths)."""
        return list(self._state_channels)

    def paths(self) -> pd.DataFrame:
        """The simulated days as a tidy table (one row per replicate, day and channel).

        Handy at small R in a notebook; large runs use :mod:`sim.eventlog`.
        """
        t = self.day
        c, n = len(self.channels), self.n
        rung = self.history[:t]
        names = np.array(self.ladder.names)
        return pd.DataFrame(
            {
                "replicate": np.tile(self.replicates, t * c),
                "day": np.repeat(np.arange(t), c * n),
                "actor": np.tile(np.repeat([ch.actor for ch in self.channels], n), t),
                "target": np.tile(np.repeat([ch.target for ch in self.channels], n), t),
                "action": names[rung.ravel()],
                "rung": rung.ravel().astype(np.int16),
                "goldstein": self.ladder.goldstein[rung.ravel()],
                "casualties": self.deaths[:t].ravel(),
            }
        )
