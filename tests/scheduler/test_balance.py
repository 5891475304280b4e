"""Even daily load: lessons move to lighter days only where nothing else changes."""

from __future__ import annotations

from scheduler import check, parse_problem
from scheduler.balance import balance, daily_load_spread
from scheduler.generate import generate
from scheduler.greedy import Variant, greedy_schedule
from scheduler.schedule import Schedule


def test_balancing_evens_the_load_and_keeps_days_times_and_rules():
    problem = parse_problem(generate(600, 2, seed=1))
    packed = greedy_schedule(problem, Variant("t", home=True, pack=True, urgency=0.8))
    even = balance(problem, packed.airings)
    before, after = check(problem, packed), check(problem, Schedule(even))
    assert after.violations == []
    assert after.days_used == before.days_used
    assert after.slot_consistency == before.slot_consistency
    assert daily_load_spread(problem, even) < daily_load_spread(problem, packed.airings) / 2
    seconds = {a.lesson: (a.channel, a.start.timetz()) for a in packed.airings}
    assert {a.lesson: (a.channel, a.start.timetz()) for a in even} == seconds


def test_a_pinned_lesson_never_moves():
    data = generate(600, 2, seed=1)
    problem = parse_problem(data)
    packed = greedy_schedule(problem, Variant("t", home=True, pack=True, urgency=0.8)).airings
    even = set(balance(problem, packed))
    moved = [a for a in packed if a not in even]
    assert moved  # balancing moves something here ...
    airing = moved[0]
    data["pins"] = [
        {"lesson": airing.lesson, "channel": airing.channel, "start": airing.start.isoformat()}
    ]
    pinned = parse_problem(data)
    assert airing in balance(pinned, packed)  # ... but not a pinned lesson
