"""The bin-packing bound: exact on small cases, and where a window holds few lessons."""

from __future__ import annotations

import itertools
import random
from collections import Counter

from scheduler import SolveOptions, check, parse_problem, solve
from scheduler.binpack import packing_days, patterns
from scheduler.bounds import bounds, lower_bound
from tests.scheduler import TERM


def _fewest_bins(items: list[int], capacity: int) -> int:
    """Bin packing by brute force: try every assignment to k bins, k = 1, 2, ..."""
    for k in range(1, len(items) + 1):
        for assignment in itertools.product(range(k), repeat=len(items)):
            loads = [0] * k
            for item, b in zip(items, assignment, strict=True):
                loads[b] += item
            if max(loads) <= capacity:
                return k
    return len(items)


def test_patterns_are_every_filling_of_one_bin():
    found = set(patterns([5, 3], [2, 3], 10))
    assert found == {(2, 0), (1, 1), (0, 1), (0, 2), (0, 3), (1, 0)}


def test_packing_days_is_the_bin_packing_optimum_on_small_cases():
    rng = random.Random(5)
    for _ in range(25):
        capacity = rng.randint(10, 20)
        items = [rng.randint(3, capacity) for _ in range(rng.randint(1, 7))]
        expected = _fewest_bins(items, capacity)
        assert packing_days(Counter(items), Counter({capacity: 1})) == expected, items
        # two bins a day: half the bins, rounded up
        assert packing_days(Counter(items), Counter({capacity: 2})) == -(-expected // 2)


def test_packing_days_declines_bins_that_hold_many_items():
    assert packing_days(Counter({5: 10}), Counter({100: 1})) is None
    assert packing_days(Counter({5: 10}), Counter({4: 1})) is None  # fits no bin
    assert packing_days(Counter(), Counter({4: 1})) == 0


def _hour_channel(durations: list[int], break_s: int) -> dict[str, object]:
    return {
        **TERM,
        "break_s": break_s,
        "channels": [
            {"id": "a", "window": ["09:00", "10:00"], "languages": ["kk"], "grades": [1, 2]}
        ],
        "series": [
            {"id": f"s{i}", "grade": 1 + i % 2, "subject": "m", "language": "kk"}
            for i in range(len(durations))
        ],
        "lessons": [
            {"id": f"l{i}", "series": f"s{i}", "episode": 1, "duration_s": d * 60}
            for i, d in enumerate(durations)
        ],
    }


def test_an_hour_with_breaks_takes_one_half_hour_lesson_and_the_solver_knows_it():
    # four 30-minute lessons with 1-minute breaks: 124 minutes fit two hours by the
    # clock, but 30 + 1 + 30 = 61 > 60, so each takes a day of its own
    problem = parse_problem(_hour_channel([30, 30, 30, 30], break_s=60))
    found = {b.reason.split(":")[0]: b.days for b in bounds(problem)}
    assert found["language kk"] == 3  # the seconds bound
    best = lower_bound(problem)
    assert best.days == 4
    assert "each aired whole" in best.reason
    assert "1 stretch of 60 min" in best.reason
    schedule = solve(problem, SolveOptions(time_limit_s=10))
    assert check(problem, schedule).days_used == 4
    assert schedule.stats["status"] == "OPTIMAL"


def test_without_breaks_the_same_lessons_pair_up():
    problem = parse_problem(_hour_channel([30, 30, 30, 30], break_s=0))
    assert lower_bound(problem).days == 2


def test_a_daily_cap_packs_whole_lessons():
    data = _hour_channel([25, 25, 25, 25, 25], break_s=0)
    data["channels"][0]["window"] = ["09:00", "18:00"]  # type: ignore[index]
    data["audiences"] = [{"grade": 1, "language": "kk", "max_daily_s": 2400}]
    problem = parse_problem(data)
    # grade 1 has lessons 0, 2 and 4: 75 minutes in a 40-minute cap is two days by the
    # clock, but one whole lesson a day is three
    found = sorted(b.days for b in bounds(problem) if b.reason.startswith("audience kk grade 1"))
    assert found == [2, 3]
    best = lower_bound(problem)
    assert best.days == 3
    assert "its daily cap (40 min)" in best.reason
