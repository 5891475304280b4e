"""The whole-term CP-SAT encoding of every rule, shared by the models that need it (pure).

The whole-term model (solver.py) and the explanation model (explain.py) place every
lesson of the problem on a day of a horizon; they differ only in what they add: the
first an objective, the second an assumption literal per rule group. Here the
constraints are built once: given a `guard`, each rule group holds only under the
literal it returns for (rule, subject, sentence); without one, every rule holds.

| rule | how |
|---|---|
| once, eligible, pin | a literal per eligible channel, one true; pins fix day, time, channel |
| window, audience-window | time of day inside the chosen channel's window and the audience's |
| channel-overlap | `NoOverlap` of optional intervals of duration + `break_s` per channel |
| audience-overlap | `NoOverlap` of the audience's intervals across all channels |
| order | start of episode e+1 >= end of episode e |
| per-day | day of episode e+m > day of episode e (m = `max_per_day`) |
| daily-cap | day literals per lesson of a capped audience, summed per day |
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from ortools.sat.python import cp_model

from scheduler.cpsat import channel_choices
from scheduler.fields import clock_text
from scheduler.problem import DAY_S, Lesson, Problem

Guard = Callable[[str, str, str], cp_model.IntVar]
"""(rule, what it is about, a sentence about it) -> the literal the rule group holds under."""


@dataclass
class Term:
    """The variables of a whole-term encoding, by lesson id (and channel id)."""

    start: dict[str, cp_model.IntVar] = field(default_factory=dict)
    day: dict[str, cp_model.IntVar] = field(default_factory=dict)
    tod: dict[str, cp_model.IntVar] = field(default_factory=dict)
    on: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)


def whole_term(
    model: cp_model.CpModel, problem: Problem, horizon: int, guard: Guard | None = None
) -> Term | None:
    """Every lesson on one of the first `horizon` broadcast days, every rule encoded
    (under `guard`'s literals when given). None, without a guard, when a pin lies past
    the horizon or on a channel that may not carry its lesson (with one, such pins are
    left to the pre-checks)."""

    def held(rule: str, subject: str, text: str) -> list[cp_model.IntVar]:
        return [] if guard is None else [guard(rule, subject, text)]

    term = Term()
    channel_intervals: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    audience_intervals: dict[tuple[int, str], list[cp_model.IntervalVar]] = defaultdict(list)
    pins = {pin.lesson: pin for pin in problem.pins}
    for lesson in problem.lessons:
        lid = lesson.id
        audience = problem.audience_of(lesson)
        label = f"{audience.language} grade {audience.grade}"
        lo, hi = audience.window
        seen = held(
            "audience-window",
            label,
            f"audience {label} watches {clock_text(lo)}-{clock_text(hi)}",
        )
        ranges = problem.start_ranges(lesson) if guard is None else []
        if guard is None:  # the audience's window is in the ranges already
            tod = model.new_int_var(min(r[1] for r in ranges), max(r[2] for r in ranges), "")
        else:
            tod = model.new_int_var(0, DAY_S - lesson.duration_s, "")
            model.add(tod >= lo).only_enforce_if(seen)
            model.add(tod + lesson.duration_s <= hi).only_enforce_if(seen)
        day = model.new_int_var(0, horizon - 1, "")
        start = model.new_int_var(0, horizon * DAY_S, "")
        model.add(start == day * DAY_S + tod)
        term.tod[lid], term.day[lid], term.start[lid] = tod, day, start
        apart = held(
            "audience-overlap",
            label,
            f"audience {label} watches one lesson at a time",
        )
        audience_intervals[audience.key].append(
            model.new_optional_interval_var(
                start, lesson.duration_s, start + lesson.duration_s, apart[0], ""
            )
            if apart
            else model.new_interval_var(start, lesson.duration_s, start + lesson.duration_s, "")
        )
        length = lesson.duration_s + problem.break_s
        bounds = {c.id: (a, b) for c, a, b in ranges}
        choices = []
        for channel in problem.eligible(lesson) if guard is not None else [r[0] for r in ranges]:
            literal = model.new_bool_var("")
            term.on[(lid, channel.id)] = literal
            choices.append(literal)
            if guard is None:
                model.add(tod >= bounds[channel.id][0]).only_enforce_if(literal)
                model.add(tod <= bounds[channel.id][1]).only_enforce_if(literal)
                present = literal
            else:
                opens, closes = channel.window
                window = guard(
                    "window",
                    channel.id,
                    f"channel {channel.id} airs {clock_text(opens)}-{clock_text(closes)}",
                )
                model.add(tod >= opens).only_enforce_if([literal, window])
                model.add(tod + lesson.duration_s <= closes).only_enforce_if([literal, window])
                one = guard(
                    "channel-overlap",
                    channel.id,
                    f"channel {channel.id} airs one lesson at a time, {problem.break_s} s apart",
                )
                present = model.new_bool_var("")
                model.add_bool_and([literal, one]).only_enforce_if(present)
                model.add_bool_or([~literal, ~one]).only_enforce_if(~present)
            channel_intervals[channel.id].append(
                model.new_optional_interval_var(start, length, start + length, present, "")
            )
        model.add_exactly_one(choices)
        pin = pins.get(lid)
        if pin is not None:
            located = problem.locate(pin.start)
            if located is None or located[0] >= horizon or (lid, pin.channel) not in term.on:
                if guard is None:
                    return None
                continue  # the pre-checks name these
            on_pin = held(
                "pin",
                lid,
                (
                    f"lesson {lesson.id} is pinned on channel {pin.channel} at "
                    f"{clock_text(located[1])}-{clock_text(located[1] + lesson.duration_s)} "
                    f"on {problem.days[located[0]]}"
                ),
            )
            model.add(day == located[0]).only_enforce_if(on_pin)
            model.add(tod == located[1]).only_enforce_if(on_pin)
            model.add(term.on[(lid, pin.channel)] == 1).only_enforce_if(on_pin)
    for intervals in (*channel_intervals.values(), *audience_intervals.values()):
        model.add_no_overlap(intervals)
    _series_rules(model, problem, term, held)
    _cap_rules(model, problem, term, horizon, held)
    return term


Held = Callable[[str, str, str], list[cp_model.IntVar]]


def _series_rules(model: cp_model.CpModel, problem: Problem, term: Term, held: Held) -> None:
    """Order and per-day, one rule group each per series."""
    episodes: dict[str, list[Lesson]] = defaultdict(list)
    for lesson in problem.lessons:  # sorted by series, episode
        episodes[lesson.series].append(lesson)
    for series_id, items in episodes.items():
        per_day = problem.series[series_id].max_per_day
        ids = ", ".join(lesson.id for lesson in items[:4]) + (", …" if len(items) > 4 else "")
        ordered = held(
            "order",
            series_id,
            (f"series {series_id} airs its {len(items)} episodes in order ({ids})"),
        )
        for earlier, later in pairwise(items):
            model.add(
                term.start[later.id] >= term.start[earlier.id] + earlier.duration_s
            ).only_enforce_if(ordered)
        if len(items) > per_day:
            limited = held(
                "per-day",
                series_id,
                (f"series {series_id} airs at most {per_day} episode{'s' * (per_day > 1)} a day"),
            )
            for i in range(len(items) - per_day):
                model.add(
                    term.day[items[i + per_day].id] >= term.day[items[i].id] + 1
                ).only_enforce_if(limited + ordered)


def _cap_rules(
    model: cp_model.CpModel, problem: Problem, term: Term, horizon: int, held: Held
) -> None:
    """Each capped audience's daily cap, one rule group per audience."""
    by_audience: dict[tuple[int, str], list[Lesson]] = defaultdict(list)
    for lesson in problem.lessons:
        by_audience[problem.audience_of(lesson).key].append(lesson)
    for key, items in by_audience.items():
        cap = problem.audience(*key).max_daily_s
        if cap is None or sum(lesson.duration_s for lesson in items) <= cap:
            continue
        capped = held(
            "daily-cap",
            f"{key[1]} grade {key[0]}",
            (f"audience {key[1]} grade {key[0]} watches at most {cap} s a day"),
        )
        on_day = {
            (lesson.id, k): model.new_bool_var("") for lesson in items for k in range(horizon)
        }
        for lesson in items:
            model.add_exactly_one(on_day[(lesson.id, k)] for k in range(horizon))
            model.add(
                term.day[lesson.id] == sum(k * on_day[(lesson.id, k)] for k in range(horizon))
            )
        for k in range(horizon):
            model.add(
                sum(lesson.duration_s * on_day[(lesson.id, k)] for lesson in items) <= cap
            ).only_enforce_if(capped)


@dataclass
class Window:
    """The variables of a windowed encoding, by lesson id: `start` on the term's axis
    (day * DAY_S + time of day), `tod` the time of day, `on` per channel, `on_day` per
    day of the window, `present` whether the lesson airs (always, unless optional)."""

    start: dict[str, cp_model.IntVar] = field(default_factory=dict)
    tod: dict[str, cp_model.IntVar] = field(default_factory=dict)
    on: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    on_day: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    present: dict[str, cp_model.LinearExprT] = field(default_factory=dict)


def within(
    model: cp_model.CpModel,
    problem: Problem,
    free: list[Lesson],
    days: range,
    placed: dict[str, tuple[int, int, str]],
    around: Iterable[str] = (),
    optional: bool = False,
) -> Window:
    """The `free` lessons (each with a start range on some channel) on the `days`,
    around the `placed` ones (lesson -> (day, second, channel)): every rule between
    them. `around` names the placed lessons on the window's days (the others matter
    only to episode order); free ones among them are ignored. With `optional`, a
    free lesson may stay off the air, and an episode airs only if the free one before
    it does. The neighbourhood search (lns.py) and the day-by-day model (rolling.py)
    add only
    their objective, hints and pins."""
    window = Window()
    ids = {lesson.id for lesson in free}
    channel_intervals: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    audience_intervals: dict[tuple[int, str], list[cp_model.IntervalVar]] = defaultdict(list)
    first, last = days[0], days[-1]
    for lesson in free:
        lid = lesson.id
        ranges = problem.start_ranges(lesson)
        tod = model.new_int_var(min(r[1] for r in ranges), max(r[2] for r in ranges), "")
        for d in days:
            window.on_day[(lid, d)] = model.new_bool_var("")
        on_days = [window.on_day[(lid, d)] for d in days]
        if optional:
            present = model.new_bool_var("")
            model.add(sum(on_days) == present)
            window.present[lid] = present
        else:
            model.add_exactly_one(on_days)
            window.present[lid] = 1
        # off the air (optional), a lesson's start is its time of day alone
        start = model.new_int_var(0 if optional else first * DAY_S, (last + 1) * DAY_S, "")
        model.add(start == sum(d * DAY_S * window.on_day[(lid, d)] for d in days) + tod)
        window.start[lid], window.tod[lid] = start, tod
        length = lesson.duration_s + problem.break_s
        choices = channel_choices(
            model, lid, length, ranges, tod, start, window.on, channel_intervals
        )
        if optional:
            model.add(sum(choices) == present)
        else:  # a clause, not a sum: the search runs without presolve
            model.add_exactly_one(choices)
        end = start + lesson.duration_s
        audience_intervals[problem.audience_of(lesson).key].append(
            model.new_optional_interval_var(start, lesson.duration_s, end, present, "")
            if optional
            else model.new_interval_var(start, lesson.duration_s, end, "")
        )
    audiences = {problem.audience_of(lesson).key for lesson in free}
    series = {lesson.series for lesson in free}
    fixed_load: dict[tuple[tuple[int, str], int], int] = defaultdict(int)
    fixed_count: dict[tuple[str, int], int] = defaultdict(int)
    lessons = problem.lesson_by_id
    for lid in around:
        day, second, channel = placed[lid]
        if lid in ids or not first <= day <= last:
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
        if lesson.series in series:
            fixed_count[(lesson.series, day)] += 1
    for intervals in (*channel_intervals.values(), *audience_intervals.values()):
        model.add_no_overlap(intervals)
    _window_order(model, problem, free, placed, window, optional)
    for series_id in series:
        per_day = problem.series[series_id].max_per_day
        mine = [lesson.id for lesson in free if lesson.series == series_id]
        for d in days:
            model.add(
                sum(window.on_day[(lid, d)] for lid in mine)
                <= per_day - fixed_count[(series_id, d)]
            )
    for key in audiences:
        cap = problem.audience(*key).max_daily_s
        if cap is None:
            continue
        watching = [lesson for lesson in free if problem.audience_of(lesson).key == key]
        for d in days:
            model.add(
                sum(lesson.duration_s * window.on_day[(lesson.id, d)] for lesson in watching)
                <= cap - fixed_load[(key, d)]
            )
    return window


def _window_order(
    model: cp_model.CpModel,
    problem: Problem,
    free: list[Lesson],
    placed: dict[str, tuple[int, int, str]],
    window: Window,
    optional: bool,
) -> None:
    """Episode order: each free lesson after its predecessor ends and before its
    successor starts, whether those are free or placed (others hold by construction)."""
    episodes, index = problem.episodes, problem.episode_index
    pairs: set[tuple[str, str]] = set()
    for lesson in free:
        items, i = episodes[lesson.series], index[lesson.id]
        if i > 0:
            pairs.add((items[i - 1].id, lesson.id))
        if i + 1 < len(items):
            pairs.add((lesson.id, items[i + 1].id))
    durations = {lid: problem.lesson_by_id[lid].duration_s for pair in pairs for lid in pair}
    literals = {k: v for k, v in window.present.items() if isinstance(v, cp_model.IntVar)}
    for before, after in sorted(pairs):
        if before in window.start:
            end: cp_model.LinearExprT = window.start[before] + durations[before]
        elif before in placed:
            end = placed[before][0] * DAY_S + placed[before][1] + durations[before]
        else:
            continue
        if after in window.start:
            constraint = model.add(window.start[after] >= end)
            if optional:
                constraint.only_enforce_if(literals[after])
                if before in window.start:
                    model.add_implication(literals[after], literals[before])
        elif after in placed:
            model.add(end <= placed[after][0] * DAY_S + placed[after][1])
