"""Synthetic problems are valid, seeded and shaped like the national case."""

from __future__ import annotations

from scheduler import check, parse_problem, solve
from scheduler.generate import generate
from scheduler.solver import SolveOptions


def test_same_seed_same_problem_and_valid():
    first, again = generate(300, 4, seed=7), generate(300, 4, seed=7)
    assert first == again
    problem = parse_problem(first)
    assert len(problem.lessons) == 300
    assert {c.languages for c in problem.channels} == {frozenset({"kk"}), frozenset({"ru"})}
    durations = {lesson.duration_s for lesson in problem.lessons}
    assert min(durations) >= 15 * 60
    assert max(durations) <= 45 * 60
    primary = problem.audiences[(1, "kk")]
    assert primary.window[1] <= 13 * 3600
    assert primary.max_daily_s == 7200
    per_grade: dict[tuple[int, str], int] = {}
    for series in problem.series.values():
        per_grade[(series.grade, series.language)] = (
            per_grade.get((series.grade, series.language), 0) + 1
        )
    assert max(per_grade.values()) <= 12


def test_generated_problem_solves_cleanly():
    problem = parse_problem(generate(40, 2, seed=1))
    schedule = solve(problem, SolveOptions(time_limit_s=5))
    assert check(problem, schedule).violations == []
