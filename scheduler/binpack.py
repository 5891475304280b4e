"""A bin-packing lower bound on days (pure).

The capacity bounds of `bounds.py` divide seconds by seconds, as if lessons could be
cut. Where a window holds only a few lessons they cannot: an hour with a one-minute
break takes two 29-minute lessons but not a 30-minute and a 31-minute one. Here each
day offers bins (a stretch of a channel's window, or an audience's daily cap), the
lessons are items, and an integer programme over the ways one bin can be filled
(patterns, as in the cutting-stock problem) gives the fewest days that hold them all.

Sizes are counted in whole units (a minute by default), rounded down for lessons and
bins alike: a packing that fits in seconds still fits so, and the bound stays valid.
CP-SAT's proven objective bound is used, so a search cut short still gives a sound
(if weaker) figure; the search is limited in deterministic time with one worker, so
the same problem always gets the same bound.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

from ortools.sat.python import cp_model

UNIT_S = 60
MAX_PER_BIN = 6
"""Bins that may hold more lessons than this are left to the seconds bounds: there
rounding loses at most one lesson in many, and the patterns become too many."""
MAX_PATTERNS = 4000
EFFORT = 0.1
"""CP-SAT deterministic time for one programme: those of the sweep prove their optimum
in a few milliseconds; on fuzzed draws 0.5 gave the same bounds as 0.1 in 4 times the
time (four draws of 450-1,350 lessons, 23 s against 5 s)."""


def patterns(sizes: list[int], counts: list[int], capacity: int) -> Iterator[tuple[int, ...]]:
    """Every non-empty way to fill one bin of `capacity`: how many items of each size
    (at most `counts` of each), sizes in descending order."""
    chosen = [0] * len(sizes)

    def fill(index: int, room: int) -> Iterator[tuple[int, ...]]:
        if index == len(sizes):
            if any(chosen):
                yield tuple(chosen)
            return
        most = min(counts[index], room // sizes[index])
        for n in range(most, -1, -1):
            chosen[index] = n
            yield from fill(index + 1, room - n * sizes[index])
        chosen[index] = 0

    yield from fill(0, capacity)


def few_per_bin(items: Counter[int], bins: Counter[int]) -> bool:
    """Whether no bin can hold more than MAX_PER_BIN items: where patterns pay."""
    sizes = [s for s, n in items.items() if n > 0]
    rooms = [s for s, k in bins.items() if k > 0]
    return bool(sizes and rooms) and max(rooms) // max(1, min(sizes)) <= MAX_PER_BIN


def packing_days(items: Counter[int], bins: Counter[int]) -> int | None:
    """The fewest days whose bins (size: bins of it per day) hold every item (size:
    count), or None when the bins are too large for patterns to pay. Sizes in units."""
    items = Counter({s: n for s, n in items.items() if n > 0})
    bins = Counter({s: k for s, k in bins.items() if k > 0 and s > 0})
    if not items:
        return 0
    if not bins or min(items) <= 0 or max(items) > max(bins):
        return None
    if not few_per_bin(items, bins):
        return None
    sizes = sorted(items, reverse=True)
    counts = [items[s] for s in sizes]
    by_bin: dict[int, list[tuple[int, ...]]] = {}
    total = 0
    for size in bins:
        found = []
        for pattern in patterns(sizes, counts, size):
            found.append(pattern)
            total += 1
            if total > MAX_PATTERNS:
                return None
        by_bin[size] = found
    return _solve(sizes, counts, bins, by_bin)


def _solve(
    sizes: list[int],
    counts: list[int],
    bins: Counter[int],
    by_bin: dict[int, list[tuple[int, ...]]],
) -> int:
    model = cp_model.CpModel()
    most = sum(counts)
    days = model.new_int_var(0, most, "days")
    used: dict[tuple[int, int], cp_model.IntVar] = {}
    for size, found in by_bin.items():
        for p in range(len(found)):
            used[(size, p)] = model.new_int_var(0, most, f"bins_{size}_{p}")
        model.add(sum(used[(size, p)] for p in range(len(found))) <= bins[size] * days)
    for i, need in enumerate(counts):
        model.add(
            sum(
                pattern[i] * used[(size, p)]
                for size, found in by_bin.items()
                for p, pattern in enumerate(found)
                if pattern[i]
            )
            >= need
        )
    model.minimize(days)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = EFFORT
    solver.parameters.random_seed = 0
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:  # cannot happen: every item fits some bin
        return 0
    bound = solver.best_objective_bound
    return max(0, math.ceil(bound - 1e-6)) if math.isfinite(bound) else 0


def units(seconds: int) -> int:
    """Seconds as whole units, rounded down."""
    return seconds // UNIT_S
