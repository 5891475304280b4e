"""Large problems, day by day: each broadcast day is one small CP-SAT model (pure).

The whole-term model (solver.py) is exact but grows with lessons x days; past
a few hundred lessons it stalls. Here the term is filled one day at a time:
the candidates of a day are the next `max_per_day` episodes of every series
(pins on their own day), and a CP-SAT model chooses which of them air where
and when, honouring every rule within the day, and maximising the airtime
filled (weighted towards series with many episodes left, which keeps the
tail of the term short), then keeping each series near its previous time of
day. Rules across days (order, per-day, pins) hold by construction.
"""

from __future__ import annotations

import time
from collections import defaultdict

from ortools.sat.python import cp_model

from scheduler.cpsat import new_solver
from scheduler.encoding import within
from scheduler.errors import Infeasible
from scheduler.greedy import PIN_DUE, Placed, Variant, fill_day
from scheduler.pins import PinsAhead
from scheduler.problem import Lesson, Pin, Problem
from scheduler.schedule import Airing, airing_at

FILL_WEIGHT = 1000  # per second of airtime, against the small time-of-day penalty
DUE_WEIGHT = FILL_WEIGHT * 10**8
"""For airing the next episode of a series that must air today to make its pin: more
than a whole day's airtime."""
GREEDY_DAY = Variant("the greedy day", pack=True)
"""How a day is filled greedily, around the series' times of day: CP-SAT's hint, and the
day itself past the time limit."""

MIN_DAY_S = 0.02
MAX_DAY_S = 2.0
"""Each day's CP-SAT time limit, between these: its share of the time left. Past the time
limit, a day is the greedy one its model would be hinted with (pins still get CP-SAT)."""
PINNED_FIRST_S = 0.1  # a day that holds pins gets at least this on its first try...
PINNED_DAY_S = 5.0  # ...and, found neither feasible nor infeasible, one try this long


def solve_by_day(
    problem: Problem, time_limit_s: float, workers: int, seed: int = 0, days_at_least: int = 0
) -> tuple[list[Airing], int]:
    """Airings of every lesson and the number of days used; Infeasible when the
    term runs out of days. `days_at_least` (a lower bound) paces the time limit."""
    by_series: dict[str, list[Lesson]] = defaultdict(list)
    for lesson in problem.lessons:
        by_series[lesson.series].append(lesson)
    pinned = {pin.lesson: pin for pin in problem.pins}
    pins = PinsAhead(problem)
    next_index = {series_id: 0 for series_id in by_series}
    anchor: dict[str, int] = {}
    airings: list[Airing] = []
    remaining = len(problem.lessons)
    started = time.monotonic()
    day = last_used = 0
    solving = 0.0  # seconds inside CP-SAT so far
    while remaining:
        if day >= len(problem.days):
            raise Infeasible(
                f"window, daily-cap: {remaining} lessons do not fit in the "
                f"{len(problem.days)} broadcast days of the term"
            )
        # Share the time left over the days still to fill, at the pace so far, less
        # what building each day's model takes; past the limit, greedy days.
        elapsed = time.monotonic() - started
        per_day = max(1, len(airings) // max(1, day))
        days_to_go = max(1, remaining // per_day, days_at_least - day)
        overhead = (elapsed - solving) / max(1, day)  # building each day's model
        budget: float | None = None
        if elapsed < time_limit_s:
            share = (time_limit_s - elapsed) / days_to_go - overhead
            budget = min(MAX_DAY_S, max(MIN_DAY_S, share))
        placed, seconds = _solve_day(
            problem, day, by_series, next_index, pinned, pins, anchor, budget, workers, seed
        )
        solving += seconds
        for item in placed:
            airings.append(airing_at(problem, item.lesson, day, item.second, item.channel))
            anchor[item.lesson.series] = item.second
            next_index[item.lesson.series] += 1
            remaining -= 1
        if placed:
            last_used = day
        day += 1
    return sorted(airings), last_used + 1


def _candidates(
    problem: Problem,
    day: int,
    by_series: dict[str, list[Lesson]],
    next_index: dict[str, int],
    pins: PinsAhead,
) -> tuple[list[Lesson], set[str]]:
    """The day's candidates: the next `max_per_day` episodes of each series, none past
    its next pin unless the pin is today; and the series that must air today to air
    every episode before a pin on time. Infeasible when a pin's day has passed."""
    found: list[Lesson] = []
    due: set[str] = set()
    for series_id, episodes in by_series.items():
        index = next_index[series_id]
        per_day = problem.series[series_id].max_per_day
        room = 0  # episodes of the series that may air today
        while room < per_day:
            pin = pins.ahead(series_id, index + room)
            if pin is not None and (
                pin.day < day or (pin.day == day and room + pin.before >= per_day)
            ):
                raise Infeasible(
                    f"pin: the day-by-day model could not air the episodes of {series_id} "
                    f"before its pinned lesson {pin.lesson}"
                )
            if pin is None or pin.day > day:
                room = min(per_day, room + pin.before) if pin is not None else per_day
                if pin is not None and pin.due(day, per_day):
                    due.add(series_id)
                break
            room += pin.before + 1  # up to and with today's pin, then what follows it
        found.extend(episodes[index : index + room])
    return found, due


def _solve_day(
    problem: Problem,
    day: int,
    by_series: dict[str, list[Lesson]],
    next_index: dict[str, int],
    pinned: dict[str, Pin],
    pins: PinsAhead,
    anchor: dict[str, int],
    budget: float | None,
    workers: int,
    seed: int,
) -> tuple[list[Placed], float]:
    """One day's airings, CP-SAT's within `budget` seconds, or with None (out of time)
    the greedy day (fill_day) unless the day holds pins; and the seconds CP-SAT took."""
    candidates, due = _candidates(problem, day, by_series, next_index, pins)
    # The greedy day: CP-SAT's hint (never worse in airtime), or the day itself.
    episodes_left = {
        sid: len(items) - next_index[sid] + (PIN_DUE if sid in due else 0)
        for sid, items in by_series.items()
    }
    first = {sid: items[next_index[sid]].id for sid, items in by_series.items() if sid in due}
    has_pins = any(lesson.id in pinned for lesson in candidates)
    ranges = {lesson.id: problem.start_ranges(lesson) for lesson in candidates}
    usable = [c for c in candidates if c.id not in pinned and ranges[c.id]]
    greedy = fill_day(problem, usable, episodes_left, GREEDY_DAY, home=anchor)
    if budget is None and not has_pins:
        return _in_order(greedy), 0.0
    hinted = {p.lesson.id: p for p in greedy}
    model = cp_model.CpModel()
    airable = [lesson for lesson in candidates if ranges[lesson.id]]
    encoded = within(model, problem, airable, range(day, day + 1), {}, optional=True)
    present = {lid: encoded.on_day[(lid, day)] for lid in encoded.tod}
    start, on = encoded.tod, encoded.on  # seconds of the day
    objective = []
    for lesson in airable:
        lid = lesson.id
        pin = pinned.get(lid)
        if pin is not None:
            located = problem.locate(pin.start)
            channel_id = pin.channel
            if located is None or (lid, channel_id) not in on:
                raise Infeasible(f"pin, window: lesson {lid} cannot air at its pin")
            model.add(present[lid] == 1)
            model.add(on[(lid, channel_id)] == 1)
            model.add(start[lid] == located[1])
        left = len(by_series[lesson.series]) - next_index[lesson.series]
        objective.append(present[lid] * lesson.duration_s * (FILL_WEIGHT + left))
        if first.get(lesson.series) == lid:
            objective.append(present[lid] * DUE_WEIGHT)
        if lesson.series in anchor:
            drift = model.new_int_var(0, 86400, f"d_{lid}")
            model.add_abs_equality(drift, start[lid] - anchor[lesson.series])
            objective.append(-drift)
    model.maximize(sum(objective))
    for lid, literal in present.items():
        model.add_hint(literal, 1 if lid in hinted else 0)
        if lid in hinted:
            model.add_hint(start[lid], hinted[lid].second)
    for (lid, channel_id), on_literal in on.items():
        model.add_hint(on_literal, 1 if lid in hinted and hinted[lid].channel == channel_id else 0)
    first_try = max(budget or 0.0, PINNED_FIRST_S) if has_pins else budget or 0.0
    solver = new_solver(first_try, workers, seed)
    status = solver.solve(model)
    seconds = solver.wall_time
    if status == cp_model.UNKNOWN and has_pins:
        # Out of time, not proven impossible: a day with pins cannot be skipped, so it
        # gets one longer try (a loaded machine can eat a short budget in set-up).
        solver = new_solver(max(first_try, PINNED_DAY_S), workers, seed)
        status = solver.solve(model)
        seconds += solver.wall_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if has_pins and status == cp_model.INFEASIBLE:
            raise Infeasible(f"pin: the pins of {problem.days[day]} conflict")
        if has_pins:
            raise Infeasible(
                f"pin: no placement of the pins of {problem.days[day]} was found "
                f"in {max(first_try, PINNED_DAY_S):.0f} s"
            )
        # Out of time before CP-SAT found anything (a large day on a short budget):
        # the greedy day it was hinted with honours every rule, so the day is not lost.
        return _in_order(greedy), seconds
    placed = []
    lessons = {lesson.id: lesson for lesson in candidates}
    for (lid, channel_id), literal in on.items():
        if solver.value(literal):
            placed.append(Placed(lessons[lid], channel_id, int(solver.value(start[lid]))))
    return _in_order(placed), seconds


def _in_order(placed: list[Placed]) -> list[Placed]:
    """A day's airings by series and episode."""
    return sorted(placed, key=lambda p: (p.lesson.series, p.lesson.episode))
