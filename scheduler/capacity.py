"""The capacity model: how many seconds a day each channel gives each audience, in
each part of the day (pure; a linear programme solved by GLOP).

The day is cut into bands at every channel's and audience's window edge. A channel
airs one lesson at a time, each followed by its break, inside its window; an
audience watches one lesson at a time, inside its own window and a carrying
channel's, up to its daily cap and its series' `max_per_day`. Every audience gets
the same share T of its lessons each day, and the programme makes T as large as it
can: 1/T is the fewest days in which every audience's lessons fit, if lessons could
be cut at band edges. A real schedule over D days is such an allocation (its daily
average) with T = 1/D, so ceil(1/T) is a lower bound on days (`bounds.py`), one
that sees what the seconds-per-group bounds cannot: audiences whose windows crowd
into the same hours of the same channels.

The allocation at that optimum is also what the list scheduler follows (`quotas`):
seconds a day per channel and audience, so that an audience only some channels
carry, or only in some hours, is not starved by audiences that could go elsewhere.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.linear_solver import pywraplp

from scheduler.memo import per_problem
from scheduler.problem import Audience, Channel, Problem

Key = tuple[int, str]
"""An audience: (grade, language)."""

EPS = 1e-7


@dataclass(frozen=True)
class Capacity:
    """What the programme found."""

    days: float
    """The fewest days if lessons could be cut at band edges (0: nothing to air)."""
    quota: dict[tuple[str, Key], float] = field(default_factory=dict)
    """Seconds of lessons a day each channel gives each audience, at `days`."""
    binding: str = ""
    """Where the day is full: the channels and hours whose capacity sets `days`."""

    @property
    def bound(self) -> int:
        """Whole days: a lower bound on any schedule's."""
        return max(0, math.ceil(self.days - 1e-6))


def span(channel: Channel, audience: Audience) -> tuple[int, int]:
    """Where the channel's window and the audience's meet: where the audience's lessons
    may air on the channel (empty when start >= stop)."""
    return (
        max(channel.window[0], audience.window[0]),
        min(channel.window[1], audience.window[1]),
    )


def _clock(second: int) -> str:
    return f"{second // 3600:02d}:{second % 3600 // 60:02d}"


@per_problem
def capacity(problem: Problem) -> Capacity:
    """Solve the programme (see the module's docstring); once per problem."""
    lessons: dict[Key, int] = defaultdict(int)
    padded: dict[Key, int] = defaultdict(int)
    longest: dict[Key, int] = defaultdict(int)
    shortest: dict[Key, int] = {}
    for lesson in problem.lessons:
        key = problem.audience_of(lesson).key
        lessons[key] += lesson.duration_s
        padded[key] += lesson.duration_s + problem.break_s
        longest[key] = max(longest[key], lesson.duration_s)
        shortest[key] = min(shortest.get(key, lesson.duration_s), lesson.duration_s)
    if not lessons:
        return Capacity(0.0)
    gap = problem.break_s
    regions: dict[tuple[str, Key], tuple[int, int]] = {}
    for key in lessons:
        audience = problem.audience(*key)
        for channel in problem.channels:
            if key[1] in channel.languages and key[0] in channel.grades:
                start, stop = span(channel, audience)
                if stop - start >= shortest[key]:
                    regions[(channel.id, key)] = (start, stop)
    edges = sorted({edge for start, stop in regions.values() for edge in (start, stop, stop + gap)})
    bands = list(itertools.pairwise(edges))
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # GLOP ships with OR-Tools: this does not happen
        return Capacity(0.0)
    share = solver.NumVar(0, solver.infinity(), "share")
    seen: dict[tuple[str, Key], list[pywraplp.Variable]] = defaultdict(list)
    with_breaks: dict[tuple[str, Key], list[pywraplp.Variable]] = defaultdict(list)
    audience_breaks: dict[Key, list[pywraplp.Variable]] = defaultdict(list)
    channel_band: dict[tuple[str, int], list[pywraplp.Variable]] = defaultdict(list)
    audience_band: dict[tuple[Key, int], list[pywraplp.Variable]] = defaultdict(list)
    for (channel_id, key), (start, stop) in regions.items():
        for index, (low, high) in enumerate(bands):
            if low >= start and high <= stop + gap:
                # the lesson-and-break seconds of this audience in this band
                occupied = solver.NumVar(0, high - low, "")
                with_breaks[(channel_id, key)].append(occupied)
                audience_breaks[key].append(occupied)
                channel_band[(channel_id, index)].append(occupied)
                if high <= stop:  # the lesson itself stays inside the region
                    watched = solver.NumVar(0, high - low, "")
                    seen[(channel_id, key)].append(watched)
                    audience_band[(key, index)].append(watched)
                    solver.Add(watched <= occupied)
    if not seen:
        return Capacity(0.0)
    per_channel: dict[Key, list[pywraplp.Variable]] = defaultdict(list)
    for (channel_id, key), watched in seen.items():
        total = solver.Sum(watched)
        per_channel[key].extend(watched)
        # each lesson brings its break: at least break/longest of its seconds, at most
        # break/shortest
        occupied = solver.Sum(with_breaks[(channel_id, key)])
        solver.Add(occupied >= total * (1 + gap / longest[key]))
        solver.Add(occupied <= total * (1 + gap / shortest[key]))
    for key, need in lessons.items():
        everything = solver.Sum(per_channel[key])
        solver.Add(everything == share * need)
        solver.Add(solver.Sum(audience_breaks[key]) == share * padded[key])
        audience = problem.audience(*key)
        most = sum(
            s.max_per_day * max(lesson.duration_s for lesson in problem.episodes.get(s.id, ()))
            for s in problem.series.values()
            if (s.grade, s.language) == key and s.id in problem.episodes
        )
        if audience.max_daily_s is not None:
            most = min(most, audience.max_daily_s)
        solver.Add(everything <= most)
    channel_rows = {}
    for (channel_id, index), found in channel_band.items():
        low, high = bands[index]
        channel_rows[(channel_id, index)] = solver.Add(solver.Sum(found) <= high - low)
    audience_rows = {}
    for (key, index), found in audience_band.items():
        low, high = bands[index]
        audience_rows[(key, index)] = solver.Add(solver.Sum(found) <= high - low)
    solver.Maximize(share)
    if solver.Solve() != pywraplp.Solver.OPTIMAL or share.solution_value() <= EPS:
        return Capacity(0.0)
    best = share.solution_value()
    quota = {
        pair: round(sum(v.solution_value() for v in watched)) for pair, watched in seen.items()
    }
    return Capacity(1 / best, quota, _binding(bands, channel_rows, audience_rows))


def _binding(
    bands: list[tuple[int, int]],
    channel_rows: dict[tuple[str, int], pywraplp.Constraint],
    audience_rows: dict[tuple[Key, int], pywraplp.Constraint],
) -> str:
    """The channels' hours (and audiences' hours) whose capacity the optimum prices."""
    hours: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for (channel_id, index), row in channel_rows.items():
        if abs(row.dual_value()) > EPS:
            hours[channel_id].append(bands[index])
    for (key, index), row in audience_rows.items():
        if abs(row.dual_value()) > EPS:
            hours[f"audience {key[1]} grade {key[0]}"].append(bands[index])
    parts = []
    for name in sorted(hours):
        spans: list[tuple[int, int]] = []
        for low, high in sorted(hours[name]):
            if spans and low <= spans[-1][1]:
                spans[-1] = (spans[-1][0], high)
            else:
                spans.append((low, high))
        parts.append(f"{name} {', '.join(f'{_clock(a)}-{_clock(b)}' for a, b in spans)}")
    return "; ".join(parts)
