"""Appointment viewing by large-neighbourhood search (pure but for the clock it is given).

With the days used fixed, a neighbourhood — a window of consecutive days and a
group of channels, or of audiences — is freed and re-solved by CP-SAT from the
current schedule as a complete hint; everything else stays where it is. The model
keeps every rule (the free lessons may change day inside the window, channel and
time of day; what stays fixed is a wall they must clear) and maximises the free
lessons that start within 10 minutes of their series' median time of day, each
weighted by one over its series' length, as slot consistency counts them. A
result is kept only when slot consistency does not fall.

Kinds of neighbourhood are drawn by their past gain per second; a neighbourhood
that solved to optimality in time grows, one that ran out of time shrinks. The
search stops at the deadline, at perfect consistency, or when it stops gaining.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from ortools.sat.python import cp_model

from scheduler.cpsat import channel_choices, new_solver
from scheduler.problem import DAY_S, Lesson, Problem

SLOT_S = 600  # the checker's slot consistency counts starts within 10 minutes
KINDS = ("misses", "channels", "audiences", "series-days")
STALE = 100
"""The search stops after this many tries without a gain (or half of all tries so far)."""
Placement = dict[str, tuple[int, int, str]]  # lesson -> (day, second of day, channel)


@dataclass
class Search:
    """The adaptive parameters of the search and what it has done."""

    size: float = 60.0  # free lessons per neighbourhood
    days: int = 2
    weight: dict[str, float] = field(default_factory=lambda: dict.fromkeys(KINDS, 1.0))
    tried: int = 0
    kept: int = 0


def score(problem: Problem, placed: Placement) -> float:
    """Slot consistency of a placement, as the checker computes it."""
    times: dict[str, list[int]] = defaultdict(list)
    for lesson in problem.lessons:
        if lesson.id in placed:
            times[lesson.series].append(placed[lesson.id][1])
    shares = []
    for seconds in times.values():
        median = statistics.median(seconds)
        shares.append(sum(abs(s - median) <= SLOT_S for s in seconds) / len(seconds))
    return sum(shares) / len(shares) if shares else 1.0


def improve(
    problem: Problem,
    placed: Placement,
    deadline: float,
    clock: Callable[[], float],
    workers: int = 2,
    seed: int = 0,
    step_s: float = 1.5,
) -> tuple[Placement, Search]:
    """A placement at least as slot-consistent as `placed`, on the same days used, found
    by re-solving neighbourhoods until `clock()` passes `deadline`."""
    rng = random.Random(seed)
    search = Search()
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    pinned = {pin.lesson for pin in problem.pins}
    days_used = max(day for day, _, _ in placed.values()) + 1
    placed = dict(placed)
    current = score(problem, placed)
    groups = _channel_groups(problem)
    stale = 0  # tries since the last strict gain
    while clock() + 0.2 < deadline and current < 1.0 and stale <= max(STALE, search.tried // 2):
        kind = rng.choices(KINDS, weights=[search.weight[k] for k in KINDS])[0]
        targets = _targets(problem, placed, lessons)
        if kind == "misses":
            window, free = _around_a_miss(problem, placed, lessons, pinned, targets, search, rng)
        else:
            first = rng.randrange(max(1, days_used - search.days + 1))
            window = range(first, min(days_used, first + search.days))
            free = _neighbourhood(
                problem, placed, lessons, pinned, kind, window, groups, search, rng
            )
        if not free:
            continue
        budget = min(step_s, deadline - clock())
        if budget < 0.2:
            break
        began = clock()
        found, status = _resolve(
            problem, placed, lessons, free, window, targets, budget, workers, seed
        )
        spent = max(0.05, clock() - began)
        search.tried += 1
        gain = 0.0
        if found is None:
            stale += 1
        else:
            trial = {**placed, **found}
            new = score(problem, trial)
            if new >= current:
                gain = new - current
                placed, current = trial, new
                search.kept += 1
            stale = 0 if gain > 0 else stale + 1
        search.weight[kind] = 0.8 * search.weight[kind] + 0.2 * (0.05 + 1000 * gain / spent)
        if status == cp_model.OPTIMAL:
            search.size = min(400.0, search.size * 1.2)
            search.days = min(5, search.days + (rng.random() < 0.3))
        elif status in (cp_model.FEASIBLE, cp_model.UNKNOWN):
            search.size = max(15.0, search.size * 0.7)
            search.days = max(1, search.days - (rng.random() < 0.3))
    return placed, search


def _channel_groups(problem: Problem) -> list[set[str]]:
    """Channels that share an audience, joined (the parts a change can travel through)."""
    groups: list[set[str]] = []
    for channel in problem.channels:
        joined = {channel.id}
        for other in problem.channels:
            if channel.languages & other.languages and channel.grades & other.grades:
                joined.add(other.id)
        groups.append(joined)
    return groups


def _neighbourhood(
    problem: Problem,
    placed: Placement,
    lessons: dict[str, Lesson],
    pinned: set[str],
    kind: str,
    window: range,
    groups: list[set[str]],
    search: Search,
    rng: random.Random,
) -> set[str]:
    """The lessons to free: those airing in the window on a growing group of channels
    (channels), of audiences (audiences) or of series (series-days), up to the size."""
    inside = [lid for lid, (day, _, _) in placed.items() if day in window and lid not in pinned]
    keys: list[object]
    if kind == "channels":
        keys = list(rng.choice(groups))
        member: Callable[[str], object] = lambda lid: placed[lid][2]  # noqa: E731
    elif kind == "audiences":
        keys = list({problem.audience_of(lessons[lid]).key for lid in inside})
        member = lambda lid: problem.audience_of(lessons[lid]).key  # noqa: E731
    else:
        keys = list({lessons[lid].series for lid in inside})
        member = lambda lid: lessons[lid].series  # noqa: E731
    rng.shuffle(keys)
    by_key: dict[object, list[str]] = defaultdict(list)
    for lid in inside:
        by_key[member(lid)].append(lid)
    free: set[str] = set()
    for key in keys:
        if free and len(free) + len(by_key[key]) > search.size:
            continue
        free.update(by_key[key])
    return free


def _around_a_miss(
    problem: Problem,
    placed: Placement,
    lessons: dict[str, Lesson],
    pinned: set[str],
    targets: dict[str, int],
    search: Search,
    rng: random.Random,
) -> tuple[range, set[str]]:
    """A lesson away from its series' time, with what airs around that time on the
    channels that may carry it in the days around its own: the lessons that stand
    in its way and the ones that could make room."""
    missed = [
        lid
        for lid, (_, second, _) in placed.items()
        if abs(second - targets[lessons[lid].series]) > SLOT_S and lid not in pinned
    ]
    if not missed:
        return range(0), set()
    lid = rng.choice(missed)
    lesson = lessons[lid]
    day = placed[lid][0]
    days_used = max(d for d, _, _ in placed.values()) + 1
    first = max(0, min(day - search.days // 2, days_used - search.days))
    window = range(first, min(days_used, first + search.days))
    channels = {c.id for c in problem.eligible(lesson)}
    target = targets[lesson.series]
    near = sorted(
        (abs(second - target), other)
        for other, (d, second, channel) in placed.items()
        if d in window and channel in channels and other not in pinned
    )
    free = {lid}
    for _, other in near:
        if len(free) >= search.size:
            break
        free.add(other)
    return window, free


def _resolve(
    problem: Problem,
    placed: Placement,
    lessons: dict[str, Lesson],
    free: set[str],
    window: range,
    targets: dict[str, int],
    budget: float,
    workers: int,
    seed: int,
) -> tuple[Placement | None, cp_model.CpSolverStatus]:
    """The free lessons re-placed inside the window around everything fixed, or None."""
    model = cp_model.CpModel()
    first, last = window[0], window[-1]
    sizes: dict[str, int] = defaultdict(int)
    for lesson in problem.lessons:
        sizes[lesson.series] += 1
    start: dict[str, cp_model.IntVar] = {}
    tod: dict[str, cp_model.IntVar] = {}
    on: dict[tuple[str, str], cp_model.IntVar] = {}
    on_day: dict[tuple[str, int], cp_model.IntVar] = {}
    channel_intervals: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    audience_intervals: dict[tuple[int, str], list[cp_model.IntervalVar]] = defaultdict(list)
    objective = []
    for lid in sorted(free):
        lesson = lessons[lid]
        day, second, channel = placed[lid]
        ranges = problem.start_ranges(lesson)
        tod[lid] = model.new_int_var(min(r[1] for r in ranges), max(r[2] for r in ranges), "")
        days = [model.new_bool_var("") for _ in window]
        for d, literal in zip(window, days, strict=True):
            on_day[(lid, d)] = literal
            model.add_hint(literal, d == day)
        model.add_exactly_one(days)
        start[lid] = model.new_int_var(first * DAY_S, (last + 1) * DAY_S, "")
        model.add(start[lid] == sum(d * DAY_S * on_day[(lid, d)] for d in window) + tod[lid])
        length = lesson.duration_s + problem.break_s
        choices = channel_choices(
            model, lid, length, ranges, tod[lid], start[lid], on, channel_intervals
        )
        model.add_exactly_one(choices)
        for (option, _, _), literal in zip(ranges, choices, strict=True):
            model.add_hint(literal, option.id == channel)
        model.add_hint(tod[lid], second)
        model.add_hint(start[lid], day * DAY_S + second)
        audience_intervals[problem.audience_of(lesson).key].append(
            model.new_interval_var(
                start[lid], lesson.duration_s, start[lid] + lesson.duration_s, ""
            )
        )
        target = targets[lesson.series]
        hit = model.new_bool_var("")
        model.add(tod[lid] >= target - SLOT_S).only_enforce_if(hit)
        model.add(tod[lid] <= target + SLOT_S).only_enforce_if(hit)
        model.add_hint(hit, abs(second - target) <= SLOT_S)
        objective.append(hit * max(1, 10_000 // sizes[lesson.series]))
    audiences = {problem.audience_of(lessons[lid]).key for lid in free}
    series_free = {lessons[lid].series for lid in free}
    fixed_load: dict[tuple[tuple[int, str], int], int] = defaultdict(int)
    fixed_count: dict[tuple[str, int], int] = defaultdict(int)
    for lid, (day, second, channel) in placed.items():
        if lid in free or not first <= day <= last:
            continue
        lesson = lessons[lid]
        at = day * DAY_S + second
        if channel in channel_intervals:
            length = lesson.duration_s + problem.break_s
            channel_intervals[channel].append(model.new_fixed_size_interval_var(at, length, ""))
        key = problem.audience_of(lesson).key
        if key in audiences:
            audience_intervals[key].append(
                model.new_fixed_size_interval_var(at, lesson.duration_s, "")
            )
            fixed_load[(key, day)] += lesson.duration_s
        if lesson.series in series_free:
            fixed_count[(lesson.series, day)] += 1
    for intervals in (*channel_intervals.values(), *audience_intervals.values()):
        model.add_no_overlap(intervals)
    _order(problem, placed, lessons, free, start, model)
    for series_id in series_free:
        per_day = problem.series[series_id].max_per_day
        mine = [lid for lid in free if lessons[lid].series == series_id]
        for d in window:
            model.add(
                sum(on_day[(lid, d)] for lid in mine) <= per_day - fixed_count[(series_id, d)]
            )
    for key in audiences:
        cap = problem.audience(*key).max_daily_s
        if cap is None:
            continue
        mine = [lid for lid in free if problem.audience_of(lessons[lid]).key == key]
        for d in window:
            model.add(
                sum(lessons[lid].duration_s * on_day[(lid, d)] for lid in mine)
                <= cap - fixed_load[(key, d)]
            )
    model.maximize(sum(objective))
    solver = new_solver(budget, workers, seed)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, status
    found: Placement = {}
    for (lid, channel_id), literal in on.items():
        if solver.value(literal):
            at = solver.value(start[lid])
            found[lid] = (at // DAY_S, at % DAY_S, channel_id)
    return found, status


def _targets(problem: Problem, placed: Placement, lessons: dict[str, Lesson]) -> dict[str, int]:
    """Each series' median time of day now (whole seconds)."""
    times: dict[str, list[int]] = defaultdict(list)
    for lid, (_, second, _) in placed.items():
        times[lessons[lid].series].append(second)
    return {sid: int(statistics.median(seconds)) for sid, seconds in times.items()}


def _order(
    problem: Problem,
    placed: Placement,
    lessons: dict[str, Lesson],
    free: set[str],
    start: dict[str, cp_model.IntVar],
    model: cp_model.CpModel,
) -> None:
    """Episode order: each free lesson after its predecessor ends and before its
    successor starts, whether those are free or fixed."""
    episodes: dict[str, list[Lesson]] = defaultdict(list)
    series_free = {lessons[lid].series for lid in free}
    for lesson in problem.lessons:  # sorted by series, episode
        if lesson.series in series_free:
            episodes[lesson.series].append(lesson)
    for items in episodes.values():
        for before, after in pairwise(items):
            if before.id not in free and after.id not in free:
                continue
            day, second, _ = placed[before.id]
            end = (
                start[before.id] + before.duration_s
                if before.id in free
                else (day * DAY_S + second + before.duration_s)
            )
            if after.id in free:
                model.add(start[after.id] >= end)
            else:
                model.add(end <= placed[after.id][0] * DAY_S + placed[after.id][1])
