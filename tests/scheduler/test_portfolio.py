"""The heuristic's variants in worker processes: the same answers as in-process, and
nothing past the deadline."""

from __future__ import annotations

import time

from scheduler import parse_problem
from scheduler.greedy import PLAIN, Variant, greedy_schedule
from scheduler.networks import Shape, network
from scheduler.portfolio import placement, run_variants

VARIANTS = (PLAIN, Variant("homes", home=True, pack=True))


def test_worker_processes_give_what_the_heuristic_gives_here():
    problem = parse_problem(network(Shape("test", 400, channels=3, seed=5)))
    found = {
        name: placed
        for name, placed, _ in run_variants(problem, VARIANTS, time.monotonic() + 120, 2)
    }
    assert set(found) == {"plain", "homes"}
    for variant in VARIANTS:
        assert found[variant.name] == placement(problem, greedy_schedule(problem, variant).airings)


def test_a_passed_deadline_runs_nothing():
    problem = parse_problem(network(Shape("test", 100, seed=5)))
    assert list(run_variants(problem, VARIANTS, time.monotonic() - 1, 2)) == []
    assert list(run_variants(problem, VARIANTS, time.monotonic() - 1, 1)) == []
