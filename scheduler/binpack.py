"""A bin-packing lower bound on days (pure).

The capacity bounds of `bounds.py` divide seconds by seconds, as if lessons could be
cut. Where a window holds only a few lessons they cannot: an hour with a one-minute
break takes two 29-minute lessons but not a 30-minute and a 31-minute one. Here each
day offers bins (a stretch of a channel's window, or an audience's daily cap), the
lessons are items, and a programme over the ways one bin can be filled (patterns,
as in the cutting-stock problem) gives the fewest days that hold them all.

Sizes are counted in whole units (a minute by default), rounded down for lessons and
bins alike: a packing that fits in seconds still fits so, and the bound stays valid.
The programme's linear relaxation (GLOP), rounded up, is the bound: sound, as the
integer optimum is never below it, fast, and the same on every run.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

from ortools.linear_solver import pywraplp

UNIT_S = 60
MAX_PER_BIN = 6
"""Bins that may hold more lessons than this are left to the seconds bounds: there
rounding loses at most one lesson in many, and the patterns become too many."""
MAX_PATTERNS = 4000


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
    return _solve(counts, bins, by_bin)


def _solve(counts: list[int], bins: Counter[int], by_bin: dict[int, list[tuple[int, ...]]]) -> int:
    """The programme's linear relaxation (GLOP), rounded up: a valid bound, as the
    integer optimum is at least the relaxed one. CP-SAT's proven bound, used before,
    was the same on every sweep network of up to 12,000 lessons and on fuzzed draws,
    and took seconds a programme where patterns are many (40.6 s against 2.7 s for
    the bounds of six fuzzed draws)."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return 0
    days = solver.NumVar(0, solver.infinity(), "days")
    used = {
        (size, p): solver.NumVar(0, solver.infinity(), f"bins_{size}_{p}")
        for size, found in by_bin.items()
        for p in range(len(found))
    }
    for size, found in by_bin.items():
        solver.Add(sum(used[(size, p)] for p in range(len(found))) <= bins[size] * days)
    for i, need in enumerate(counts):
        solver.Add(
            sum(
                pattern[i] * used[(size, p)]
                for size, found in by_bin.items()
                for p, pattern in enumerate(found)
                if pattern[i]
            )
            >= need
        )
    solver.Minimize(days)
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return 0
    relaxed: float = solver.Objective().Value()
    return max(0, math.ceil(relaxed - 1e-6))


def units(seconds: int) -> int:
    """Seconds as whole units, rounded down."""
    return seconds // UNIT_S
