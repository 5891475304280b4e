"""The day-by-day path for large problems honours every rule (checked independently)."""

from __future__ import annotations

import pytest

from scheduler import SolveOptions, check, parse_problem, solve
from scheduler.generate import generate
from scheduler.greedy import greedy_schedule
from scheduler.rolling import solve_by_day
from scheduler.schedule import Schedule
from scheduler.solver import WHOLE_TERM_LIMIT


@pytest.mark.slow
@pytest.mark.parametrize(("lessons", "channels"), [(WHOLE_TERM_LIMIT + 100, 2), (1500, 4)])
def test_large_problem_passes_the_checker_and_beats_greedy(lessons, channels):
    problem = parse_problem(generate(lessons, channels, seed=4))
    schedule = solve(problem, SolveOptions(time_limit_s=20))
    report = check(problem, schedule)
    assert report.violations == []
    assert schedule.stats["days_used"] == report.days_used >= report.lower_bound_days
    plain = check(problem, greedy_schedule(problem))
    assert report.days_used <= plain.days_used
    assert report.slot_consistency > plain.slot_consistency


def test_large_pinned_problem_passes_the_checker():
    problem = parse_problem(generate(WHOLE_TERM_LIMIT + 50, 2, seed=6))
    first = problem.lessons[0]
    data = generate(WHOLE_TERM_LIMIT + 50, 2, seed=6)
    channel = next(
        c["id"] for c in data["channels"] if problem.series[first.series].language in c["languages"]
    )
    data["pins"] = [{"lesson": first.id, "channel": channel, "start": "2026-09-01T09:00:00+05:00"}]
    pinned = parse_problem(data)
    report = check(pinned, solve(pinned, SolveOptions(time_limit_s=10)))
    assert report.violations == []


def test_day_by_day_keeps_pins_caps_and_windows(problem_data):
    problem = parse_problem(problem_data)
    airings, days = solve_by_day(problem, time_limit_s=10, workers=2)
    report = check(problem, Schedule(airings))
    assert report.violations == []
    assert days == report.days_used


@pytest.mark.slow
def test_a_large_pinned_network_is_never_worse_than_the_list_scheduler():
    from scheduler.networks import Shape, network

    problem = parse_problem(network(Shape("pins", WHOLE_TERM_LIMIT + 100, pins=8, seed=9)))
    schedule = solve(problem, SolveOptions(time_limit_s=8))
    report = check(problem, schedule)
    assert report.violations == []
    plain = check(problem, greedy_schedule(problem))
    assert plain.violations == []  # the floor honours pins too
    assert report.days_used <= plain.days_used
    assert report.slot_consistency >= plain.slot_consistency


def test_a_day_out_of_time_keeps_the_greedy_day_it_was_hinted_with():
    # 0.01 s for the whole term: the first day's model gets the least CP-SAT time
    # (it may find nothing in it), and the days after the limit get no model at all;
    # each day must still air what the greedy day would, not nothing
    from scheduler.networks import Shape, network

    problem = parse_problem(
        network(Shape("shared", 1500, channels=5, shared=True, split="overlap", tracks=3, seed=3))
    )
    airings, days = solve_by_day(problem, 0.01, workers=1)
    report = check(problem, Schedule(airings))
    assert report.violations == []
    assert len(airings) == len(problem.lessons)
    assert days <= 2 * check(problem, greedy_schedule(problem)).days_used


def test_day_by_day_airs_the_episodes_before_a_deep_pin_in_time():
    from scheduler.networks import Shape, network

    problem = parse_problem(network(Shape("deep", 600, seed=3, deep_pins=3)))
    airings, _ = solve_by_day(problem, 5, workers=2)
    assert check(problem, Schedule(airings)).violations == []


def test_day_by_day_names_a_pin_it_reached_too_late():
    from scheduler import Infeasible
    from tests.scheduler import TERM

    data = {
        **TERM,
        "channels": [{"id": "ch", "name": "ch", "window": ["09:00", "10:00"], "languages": ["kk"]}],
        "series": [{"id": "s", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [
            {"id": f"s-{n}", "series": "s", "episode": n, "duration_s": 1800} for n in (1, 2, 3)
        ],
        # s-3 on the second day: s-1 and s-2 cannot both air before it, one a day
        "pins": [{"lesson": "s-3", "channel": "ch", "start": "2026-09-02T09:00:00+05:00"}],
    }
    with pytest.raises(Infeasible, match=r"^pin: .* episodes of s before its pinned lesson s-3$"):
        solve_by_day(parse_problem(data), 1, workers=1)
