"""The baseline list scheduler is the floor: no solve needs more days than it."""

from __future__ import annotations

from scheduler import SolveOptions, check, parse_problem, solve
from scheduler.fuzz import planners_16
from scheduler.greedy import PLAIN, Variant, greedy_schedule
from scheduler.problem import Problem
from scheduler.schedule import Schedule
from tests.scheduler import TERM


def _days(problem: Problem, schedule: Schedule) -> int:
    return check(problem, schedule).days_used


def test_the_solver_never_needs_more_days_than_the_baseline_on_the_planners_network():
    # Issue 29's network scaled down: per language, two channels for grades 1-6 and two
    # for grades 5-11. Ranked by episodes left alone, a channel took a lesson whose
    # audience was busy elsewhere and waited: 23 days against the baseline's 20.
    problem = parse_problem(planners_16(3000, channels_per_range=2, series_scale=0.25))
    baseline = _days(problem, greedy_schedule(problem))
    assert baseline < _days(problem, greedy_schedule(problem, Variant("most episodes left")))
    solved = solve(problem, SolveOptions(time_limit_s=4, workers=2))
    report = check(problem, solved)
    assert report.violations == []
    assert report.days_used <= baseline


def test_the_baseline_takes_what_can_start_at_the_clock_and_ties_go_to_the_longer():
    # Grade 5 may watch from 10:00 only: at 09:00 the channel takes grade 6's lesson,
    # though grade 5's series has more episodes left (ranked by those alone, the
    # channel would take grade 5's at 10:00 and air nothing from 09:00).
    data = {
        **TERM,
        "channels": [{"id": "a", "name": "A", "window": ["09:00", "18:00"], "languages": ["kk"]}],
        "audiences": [{"grade": 5, "language": "kk", "window": ["10:00", "18:00"]}],
        "series": [
            {"id": "g5", "grade": 5, "subject": "math", "language": "kk", "max_per_day": 3},
            {"id": "g6", "grade": 6, "subject": "math", "language": "kk"},
            {"id": "g7", "grade": 7, "subject": "math", "language": "kk"},
        ],
        "lessons": [
            *(
                {"id": f"g5-{i}", "series": "g5", "episode": i, "duration_s": 1800}
                for i in range(1, 6)
            ),
            {"id": "g6-1", "series": "g6", "episode": 1, "duration_s": 1200},
            {"id": "g7-1", "series": "g7", "episode": 1, "duration_s": 1500},
        ],
    }
    problem = parse_problem(data)
    starts = {a.lesson: a.start.strftime("%H:%M") for a in greedy_schedule(problem).airings}
    assert starts["g7-1"] == "09:00"  # one episode left each: the longer lesson first
    assert starts["g6-1"] == "09:25"
    assert starts["g5-1"] == "10:00"  # 09:45 is too early for grade 5: the clock moves
    assert PLAIN.at_clock
