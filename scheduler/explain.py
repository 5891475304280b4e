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
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from scheduler.cpsat import new_solver
from scheduler.encoding import whole_term
from scheduler.problem import Problem

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

    def rule(name: str, subject: str, text: str) -> cp_model.IntVar:
        key = (name, subject)
        if key not in made:
            made[key] = model.new_bool_var(f"{name}:{subject}")
            rules[made[key].index] = (made[key], Rule(name, text))
        return made[key]

    whole_term(model, problem, len(problem.days), rule)
    return model, rules
