"""The heuristic's variants side by side, one process per core, stopped at a deadline.

Each variant is an independent list scheduling of the whole term (greedy.py), so they
run in worker processes forked from the caller, which inherit the problem rather than
receive a copy (nothing but the heuristic runs in them: no I/O, no locks taken); a
variant not finished by the deadline is killed with its worker. Results come back as
plain tuples, the placement lns.py works on.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence

from scheduler.errors import Infeasible
from scheduler.greedy import Variant, greedy_schedule
from scheduler.lns import Placement
from scheduler.problem import Problem
from scheduler.schedule import Airing

_problem: Problem | None = None  # each worker's copy, set once by _start


def placement(problem: Problem, airings: Sequence[Airing]) -> Placement:
    """lesson -> (day, second of day, channel) of airings on the problem's calendar."""
    found: Placement = {}
    for airing in airings:
        located = problem.locate(airing.start)
        assert located is not None  # every heuristic places on broadcast days
        found[airing.lesson] = (located[0], located[1], airing.channel)
    return found


def _start(problem: Problem) -> None:
    global _problem
    _problem = problem


def _run(variant: Variant) -> tuple[str, Placement | None, float]:
    assert _problem is not None
    began = time.monotonic()
    try:
        airings = greedy_schedule(_problem, variant).airings
    except Infeasible:
        return variant.name, None, time.monotonic() - began
    return variant.name, placement(_problem, airings), time.monotonic() - began


def run_variants(
    problem: Problem,
    variants: Sequence[Variant],
    deadline: float,
    processes: int,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[tuple[str, Placement | None, float]]:
    """(variant name, placement or None when it ran out of days, seconds) of each
    variant that finishes before `deadline` (a `clock()` reading), as they finish.
    With one process, one variant, or inside a daemonic process (which may not start
    children), they run here, each started only before the deadline."""
    if processes <= 1 or len(variants) <= 1 or multiprocessing.current_process().daemon:
        for variant in variants:
            if clock() >= deadline:
                return
            _start(problem)
            yield _run(variant)
        return
    _start(problem)
    context = multiprocessing.get_context("fork")
    with context.Pool(min(processes, len(variants))) as pool:
        pending = [pool.apply_async(_run, (variant,)) for variant in variants]
        while pending and clock() < deadline:
            done = [job for job in pending if job.ready()]
            for job in done:
                pending.remove(job)
                yield job.get()
            if not done:
                time.sleep(0.05)
        pool.terminate()
