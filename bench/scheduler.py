"""Scheduler benchmark: sabaq's solver against a plain greedy list scheduler, same run.

Prints one JSON object. Both schedules are judged by the independent checker.

    python bench/scheduler.py [--lessons 6000] [--channels 2] [--seed 1] [--time-limit 60]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

# This file is named like the package it measures: keep its folder off the import path.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

from scheduler import SolveOptions, check, parse_problem, solve
from scheduler.balance import daily_load_spread
from scheduler.generate import generate
from scheduler.greedy import greedy_schedule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lessons", type=int, default=6000)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=60.0)
    options = parser.parse_args()
    problem = parse_problem(generate(options.lessons, options.channels, options.seed))

    started = time.perf_counter()
    baseline = greedy_schedule(problem)
    greedy_s = time.perf_counter() - started
    started = time.perf_counter()
    solved = solve(problem, SolveOptions(time_limit_s=options.time_limit, workers=2))
    sabaq_s = time.perf_counter() - started
    ours, theirs = check(problem, solved), check(problem, baseline)
    print(
        json.dumps(
            {
                "benchmark": "scheduler",
                "lessons": options.lessons,
                "channels": options.channels,
                "seed": options.seed,
                "time_limit_s": options.time_limit,
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
                "baseline_greedy": {
                    "days": theirs.days_used,
                    "violations": len(theirs.violations),
                    "slot_consistency": theirs.slot_consistency,
                    "dead_air": theirs.dead_air_share,
                    "daily_load_spread": daily_load_spread(problem, baseline.airings),
                    "solve_s": round(greedy_s, 2),
                },
                "days_vs_bound": round(ours.days_used / max(1, ours.lower_bound_days), 3),
                "days_vs_greedy": round(ours.days_used / max(1, theirs.days_used), 3),
                "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
