"""Re-sequencing within days: same days, same lessons per channel-day, nearer home."""

from __future__ import annotations

from collections import defaultdict

import pytest

from scheduler import check, parse_problem
from scheduler.generate import generate
from scheduler.greedy import greedy_schedule
from scheduler.resequence import _audience_busy, _series_busy, _valid, resequence
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
    busy, episodes = _audience_busy(problem, lessons, {}), _series_busy(lessons, {})
    inside = {"a1": 12 * 3600}  # 12:00-12:25
    late = {"a1": 12 * 3600 + 40 * 60}  # 12:40-13:05
    assert _valid(problem, lessons, 0, "al-farabi", inside, busy, episodes)
    assert not _valid(problem, lessons, 0, "al-farabi", late, busy, episodes)
    # episodes of one series keep their order within a day
    swapped = {"b2": 14 * 3600, "b1": 15 * 3600}
    assert not _valid(problem, lessons, 0, "al-farabi", swapped, busy, episodes)


@pytest.mark.parametrize("seed", [1, 4])
def test_a_series_on_two_channels_keeps_its_order_across_them(seed):
    # Grades carried by two overlapping channels: a series airs on both on one day, and
    # re-ordering one channel must not put an episode before its predecessor on the other.
    from scheduler.networks import Shape, network
    from scheduler.solver import HEURISTICS

    problem = parse_problem(
        network(Shape("o", 1500, channels=6, split="overlap", tracks=2, seed=seed))
    )
    for variant in HEURISTICS:
        airings = greedy_schedule(problem, variant).airings
        assert check(problem, Schedule(resequence(problem, airings))).violations == []


def test_pinned_lessons_stay_and_the_rest_of_a_pinned_network_is_resequenced():
    from scheduler.networks import Shape, network

    problem = parse_problem(network(Shape("p", 1200, channels=4, holidays=4, pins=8, seed=13)))
    plain = greedy_schedule(problem)
    again = Schedule(resequence(problem, plain.airings))
    pinned = {pin.lesson: pin.start for pin in problem.pins}
    assert pinned
    assert all(a.start == pinned[a.lesson] for a in again.airings if a.lesson in pinned)
    before, after = check(problem, plain), check(problem, again)
    assert after.violations == []
    assert after.days_used == before.days_used
    assert after.slot_consistency > before.slot_consistency + 0.05
