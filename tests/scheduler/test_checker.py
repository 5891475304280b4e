"""The independent checker: a hand-made schedule that keeps every rule at its very edge,
and for every rule a copy of it that breaks exactly that rule (and by one second or
one episode where the rule has an edge). bench/checker_mutants.py mutates the rule
code of scheduler/checker.py and runs this module against each mutant."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from scheduler import check, parse_problem
from scheduler.checker import RULES
from scheduler.problem import Problem
from scheduler.schedule import Airing, Schedule

TZ = "+05:00"
DATA = {
    "timezone": "Asia/Almaty",
    "start_date": "2026-09-07",  # a Monday
    "end_date": "2026-09-18",
    "weekdays": [1, 2, 3, 4, 5],
    "break_s": 60,
    "channels": [
        {"id": "a", "name": "A", "window": ["09:00", "12:00"], "languages": ["kk"]},
        {"id": "b", "name": "B", "window": ["08:00", "12:00"], "languages": ["kk"], "grades": [5]},
    ],
    "audiences": [
        {"grade": 5, "language": "kk", "window": ["09:00", "11:00"], "max_daily_s": 3000}
    ],
    "series": [
        {"id": "s", "grade": 5, "subject": "math", "language": "kk", "max_per_day": 2},
        {"id": "r", "grade": 5, "subject": "art", "language": "kk"},
        {"id": "q", "grade": 5, "subject": "music", "language": "kk"},
        {"id": "t", "grade": 6, "subject": "math", "language": "kk"},
    ],
    "lessons": [
        *({"id": f"s{i}", "series": "s", "episode": i, "duration_s": 1200} for i in range(1, 5)),
        {"id": "r1", "series": "r", "episode": 1, "duration_s": 600},
        {"id": "q1", "series": "q", "episode": 1, "duration_s": 600},
        *({"id": f"t{i}", "series": "t", "episode": i, "duration_s": 1800} for i in range(1, 4)),
    ],
    "pins": [{"lesson": "t1", "channel": "a", "start": f"2026-09-07T11:00:00{TZ}"}],
}
GOOD = {
    # Monday: grade 5 watches 50 min, its cap; s airs 2 episodes, its limit; s2 starts
    # the second s1 ends (another channel: no break there), r1 after s2's break on b.
    "s1": ("a", "2026-09-07T09:00:00"),
    "s2": ("b", "2026-09-07T09:20:00"),
    "r1": ("b", "2026-09-07T09:41:00"),
    "t1": ("a", "2026-09-07T11:00:00"),  # its pin
    # Tuesday: s3 exactly one break after t2 on a; s4 ends as grade 5's window closes.
    "t2": ("a", "2026-09-08T09:00:00"),
    "s3": ("a", "2026-09-08T09:31:00"),
    "s4": ("b", "2026-09-08T10:40:00"),
    # Wednesday: t3 ends as a's window closes; q1 ends as grade 5's window closes.
    "t3": ("a", "2026-09-09T11:30:00"),
    "q1": ("b", "2026-09-09T10:50:00"),
}


@pytest.fixture(scope="module")
def problem() -> Problem:
    return parse_problem(DATA)


def _airing(problem: Problem, lesson: str, channel: str, start: str, end_s: int = 0) -> Airing:
    begin = datetime.fromisoformat(start + TZ)
    duration = next(x.duration_s for x in problem.lessons if x.id == lesson)
    return Airing(begin, channel, lesson, begin + timedelta(seconds=end_s or duration))


def _schedule(problem: Problem, changes: dict[str, tuple[str, str] | None]) -> Schedule:
    """GOOD with some lessons moved (lesson -> (channel, start)) or dropped (None)."""
    placed = {**GOOD, **changes}
    return Schedule(
        [_airing(problem, lid, *where) for lid, where in placed.items() if where is not None]
    )


def test_the_hand_made_schedule_keeps_every_rule_at_its_edge(problem):
    report = check(problem, _schedule(problem, {}))
    assert report.violations == []
    assert report.days_used == 3


BROKEN = {
    "once: a lesson never airs": ({"t3": None}, "once"),
    "window: a's window closes a second early": ({"t3": ("a", "2026-09-09T11:30:01")}, "window"),
    "window: a's window opens a second late": ({"t2": ("a", "2026-09-08T08:59:59")}, "window"),
    "window: a Saturday": ({"t3": ("a", "2026-09-12T11:00:00")}, "window"),
    "window: before the term": ({"q1": ("b", "2026-09-04T10:00:00")}, "window"),
    "eligible: b does not carry grade 6": ({"t3": ("b", "2026-09-09T11:30:00")}, "eligible"),
    "eligible: no such channel": ({"t3": ("z", "2026-09-09T11:30:00")}, "eligible"),
    "channel-overlap: a break a second short": (
        {"s3": ("a", "2026-09-08T09:30:59")},
        "channel-overlap",
    ),
    "audience-overlap: grade 5 on two channels": (
        {"r1": ("b", "2026-09-07T09:19:00"), "s2": ("b", "2026-09-07T09:30:00")},
        "audience-overlap",
    ),
    "order: episodes 1 and 2 swapped": (
        {"s1": ("b", "2026-09-07T09:20:00"), "s2": ("a", "2026-09-07T09:00:00")},
        "order",
    ),
    "per-day: t airs twice on Tuesday": ({"t3": ("a", "2026-09-08T11:30:00")}, "per-day"),
    "daily-cap: grade 5 ten minutes over on Monday": (
        {"q1": ("b", "2026-09-07T10:10:00")},
        "daily-cap",
    ),
    "audience-window: grade 5 a second past its window": (
        {"q1": ("b", "2026-09-09T10:50:01")},
        "audience-window",
    ),
    "audience-window: grade 5 a second before its window": (
        {"q1": ("b", "2026-09-09T08:59:59")},
        "audience-window",
    ),
    "pin: a second late": ({"t1": ("a", "2026-09-07T11:00:01")}, "pin"),
}


@pytest.mark.parametrize(("changes", "rule"), BROKEN.values(), ids=BROKEN.keys())
def test_a_schedule_breaking_one_rule_breaks_exactly_that_rule(problem, changes, rule):
    found = check(problem, _schedule(problem, changes)).by_rule()
    assert set(found) == {rule}, found


def test_every_rule_has_a_schedule_that_breaks_it_alone():
    assert {rule for _, rule in BROKEN.values()} == set(RULES)


def test_two_airings_of_a_lesson_and_an_unknown_lesson_break_once(problem):
    good = _schedule(problem, {})
    twice = Schedule([*good.airings, good.airings[0]])
    assert check(problem, twice).by_rule() == {"once": 1}
    # A second airing is the broken rule; the first is the one judged by the others.
    again = _airing(problem, "t3", "a", "2026-09-12T09:00:00")  # a Saturday
    assert check(problem, Schedule([*good.airings, again])).by_rule() == {"once": 1}
    stranger = _airing(problem, "t3", "a", "2026-09-10T09:00:00")
    stranger = Airing(stranger.start, "a", "x9", stranger.end)
    assert check(problem, Schedule([*good.airings, stranger])).by_rule() == {"once": 1}


def test_an_airing_longer_than_its_lesson_breaks_window(problem):
    airings = [
        _airing(problem, lid, *where, end_s=1801 if lid == "t3" else 0)
        for lid, where in GOOD.items()
    ]
    assert check(problem, Schedule(airings)).by_rule() == {"window": 1}


def test_each_violation_is_counted_where_it_happens(problem):
    # Two breaks too short, on two days: two violations.
    changes = {
        "s3": ("a", "2026-09-08T09:30:59"),
        "t3": ("a", "2026-09-09T09:00:00"),
        "q1": ("a", "2026-09-09T09:30:30"),
    }
    assert check(problem, _schedule(problem, changes)).by_rule() == {"channel-overlap": 2}
