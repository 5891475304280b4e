"""Greedy list scheduling (pure): the baseline to beat, and the appointment heuristic.

Plain (the benchmark's baseline): the earliest free channel takes the next
episode of the eligible series with the most episodes left that fits every rule.

Refinements make the heuristic that large problems start from:

- `home`: each series remembers the time of day it first aired, and a channel
  prefers a series whose home is within HOME_TOLERANCE_S of the slot it is
  filling (appointment viewing: the same series at the same time of day);
- `pack`: in the last PACK_WINDOW_S of what a channel can still air today (its
  window, or its candidates' audience windows when they close earlier), a
  candidate is ranked by how much of that time it lets the remaining candidates
  fill (a subset-sum over their lengths in minutes), so days end with little dead air;
- `urgency`: a series with at least this share of the most episodes left among the
  fitting candidates goes before any home preference, so long series that set the
  end of the term are not held back for the sake of appointments;
- `caps`: right after channel packing, a candidate is ranked by the minutes of its
  audience's daily cap it would strand (what no subset of the audience's other
  candidates can fill), so a capped audience watches its full cap;
- `bottleneck` (greedy_schedule): series ranked by the days they still need at the
  least, by their own episodes or by their audience's remaining minutes over what
  it can watch in a day, so a capped audience is not starved by its neighbours.

They only change which fitting candidate is taken, never whether a rule holds.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from scheduler.bounds import audience_daily_capacity
from scheduler.errors import Infeasible
from scheduler.problem import Channel, Lesson, Problem
from scheduler.schedule import Airing, Schedule, airing_at

HOME_TOLERANCE_S = 600  # the checker's slot consistency counts starts within 10 minutes
PACK_WINDOW_S = 150 * 60  # look for an exact end of day in the last 2.5 hours
_MINUTE = 60


@dataclass(frozen=True)
class Placed:
    """A lesson placed on a day: channel and second of the day."""

    lesson: Lesson
    channel: str
    second: int


def fill_day(
    problem: Problem,
    candidates: list[Lesson],
    left: dict[str, int],
    home: dict[str, int] | None = None,
    pack: bool = False,
    urgency: float | None = None,
    caps: bool = False,
) -> list[Placed]:
    """Place as many candidates as fit in one day, greedily. Candidates of a series come
    in episode order; `left` counts each series' episodes still to air (priority);
    `home` (series -> second of the day), `pack`, `urgency` and `caps` are the
    refinements above."""
    queues: dict[str, list[Lesson]] = defaultdict(list)
    for lesson in candidates:
        queues[lesson.series].append(lesson)
    watched: dict[tuple[int, str], int] = defaultdict(int)
    busy_until: dict[tuple[int, str], int] = defaultdict(int)
    series_free: dict[str, int] = defaultdict(int)
    placed: list[Placed] = []
    channels = {c.id: c for c in problem.channels}
    free = [(c.window[0], c.id) for c in problem.channels]
    heapq.heapify(free)
    while free:
        cursor, channel_id = heapq.heappop(free)
        channel = channels[channel_id]
        fitting: list[tuple[Lesson, int]] = []
        for series_id, queue in queues.items():
            if not queue:
                continue
            series = problem.series[series_id]
            if series.language not in channel.languages or series.grade not in channel.grades:
                continue
            lesson = queue[0]
            audience = problem.audience_of(lesson)
            begin = max(
                cursor, audience.window[0], busy_until[audience.key], series_free[series_id]
            )
            if begin + lesson.duration_s > min(channel.window[1], audience.window[1]):
                continue
            cap = audience.max_daily_s
            if cap is not None and watched[audience.key] + lesson.duration_s > cap:
                continue
            fitting.append((lesson, begin))
        if not fitting:
            continue  # nothing more fits on this channel today
        fill = _fill_after(problem, channel, cursor, fitting) if pack else None
        stranded = _cap_stranded(problem, fitting, watched) if caps else None
        best: tuple[tuple[int, ...], Lesson, int] | None = None
        most = max(left.get(lesson.series, 0) for lesson, _ in fitting)
        for lesson, begin in fitting:
            urgent = urgency is not None and left.get(lesson.series, 0) >= urgency * most
            rank = (
                -fill(lesson, begin) if fill is not None else 0,
                stranded(lesson) if stranded is not None else 0,
                0 if urgent else 1,
                _home_class(home, lesson.series, begin),
                -left.get(lesson.series, 0),
                begin,
            )
            if best is None or rank < best[0]:
                best = (rank, lesson, begin)
        assert best is not None
        _, lesson, begin = best
        queues[lesson.series].pop(0)
        left[lesson.series] = left.get(lesson.series, 1) - 1
        audience = problem.audience_of(lesson)
        watched[audience.key] += lesson.duration_s
        busy_until[audience.key] = begin + lesson.duration_s
        series_free[lesson.series] = begin + lesson.duration_s
        placed.append(Placed(lesson, channel_id, begin))
        heapq.heappush(free, (begin + lesson.duration_s + problem.break_s, channel_id))
    return placed


def _home_class(home: dict[str, int] | None, series_id: str, begin: int) -> int:
    """0: at its home time, 1: no home yet (or no homes kept), 2: away from home."""
    if home is None or series_id not in home:
        return 1
    return 0 if abs(begin - home[series_id]) <= HOME_TOLERANCE_S else 2


def _ceil_minutes(seconds: int) -> int:
    return -(-seconds // _MINUTE)


def _minutes(lesson: Lesson, problem: Problem) -> int:
    """A lesson and its break in whole minutes, rounded up."""
    return _ceil_minutes(lesson.duration_s + problem.break_s)


def _fill_after(
    problem: Problem, channel: Channel, cursor: int, fitting: list[tuple[Lesson, int]]
) -> Callable[[Lesson, int], int] | None:
    """In the last PACK_WINDOW_S of the day: a function giving the minutes of the day a
    candidate fills, itself plus the best subset of the others after it. Lengths are
    rounded up to whole minutes, so a fill it promises always fits."""
    end = max(
        min(channel.window[1], problem.audience_of(lesson).window[1]) for lesson, _ in fitting
    )
    room = (end - cursor + problem.break_s) // _MINUTE
    if room * _MINUTE > PACK_WINDOW_S:
        return None
    best_upto = _best_fills([_minutes(lesson, problem) for lesson, _ in fitting], room)

    def fill(lesson: Lesson, begin: int) -> int:
        own = _minutes(lesson, problem)
        after = (end - begin - lesson.duration_s) // _MINUTE
        return own + best_upto[max(0, min(room - own, after))]

    return fill


def _cap_stranded(
    problem: Problem, fitting: list[tuple[Lesson, int]], watched: dict[tuple[int, str], int]
) -> Callable[[Lesson], int]:
    """A function giving the minutes of its audience's daily cap a candidate would leave
    unusable: what is left after it that no subset of the audience's other candidates
    fills (0 for audiences without a cap)."""
    lengths: dict[tuple[int, str], list[int]] = defaultdict(list)
    for lesson, _ in fitting:
        audience = problem.audience_of(lesson)
        if audience.max_daily_s is not None:
            lengths[audience.key].append(_ceil_minutes(lesson.duration_s))
    room: dict[tuple[int, str], int] = {}
    best_upto: dict[tuple[int, str], list[int]] = {}
    for key, minutes in lengths.items():
        cap = problem.audiences[key].max_daily_s
        assert cap is not None
        room[key] = (cap - watched[key]) // _MINUTE
        best_upto[key] = _best_fills(minutes, room[key])

    def stranded(lesson: Lesson) -> int:
        key = problem.audience_of(lesson).key
        if key not in room:
            return 0
        own = _ceil_minutes(lesson.duration_s)
        return room[key] - own - best_upto[key][max(0, room[key] - own)]

    return stranded


def _best_fills(lengths: list[int], room: int) -> list[int]:
    """For every x up to room: the largest sum of a subset of `lengths` not above x."""
    reach = 1  # bit x set: x can be filled exactly
    mask = (1 << (room + 1)) - 1
    for length in lengths:
        reach = (reach | (reach << length)) & mask
    found = []
    best = 0
    for minutes in range(room + 1):
        if reach >> minutes & 1:
            best = minutes
        found.append(best)
    return found


@dataclass(frozen=True)
class Variant:
    """One way of running the heuristic: which of the refinements above it uses."""

    name: str
    home: bool = False  # a series keeps the time of day it first aired at
    pack: bool = False  # the end of each day is packed by a subset sum
    urgency: float | None = None  # share of a day kept for the most urgent series
    bottleneck: bool = False  # rank series by the days they still need at the least
    caps: bool = False  # rank by the minutes of the audience's cap a choice would strand


PLAIN = Variant("plain")
"""The baseline list scheduler: the series with most episodes left takes the earliest slot."""


def greedy_schedule(problem: Problem, variant: Variant = PLAIN) -> Schedule:
    """The whole term, greedily, day after day (pins are not supported here), as
    `variant` says. With `bottleneck` a series is ranked by the days it still needs
    at the least, by its own episodes or by its audience's remaining minutes over
    what the audience can watch in a day, instead of by its episodes alone.
    Infeasible when the term's days run out."""
    episodes: dict[str, list[Lesson]] = defaultdict(list)
    for lesson in problem.lessons:
        episodes[lesson.series].append(lesson)
    left = {series_id: len(items) for series_id, items in episodes.items()}
    audience_of = {lesson.series: problem.audience_of(lesson) for lesson in problem.lessons}
    audience_left: dict[tuple[int, str], int] = defaultdict(int)
    for lesson in problem.lessons:
        audience_left[audience_of[lesson.series].key] += lesson.duration_s
    daily = {a.key: max(1, audience_daily_capacity(problem, a)) for a in audience_of.values()}
    homes: dict[str, int] | None = {} if variant.home else None
    airings: list[Airing] = []
    day = 0
    while any(episodes.values()):
        if day >= len(problem.days):
            raise Infeasible(
                f"the {variant.name} heuristic needs more than the term's {len(problem.days)} "
                "broadcast days"
            )
        candidates = [
            lesson
            for series_id, items in episodes.items()
            for lesson in items[: problem.series[series_id].max_per_day]
        ]
        if variant.bottleneck:
            priority = {
                sid: 100
                * max(
                    count // problem.series[sid].max_per_day,
                    audience_left[audience_of[sid].key] // daily[audience_of[sid].key],
                )
                + count
                for sid, count in left.items()
                if count
            }
        else:
            priority = dict(left)
        for item in fill_day(
            problem, candidates, priority, homes, variant.pack, variant.urgency, variant.caps
        ):
            episodes[item.lesson.series].remove(item.lesson)
            left[item.lesson.series] -= 1
            audience_left[audience_of[item.lesson.series].key] -= item.lesson.duration_s
            if homes is not None:
                homes.setdefault(item.lesson.series, item.second)
            airings.append(airing_at(problem, item.lesson, day, item.second, item.channel))
        day += 1
    return Schedule(sorted(airings))
