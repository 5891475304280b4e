"""Large-neighbourhood search: more slot consistency, never a broken rule or a new day."""

from __future__ import annotations

import itertools
import time

from scheduler import check, parse_problem
from scheduler.greedy import Variant, greedy_schedule
from scheduler.lns import improve, score
from scheduler.networks import Shape, network
from scheduler.portfolio import placement
from scheduler.schedule import Schedule, airing_at


def _clock(step: float):
    """A clock that advances `step` seconds a reading: the search is bounded by
    readings, not by this machine's speed."""
    ticks = itertools.count()
    return lambda: next(ticks) * step


def _schedule(problem, placed) -> Schedule:
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    return Schedule(
        sorted(airing_at(problem, lessons[i], d, s, c) for i, (d, s, c) in placed.items())
    )


def test_search_raises_consistency_and_keeps_every_rule_days_and_pins():
    shape = Shape("test", 500, channels=3, shared=True, pins=3, holidays=2, seed=3)
    problem = parse_problem(network(shape))
    # The list scheduler before issue 29 leaves room in its days for the search to use
    # (the baseline packs each channel's day from its clock, with little room to move).
    loose = Variant("most episodes left wherever they start")
    start = placement(problem, greedy_schedule(problem, loose).airings)
    before = check(problem, _schedule(problem, start))
    assert before.violations == []
    better, search = improve(problem, start, deadline=400, clock=_clock(1.0), workers=1)
    after = check(problem, _schedule(problem, better))
    assert after.violations == []
    assert after.days_used <= before.days_used
    assert after.slot_consistency > before.slot_consistency + 0.1
    assert abs(score(problem, better) - after.slot_consistency) < 1e-4
    assert search.sweeps >= 1
    assert search.kept > 0
    for pin in problem.pins:
        assert better[pin.lesson] == start[pin.lesson]


def test_search_stops_at_its_deadline():
    problem = parse_problem(network(Shape("test", 300, seed=4)))
    start = placement(problem, greedy_schedule(problem).airings)
    clock = _clock(1.0)
    _, search = improve(problem, start, deadline=5, clock=clock, workers=1)
    assert search.tried <= 5


def test_sweeps_in_worker_processes_keep_every_rule_days_and_pins():
    """Two processes share a sweep's days (the real clock: the workers read it too)."""
    shape = Shape("test", 600, channels=4, split="overlap", pins=3, seed=5)
    problem = parse_problem(network(shape))
    # The list scheduler before issue 29 leaves room in its days for the search to use
    # (the baseline packs each channel's day from its clock, with little room to move).
    loose = Variant("most episodes left wherever they start")
    start = placement(problem, greedy_schedule(problem, loose).airings)
    before = check(problem, _schedule(problem, start))
    began = time.monotonic()
    better, search = improve(problem, start, began + 6, time.monotonic, workers=2)
    assert time.monotonic() - began < 8
    after = check(problem, _schedule(problem, better))
    assert after.violations == []
    assert after.days_used <= before.days_used
    assert after.slot_consistency > before.slot_consistency + 0.1
    assert search.sweeps >= 1
    for pin in problem.pins:
        assert better[pin.lesson] == start[pin.lesson]


def test_reach_counts_each_series_episodes_on_days_of_their_own():
    from scheduler.lns import reach

    problem = parse_problem(_reach_problem())
    once_a_day = {"x-1": (0, 32400, "ch"), "x-2": (1, 32400, "ch"), "y-1": (0, 36000, "ch")}
    twice_on_one = {"x-1": (0, 32400, "ch"), "x-2": (0, 36000, "ch"), "y-1": (1, 32400, "ch")}
    assert reach(problem, once_a_day) == 1.0
    assert reach(problem, twice_on_one) == (0.5 + 1.0) / 2  # averaged over series


def _reach_problem() -> dict[str, object]:
    """One channel, two series of grade 5: x (two episodes) and y (one)."""
    from tests.scheduler import TERM

    return {
        **TERM,
        "channels": [{"id": "ch", "name": "Ch", "window": ["09:00", "12:00"], "languages": ["kk"]}],
        "series": [
            {
                "id": sid,
                "grade": 5,
                "subject": sid,
                "language": "kk",
                "title": sid,
                "max_per_day": 2,
            }
            for sid in ("x", "y")
        ],
        "lessons": [
            {"id": f"{sid}-{e}", "series": sid, "episode": e, "duration_s": 1800}
            for sid, count in (("x", 2), ("y", 1))
            for e in range(1, count + 1)
        ],
    }
