"""Appointment viewing by large-neighbourhood search (pure but for the clock it is given).

With the days used fixed, a neighbourhood — a window of consecutive days and a
group of channels, audiences or series — is freed and re-solved by CP-SAT from the
current schedule as a complete hint; everything else stays where it is and is a
wall the free lessons must clear. The model keeps every rule (free lessons may
change day inside the window, channel and time of day) and maximises the free
lessons that start within 10 minutes of their series' median time of day, each
weighted by one over its series' length, as slot consistency counts them. A result
is kept only when slot consistency does not fall.

First come sweeps: every day in turn, each audience's or each channel's lessons
alone (such a unit re-solves to optimality in milliseconds, and most of the gain
is there: a day's lessons re-ordered, or moved to another channel, around their
series' times), the days shared among worker processes forked from the caller
(a sweep moves lessons only within their day, so two days never clash and solve
side by side). Then neighbourhoods drawn at random, of several days, which can
also move lessons between days: their kinds are drawn by past gain per second,
and a neighbourhood that solved to optimality in time grows, one that ran out of
time shrinks. The search stops at the deadline, at perfect consistency, or when
it stops gaining.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import random
import statistics
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.checker import SLOT_S, consistent_share
from scheduler.cpsat import new_solver
from scheduler.encoding import within
from scheduler.problem import DAY_S, Lesson, Problem

KINDS = ("misses", "channels", "audiences", "series")
SWEEP_UNITS = ("audience", "channel")
"""What a sweep re-solves alone on each day: each audience's lessons (which may change
channel: sparse channels, capped audiences) or each channel's (which may change order:
full channels). The first sweeps try each; later ones take the one whose latest sweep
gained most per second."""
SWEEP_GAIN = 0.002
"""Sweeps over the days go on while a sweep raises consistency by more than this."""
SWEEP_STEP_S = 0.3
"""A sweep's unit (an audience's or a channel's day) gets this long: the current schedule
is its hint, so CP-SAT out of time still returns something at least as good, and a sweep
must reach every day."""
STALE = 100
"""The random phase stops after this many tries in a row without a gain."""
Placement = dict[str, tuple[int, int, str]]  # lesson -> (day, second of day, channel)


@dataclass
class Search:
    """The adaptive parameters of the search and what it has done."""

    size: float = 60.0  # free lessons per random neighbourhood
    days: int = 2
    weight: dict[str, float] = field(default_factory=lambda: dict.fromkeys(KINDS, 1.0))
    tried: int = 0
    kept: int = 0
    sweeps: int = 0


def score(problem: Problem, placed: Placement) -> float:
    """Slot consistency of a placement, as the checker computes it."""
    times: dict[str, list[int]] = defaultdict(list)
    for lesson in problem.lessons:
        if lesson.id in placed:
            times[lesson.series].append(placed[lesson.id][1])
    shares = [consistent_share(seconds) for seconds in times.values()]
    return sum(shares) / len(shares) if shares else 1.0


def reach(problem: Problem, placed: Placement) -> float:
    """About how much slot consistency the search can reach from a placement, as it
    moves lessons between a few days only: each series' share of episodes on a day with
    no other of its episodes (two on one day can both start within SLOT_S of the
    series' time only when the first is shorter than twice that), averaged over series
    as slot consistency is."""
    days: dict[str, set[int]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for lesson in problem.lessons:
        if lesson.id in placed:
            days[lesson.series].add(placed[lesson.id][0])
            counts[lesson.series] += 1
    shares = [len(days[series_id]) / count for series_id, count in counts.items()]
    return sum(shares) / len(shares) if shares else 1.0


class _State:
    """The placement with the indexes a step needs: lessons by day, episodes by series,
    each series' share of consistent episodes and its median time of day."""

    def __init__(self, problem: Problem, placed: Placement) -> None:
        self.problem = problem
        self.placed = dict(placed)
        self.lessons = {lesson.id: lesson for lesson in problem.lessons}
        self.pinned = {pin.lesson for pin in problem.pins}
        self.days_used = max(day for day, _, _ in placed.values()) + 1
        self.by_day: dict[int, set[str]] = defaultdict(set)
        for lid, (day, _, _) in self.placed.items():
            self.by_day[day].add(lid)
        self.episodes: dict[str, list[Lesson]] = defaultdict(list)
        for lesson in problem.lessons:  # sorted by series, episode
            self.episodes[lesson.series].append(lesson)
        self.index = {
            lesson.id: i for items in self.episodes.values() for i, lesson in enumerate(items)
        }
        self.shares: dict[str, float] = {}
        self.targets: dict[str, int] = {}
        for series_id in self.episodes:
            self._measure(series_id)
        self.current = sum(self.shares.values()) / max(1, len(self.shares))

    def _measure(self, series_id: str, moved: Placement | None = None) -> None:
        moved = moved or {}
        seconds = [
            (moved.get(lesson.id) or self.placed[lesson.id])[1]
            for lesson in self.episodes[series_id]
        ]
        self.shares[series_id] = consistent_share(seconds)
        self.targets[series_id] = int(statistics.median(seconds))

    def on(self, window: range) -> list[str]:
        """Lessons airing on the window's days."""
        return [lid for day in window for lid in self.by_day.get(day, ())]

    def offer(self, found: Placement, always: bool = False) -> float | None:
        """Take `found` when slot consistency does not fall (or `always`): the gain,
        or None when refused."""
        touched = {self.lessons[lid].series for lid in found}
        before = {sid: (self.shares[sid], self.targets[sid]) for sid in touched}
        for sid in touched:
            self._measure(sid, found)
        change = sum(self.shares[sid] - before[sid][0] for sid in touched) / len(self.shares)
        if change < -1e-12 and not always:
            for sid, (share, target) in before.items():
                self.shares[sid], self.targets[sid] = share, target
            return None
        new = self.current + change
        for lid, (day, second, channel) in found.items():
            self.by_day[self.placed[lid][0]].discard(lid)
            self.by_day[day].add(lid)
            self.placed[lid] = (day, second, channel)
        self.current = new
        while self.days_used > 1 and not self.by_day.get(self.days_used - 1):
            self.days_used -= 1
        return change


def compact(
    problem: Problem,
    placed: Placement,
    deadline: float,
    clock: Callable[[], float],
    workers: int = 2,
    seed: int = 0,
) -> Placement:
    """Fewer days where CP-SAT finds them: each lesson of the last day, longest first,
    is inserted into the latest earlier day that takes it — that day's lessons on the
    channels around it re-solved with the newcomer required — until the last day is
    empty, and again for the new last day. Stops at the first lesson no day takes."""
    state = _State(problem, placed)
    groups = _channel_groups(problem)
    while state.days_used > 1:
        last = state.days_used - 1
        on_last = sorted(state.by_day.get(last, ()), key=lambda i: -state.lessons[i].duration_s)
        if set(on_last) & state.pinned:
            break
        for lid in on_last:
            if not _insert(state, lid, groups, deadline, clock, workers, seed):
                return state.placed
    return state.placed


def _insert(
    state: _State,
    lid: str,
    groups: list[set[str]],
    deadline: float,
    clock: Callable[[], float],
    workers: int,
    seed: int,
) -> bool:
    """Move a lesson of the last day to the latest earlier day that can take it."""
    lesson = state.lessons[lid]
    problem = state.problem
    audience = problem.audience_of(lesson)
    items = state.episodes[lesson.series]
    i = state.index[lid]
    earliest = state.placed[items[i - 1].id][0] if i > 0 else 0
    channels: set[str] = set()
    for channel in problem.eligible(lesson):
        channels |= next(g for g in groups if channel.id in g)
    per_day = problem.series[lesson.series].max_per_day
    for day in range(state.days_used - 2, earliest - 1, -1):
        if clock() + 0.5 >= deadline:
            return False
        today = state.by_day.get(day, set())
        same = [o for o in today if state.lessons[o].series == lesson.series]
        watched = sum(
            state.lessons[o].duration_s
            for o in today
            if problem.audience_of(state.lessons[o]).key == audience.key
        )
        cap = audience.max_daily_s
        if len(same) >= per_day or (cap is not None and watched + lesson.duration_s > cap):
            continue
        free = {o for o in today if state.placed[o][2] in channels and o not in state.pinned}
        found, _ = _resolve(
            state, free | {lid}, range(day, day + 1), min(1.0, deadline - clock()), workers, seed
        )
        if found is not None:
            state.offer(found, always=True)
            return True
    return False


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
    state = _State(problem, placed)
    groups = _channel_groups(problem)

    def attempt(
        free: set[str], window: range, seconds: float
    ) -> tuple[float, cp_model.CpSolverStatus]:
        budget = min(seconds, deadline - clock())
        found, status = _resolve(state, free, window, budget, workers, seed)
        search.tried += 1
        gain = state.offer(found) if found is not None else None
        search.kept += gain is not None
        return gain or 0.0, status

    processes = max(1, min(workers, os.cpu_count() or 1))
    gains: dict[str, tuple[float, float]] = {}  # unit -> latest sweep's gain, per second
    while state.current < 1.0 and clock() + 0.2 < deadline:
        untried = [unit for unit in SWEEP_UNITS if unit not in gains]
        gaining = [unit for unit, (gain, _) in gains.items() if gain > SWEEP_GAIN]
        if not untried and not gaining:
            break
        by = untried[0] if untried else max(gaining, key=lambda unit: gains[unit][1])
        began = clock()
        gained = _sweep(state, deadline, clock, processes, seed, search, by)
        gains[by] = (gained, gained / max(1e-3, clock() - began))
        search.sweeps += 1
    stale = 0
    while clock() + 0.2 < deadline and state.current < 1.0 and stale <= STALE:
        kind = rng.choices(KINDS, weights=[search.weight[k] for k in KINDS])[0]
        if kind == "misses":
            window, free = _around_a_miss(state, search, rng)
        else:
            first = rng.randrange(max(1, state.days_used - search.days + 1))
            window = range(first, min(state.days_used, first + search.days))
            free = _neighbourhood(state, kind, window, groups, search, rng)
        if not free:
            stale += 1
            continue
        began = clock()
        gain, status = attempt(free, window, step_s)
        spent = max(0.05, clock() - began)
        stale = 0 if gain > 0 else stale + 1
        search.weight[kind] = 0.8 * search.weight[kind] + 0.2 * (0.05 + 1000 * gain / spent)
        if status == cp_model.OPTIMAL:
            search.size = min(200.0, search.size * 1.2)
            search.days = min(5, search.days + (rng.random() < 0.3))
        else:
            search.size = max(15.0, search.size * 0.7)
            search.days = max(1, search.days - (rng.random() < 0.3))
    return state.placed, search


def _sweep(
    state: _State,
    deadline: float,
    clock: Callable[[], float],
    processes: int,
    seed: int,
    search: Search,
    by: str,
) -> float:
    """One sweep over the days, each day's channels or audiences (`by`) re-solved one
    at a time, the days shared among `processes` worker processes: the gain in
    consistency. A day's changes are taken together, when they do not lower it."""
    days = range(state.days_used)
    if processes <= 1 or multiprocessing.current_process().daemon:
        gained = 0.0
        for day in days:
            if clock() + 0.2 >= deadline:
                break
            before = {lid: state.placed[lid] for lid in state.by_day.get(day, ())}
            found = _sweep_day(state, day, deadline, clock, seed, by)
            state.placed.update(before)  # offer() takes the day's changes back, or not
            gained += _offer_day(state, found, search)
        return gained
    global _forked
    _forked = (state, deadline, clock, seed, by)  # the workers inherit it
    context = multiprocessing.get_context("fork")
    gained = 0.0
    with context.Pool(processes) as pool:
        pending: deque[multiprocessing.pool.AsyncResult[Placement]] = deque()
        upcoming = iter(days)
        while True:
            for day in upcoming:  # a few days ahead, with the targets as they are now
                today = {lid: state.placed[lid] for lid in state.by_day.get(day, ())}
                series = {state.lessons[lid].series for lid in today}
                targets = {sid: state.targets[sid] for sid in series}
                pending.append(pool.apply_async(_sweep_day_forked, ((day, today, targets),)))
                if len(pending) >= 2 * processes:
                    break
            if not pending or clock() + 0.2 >= deadline:
                break
            try:
                found = pending.popleft().get(timeout=max(0.0, deadline - clock()))
            except multiprocessing.TimeoutError:
                break
            gained += _offer_day(state, found, search)
        pool.terminate()
    _forked = None
    return gained


_forked: tuple[_State, float, Callable[[], float], int, str] | None = None
"""What a sweep's worker processes inherit: the state when the sweep began, its deadline,
clock and seed."""


def _sweep_day_forked(task: tuple[int, Placement, dict[str, int]]) -> Placement:
    """A sweep's day in a worker: its lessons and targets brought up to date first."""
    assert _forked is not None
    state, deadline, clock, seed, by = _forked
    day, today, targets = task
    state.placed.update(today)
    state.targets.update(targets)
    return _sweep_day(state, day, deadline, clock, seed, by)


def _sweep_day(
    state: _State, day: int, deadline: float, clock: Callable[[], float], seed: int, by: str
) -> Placement:
    """Each channel's or each audience's lessons of the day (`by`) re-solved alone,
    one CP-SAT worker, in turn (each sees the ones before it as they became): what
    changed, also written into the state. Small units: a day of a group of channels
    that share audiences seldom solves to optimality within the step, and on every
    sweep network gained as much or less per second (bench/RESULTS.md)."""
    today = state.by_day.get(day, set())
    changed: Placement = {}
    units: dict[object, set[str]] = defaultdict(set)
    for lid in today:
        if lid not in state.pinned:
            lesson = state.lessons[lid]
            key = state.placed[lid][2] if by == "channel" else state.problem.audience_of(lesson).key
            units[key].add(lid)
    for _, free in sorted(units.items(), key=lambda item: str(item[0])):
        if clock() + 0.2 >= deadline:
            break
        budget = min(SWEEP_STEP_S, deadline - clock())
        found, _ = _resolve(state, free, range(day, day + 1), budget, 1, seed, presolve=False)
        if found:
            state.placed.update(found)
            changed.update(found)
    return changed


def _offer_day(state: _State, found: Placement, search: Search) -> float:
    """A sweep's day offered to the state: the gain."""
    search.tried += 1
    gain = state.offer(found) if found else None
    search.kept += gain is not None
    return gain or 0.0


def _channel_groups(problem: Problem) -> list[set[str]]:
    """Each channel with the channels that share an audience with it."""
    return [
        {
            other.id
            for other in problem.channels
            if channel.languages & other.languages and channel.grades & other.grades
        }
        for channel in problem.channels
    ]


def _neighbourhood(
    state: _State,
    kind: str,
    window: range,
    groups: list[set[str]],
    search: Search,
    rng: random.Random,
) -> set[str]:
    """The lessons to free: those airing in the window on a growing group of channels,
    of audiences or of series, up to the size."""
    problem, lessons = state.problem, state.lessons
    inside = [lid for lid in state.on(window) if lid not in state.pinned]
    by_key: dict[object, list[str]] = defaultdict(list)
    for lid in inside:
        if kind == "channels":
            by_key[state.placed[lid][2]].append(lid)
        elif kind == "audiences":
            by_key[problem.audience_of(lessons[lid]).key].append(lid)
        else:
            by_key[lessons[lid].series].append(lid)
    keys: list[object] = list(rng.choice(groups)) if kind == "channels" else list(by_key)
    rng.shuffle(keys)
    free: set[str] = set()
    for key in keys:
        if free and len(free) + len(by_key[key]) > search.size:
            continue
        free.update(by_key[key])
    return free


def _around_a_miss(state: _State, search: Search, rng: random.Random) -> tuple[range, set[str]]:
    """A lesson away from its series' time, with what airs nearest that time on the
    channels that may carry it in the days around its own: the lessons that stand in
    its way and the ones that could make room."""
    series = [sid for sid, share in state.shares.items() if share < 1.0]
    if not series:
        return range(0), set()
    sid = rng.choice(series)
    target = state.targets[sid]
    missed = [
        lesson.id
        for lesson in state.episodes[sid]
        if abs(state.placed[lesson.id][1] - target) > SLOT_S and lesson.id not in state.pinned
    ]
    if not missed:
        return range(0), set()
    lid = rng.choice(missed)
    day = state.placed[lid][0]
    first = max(0, min(day - search.days // 2, state.days_used - search.days))
    window = range(first, min(state.days_used, first + search.days))
    channels = {c.id for c in state.problem.eligible(state.lessons[lid])}
    near = sorted(
        (abs(state.placed[other][1] - target), other)
        for other in state.on(window)
        if state.placed[other][2] in channels and other not in state.pinned
    )
    free = {lid}
    for _, other in near:
        if len(free) >= search.size:
            break
        free.add(other)
    return window, free


def _resolve(
    state: _State,
    free: set[str],
    window: range,
    budget: float,
    workers: int,
    seed: int,
    presolve: bool = True,
) -> tuple[Placement | None, cp_model.CpSolverStatus]:
    """The free lessons re-placed inside the window around everything fixed, or None."""
    problem, lessons, placed = state.problem, state.lessons, state.placed
    model = cp_model.CpModel()
    moved = [lessons[lid] for lid in sorted(free)]
    encoded = within(model, problem, moved, window, placed, state.on(window))
    start = encoded.start
    objective = []
    for lesson in moved:
        lid = lesson.id
        day, second, channel = placed[lid]
        tod = encoded.tod[lid]
        for d in window:
            model.add_hint(encoded.on_day[(lid, d)], d == day)
        for option, _, _ in problem.start_ranges(lesson):
            model.add_hint(encoded.on[(lid, option.id)], option.id == channel)
        if day in window:  # compaction frees lessons of a day outside it
            model.add_hint(tod, second)
            model.add_hint(start[lid], day * DAY_S + second)
        target = state.targets[lesson.series]
        hit = model.new_bool_var("")
        model.add(tod >= target - SLOT_S).only_enforce_if(hit)
        model.add(tod <= target + SLOT_S).only_enforce_if(hit)
        model.add_hint(hit, abs(second - target) <= SLOT_S)
        objective.append(hit * max(1, 10_000 // len(state.episodes[lesson.series])))
    model.maximize(sum(objective))
    solver = new_solver(budget, workers, seed)
    # A sweep's tiny models: presolve costs more than it saves (1.6x the units a second).
    solver.parameters.cp_model_presolve = presolve
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, status
    found: Placement = {}
    for (lid, channel_id), literal in encoded.on.items():
        if solver.value(literal):
            at = solver.value(start[lid])
            found[lid] = (at // DAY_S, at % DAY_S, channel_id)
    return found, status
