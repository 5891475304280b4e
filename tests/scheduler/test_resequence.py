"""Re-sequencing within days: same days, same lessons per channel-day, nearer home."""

from __future__ import annotations

from collections import defaultdict

from scheduler import check, parse_problem
from scheduler.generate import generate
from scheduler.greedy import greedy_schedule
from scheduler.resequence import _audience_busy, _valid, resequence
from scheduler.schedule import Schedule


def test_resequencing_keeps_days_and_rules_and_raises_consistency():
    problem = parse_problem(generate(1500, 4, seed=2))
    plain = greedy_schedule(problem)
    again = Schedule(resequence(problem, plain.airings))
    before, after = check(problem, plain), check(problem, again)
    assert after.violations == []
    assert after.days_used == before.days_used
    assert after.slot_consistency > before.slot_consistency + 0.1
    assert _channel_days(problem, again) == _channel_days(problem, plain)


def _channel_days(problem, schedule) -> dict[tuple[int, str], set[str]]:
    """Which lessons each channel airs on each day."""
    found: dict[tuple[int, str], set[str]] = defaultdict(set)
    for airing in schedule.airings:
        found[(problem.locate(airing.start)[0], airing.channel)].add(airing.lesson)
    return dict(found)


def test_an_order_that_leaves_an_audience_window_is_refused(problem_data):
    problem = parse_problem(problem_data)  # kk grade 1 may watch 09:00-13:00 only
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    busy = _audience_busy(problem, lessons, {})
    inside = {"a1": 12 * 3600}  # 12:00-12:25
    late = {"a1": 12 * 3600 + 40 * 60}  # 12:40-13:05
    assert _valid(problem, lessons, 0, "al-farabi", inside, busy)
    assert not _valid(problem, lessons, 0, "al-farabi", late, busy)
    # episodes of one series keep their order within a day
    swapped = {"b2": 14 * 3600, "b1": 15 * 3600}
    assert not _valid(problem, lessons, 0, "al-farabi", swapped, busy)
