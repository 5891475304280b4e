"""A plain greedy list scheduler (pure): fast, valid, and the baseline to beat.

The earliest free channel takes the next episode of the eligible series with
the most episodes left that fits every rule. The day-by-day solver uses one
day of it as the starting point (hint) of its CP-SAT model; the benchmark
uses the whole of it as the baseline.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from scheduler.problem import Lesson, Problem
from scheduler.schedule import Airing, Schedule


@dataclass(frozen=True)
class Placed:
    """A lesson placed on a day: channel and second of the day."""

    lesson: Lesson
    channel: str
    second: int


def fill_day(problem: Problem, candidates: list[Lesson], left: dict[str, int]) -> list[Placed]:
    """Place as many candidates as fit in one day, greedily. Candidates of a series come
    in episode order; `left` counts each series' episodes still to air (priority)."""
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
        best: tuple[tuple[int, int], Lesson, int] | None = None
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
            rank = (-left.get(series_id, 0), begin)
            if best is None or rank < best[0]:
                best = (rank, lesson, begin)
        if best is None:
            continue  # nothing more fits on this channel today
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


def greedy_schedule(problem: Problem) -> Schedule:
    """The whole term, greedily, day after day (pins are not supported here)."""
    episodes: dict[str, list[Lesson]] = defaultdict(list)
    for lesson in problem.lessons:
        episodes[lesson.series].append(lesson)
    left = {series_id: len(items) for series_id, items in episodes.items()}
    airings: list[Airing] = []
    day = 0
    while any(episodes.values()):
        if day >= len(problem.days):
            raise ValueError("the greedy scheduler ran out of broadcast days")
        candidates = [
            lesson
            for series_id, items in episodes.items()
            for lesson in items[: problem.series[series_id].max_per_day]
        ]
        for item in fill_day(problem, candidates, left):
            episodes[item.lesson.series].remove(item.lesson)
            start = problem.instant(day, item.second)
            airings.append(
                Airing(
                    start,
                    item.channel,
                    item.lesson.id,
                    start + timedelta(seconds=item.lesson.duration_s),
                )
            )
        day += 1
    return Schedule(sorted(airings))
