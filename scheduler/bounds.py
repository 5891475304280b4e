"""Lower bounds on the broadcast days any valid schedule needs (pure).

Each bound is a capacity argument; the largest one is reported with every
solution, and a solution that reaches it is proven optimal.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from scheduler.problem import Audience, Channel, Problem


@dataclass(frozen=True)
class Bound:
    """A lower bound on days and the sentence that explains it."""

    days: int
    reason: str


def _union_length(spans: list[tuple[int, int]]) -> int:
    """Seconds covered by the spans (empty ones count for nothing)."""
    total, end = 0, -1
    for start, stop in sorted(s for s in spans if s[1] > s[0]):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


def audience_daily_capacity(problem: Problem, audience: Audience) -> int:
    """Seconds one audience can watch on one broadcast day: one lesson at a time,
    inside its window and the windows of the channels that carry it, up to its cap."""
    seconds = _union_length(
        [
            _span(c, audience)
            for c in problem.channels
            if audience.language in c.languages and audience.grade in c.grades
        ]
    )
    return seconds if audience.max_daily_s is None else min(seconds, audience.max_daily_s)


def _span(channel: Channel, audience: Audience) -> tuple[int, int]:
    """Where the channel's window and the audience's meet (may be empty)."""
    return (
        max(channel.window[0], audience.window[0]),
        min(channel.window[1], audience.window[1]),
    )


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.3g} h"


def bounds(problem: Problem) -> list[Bound]:
    """Every lower bound sabaq knows for this problem."""
    found = [Bound(1 if problem.lessons else 0, "at least one day when there are lessons")]
    by_audience: dict[tuple[int, str], int] = defaultdict(int)
    by_language: dict[str, int] = defaultdict(int)
    by_series: dict[str, int] = defaultdict(int)
    for lesson in problem.lessons:
        series = problem.series[lesson.series]
        by_audience[(series.grade, series.language)] += lesson.duration_s
        by_language[series.language] += lesson.duration_s + problem.break_s
        by_series[lesson.series] += 1
    for (grade, language), total in by_audience.items():
        audience = problem.audience(grade, language)
        capacity = audience_daily_capacity(problem, audience)
        if capacity <= 0:
            found.append(
                Bound(
                    10**9,
                    f"audience {language} grade {grade}: no channel window meets its window",
                )
            )
            continue
        found.append(
            Bound(
                math.ceil(total / capacity),
                f"audience {language} grade {grade}: {_hours(total)} of lessons, but its "
                f"window and cap allow {_hours(capacity)} a day",
            )
        )
    for language, total in by_language.items():
        capacity = sum(
            c.window[1] - c.window[0] + problem.break_s
            for c in problem.channels
            if language in c.languages
        )
        if capacity:
            found.append(
                Bound(
                    math.ceil(total / capacity),
                    f"language {language}: {_hours(total)} of lessons and breaks, but its "
                    f"channels air {_hours(capacity)} a day",
                )
            )
    found.extend(_grade_range_bounds(problem))
    for series_id, count in by_series.items():
        per_day = problem.series[series_id].max_per_day
        found.append(
            Bound(
                math.ceil(count / per_day),
                f"series {series_id}: {count} episodes at most {per_day} a day",
            )
        )
    for pin in problem.pins:
        located = problem.locate(pin.start)
        if located is not None:
            found.append(Bound(located[0] + 1, f"pin of {pin.lesson} on day {located[0] + 1}"))
    return found


def _grade_range_bounds(problem: Problem) -> list[Bound]:
    """Network capacity per language and contiguous range of grades: the range's lessons
    and breaks against what the channels carrying some grade of the range can air of
    them in a day (inside the windows of the range's audiences). This is what binds
    when a large network splits its channels by grades."""
    load: dict[tuple[str, int], int] = defaultdict(int)
    for lesson in problem.lessons:
        series = problem.series[lesson.series]
        load[(series.language, series.grade)] += lesson.duration_s + problem.break_s
    found = []
    for language in sorted({language for language, _ in load}):
        grades = sorted(grade for lang, grade in load if lang == language)
        for i, low in enumerate(grades):
            for high in grades[i + 1 :]:  # single grades are the audience bounds' job
                in_range = [g for g in grades if low <= g <= high]
                total = sum(load[(language, g)] for g in in_range)
                capacity = 0
                for channel in problem.channels:
                    carried = [
                        g for g in in_range if language in channel.languages and g in channel.grades
                    ]
                    if not carried:
                        continue
                    seconds = _union_length(
                        [_span(channel, problem.audience(g, language)) for g in carried]
                    )
                    capacity += seconds + problem.break_s if seconds else 0
                if capacity:
                    found.append(
                        Bound(
                            math.ceil(total / capacity),
                            f"language {language}, grades {low}-{high}: {_hours(total)} of lessons "
                            f"and breaks, but the channels carrying them air {_hours(capacity)} "
                            "of them a day",
                        )
                    )
    return found


def lower_bound(problem: Problem) -> Bound:
    """The tightest of the bounds."""
    return max(bounds(problem), key=lambda b: b.days)
