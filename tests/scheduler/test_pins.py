"""Pins ahead of a series: how many episodes stand before the next pin, and when it is due."""

from __future__ import annotations

from scheduler import parse_problem
from scheduler.pins import Ahead, PinsAhead
from tests.scheduler import TERM


def _problem(pins: list[tuple[str, str]]) -> PinsAhead:
    data = {
        **TERM,
        "channels": [{"id": "ch", "name": "ch", "window": ["09:00", "18:00"], "languages": ["kk"]}],
        "series": [{"id": "s", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [
            {"id": f"s-{n}", "series": "s", "episode": n, "duration_s": 1800} for n in range(1, 9)
        ],
        "pins": [
            {"lesson": lesson, "channel": "ch", "start": f"{day}T10:00:00+05:00"}
            for lesson, day in pins
        ],
    }
    return PinsAhead(parse_problem(data))


def test_the_next_pin_and_the_episodes_before_it():
    pins = _problem([("s-6", "2026-09-10"), ("s-3", "2026-09-04")])  # out of order
    assert pins.ahead("s", 0) == Ahead("s-3", 2, 3, 36000)  # 2026-09-04: the 4th weekday
    assert pins.ahead("s", 2) == Ahead("s-3", 0, 3, 36000)
    assert pins.ahead("s", 3) == Ahead("s-6", 2, 7, 36000)
    assert pins.ahead("s", 6) is None
    assert pins.ahead("other", 0) is None


def test_a_pin_is_due_when_the_days_before_it_cannot_take_what_stands_before_it():
    pin = Ahead("s-6", 5, 5, 36000)  # five episodes before a pin on day 5
    # one a day: days 1-4 take only four of the five, so today must take one
    assert [pin.due(today, 1) for today in range(6)] == [True, True, True, True, True, False]
    # two a day: from day 2 on, the days left before the pin no longer take five
    assert [pin.due(today, 2) for today in range(5)] == [False, False, True, True, True]
