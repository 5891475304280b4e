"""Results computed once per problem (pure).

A problem is immutable, so what is derived from it never changes; a solve asks for
its bounds and its capacity model in the pre-checks, for its stats and in each
list-scheduler variant, and some take a second.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import TypeVar

from scheduler.problem import Problem

T = TypeVar("T")


def per_problem(compute: Callable[[Problem], T]) -> Callable[[Problem], T]:
    """`compute`, remembered by the problem object's identity while it lives."""
    known: dict[int, tuple[weakref.ref[Problem], T]] = {}

    @functools.wraps(compute)
    def remembered(problem: Problem) -> T:
        found = known.get(id(problem))
        if found is not None and found[0]() is problem:
            return found[1]
        value = compute(problem)
        for key in [k for k, (ref, _) in known.items() if ref() is None]:
            del known[key]
        known[id(problem)] = (weakref.ref(problem), value)
        return value

    return remembered
