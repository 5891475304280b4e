"""Broadcast scheduling: problem model, CP-SAT solver, lower bounds and checker (pure)."""

from scheduler.checker import Report, Violation, check
from scheduler.errors import Infeasible, ProblemError
from scheduler.problem import Problem, parse_problem
from scheduler.schedule import Airing, Schedule, parse_schedule
from scheduler.solver import SolveOptions, solve

__all__ = [
    "Airing",
    "Infeasible",
    "Problem",
    "ProblemError",
    "Report",
    "Schedule",
    "SolveOptions",
    "Violation",
    "check",
    "parse_problem",
    "parse_schedule",
    "solve",
]
