"""Lower bounds: each capacity argument binds where it should, and never above a solution."""

from __future__ import annotations

from scheduler import SolveOptions, check, parse_problem, solve
from scheduler.bounds import bounds, critical_audiences, lower_bound
from tests.scheduler import TERM


def _split_network() -> dict[str, object]:
    """Two kk channels split by grades, one hour a day each; grades 1-2 have four hours
    of lessons, grades 3-4 half an hour: only the range bound sees four days."""
    lessons = [
        {"id": f"g{grade}-{e}", "series": f"s{grade}", "episode": e, "duration_s": 1800}
        for grade, count in ((1, 4), (2, 4), (3, 1))
        for e in range(1, count + 1)
    ]
    return {
        **TERM,
        "channels": [
            {
                "id": "a",
                "name": "A",
                "window": ["09:00", "10:00"],
                "languages": ["kk"],
                "grades": [1, 2],
            },
            {
                "id": "b",
                "name": "B",
                "window": ["09:00", "10:00"],
                "languages": ["kk"],
                "grades": [3, 4],
            },
        ],
        "series": [
            {
                "id": f"s{g}",
                "grade": g,
                "subject": "math",
                "language": "kk",
                "title": f"M{g}",
                "max_per_day": 2,
            }
            for g in (1, 2, 3)
        ],
        "lessons": lessons,
    }


def test_grade_range_capacity_binds_on_a_network_split_by_grades():
    problem = parse_problem(_split_network())
    found = {b.reason.split(":")[0]: b.days for b in bounds(problem)}
    assert found["language kk"] == 3  # 4.5 h over two channels of 1 h
    assert found["audience kk grade 1"] == 2  # 2 h in 1 h a day
    assert found["language kk, grades 1-2"] == 4  # 4 h on the one channel carrying them
    best = lower_bound(problem)
    assert best.days == 4
    assert "grades 1-2" in best.reason
    schedule = solve(problem, SolveOptions(time_limit_s=10))
    report = check(problem, schedule)
    assert report.violations == []
    assert report.days_used == 4
    assert schedule.stats["status"] == "OPTIMAL"


def test_range_window_is_the_union_of_its_audiences_windows():
    data = _split_network()
    data["audiences"] = [
        {"grade": 1, "language": "kk", "window": ["09:00", "09:30"]},
        {"grade": 2, "language": "kk", "window": ["09:30", "10:00"]},
    ]
    found = {b.reason.split(":")[0]: b.days for b in bounds(parse_problem(data))}
    assert found["language kk, grades 1-2"] == 4  # two half-hour windows: still one hour
    assert found["audience kk grade 1"] == 4  # 2 h at half an hour a day


def _shared_channels() -> dict[str, object]:
    """Two channels carrying both languages: A grades 1-6 for 2 h, B grades 7-11 for
    2 h. Grades 7-8 have 2 h of kk and 2 h of ru lessons: per language one day each
    fits, but together they need B for two days."""
    lessons = []
    series = []
    for language in ("kk", "ru"):
        for grade in (7, 8):
            sid = f"{language}{grade}"
            series.append(
                {"id": sid, "grade": grade, "subject": "m", "language": language, "max_per_day": 9}
            )
            lessons += [
                {"id": f"{sid}-{e}", "series": sid, "episode": e, "duration_s": 1800}
                for e in (1, 2)
            ]
    return {
        **TERM,
        "channels": [
            {
                "id": "a",
                "window": ["09:00", "11:00"],
                "languages": ["kk", "ru"],
                "grades": [1, 2, 3, 4, 5, 6],
            },
            {
                "id": "b",
                "window": ["09:00", "11:00"],
                "languages": ["kk", "ru"],
                "grades": [7, 8, 9, 10, 11],
            },
        ],
        "series": series,
        "lessons": lessons,
    }


def test_channels_shared_by_languages_count_both_languages():
    problem = parse_problem(_shared_channels())
    found = {b.reason.split(":")[0]: b.days for b in bounds(problem)}
    assert found["language kk, grades 7-8"] == 1
    assert found["languages kk+ru, grades 7-8"] == 2
    assert found["channels b"] == 2  # the channel-set bound sees it too
    schedule = solve(problem, SolveOptions(time_limit_s=10))
    assert check(problem, schedule).days_used == 2
    assert schedule.stats["status"] == "OPTIMAL"


def test_bounds_never_exceed_a_schedule_on_any_sweep_shape():
    from scheduler.greedy import greedy_schedule
    from scheduler.networks import SWEEP, network

    for shape in SWEEP:
        small = type(shape)(**{**shape.__dict__, "lessons": 300})
        problem = parse_problem(network(small))
        report = check(problem, greedy_schedule(problem))
        assert report.violations == []
        assert lower_bound(problem).days <= report.days_used, shape.name


def _afternoon_crunch() -> dict[str, object]:
    """One kk channel 09:00-13:00 with one-minute breaks. Grades 1 and 3 may watch
    only 12:00-13:00 and have two 30-minute lessons each; grade 2, between them, may
    watch all morning and has six. No range of grades or set of channels is short of
    hours (grades 1-3: 5 h in 4 h, two days), but the 12:00 hour holds one lesson a
    day and the afternoon audiences have four: four days."""
    series = [
        {"id": f"s{g}", "grade": g, "subject": "m", "language": "kk", "max_per_day": 3}
        for g in (1, 2, 3)
    ]
    lessons = [
        {"id": f"s{g}-{e}", "series": f"s{g}", "episode": e, "duration_s": 1800}
        for g, count in ((1, 2), (2, 6), (3, 2))
        for e in range(1, count + 1)
    ]
    return {
        **TERM,
        "break_s": 60,
        "channels": [
            {"id": "a", "window": ["09:00", "13:00"], "languages": ["kk"], "grades": [1, 2, 3]}
        ],
        "audiences": [
            {"grade": 1, "language": "kk", "window": ["12:00", "13:00"]},
            {"grade": 3, "language": "kk", "window": ["12:00", "13:00"]},
        ],
        "series": series,
        "lessons": lessons,
    }


def test_hours_of_the_day_bind_where_audiences_crowd_into_the_same_hour():
    problem = parse_problem(_afternoon_crunch())
    found = {b.reason.split(":")[0]: b.days for b in bounds(problem)}
    others = max(days for label, days in found.items() if label != "hours of the day")
    assert others == 2
    assert found["hours of the day"] == 3  # 4 x 31 min in 61 min a day: 2.03 days
    best = lower_bound(problem)
    assert best.days == 3
    assert "a 12:00-13:01" in best.reason  # the hour that is full, named
    schedule = solve(problem, SolveOptions(time_limit_s=10))
    assert check(problem, schedule).days_used == 4 >= best.days


def test_hours_of_the_day_never_exceed_a_schedule_on_fuzzed_draws():
    from scheduler.fuzz import fuzzed
    from scheduler.greedy import greedy_schedule

    for seed in range(40):
        problem = parse_problem(fuzzed(seed, 300)[0])
        report = check(problem, greedy_schedule(problem))
        assert report.violations == []
        hours = next(b for b in bounds(problem) if b.reason.startswith("hours of the day"))
        assert hours.days <= report.days_used, seed


def test_critical_audiences_are_those_whose_own_bound_is_the_lower_bound():
    """On the split network grades 1 and 2 need 4 days together (one channel) but 2
    each: no audience alone is critical. Capped at 30 minutes a day, grade 1's four
    lessons alone need those 4 days: it is."""
    data = _split_network()
    assert lower_bound(parse_problem(data)).days == 4
    assert critical_audiences(parse_problem(data)) == set()
    data["audiences"] = [{"grade": 1, "language": "kk", "max_daily_s": 1800}]
    problem = parse_problem(data)
    assert lower_bound(problem).days == 4
    assert critical_audiences(problem) == {(1, "kk")}
    grade_one = next(b for b in bounds(problem) if b.reason.startswith("audience kk grade 1"))
    assert grade_one.audiences == frozenset({(1, "kk")})
