"""Scheduler benchmark: sabaq's solver against a plain greedy list scheduler, same run.

Prints one JSON object. Both schedules are judged by the independent checker.

    python bench/scheduler.py [--lessons 6000] [--channels 2] [--seed 1] [--time-limit 60]
    python bench/scheduler.py --sweep [--only NAME] [--max-lessons N] [--seconds-per-1000 10]

    python bench/scheduler.py --fuzz N [--lessons M] [--first-seed 1000]

`--fuzz N` draws N random networks (scheduler/fuzz.py) of M lessons, seeds from
`--first-seed` on, and measures each as the sweep does (same table and figures).

`--sweep` runs the shape sweep (scheduler/networks.py: channels per language or
shared, grade ranges with and without overlap, parallel tracks, staggered windows,
caps, Saturdays, holidays, pins; 600 to 50,000 lessons), each instance in a process
of its own (so its peak memory is its own), with a time limit of 10 s per 1,000
lessons (30 s at least, 600 s at most), and prints one JSON object with a row per
instance and the acceptance figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

# This file is named like the package it measures: keep its folder off the import path.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

from scheduler import Infeasible, Problem, SolveOptions, check, parse_problem, solve
from scheduler.balance import daily_load_spread
from scheduler.fuzz import fuzzed
from scheduler.generate import generate
from scheduler.greedy import greedy_schedule
from scheduler.networks import SWEEP, Shape, network


def measure(problem: Problem, time_limit: float) -> dict[str, Any]:
    """sabaq's solve and the plain greedy baseline on one problem, both checked."""
    started = time.perf_counter()
    try:
        baseline = greedy_schedule(problem)
    except Infeasible as exc:
        baseline = None
        greedy_error = str(exc)
    greedy_s = time.perf_counter() - started
    started = time.perf_counter()
    solved = solve(problem, SolveOptions(time_limit_s=time_limit, workers=2))
    sabaq_s = time.perf_counter() - started
    ours = check(problem, solved)
    row: dict[str, Any] = {
        "lessons": len(problem.lessons),
        "channels": len(problem.channels),
        "pins": len(problem.pins),
        "time_limit_s": time_limit,
        "lower_bound_days": ours.lower_bound_days,
        "sabaq": {
            "days": ours.days_used,
            "violations": len(ours.violations),
            "slot_consistency": ours.slot_consistency,
            "dead_air": ours.dead_air_share,
            "daily_load_spread": daily_load_spread(problem, solved.airings),
            "solve_s": round(sabaq_s, 2),
            "status": solved.stats["status"],
        },
        "days_vs_bound": round(ours.days_used / max(1, ours.lower_bound_days), 3),
    }
    if baseline is None:
        row["baseline_greedy"] = {"error": greedy_error, "solve_s": round(greedy_s, 2)}
    else:
        theirs = check(problem, baseline)
        row["baseline_greedy"] = {
            "days": theirs.days_used,
            "violations": len(theirs.violations),
            "slot_consistency": theirs.slot_consistency,
            "dead_air": theirs.dead_air_share,
            "daily_load_spread": daily_load_spread(problem, baseline.airings),
            "solve_s": round(greedy_s, 2),
        }
        row["days_vs_greedy"] = round(ours.days_used / max(1, theirs.days_used), 3)
    return row


def _instance(shape: Shape, seconds_per_1000: float) -> dict[str, Any]:
    """One sweep instance, measured in this process (a child of the sweep)."""
    problem = parse_problem(network(shape))
    limit = min(600.0, max(30.0, seconds_per_1000 * shape.lessons / 1000))
    row = {"shape": shape.name, "seed": shape.seed, **measure(problem, limit)}
    row["max_rss_mb"] = round(_peak_kib() / 1024)
    return row


def _fuzz_instance(seed: int, lessons: int, seconds_per_1000: float) -> dict[str, Any]:
    """One fuzzed draw, measured in this process (a child of the fuzz run)."""
    document, draw = fuzzed(seed, lessons)
    problem = parse_problem(document)
    limit = min(600.0, max(30.0, seconds_per_1000 * len(problem.lessons) / 1000))
    row: dict[str, Any] = {"shape": f"fuzz-{seed}", "seed": seed, "draw": asdict(draw)}
    try:
        row.update(measure(problem, limit))
    except Infeasible as exc:  # a large draw whose term cannot hold it (fuzz.py)
        row["infeasible"] = str(exc)
    row["max_rss_mb"] = round(_peak_kib() / 1024)
    return row


def _peak_kib() -> int:
    """The peak resident memory of this process or of any worker it started."""
    return max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )


def sweep(shapes: list[Shape], seconds_per_1000: float) -> dict[str, Any]:
    """Every shape in a fresh process; the rows and the acceptance figures."""
    rows = []
    for shape in shapes:
        index = SWEEP.index(shape)
        rows.append(_child("--instance", str(index), "--seconds-per-1000", str(seconds_per_1000)))
    return {"benchmark": "scheduler-sweep", **summary(rows)}


def fuzz(draws: int, lessons: int, first_seed: int, seconds_per_1000: float) -> dict[str, Any]:
    """`draws` fuzzed networks, each in a fresh process; the rows and the figures."""
    rows = [
        _child(
            *("--fuzz-instance", str(seed), "--lessons", str(lessons)),
            *("--seconds-per-1000", str(seconds_per_1000)),
        )
        for seed in range(first_seed, first_seed + draws)
    ]
    return {"benchmark": "scheduler-fuzz", "lessons": lessons, **summary(rows)}


def _child(*arguments: str) -> dict[str, Any]:
    """One row, measured by this script in a process of its own (its own peak memory)."""
    child = subprocess.run(
        [sys.executable, __file__, *arguments], capture_output=True, text=True, check=True
    )
    row: dict[str, Any] = json.loads(child.stdout)
    print(json.dumps(row), file=sys.stderr, flush=True)  # progress, one line each
    return row


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The acceptance figures over the rows, and the rows (draws that cannot be
    scheduled within their term are counted and left out of the figures)."""
    infeasible = [r["shape"] for r in rows if "infeasible" in r]
    rows = [r for r in rows if "infeasible" not in r]
    if not rows:  # every draw too large for its term
        return {"instances": 0, "infeasible": infeasible, "rows": []}
    ratios = [r["days_vs_bound"] for r in rows]
    versus = [r["days_vs_greedy"] for r in rows if "days_vs_greedy" in r]
    return {
        "instances": len(rows),
        "violations": sum(r["sabaq"]["violations"] for r in rows),
        "worse_than_greedy": sum(1 for v in versus if v > 1),
        "days_vs_bound_mean": round(statistics.fmean(ratios), 4),
        "days_vs_bound_worst": max(ratios),
        "slot_consistency_mean": round(
            statistics.fmean(r["sabaq"]["slot_consistency"] for r in rows), 3
        ),
        "greedy_slot_consistency_mean": round(
            statistics.fmean(
                r["baseline_greedy"]["slot_consistency"]
                for r in rows
                if "slot_consistency" in r["baseline_greedy"]
            ),
            3,
        ),
        "slot_consistency_min_with_windows_or_caps": min(
            (
                r["sabaq"]["slot_consistency"]
                for r in rows
                if any(r.get("draw", {}).get(k) for k in ("windows", "audience_windows", "caps"))
            ),
            default=None,
        ),
        "over_time_limit": [
            r["shape"] for r in rows if r["sabaq"]["solve_s"] > 1.05 * r["time_limit_s"]
        ],
        "max_rss_mb": max(r["max_rss_mb"] for r in rows),
        "infeasible": infeasible,
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lessons", type=int, default=6000)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--sweep", action="store_true", help="run the shape sweep")
    parser.add_argument("--only", action="append", help="sweep: only shapes of this name")
    parser.add_argument("--max-lessons", type=int, default=None, help="sweep: skip larger")
    parser.add_argument("--seconds-per-1000", type=float, default=10.0)
    parser.add_argument("--fuzz", type=int, metavar="N", help="measure N fuzzed draws")
    parser.add_argument("--first-seed", type=int, default=1000, help="fuzz: the first seed")
    parser.add_argument("--instance", type=int, help=argparse.SUPPRESS)  # one sweep row
    parser.add_argument("--fuzz-instance", type=int, help=argparse.SUPPRESS)  # one fuzz row
    options = parser.parse_args()
    if options.fuzz_instance is not None:
        row = _fuzz_instance(options.fuzz_instance, options.lessons, options.seconds_per_1000)
        print(json.dumps(row))
        return
    if options.fuzz is not None:
        first = options.first_seed
        print(json.dumps(fuzz(options.fuzz, options.lessons, first, options.seconds_per_1000)))
        return
    if options.instance is not None:
        print(json.dumps(_instance(SWEEP[options.instance], options.seconds_per_1000)))
        return
    if options.sweep:
        shapes = [
            s
            for s in SWEEP
            if (not options.only or s.name in options.only)
            and (options.max_lessons is None or s.lessons <= options.max_lessons)
        ]
        print(json.dumps(sweep(shapes, options.seconds_per_1000)))
        return
    problem = parse_problem(generate(options.lessons, options.channels, options.seed))
    row = measure(problem, options.time_limit)
    print(
        json.dumps(
            {
                "benchmark": "scheduler",
                "seed": options.seed,
                **row,
                "max_rss_mb": round(_peak_kib() / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
