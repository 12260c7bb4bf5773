"""Forked worker processes for chunks of replicates and calibration batches.

:func:`ordered` runs a function over a sequence of jobs on ``workers`` processes in all:
the caller's own and ``workers - 1`` children of a pool that is started once per process
and reused by every later call (the chunks of a run, the batches of every generation of a
calibration). It yields the results in job order, so whatever merges them does so exactly
as a serial loop would: results do not depend on the number of workers.

Why this shape (``docs/performance.md`` has the measurements):

- the caller works too, so no core waits while children start or while the caller only
  merges, and one worker more costs one process, not two;
- children are forked where that is safe (Linux): they start in milliseconds with every
  module already imported, where a spawned child re-imports Mesa, pandas and the rest
  (about 1.1 s) before its first job. Elsewhere they are spawned;
- the pool outlives the call, so a calibration's hundreds of batches pay the start-up once.

Every worker process, here and in :mod:`sim.parallel.jobs`, starts with :func:`worker_start`:
it dies with its parent, closes the folder locks a fork gave it (which would otherwise
outlive a killed parent) and leaves Ctrl-C to the parent, which ends the workers
(:func:`kill_workers`) and stops with one line.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

from sim.folders import release_inherited
from sim.plugins import generation

J = TypeVar("J")
T = TypeVar("T")


@dataclass
class _Pool:
    executor: ProcessPoolExecutor
    children: int
    pid: int  # the process that owns it (a forked child inherits a copy it must not use)
    generation: int  # the registries' generation it was forked with


_POOL: _Pool | None = None


def _context() -> Any:
    # Mesa sets the global start method to spawn; ask for fork explicitly where it is safe.
    return mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")


#: prctl(2)'s option: the signal a process gets when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1


def worker_start(parent_pid: int) -> None:
    """What a worker process does first: tie its life to its parent's, drop what it inherited.

    - It dies with ``parent_pid``: on Linux the kernel sends it SIGKILL when the parent dies
      (``prctl(PR_SET_PDEATHSIG)``; the parent may have died before the call, hence the
      check after it); elsewhere a thread checks every half second that the parent is there.
      The kernel signal comes when the thread that started the worker ends: pools are
      started by the thread that uses them, the main thread of the command line.
    - It closes the folder locks a fork copied into it (:func:`sim.folders.release_inherited`):
      the parent's lock stays held, and goes when the parent does.
    - It ignores Ctrl-C, which a terminal sends to every process of the command: the parent
      stops its workers and prints one line (:mod:`sim.cli`), instead of each printing a
      traceback.
    - Its progress bars lock with a thread lock: tqdm's default, a named semaphore, would
      outlive a killed worker and make the resource tracker warn at exit.

    Args:
        parent_pid: The process that started the pool (read there, before the fork or spawn).
    """
    from tqdm import tqdm

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tqdm.set_lock(threading.RLock())
    if not _kernel_parent_death_signal():
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:  # the parent died before the signal was asked for
        os.kill(os.getpid(), signal.SIGKILL)
    release_inherited()


def _kernel_parent_death_signal() -> bool:
    """Ask Linux for SIGKILL when the parent dies; whether that worked."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):  # no prctl in this libc: the thread watches instead
        return False


def _watch_parent(parent_pid: int) -> None:
    """Kill this process once its parent is gone (an orphan is adopted by another pid)."""
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)


def kill_workers(executor: ProcessPoolExecutor) -> None:
    """End an executor's worker processes now, without waiting for their jobs (Ctrl-C)."""
    processes = getattr(executor, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            process.kill()
    # Waiting is short now, and lets the executor free its queues' semaphores (else the
    # resource tracker warns of leaked ones at exit).
    executor.shutdown(wait=True, cancel_futures=True)


def _init(parent_pid: int) -> None:
    global _POOL
    worker_start(parent_pid)
    _POOL = None  # the parent's pool, as copied at the fork: never this process's
    logging.getLogger("MESA").setLevel(logging.WARNING)
    # One BLAS thread per process: the workers are the cores asked for, and idle BLAS
    # threads spin on the cores the other workers need.
    threadpool_limits(1)
    # What the child inherited lives as long as it does: keep it out of the collections
    # that free each job's garbage.
    gc.freeze()


def _noop() -> None:
    """A job that does nothing: submitting it starts the pool's processes."""


def pool(children: int) -> ProcessPoolExecutor:
    """The process's pool of ``children`` worker processes, started now if need be.

    A pool is replaced when it is broken (a child died), when another process owns it, or
    when a kind or a policy was registered since it was forked (its children would run the
    old registries: :func:`sim.plugins.generation`).
    """
    global _POOL
    current = _POOL
    if (
        current is not None
        and current.children == children
        and current.pid == os.getpid()
        and current.generation == generation()
        and not getattr(current.executor, "_broken", False)
    ):
        return current.executor
    shutdown()
    executor = ProcessPoolExecutor(
        max_workers=children, mp_context=_context(), initializer=_init, initargs=(os.getpid(),)
    )
    # Fork the children now, outside any lock a caller holds (the first submit forks them).
    executor.submit(_noop).result()
    _POOL = _Pool(executor, children, os.getpid(), generation())
    return executor


def prepare(workers: int) -> None:
    """Start the pool for ``workers`` processes in all now, if it is not running.

    Call it before starting threads of one's own (a progress bar), so that the children
    are forked from a process in which no other thread may hold a lock.
    """
    if workers > 1:
        pool(workers - 1)


def shutdown(kill: bool = False) -> None:
    """Stop the pool's processes (a later call starts a new pool).

    Args:
        kill: End them at once (Ctrl-C) rather than let their current jobs finish.
    """
    global _POOL
    current, _POOL = _POOL, None
    if current is not None and current.pid == os.getpid():
        if kill:
            kill_workers(current.executor)
        else:
            current.executor.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)


@dataclass
class Demand:
    """How many more results the consumer of :func:`ordered` expects to need."""

    count: int


def ordered(
    fn: Callable[[J], T],
    jobs: Iterable[J],
    workers: int,
    queued: int = 1,
    demand: Demand | None = None,
) -> Generator[T, None, None]:
    """``fn(job)`` for every job, on ``workers`` processes, yielded in job order.

    The caller's process runs the first job and then the next whenever it is free; each
    child holds ``queued`` jobs, and when one finishes the next job goes to it at once
    (from the pool's result thread). ``jobs`` may be endless: the consumer stops iterating
    when it has enough, and then jobs not yet started are cancelled, running ones finish
    unused.

    Args:
        fn: A module-level function (children receive it by reference).
        jobs: The jobs, in order; each is pickled to a child, or run here.
        workers: Processes in all, the caller's included (1: a plain loop here).
        queued: Jobs handed to each child at a time.
        demand: How many more results the consumer expects to need, which it may update
            as it goes (read before each job starts): jobs beyond that are not started
            until it asks for them, which saves work a consumer that stops early would throw
            away. It only decides when jobs run, never their results.

    Raises:
        Whatever ``fn`` raises, for the first failed job in order.
    """
    it = iter(jobs)
    if workers <= 1:
        for job in it:
            yield fn(job)
        return
    children = workers - 1
    executor = pool(children)
    lock = threading.Lock()
    futures: dict[int, Future[T]] = {}
    local: dict[int, T | _Failed] = {}
    state: dict[str, Any] = {"handed": 0, "wanted": 0, "busy": 0, "open": True, "error": None}

    def take() -> tuple[int, J] | None:
        """The next job and its number, or None for now (under the lock)."""
        k = state["handed"]
        limit = max(1, demand.count) if demand is not None else None
        if not state["open"] or (limit is not None and k >= state["wanted"] + limit):
            return None
        try:
            job = next(it)
        except StopIteration:
            state["open"] = False
            return None
        except Exception as exc:  # raised in order, once every earlier job is yielded
            state["open"], state["error"] = False, exc
            return None
        state["handed"] = k + 1
        return k, job

    def hand_out(done: object = None) -> None:
        """Fill the children's free slots (also called when a child's job is done)."""
        started = []
        with lock:
            if done is not None:
                state["busy"] -= 1
            while state["busy"] < children * queued:
                got = take()
                if got is None:
                    break
                try:
                    future = executor.submit(fn, got[1])
                except BrokenProcessPool as exc:
                    future = Future()
                    future.set_exception(exc)
                futures[got[0]] = future
                state["busy"] += 1
                started.append(future)
        for future in started:
            future.add_done_callback(hand_out)

    first = True
    try:
        while True:
            with lock:
                got = take()
            if first:
                # The caller takes the first job: a child may still be finishing a job a
                # previous call left unused, and the first result is the one waited for.
                hand_out()
                first = False
            if got is not None:
                try:
                    local[got[0]] = fn(got[1])  # the caller's share
                except Exception as exc:  # raised when its turn comes, in job order
                    local[got[0]] = _Failed(exc)
            while True:
                wanted = state["wanted"]
                if wanted in local:
                    result = local.pop(wanted)
                    if isinstance(result, _Failed):
                        raise result.error
                elif wanted in futures and (got is None or futures[wanted].done()):
                    result = futures.pop(wanted).result()
                else:
                    break
                with lock:
                    state["wanted"] = wanted + 1
                yield result
                hand_out()  # the consumer may expect to need more now
            with lock:
                if not state["open"] and state["wanted"] >= state["handed"]:
                    if state["error"] is not None:
                        raise state["error"]
                    return
    except BrokenProcessPool:
        shutdown()  # a child died: the next call starts a new pool
        raise
    finally:
        with lock:
            state["open"] = False
            pending = list(futures.values())
        for f in pending:
            f.cancel()


@dataclass
class _Failed:
    """A job the caller ran that raised: its error waits for its turn."""

    error: Exception
