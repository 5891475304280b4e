"""Solving, checking and explaining scheduling problems: the one solve-with-check path.

Every schedule a workflow hands on (`sabaq schedule solve`, the demo) comes out
of `solve_checked`: the solver's schedule, run through the independent checker,
with the checker's figures in its stats. A schedule that breaks a rule is never
written or published.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from catalog.problem_io import load_json
from errors import BadInput, SabaqError
from scheduler import Problem, Report, Schedule, SolveOptions, check, parse_problem, solve
from scheduler.diagnose import conflicts
from scheduler.explain import Explanation, explain
from scheduler.generate import generate
from scheduler.networks import SWEEP, network
from scheduler.schedule import parse_schedule
from service.outputs import deliver
from service.schedules import with_pins

SHAPES = tuple(sorted({shape.name for shape in SWEEP}))
"""Networks `generate_problem` can draw besides the national one."""

ProgressFn = Callable[[int, int, float], None]
"""Hears (best days found, lower bound, seconds searched) as the search improves."""


class BrokenSchedule(SabaqError):
    """The solver produced a schedule the independent checker turns down: a bug of
    sabaq's, reported with the rule broken, and nothing written."""


@dataclass(frozen=True)
class Solved:
    """A checked schedule and where it went."""

    schedule: Schedule
    report: Report
    output: Path

    @property
    def stats(self) -> dict[str, Any]:
        """The schedule's figures: status, days, bound, seconds, violations, consistency."""
        return self.schedule.stats


def solve_checked(
    problem: Problem, options: SolveOptions, progress: ProgressFn | None = None
) -> tuple[Schedule, Report]:
    """The best schedule the solver finds within the options' limit, checked against
    every rule by the independent checker; BrokenSchedule when it breaks one,
    Infeasible (naming the conflict) when there is none."""
    try:
        schedule = solve(problem, options, progress)
    except RuntimeError as exc:  # every stage's schedule was turned down by the checker
        raise BrokenSchedule(f"no schedule written: {exc}") from None
    report = check(problem, schedule)
    if report.violations:
        first = report.violations[0]
        raise BrokenSchedule(
            f"no schedule written: the solver's schedule breaks {first.rule}: {first.message} "
            f"({len(report.violations)} violations in all; please report this)"
        )
    schedule.stats["violations"] = 0
    schedule.stats["slot_consistency"] = report.slot_consistency
    return schedule, report


def solve_file(
    problem_file: Path,
    output: Path,
    time_limit_s: float,
    workers: int = 2,
    pins_file: Path | None = None,
    pinned_until: str | None = None,
    progress: ProgressFn | None = None,
    begun: float | None = None,
) -> Solved:
    """Solve a problem file into a checked schedule file within `time_limit_s` counted
    from `begun` (a `time.monotonic()` reading; default: now), reading, checking and
    writing included. The schedule file is written only when a schedule is found."""
    begun = time.monotonic() if begun is None else begun
    data = load_json(problem_file)
    if pins_file is not None:
        data = with_pins(data, load_json(pins_file), pinned_until)
    problem = parse_problem(data)
    # What the independent check and the writing take: about 1 s per 50,000 lessons.
    after = 0.5 + len(problem.lessons) / 50_000
    left = time_limit_s - (time.monotonic() - begun) - after
    options = SolveOptions(time_limit_s=max(0.1, left), workers=workers)
    schedule, report = solve_checked(problem, options, progress)
    deliver(json.dumps(schedule.to_json(), ensure_ascii=False, indent=2) + "\n", output)
    return Solved(schedule, report, output)


def generate_problem(
    lessons: int, channels: int, seed: int, shape: str | None, output: Path
) -> dict[str, Any]:
    """A synthetic problem: the national network of `channels` channels, or a network
    of the sweep's `shape`, with `lessons` lessons; written to `output` and returned."""
    if shape is None:
        problem = generate(lessons, channels, seed)
    else:
        chosen = next((s for s in SWEEP if s.name == shape), None)
        if chosen is None:
            raise BadInput(f"shape {shape!r} is not one of {', '.join(SHAPES)}")
        problem = network(replace(chosen, lessons=lessons, seed=seed))
    deliver(json.dumps(problem, ensure_ascii=False, indent=1) + "\n", output)
    return problem


def check_files(problem_file: Path, schedule_file: Path) -> Report:
    """The checker's report of a schedule file against a problem file."""
    problem_data, schedule_data = load_json(problem_file), load_json(schedule_file)
    return check(parse_problem(problem_data), parse_schedule(schedule_data))


@dataclass(frozen=True)
class Explained:
    """Why a problem has no schedule: the conflicts found (`rules: reason` each), and,
    when the pre-checks found none, the CP-SAT explanation's verdict."""

    reasons: list[str]
    verdict: Explanation | None


def explain_file(problem_file: Path, time_limit_s: float) -> Explained:
    """The pre-checks' conflicts, else a CP-SAT model's small set of rules that cannot
    all hold (see scheduler.explain)."""
    problem = parse_problem(load_json(problem_file))
    found = conflicts(problem)
    if found:
        return Explained(found, None)
    explanation = explain(problem, time_limit_s)
    return Explained(list(explanation.reasons), explanation)
