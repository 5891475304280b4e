"""Why a problem has no schedule, when the pre-checks (diagnose.py) cannot say (pure).

A CP-SAT model of the rules in which every rule group — each pin, each channel's
window and overlap, each audience's window, overlap and cap, each series' order and
per-day limit — holds only under its own assumption literal. When the model is
infeasible, CP-SAT (one worker, as its core extraction needs) names a sufficient
set of assumptions, which is then made small by deletion: each literal is dropped in
turn and kept out when the rest is still infeasible. What remains is a set of rules
that cannot all hold, named with their lessons, channels, audiences and numbers.

Problems over EXPLAIN_LIMIT lessons are explained on the part that pins decide: the
pins and every episode that must air before one of them, on the days up to the last
pin. That part dropping the other lessons is a relaxation, so a conflict found there
is a conflict of the whole problem.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise

from ortools.sat.python import cp_model

from scheduler.cpsat import new_solver
from scheduler.fields import clock_text
from scheduler.problem import DAY_S, Lesson, Problem

EXPLAIN_LIMIT = 400
"""Above this many lessons only the part that pins decide is modelled."""


@dataclass(frozen=True)
class Rule:
    """One rule group that may be switched off: its name and a sentence about it."""

    name: str
    text: str


@dataclass(frozen=True)
class Explanation:
    """What the model showed: `reasons` ("rule, rule: …") when the rules conflict, and
    a verdict for people: infeasible, feasible, unknown (out of time) or not modelled
    (a large problem without pins)."""

    verdict: str
    scope: str  # "the whole problem" or "the part pins decide"
    reasons: tuple[str, ...] = ()


def explain(problem: Problem, time_limit_s: float = 30.0) -> Explanation:
    """A small set of rules that cannot all hold, named with their parties and numbers,
    or the verdict that none was found (see Explanation)."""
    part = _part(problem)
    scope = "the whole problem" if part is problem else "the part pins decide"
    if part is None:
        return Explanation("not modelled", "none: a large problem without pins")
    model, rules = _model(part)
    deadline = time.monotonic() + time_limit_s
    literals = [literal for literal, _ in rules.values()]
    status, core = _solve(model, literals, deadline - time.monotonic())
    if status != cp_model.INFEASIBLE:
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        return Explanation("feasible" if found else "unknown", scope)
    for literal in list(core):  # by index: `==` on CP-SAT variables builds a constraint
        if literal.index not in {c.index for c in core} or time.monotonic() >= deadline:
            continue
        trial = [c for c in core if c.index != literal.index]
        status, smaller = _solve(model, trial, min(5.0, deadline - time.monotonic()))
        if status == cp_model.INFEASIBLE:
            core = smaller or trial
    chosen = [rules[literal.index][1] for literal in core]
    names = ", ".join(dict.fromkeys(rule.name for rule in chosen))
    reason = f"{names}: these rules cannot all hold: " + "; ".join(r.text for r in chosen)
    return Explanation("infeasible", scope, (reason,))


def _solve(
    model: cp_model.CpModel, assumptions: list[cp_model.IntVar], seconds: float
) -> tuple[cp_model.CpSolverStatus, list[cp_model.IntVar]]:
    model.clear_assumptions()
    model.add_assumptions(assumptions)
    solver = new_solver(max(0.1, seconds), 1, 0)  # cores need a single worker
    status = solver.solve(model)
    if status != cp_model.INFEASIBLE:
        return status, []
    by_index = {literal.index: literal for literal in assumptions}
    found = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
    return status, [f for f in found if f is not None]


def _part(problem: Problem) -> Problem | None:
    """The problem itself when small; else the pins and the episodes before them on the
    days up to the last pin; None when a large problem has no pins."""
    if len(problem.lessons) <= EXPLAIN_LIMIT:
        return problem
    if not problem.pins:
        return None
    pinned = {pin.lesson: pin for pin in problem.pins}
    last: dict[str, int] = {}
    for lesson in problem.lessons:
        if lesson.id in pinned:
            last[lesson.series] = lesson.episode
    keep = tuple(
        lesson for lesson in problem.lessons if lesson.episode <= last.get(lesson.series, 0)
    )
    day = max((problem.locate(pin.start) or (0, 0))[0] for pin in problem.pins)
    return replace(problem, lessons=keep, days=problem.days[: day + 1])


def _model(
    problem: Problem,
) -> tuple[cp_model.CpModel, dict[int, tuple[cp_model.IntVar, Rule]]]:
    """The rules as a CP-SAT model, each group under its own assumption literal (keyed
    by the literal's index: `==` on CP-SAT variables builds a constraint)."""
    model = cp_model.CpModel()
    rules: dict[int, tuple[cp_model.IntVar, Rule]] = {}
    made: dict[tuple[str, str], cp_model.IntVar] = {}

    def rule(key: tuple[str, str], name: str, text: str) -> cp_model.IntVar:
        if key not in made:
            made[key] = model.new_bool_var(f"{name}:{key[1]}")
            rules[made[key].index] = (made[key], Rule(name, text))
        return made[key]

    horizon = len(problem.days)
    start: dict[str, cp_model.IntVar] = {}
    day: dict[str, cp_model.IntVar] = {}
    tod: dict[str, cp_model.IntVar] = {}
    on: dict[tuple[str, str], cp_model.IntVar] = {}
    channel_intervals: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    audience_intervals: dict[tuple[int, str], list[cp_model.IntervalVar]] = defaultdict(list)
    pins = {pin.lesson: pin for pin in problem.pins}
    for lesson in problem.lessons:
        lid = lesson.id
        audience = problem.audience_of(lesson)
        label = f"{audience.language} grade {audience.grade}"
        tod[lid] = model.new_int_var(0, DAY_S - lesson.duration_s, "")
        day[lid] = model.new_int_var(0, horizon - 1, "")
        start[lid] = model.new_int_var(0, horizon * DAY_S, "")
        model.add(start[lid] == day[lid] * DAY_S + tod[lid])
        lo, hi = audience.window
        seen = rule(
            ("audience-window", label),
            "audience-window",
            f"audience {label} watches {clock_text(lo)}-{clock_text(hi)}",
        )
        model.add(tod[lid] >= lo).only_enforce_if(seen)
        model.add(tod[lid] + lesson.duration_s <= hi).only_enforce_if(seen)
        one_at_a_time = rule(
            ("audience-overlap", label),
            "audience-overlap",
            f"audience {label} watches one lesson at a time",
        )
        audience_intervals[audience.key].append(
            model.new_optional_interval_var(
                start[lid], lesson.duration_s, start[lid] + lesson.duration_s, one_at_a_time, ""
            )
        )
        choices = []
        for channel in problem.eligible(lesson):
            literal = model.new_bool_var("")
            on[(lid, channel.id)] = literal
            choices.append(literal)
            window = rule(
                ("window", channel.id),
                "window",
                f"channel {channel.id} airs {clock_text(channel.window[0])}-"
                f"{clock_text(channel.window[1])}",
            )
            model.add(tod[lid] >= channel.window[0]).only_enforce_if([literal, window])
            model.add(tod[lid] + lesson.duration_s <= channel.window[1]).only_enforce_if(
                [literal, window]
            )
            apart = rule(
                ("channel-overlap", channel.id),
                "channel-overlap",
                f"channel {channel.id} airs one lesson at a time, {problem.break_s} s apart",
            )
            present = model.new_bool_var("")
            model.add_bool_and([literal, apart]).only_enforce_if(present)
            model.add_bool_or([~literal, ~apart]).only_enforce_if(~present)
            length = lesson.duration_s + problem.break_s
            channel_intervals[channel.id].append(
                model.new_optional_interval_var(
                    start[lid], length, start[lid] + length, present, ""
                )
            )
        model.add_exactly_one(choices)
        pin = pins.get(lid)
        if pin is not None:
            located = problem.locate(pin.start)
            if located is None or (lid, pin.channel) not in on:
                continue  # the pre-checks name these
            held = rule(
                ("pin", lid),
                "pin",
                (
                    f"lesson {lesson.id} is pinned on channel {pin.channel} at "
                    f"{clock_text(located[1])}-{clock_text(located[1] + lesson.duration_s)} on "
                    f"{problem.days[located[0]]}"
                ),
            )
            model.add(day[lid] == located[0]).only_enforce_if(held)
            model.add(tod[lid] == located[1]).only_enforce_if(held)
            model.add(on[(lid, pin.channel)] == 1).only_enforce_if(held)
    for intervals in (*channel_intervals.values(), *audience_intervals.values()):
        model.add_no_overlap(intervals)
    _series_rules(problem, model, rule, start, day)
    _cap_rules(problem, model, rule, day, horizon)
    return model, rules


RuleFn = Callable[[tuple[str, str], str, str], cp_model.IntVar]


def _series_rules(
    problem: Problem,
    model: cp_model.CpModel,
    rule: RuleFn,
    start: dict[str, cp_model.IntVar],
    day: dict[str, cp_model.IntVar],
) -> None:
    """Order and per-day, one literal each per series."""
    episodes: dict[str, list[Lesson]] = defaultdict(list)
    for lesson in problem.lessons:  # sorted by series, episode
        episodes[lesson.series].append(lesson)
    for series_id, items in episodes.items():
        per_day = problem.series[series_id].max_per_day
        ids = ", ".join(lesson.id for lesson in items[:4]) + (", …" if len(items) > 4 else "")
        ordered = rule(
            ("order", series_id),
            "order",
            f"series {series_id} airs its {len(items)} episodes in order ({ids})",
        )
        for earlier, later in pairwise(items):
            model.add(start[later.id] >= start[earlier.id] + earlier.duration_s).only_enforce_if(
                ordered
            )
        if len(items) > per_day:
            limited = rule(
                ("per-day", series_id),
                "per-day",
                f"series {series_id} airs at most {per_day} episode{'s' * (per_day > 1)} a day",
            )
            for i in range(len(items) - per_day):
                model.add(day[items[i + per_day].id] >= day[items[i].id] + 1).only_enforce_if(
                    [limited, ordered]
                )


def _cap_rules(
    problem: Problem,
    model: cp_model.CpModel,
    rule: RuleFn,
    day: dict[str, cp_model.IntVar],
    horizon: int,
) -> None:
    """Each capped audience's daily cap, one literal per audience."""
    by_audience: dict[tuple[int, str], list[Lesson]] = defaultdict(list)
    for lesson in problem.lessons:
        by_audience[problem.audience_of(lesson).key].append(lesson)
    for key, items in by_audience.items():
        cap = problem.audience(*key).max_daily_s
        if cap is None or sum(lesson.duration_s for lesson in items) <= cap:
            continue
        capped = rule(
            ("daily-cap", f"{key[1]} grade {key[0]}"),
            "daily-cap",
            f"audience {key[1]} grade {key[0]} watches at most {cap} s a day",
        )
        on_day = {
            (lesson.id, k): model.new_bool_var("") for lesson in items for k in range(horizon)
        }
        for lesson in items:
            model.add_exactly_one(on_day[(lesson.id, k)] for k in range(horizon))
            model.add(day[lesson.id] == sum(k * on_day[(lesson.id, k)] for k in range(horizon)))
        for k in range(horizon):
            model.add(
                sum(lesson.duration_s * on_day[(lesson.id, k)] for lesson in items) <= cap
            ).only_enforce_if(capped)
