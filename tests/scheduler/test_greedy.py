"""The greedy baseline is valid too: the benchmark compares two checked schedules."""

from __future__ import annotations

from scheduler import check, parse_problem
from scheduler.generate import generate
from scheduler.greedy import fill_day, greedy_schedule


def test_greedy_schedule_passes_the_checker():
    problem = parse_problem(generate(200, 2, seed=5))
    report = check(problem, greedy_schedule(problem))
    assert report.violations == []
    assert report.days_used >= report.lower_bound_days


def test_fill_day_keeps_episode_order_within_a_day(problem_data):
    problem_data["series"][1]["max_per_day"] = 3
    problem = parse_problem(problem_data)
    b = [lesson for lesson in problem.lessons if lesson.series == "kk-05-math"]
    placed = {p.lesson.id: p for p in fill_day(problem, b, {"kk-05-math": 3})}
    assert list(placed) == ["b1", "b2", "b3"]
    assert placed["b2"].second >= placed["b1"].second + 1800
    assert placed["b3"].second >= placed["b2"].second + 1800
