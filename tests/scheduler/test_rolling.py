"""The day-by-day path for large problems honours every rule (checked independently)."""

from __future__ import annotations

import pytest

from scheduler import SolveOptions, check, parse_problem, solve
from scheduler.generate import generate
from scheduler.rolling import solve_by_day
from scheduler.schedule import Schedule
from scheduler.solver import WHOLE_TERM_LIMIT


@pytest.mark.slow
def test_large_problem_goes_day_by_day_and_passes_the_checker():
    problem = parse_problem(generate(WHOLE_TERM_LIMIT + 100, 2, seed=4))
    schedule = solve(problem, SolveOptions(time_limit_s=20))
    report = check(problem, schedule)
    assert report.violations == []
    assert schedule.stats["days_used"] == report.days_used >= report.lower_bound_days


def test_day_by_day_keeps_pins_caps_and_windows(problem_data):
    problem = parse_problem(problem_data)
    airings, days = solve_by_day(problem, time_limit_s=10, workers=2)
    report = check(problem, Schedule(airings))
    assert report.violations == []
    assert days == report.days_used
