"""Fuzzed networks: every solve keeps every rule (the independent checker says so) and
never needs more days than the baseline list scheduler, at any time limit."""

from __future__ import annotations

import pytest

from scheduler import Infeasible, SolveOptions, parse_problem, solve
from scheduler.checker import violations
from scheduler.fuzz import fuzzed
from scheduler.greedy import greedy_schedule
from scheduler.portfolio import placement
from scheduler.problem import Problem
from scheduler.schedule import Airing

DRAWS = 100
SHORT = SolveOptions(time_limit_s=0.5, workers=1)
"""The floor runs first, so the invariant holds at any limit: a short one keeps the
hundred draws within a few minutes."""


def _lessons(seed: int) -> int:
    """200 to 1,500 lessons, spread over the draws."""
    return 200 + (seed * 389) % 1301


def _days(problem: Problem, airings: list[Airing]) -> int:
    return 1 + max(day for day, _, _ in placement(problem, airings).values())


def test_the_draws_vary_in_every_way_the_issue_names():
    draws = [fuzzed(seed, 300)[1] for seed in range(DRAWS)]
    assert {d.channels for d in draws} == set(range(1, 17))
    for present in ("windows", "audience_windows", "caps", "saturdays"):
        assert {getattr(d, present) for d in draws} == {False, True}, present
    assert {d.holidays > 0 for d in draws} == {False, True}
    assert {d.pins > 0 for d in draws} == {False, True}
    sizes = {_lessons(seed) for seed in range(DRAWS)}
    assert min(sizes) == 200
    assert max(sizes) > 1400


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(DRAWS))
def test_a_fuzzed_network_is_solved_within_the_rules_and_never_above_the_baseline(seed):
    problem = parse_problem(fuzzed(seed, _lessons(seed))[0])
    try:
        baseline: int | None = _days(problem, greedy_schedule(problem).airings)
    except Infeasible:  # pins it cannot honour: the solver's CP-SAT days can
        baseline = None
    solved = solve(problem, SHORT)
    assert violations(problem, solved.airings) == []
    assert solved.stats["days_used"] == _days(problem, solved.airings)
    if baseline is not None:
        assert solved.stats["days_used"] <= baseline
