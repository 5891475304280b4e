"""End-of-day packing for the list scheduler (pure): subset sums over lesson lengths in
whole minutes, so a day ends with little dead air and a capped audience watches its
full cap."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from scheduler.problem import Channel, Lesson, Problem

PACK_WINDOW_S = 150 * 60  # look for an exact end of day in the last 2.5 hours
_MINUTE = 60


def _ceil_minutes(seconds: int) -> int:
    return -(-seconds // _MINUTE)


def _minutes(lesson: Lesson, problem: Problem) -> int:
    """A lesson and its break in whole minutes, rounded up."""
    return _ceil_minutes(lesson.duration_s + problem.break_s)


def fill_after(
    problem: Problem,
    channel: Channel,
    cursor: int,
    fitting: list[tuple[Lesson, int]],
) -> Callable[[Lesson, int], int] | None:
    """In the last PACK_WINDOW_S of the day: a function giving the minutes of the day a
    candidate fills, itself plus the best subset of the others after it. Lengths are
    rounded up to whole minutes, so a fill it promises always fits."""
    audiences = problem.series_audience
    end = max(min(channel.window[1], audiences[lesson.series].window[1]) for lesson, _ in fitting)
    room = (end - cursor + problem.break_s) // _MINUTE
    if room * _MINUTE > PACK_WINDOW_S:
        return None
    lengths = [_minutes(lesson, problem) for lesson, _ in fitting]
    others: dict[int, int] = {}  # own length -> the sums the other candidates reach

    def fill(lesson: Lesson, begin: int) -> int:
        own = _minutes(lesson, problem)
        if own not in others:  # the candidate itself left out: it airs once
            rest = list(lengths)
            rest.remove(own)
            others[own] = _reach(rest, room)
        after = (end - begin - lesson.duration_s) // _MINUTE
        return own + _best(others[own], max(0, min(room - own, after)))

    return fill


def cap_stranded(
    problem: Problem, fitting: list[tuple[Lesson, int]], watched: dict[tuple[int, str], int]
) -> Callable[[Lesson], int]:
    """A function giving the minutes of its audience's daily cap a candidate would leave
    unusable: what is left after it that no subset of the audience's other candidates
    fills (0 for audiences without a cap)."""
    audiences = problem.series_audience
    lengths: dict[tuple[int, str], list[int]] = defaultdict(list)
    for lesson, _ in fitting:
        audience = audiences[lesson.series]
        if audience.max_daily_s is not None:
            lengths[audience.key].append(_ceil_minutes(lesson.duration_s))
    room: dict[tuple[int, str], int] = {}
    for key in lengths:
        cap = problem.audiences[key].max_daily_s
        assert cap is not None
        room[key] = (cap - watched[key]) // _MINUTE
    others: dict[tuple[tuple[int, str], int], int] = {}  # the sums the others reach

    def stranded(lesson: Lesson) -> int:
        key = audiences[lesson.series].key
        if key not in room:
            return 0
        own = _ceil_minutes(lesson.duration_s)
        if (key, own) not in others:  # the candidate itself left out: it airs once
            rest = list(lengths[key])
            rest.remove(own)
            others[(key, own)] = _reach(rest, room[key])
        return room[key] - own - _best(others[(key, own)], max(0, room[key] - own))

    return stranded


def _reach(lengths: list[int], room: int) -> int:
    """The sums up to `room` that subsets of `lengths` reach, as bits (bit x: x)."""
    reach = 1
    mask = (1 << (room + 1)) - 1
    for length in lengths:
        reach = (reach | (reach << length)) & mask
    return reach


def _best(reach: int, upto: int) -> int:
    """The largest sum of `reach` (bits from _reach) not above `upto`."""
    return (reach & ((2 << upto) - 1)).bit_length() - 1
