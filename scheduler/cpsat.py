"""CP-SAT set-up shared by the whole-term and the day-by-day models."""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from scheduler.problem import Channel


def new_solver(seconds: float, workers: int, seed: int) -> cp_model.CpSolver:
    """A solver limited to `seconds`, with `workers` search workers and a fixed seed."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    return solver


def channel_choices(
    model: cp_model.CpModel,
    lesson_id: str,
    length: int,
    ranges: Sequence[tuple[Channel, int, int]],
    time_of_day: cp_model.IntVar,
    start: cp_model.IntVar,
    on: dict[tuple[str, str], cp_model.IntVar],
    intervals: dict[str, list[cp_model.IntervalVar]],
) -> list[cp_model.IntVar]:
    """One literal per channel the lesson may air on: chosen, it keeps `time_of_day`
    inside that channel's start range and gives the channel an interval of `length`
    (the lesson and its break) from `start`. Returns the literals."""
    choices = []
    for channel, lo, hi in ranges:
        literal = model.new_bool_var(f"on_{lesson_id}_{channel.id}")
        on[(lesson_id, channel.id)] = literal
        choices.append(literal)
        model.add(time_of_day >= lo).only_enforce_if(literal)
        model.add(time_of_day <= hi).only_enforce_if(literal)
        intervals[channel.id].append(
            model.new_optional_interval_var(
                start, length, start + length, literal, f"ch_{lesson_id}_{channel.id}"
            )
        )
    return choices
