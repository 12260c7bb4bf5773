"""Worker processes: results in job order, the same as a plain loop, whatever the workers."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from sim import parallel
from sim.config import compose_config
from sim.runner import chunk_sizes


def square(x: int) -> tuple[int, int]:
    # Uneven job lengths, so that jobs finish out of order.
    time.sleep(0.002 * (x % 3))
    return x * x, os.getpid()


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("job 3 failed")
    return x


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_come_in_job_order(workers: int) -> None:
    got = list(parallel.ordered(square, range(40), workers))
    assert [r for r, _ in got] == [x * x for x in range(40)]
    if workers > 1:
        assert len({pid for _, pid in got}) > 1  # the caller and a child both worked


def test_an_endless_job_stream_stops_when_the_consumer_does() -> None:
    got = list(itertools.islice(parallel.ordered(square, itertools.count(), 2), 25))
    assert [r for r, _ in got] == [x * x for x in range(25)]


@pytest.mark.parametrize("workers", [1, 2])
def test_the_first_failure_in_order_is_raised(workers: int) -> None:
    with pytest.raises(ValueError, match="job 3 failed"):
        list(parallel.ordered(fail_on_three, range(10), workers))


@pytest.mark.parametrize("count", [0, 1, 3, 1000])
def test_demand_changes_when_jobs_run_never_what_they_return(count: int) -> None:
    demand = parallel.Demand(count)
    got = []
    for r, _ in parallel.ordered(square, range(30), 2, demand=demand):
        got.append(r)
        demand.count = max(0, demand.count - 1)
    assert got == [x * x for x in range(30)]


@hsettings(max_examples=200, deadline=None)
@given(
    total=st.integers(1, 5_000_000),
    size=st.integers(1, 100_000),
    workers=st.integers(1, 64),
)
def test_chunk_plans_cover_every_replicate_once(total: int, size: int, workers: int) -> None:
    sizes = chunk_sizes(total, size, workers)
    assert sum(sizes) == total
    assert all(0 < s <= size for s in sizes)
    if workers == 1:
        assert len(sizes) == -(-total // size)


def test_calibration_is_the_same_whatever_the_workers(tmp_path: Path) -> None:
    from sim.calibration.command import run_calibration

    posteriors = []
    for workers in (1, 2, 3):
        cfg = compose_config(
            "baseline",
            [
                "+calibration=default",
                "calibration.population=300",
                "calibration.generations=5",
                "calibration.batch=2000",
                "calibration.fit_draws=2000",
                f"simulation.workers={workers}",
            ],
        )
        out = run_calibration(cfg, tmp_path / f"w{workers}", progress=False)
        posteriors.append((out / "posterior.parquet").read_bytes())
    assert posteriors[0] == posteriors[1] == posteriors[2]


def test_runs_are_the_same_for_three_workers() -> None:
    from sim.runner import simulate
    from sim.settings import Settings

    def summary(workers: int) -> dict[str, object]:
        s = Settings.from_config(
            compose_config(
                "baseline",
                [
                    "simulation.replicates=40000",
                    f"simulation.workers={workers}",
                    "simulation.days=12",
                ],
            )
        )
        out = simulate(s, None, progress=False).summary
        out.pop("timing")
        return out

    one = summary(1)
    assert summary(3) == one
    assert np.isfinite(one["metrics"]["casualties_mean"]["estimate"])  # type: ignore[index]


def fail_in_caller_or_child(x: int) -> int:
    if x == 3:
        raise ValueError("job 3 failed")
    time.sleep(0.01)
    return x


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_before_a_failure_are_all_yielded(workers: int) -> None:
    got: list[int] = []
    with pytest.raises(ValueError, match="job 3 failed"):
        for r in parallel.ordered(fail_on_three, range(10), workers):
            got.append(r)
    assert got == [0, 1, 2]


def jobs_that_break() -> itertools.chain[int]:
    def gen():  # type: ignore[no-untyped-def]
        yield from range(5)
        raise RuntimeError("the job list broke")

    return itertools.chain(gen())


@pytest.mark.parametrize("workers", [1, 2])
def test_an_error_in_the_job_list_is_raised_after_the_jobs_before_it(workers: int) -> None:
    got: list[int] = []
    with pytest.raises(RuntimeError, match="the job list broke"):
        for r, _ in parallel.ordered(square, jobs_that_break(), workers):
            got.append(r)
    assert got == [0, 1, 4, 9, 16]


MAIN = os.getpid()


def die(x: int) -> int:
    if x == 2 and os.getpid() != MAIN:
        os._exit(1)  # a child killed (out of memory, say)
    if x == 2:
        raise RuntimeError("job 2 ran in the caller: the test needs it in a child")
    return x


def test_a_dead_child_does_not_break_later_calls() -> None:
    from concurrent.futures.process import BrokenProcessPool

    with pytest.raises(BrokenProcessPool):
        list(parallel.ordered(die, [0, 1, 2, 3, 4, 5], 2, queued=3))  # job 2 goes to the child
    assert [r for r, _ in parallel.ordered(square, range(6), 2)] == [0, 1, 4, 9, 16, 25]


def test_a_pool_started_before_a_registration_is_replaced() -> None:
    from sim.policies.base import _REGISTRY, Policy, Traits, register_policy

    parallel.prepare(2)  # the children hold the registries as they are now

    class Shy(Policy):
        """Registered after the pool was forked."""

        name = "shy_after_fork"
        traits = Traits(role="state", stochastic=False, memory_depth=0)

    register_policy(Shy)
    try:
        names = [r for r in parallel.ordered(policy_names, range(4), 2)]
        assert all("shy_after_fork" in n for n in names)
    finally:
        _REGISTRY.pop("shy_after_fork")


def policy_names(_: int) -> list[str]:
    from sim.policies import registered_policies

    return list(registered_policies())


def test_a_rerun_into_the_same_folder_keeps_no_parts_of_the_last(tmp_path: Path) -> None:
    from sim.eventlog import read_events
    from sim.runner import simulate
    from sim.settings import Settings

    def run(workers: int) -> int:
        s = Settings.from_config(
            compose_config(
                "baseline",
                [
                    "simulation.replicates=40000",
                    "simulation.days=5",
                    f"simulation.workers={workers}",
                ],
            )
        )
        simulate(s, tmp_path, progress=False)
        return len(read_events(tmp_path))

    assert run(3) == run(1)  # 3 workers cut more chunks than 1
