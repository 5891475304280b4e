"""CP-SAT set-up shared by the whole-term and the day-by-day models."""

from __future__ import annotations

from ortools.sat.python import cp_model


def new_solver(seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    """A solver limited to `seconds`, with `workers` search workers and a fixed seed."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    return solver
