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
    found.extend(_channel_set_bounds(problem))
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


def _range_label(languages: tuple[str, ...], low: int, high: int) -> str:
    grades = f"grade {low}" if low == high else f"grades {low}-{high}"
    return (
        f"language {languages[0]}, {grades}"
        if len(languages) == 1
        else (f"languages {'+'.join(languages)}, {grades}")
    )


def _capacity(problem: Problem, audiences: list[Audience]) -> int:
    """Seconds of lessons and breaks a day that the channels carrying some of the
    audiences can air for them: on each such channel, the union of where its window
    meets those audiences' windows, and one break (the last lesson's needs none)."""
    capacity = 0
    for channel in problem.channels:
        spans = [
            _span(channel, a)
            for a in audiences
            if a.language in channel.languages and a.grade in channel.grades
        ]
        seconds = _union_length(spans)
        capacity += seconds + problem.break_s if seconds else 0
    return capacity


def _load(problem: Problem) -> dict[tuple[int, str], int]:
    """Seconds of lessons and breaks of each audience."""
    load: dict[tuple[int, str], int] = defaultdict(int)
    for lesson in problem.lessons:
        load[problem.audience_of(lesson).key] += lesson.duration_s + problem.break_s
    return load


def _grade_range_bounds(problem: Problem) -> list[Bound]:
    """Network capacity per contiguous range of grades, for each language alone and for
    all languages together (channels that carry both share their hours): the range's
    lessons and breaks against what the channels carrying some of them can air of them
    in a day, inside the range's audience windows. This binds when a network splits
    its channels by grades."""
    load = _load(problem)
    languages = sorted({language for _, language in load})
    found = []
    for chosen in [(language,) for language in languages] + (
        [tuple(languages)] if len(languages) > 1 else []
    ):
        grades = sorted({grade for grade, language in load if language in chosen})
        for i, low in enumerate(grades):
            for high in grades[i + (len(chosen) == 1) :]:  # one grade, one language: audience
                keys = [k for k in load if k[1] in chosen and low <= k[0] <= high]
                total = sum(load[k] for k in keys)
                capacity = _capacity(problem, [problem.audience(*k) for k in keys])
                if capacity:
                    found.append(
                        Bound(
                            math.ceil(total / capacity),
                            f"{_range_label(chosen, low, high)}: {_hours(total)} of lessons "
                            f"and breaks, but the channels carrying them air "
                            f"{_hours(capacity)} of them a day",
                        )
                    )
    return found


CHANNEL_SETS = 4096
"""At most this many sets of channels are tried by the channel-set bound."""


def _channel_set_bounds(problem: Problem) -> list[Bound]:
    """Hall's condition on the network: for a set C of channels, every audience that only
    C can carry must fit into what C airs a day. Tried for C grown from each audience's
    channels by adding the channels of audiences that share one (a set made of two parts
    no audience joins never binds harder than its parts), up to CHANNEL_SETS sets."""
    load = _load(problem)
    carriers = {
        key: frozenset(
            c.id for c in problem.channels if key[1] in c.languages and key[0] in c.grades
        )
        for key in load
    }
    seen: set[frozenset[str]] = set()
    groups = {s for s in carriers.values() if s}
    frontier = list(groups)
    while frontier and len(seen) < CHANNEL_SETS:
        current = frontier.pop()
        if current in seen:
            continue
        seen.add(current)
        frontier.extend(current | o for o in groups if o & current and not o <= current)
    found = []
    for channels in seen:
        keys = sorted(k for k, carried in carriers.items() if carried and carried <= channels)
        total = sum(load[k] for k in keys)
        capacity = _capacity(problem, [problem.audience(*k) for k in keys])
        if capacity and keys:
            names = ", ".join(sorted(channels))
            found.append(
                Bound(
                    math.ceil(total / capacity),
                    f"channels {names}: {_hours(total)} of lessons and breaks of the "
                    f"{len(keys)} audiences only they carry, but they air {_hours(capacity)} "
                    "of them a day",
                )
            )
    return found


def lower_bound(problem: Problem) -> Bound:
    """The tightest of the bounds."""
    return max(bounds(problem), key=lambda b: b.days)
