"""Lower bounds on the broadcast days any valid schedule needs (pure).

Each bound is a capacity argument, in seconds or (binpack.py) in whole lessons; the
largest one is reported with every solution, and a solution that reaches it is
proven optimal.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from scheduler import binpack
from scheduler.capacity import capacity, span
from scheduler.memo import per_problem
from scheduler.problem import Audience, Problem


@dataclass(frozen=True)
class Bound:
    """A lower bound on days and the sentence that explains it."""

    days: int
    reason: str
    audiences: frozenset[Key] = frozenset()
    """The audiences whose lessons alone need these days, when the bound is about some."""


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans joined where they meet or overlap (empty ones dropped), in order."""
    found: list[tuple[int, int]] = []
    for start, stop in sorted(s for s in spans if s[1] > s[0]):
        if found and start <= found[-1][1]:
            found[-1] = (found[-1][0], max(found[-1][1], stop))
        else:
            found.append((start, stop))
    return found


def _union_length(spans: list[tuple[int, int]]) -> int:
    """Seconds covered by the spans (empty ones count for nothing)."""
    return sum(stop - start for start, stop in _merged(spans))


def audience_daily_capacity(problem: Problem, audience: Audience) -> int:
    """Seconds one audience can watch on one broadcast day: one lesson at a time,
    inside its window and the windows of the channels that carry it, up to its cap."""
    seconds = _union_length(
        [
            span(c, audience)
            for c in problem.channels
            if audience.language in c.languages and audience.grade in c.grades
        ]
    )
    return seconds if audience.max_daily_s is None else min(seconds, audience.max_daily_s)


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.3g} h"


Key = tuple[int, str]
"""An audience: (grade, language)."""


@dataclass(frozen=True)
class _Group:
    """Audiences whose lessons a capacity argument takes together, and its name."""

    label: str
    keys: tuple[Key, ...]
    whose: str = ""
    carriers: str = "the channels carrying them"


def bounds(problem: Problem) -> list[Bound]:
    """Every lower bound sabaq knows for this problem."""
    return list(_bounds(problem))


@per_problem
def _bounds(problem: Problem) -> tuple[Bound, ...]:
    found = [Bound(1 if problem.lessons else 0, "at least one day when there are lessons")]
    by_audience: dict[Key, int] = defaultdict(int)
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
                frozenset({(grade, language)}),
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
    load = _load(problem)
    groups = _grade_ranges(load) + _channel_sets(problem, load)
    stretches = {group.keys: _stretches(problem, group.keys) for group in groups}
    for group in groups:
        if (bound := _capacity_bound(problem, load, group, stretches[group.keys])) is not None:
            found.append(bound)
    found.extend(_packing_bounds(problem, groups, stretches))
    found.append(_hours_bound(problem))
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
    return tuple(found)


def _hours_bound(problem: Problem) -> Bound:
    """The capacity model's bound (capacity.py): every audience at once, each in its
    own hours of its channels' days; it binds where audiences crowd into the same hours
    of the same channels, which no group of whole days sees."""
    model = capacity(problem)
    where = f" (full: {model.binding})" if model.binding else " (their caps and daily episodes)"
    return Bound(
        model.bound,
        f"hours of the day: the audiences' lessons and breaks, each audience inside its "
        f"window and its channels' hours, one lesson at a time, need {model.days:.1f} "
        f"days of airtime{where}",
    )


def _range_label(languages: tuple[str, ...], low: int, high: int) -> str:
    grades = f"grade {low}" if low == high else f"grades {low}-{high}"
    return (
        f"language {languages[0]}, {grades}"
        if len(languages) == 1
        else (f"languages {'+'.join(languages)}, {grades}")
    )


Stretches = list[list[tuple[int, int]]]
"""For each channel that carries some of a group's audiences, the stretches of its day
(joined where they meet) in which its window meets one of theirs."""


def _stretches(problem: Problem, keys: tuple[Key, ...]) -> Stretches:
    """The Stretches of the audiences `keys`."""
    audiences = [problem.audience(*k) for k in keys]
    found = []
    for channel in problem.channels:
        spans = [
            span(channel, a)
            for a in audiences
            if a.language in channel.languages and a.grade in channel.grades
        ]
        if merged := _merged(spans):
            found.append(merged)
    return found


def _load(problem: Problem) -> dict[Key, int]:
    """Seconds of lessons and breaks of each audience."""
    load: dict[Key, int] = defaultdict(int)
    for lesson in problem.lessons:
        load[problem.audience_of(lesson).key] += lesson.duration_s + problem.break_s
    return load


def _capacity_bound(
    problem: Problem, load: dict[Key, int], group: _Group, stretches: Stretches
) -> Bound | None:
    """The group's lessons and breaks against what the channels carrying them can air
    of them in a day: on each such channel, its stretches for them and one break (the
    last lesson's needs none)."""
    total = sum(load[k] for k in group.keys)
    capacity = sum(
        sum(stop - start for start, stop in pieces) + problem.break_s for pieces in stretches
    )
    if not capacity:
        return None
    return Bound(
        math.ceil(total / capacity),
        f"{group.label}: {_hours(total)} of lessons and breaks{group.whose}, but "
        f"{group.carriers} air {_hours(capacity)} of them a day",
        frozenset(group.keys),
    )


def _grade_ranges(load: dict[Key, int]) -> list[_Group]:
    """Each contiguous range of grades, for each language alone and for all languages
    together (channels that carry both share their hours). This binds when a network
    splits its channels by grades."""
    languages = sorted({language for _, language in load})
    found = []
    for chosen in [(language,) for language in languages] + (
        [tuple(languages)] if len(languages) > 1 else []
    ):
        grades = sorted({grade for grade, language in load if language in chosen})
        for i, low in enumerate(grades):
            for high in grades[i + (len(chosen) == 1) :]:  # one grade, one language: audience
                keys = tuple(k for k in load if k[1] in chosen and low <= k[0] <= high)
                found.append(_Group(_range_label(chosen, low, high), keys))
    return found


CHANNEL_SETS = 4096
"""At most this many sets of channels are tried by the channel-set bound."""


def _channel_sets(problem: Problem, load: dict[Key, int]) -> list[_Group]:
    """Hall's condition on the network: for a set C of channels, every audience that only
    C can carry must fit into what C airs a day. Tried for C grown from each audience's
    channels by adding the channels of audiences that share one (a set made of two parts
    no audience joins never binds harder than its parts), up to CHANNEL_SETS sets."""
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
    for channels in sorted(seen, key=sorted):
        keys = tuple(
            sorted(k for k, carried in carriers.items() if carried and carried <= channels)
        )
        if keys:
            names = ", ".join(sorted(channels))
            whose = f" of the {len(keys)} audiences only they carry"
            found.append(_Group(f"channels {names}", keys, whose, "they"))
    return found


PACKINGS = 24
"""At most this many bin-packing programmes are solved for one problem (linear
programmes of at most binpack.MAX_PATTERNS columns: well under a second in all)."""


def _packing_bounds(
    problem: Problem, groups: list[_Group], stretches: dict[tuple[Key, ...], Stretches]
) -> list[Bound]:
    """Bin-packing bounds (`binpack`) where a day's room comes in few-lesson pieces:
    each audience's lessons against its daily cap, and each group's lessons with their
    breaks against the stretches of the channels' windows that can carry them."""
    sizes: dict[Key, Counter[int]] = defaultdict(Counter)
    with_breaks: dict[Key, Counter[int]] = defaultdict(Counter)
    for lesson in problem.lessons:
        key = problem.audience_of(lesson).key
        sizes[key][binpack.units(lesson.duration_s)] += 1
        with_breaks[key][binpack.units(lesson.duration_s + problem.break_s)] += 1
    tasks: list[tuple[str, tuple[Key, ...], Counter[int], Counter[int], str]] = []
    for key in sorted(sizes):
        cap = problem.audience(*key).max_daily_s
        bins = Counter({binpack.units(cap): 1}) if cap is not None else Counter[int]()
        if cap is not None and binpack.few_per_bin(sizes[key], bins):
            room = f"its daily cap ({_minutes(cap)})"
            tasks.append((f"audience {key[1]} grade {key[0]}", (key,), sizes[key], bins, room))
    for group in [_Group(f"audience {k[1]} grade {k[0]}", (k,)) for k in sorted(sizes)] + groups:
        pieces = stretches.get(group.keys)
        if pieces is None:  # one audience: not among the groups
            pieces = _stretches(problem, group.keys)
        lengths = [stop - start for channel in pieces for start, stop in channel]
        bins = Counter(binpack.units(length + problem.break_s) for length in lengths)
        items = sum((with_breaks[k] for k in group.keys), Counter[int]())
        if binpack.few_per_bin(items, bins):
            room = f"{_stretches_text(lengths)} a day" + (
                f", a {_minutes(problem.break_s)} break after each lesson"
                if problem.break_s
                else ""
            )
            tasks.append((group.label, group.keys, items, bins, room))
    found = []
    solved: dict[tuple[tuple[tuple[int, int], ...], ...], int | None] = {}
    for label, keys, items, bins, room in tasks:
        signature = (tuple(sorted(items.items())), tuple(sorted(bins.items())))
        if signature not in solved:
            if len(solved) >= PACKINGS:
                break
            solved[signature] = binpack.packing_days(items, bins)
        days = solved[signature]
        if days:
            found.append(
                Bound(
                    days,
                    f"{label}: {sum(items.values())} lessons, each aired whole, do not fit "
                    f"into fewer than {days} days of {room}",
                    frozenset(keys),
                )
            )
    return found


def _stretches_text(lengths: list[int]) -> str:
    counts = Counter(lengths)
    return ", ".join(
        f"{count} stretch{'es' if count > 1 else ''} of {_minutes(length)}"
        for length, count in sorted(counts.items(), reverse=True)
    )


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def lower_bound(problem: Problem) -> Bound:
    """The tightest of the bounds."""
    return max(bounds(problem), key=lambda b: b.days)


def critical_audiences(problem: Problem) -> set[Key]:
    """The audiences whose lessons alone need as many days as the lower bound: where a
    schedule that packs them as tightly as they can be packed alone is one that can
    reach the bound."""
    tightest = lower_bound(problem).days
    return {
        key
        for bound in bounds(problem)
        if len(bound.audiences) == 1 and bound.days >= tightest
        for key in bound.audiences
    }
