"""An independent checker of a schedule against every named rule (pure).

It shares nothing with the solver but the problem: every rule is re-derived
from the airings' instants, so a solver bug cannot hide behind itself.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise

from scheduler.bounds import lower_bound
from scheduler.problem import Problem
from scheduler.schedule import Airing, Schedule

RULES = (
    "once",
    "window",
    "channel-overlap",
    "eligible",
    "audience-overlap",
    "order",
    "per-day",
    "daily-cap",
    "audience-window",
    "pin",
)


Report_ = Callable[["Violation"], None]


@dataclass(frozen=True)
class Violation:
    """One broken rule with an example."""

    rule: str
    message: str


@dataclass
class Report:
    """What the checker found."""

    violations: list[Violation] = field(default_factory=list)
    days_used: int = 0
    lower_bound_days: int = 0
    dead_air_share: float = 0.0
    slot_consistency: float = 1.0

    def by_rule(self) -> dict[str, int]:
        """Number of violations of each rule."""
        counts: dict[str, int] = defaultdict(int)
        for violation in self.violations:
            counts[violation.rule] += 1
        return dict(counts)


def check(problem: Problem, schedule: Schedule) -> Report:
    """Check every rule; the report lists each violation with its rule's name."""
    found, placed, day_of = _scan(problem, schedule.airings)
    report = Report(violations=found, lower_bound_days=lower_bound(problem).days)
    report.days_used = max(day_of.values(), default=-1) + 1
    report.dead_air_share = _dead_air(problem, placed, report.days_used)
    report.slot_consistency = slot_consistency(problem, placed)
    return report


def violations(problem: Problem, airings: list[Airing]) -> list[Violation]:
    """Every broken rule of the airings: what `check` reports, without its figures
    (the lower bound among them, which can take seconds)."""
    return _scan(problem, airings)[0]


def _scan(
    problem: Problem, airings: list[Airing]
) -> tuple[list[Violation], dict[str, Airing], dict[str, int]]:
    """The violations, each lesson's airing and each lesson's broadcast day."""
    found: list[Violation] = []
    bad = found.append
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    channels = {channel.id: channel for channel in problem.channels}
    placed: dict[str, Airing] = {}
    day_of: dict[str, int] = {}
    for airing in airings:
        lesson = lessons.get(airing.lesson)
        if lesson is None:
            bad(Violation("once", f"airing of unknown lesson {airing.lesson}"))
            continue
        if airing.lesson in placed:
            bad(Violation("once", f"lesson {airing.lesson} airs more than once"))
            continue
        placed[airing.lesson] = airing
        channel = channels.get(airing.channel)
        if channel is None:
            bad(
                Violation(
                    "eligible", f"lesson {airing.lesson} airs on unknown channel {airing.channel}"
                )
            )
            continue
        series = problem.series[lesson.series]
        if series.language not in channel.languages or series.grade not in channel.grades:
            bad(
                Violation(
                    "eligible",
                    f"lesson {lesson.id} ({series.language} grade "
                    f"{series.grade}) airs on {channel.id}, which does not carry it",
                )
            )
        if airing.end - airing.start != timedelta(seconds=lesson.duration_s):
            bad(Violation("window", f"lesson {lesson.id}: end - start is not its duration"))
        located = problem.locate(airing.start)
        if located is None:
            bad(
                Violation(
                    "window",
                    f"lesson {lesson.id} airs {airing.start.isoformat()}, not on a broadcast day",
                )
            )
            continue
        day, second = located
        day_of[lesson.id] = day
        end_second = second + lesson.duration_s
        if second < channel.window[0] or end_second > channel.window[1]:
            bad(
                Violation(
                    "window",
                    f"lesson {lesson.id} at {airing.start.isoformat()} is "
                    f"outside {channel.id}'s window",
                )
            )
        audience = problem.audience_of(lesson)
        if second < audience.window[0] or end_second > audience.window[1]:
            bad(
                Violation(
                    "audience-window",
                    f"lesson {lesson.id} at "
                    f"{airing.start.isoformat()} is outside the window of "
                    f"{series.language} grade {series.grade}",
                )
            )
    for lesson_id in lessons.keys() - placed.keys():
        bad(Violation("once", f"lesson {lesson_id} never airs"))

    _check_overlaps(problem, placed, bad)
    _check_series(problem, placed, day_of, bad)
    _check_caps(problem, placed, day_of, bad)
    for pin in problem.pins:
        pinned = placed.get(pin.lesson)
        if pinned is None or pinned.channel != pin.channel or pinned.start != pin.start:
            bad(
                Violation(
                    "pin", f"lesson {pin.lesson} is not on {pin.channel} at {pin.start.isoformat()}"
                )
            )
    return found, placed, day_of


def _check_overlaps(problem: Problem, placed: dict[str, Airing], bad: Report_) -> None:
    by_channel: dict[str, list[Airing]] = defaultdict(list)
    by_audience: dict[tuple[int, str], list[Airing]] = defaultdict(list)
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    for airing in placed.values():
        by_channel[airing.channel].append(airing)
        by_audience[problem.audience_of(lessons[airing.lesson]).key].append(airing)
    gap = timedelta(seconds=problem.break_s)
    for channel, airings in by_channel.items():
        airings.sort()
        for a, b in pairwise(airings):
            if b.start < a.end + gap:
                bad(
                    Violation(
                        "channel-overlap",
                        f"{channel}: {b.lesson} starts "
                        f"{b.start.isoformat()}, less than {problem.break_s} s after "
                        f"{a.lesson} ends",
                    )
                )
    for (grade, language), airings in by_audience.items():
        airings.sort()
        for a, b in pairwise(airings):
            if b.start < a.end:
                bad(
                    Violation(
                        "audience-overlap",
                        f"{language} grade {grade}: {a.lesson} and {b.lesson} overlap",
                    )
                )


def _check_series(
    problem: Problem, placed: dict[str, Airing], day_of: dict[str, int], bad: Report_
) -> None:
    by_series: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for lesson in problem.lessons:
        if lesson.id in placed:
            by_series[lesson.series].append((lesson.episode, lesson.id))
    for series_id, episodes in by_series.items():
        episodes.sort()
        for (_, a), (_, b) in pairwise(episodes):
            if placed[b].start < placed[a].end:
                bad(Violation("order", f"series {series_id}: {b} airs before {a} has ended"))
        per_day: dict[int, int] = defaultdict(int)
        for _, lid in episodes:
            if lid in day_of:
                per_day[day_of[lid]] += 1
        limit = problem.series[series_id].max_per_day
        for day, count in per_day.items():
            if count > limit:
                bad(
                    Violation(
                        "per-day",
                        f"series {series_id}: {count} episodes on "
                        f"{problem.days[day]}, more than {limit}",
                    )
                )


def _check_caps(
    problem: Problem, placed: dict[str, Airing], day_of: dict[str, int], bad: Report_
) -> None:
    watched: dict[tuple[tuple[int, str], int], int] = defaultdict(int)
    for lesson in problem.lessons:
        if lesson.id in day_of:
            watched[(problem.audience_of(lesson).key, day_of[lesson.id])] += lesson.duration_s
    for ((grade, language), day), seconds in watched.items():
        audience = problem.audiences.get((grade, language))
        if audience and audience.max_daily_s is not None and seconds > audience.max_daily_s:
            bad(
                Violation(
                    "daily-cap",
                    f"{language} grade {grade}: {seconds} s on "
                    f"{problem.days[day]}, more than {audience.max_daily_s} s",
                )
            )


def _dead_air(problem: Problem, placed: dict[str, Airing], days_used: int) -> float:
    if days_used == 0:
        return 0.0
    on_air = sum((a.end - a.start).total_seconds() for a in placed.values())
    window = sum(c.window[1] - c.window[0] for c in problem.channels) * days_used
    return round(max(0.0, 1 - on_air / window), 4) if window else 0.0


def slot_consistency(problem: Problem, placed: dict[str, Airing]) -> float:
    """Share of each series' episodes starting within 10 minutes of the series' median
    time of day, averaged over series."""
    times: dict[str, list[int]] = defaultdict(list)
    for lesson in problem.lessons:
        airing = placed.get(lesson.id)
        if airing is not None:
            located = problem.locate(airing.start)
            if located is not None:
                times[lesson.series].append(located[1])
    shares = [consistent_share(seconds) for seconds in times.values()]
    return round(sum(shares) / len(shares), 4) if shares else 1.0


SLOT_S = 600
"""A start within this many seconds of its series' median time of day is consistent."""


def consistent_share(seconds: list[int]) -> float:
    """Share of a series' start times (seconds of the day) within SLOT_S of their median."""
    median = statistics.median(seconds)
    return sum(abs(s - median) <= SLOT_S for s in seconds) / len(seconds)
