"""The list scheduler's variants, paced and unpaced.

Not a speed benchmark: which form of which variant reaches the fewest days (then the
most slot consistency within the search's reach) on which network, the input of
`solver.HEURISTICS`'s set cover (bench/RESULTS.md, issue 29). For each fuzzed draw
(or sweep network), the baseline and every variant of the portfolio, each without
`pace` and with it, run alone (no re-sequencing, no search) and are checked by the
independent checker. Prints one JSON object: per row the bound and each run's days,
slot consistency and reach (`lns.reach`), per variant on how many rows each form
needs fewer days than the other, and the smallest cover the greedy rule finds: forms
such that on every row one of them reaches the fewest days of any form with its
reach within COVER_REACH of the best reach at those days.

    python bench/variants.py --fuzz 12 --lessons 4000 --first-seed 3000
    python bench/variants.py --sweep --max-lessons 12000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Any

from common import ROOT

# The project first: bench/ (this script's folder) holds a scheduler.py of its own.
if str(ROOT) in sys.path:
    sys.path.remove(str(ROOT))
sys.path.insert(0, str(ROOT))

from scheduler.bounds import lower_bound
from scheduler.checker import check
from scheduler.errors import Infeasible
from scheduler.fuzz import fuzzed
from scheduler.greedy import PLAIN, Variant, greedy_schedule
from scheduler.lns import reach
from scheduler.networks import SWEEP, network
from scheduler.portfolio import placement
from scheduler.problem import parse_problem
from scheduler.solver import HEURISTICS

COVER_REACH = 0.05


def forms() -> list[Variant]:
    """The baseline, then each variant of the portfolio unpaced and paced (a variant
    the portfolio runs both ways counts once)."""
    found: dict[str, Variant] = {}
    for variant in HEURISTICS:
        name = variant.name.removesuffix("-paced")
        found[name] = replace(variant, name=name, pace=False)
        found[f"{name}-paced"] = replace(variant, name=f"{name}-paced", pace=True)
    return [PLAIN, *found.values()]


def row(label: str, document: dict[str, Any]) -> dict[str, Any]:
    """Every form on one network: [days, slot consistency, reach] by form."""
    problem = parse_problem(document)
    out: dict[str, Any] = {"network": label, "bound": lower_bound(problem).days, "runs": {}}
    for variant in forms():
        try:
            schedule = greedy_schedule(problem, variant)
        except Infeasible:
            continue
        report = check(problem, schedule)
        if report.violations:
            raise SystemExit(f"{label}: {variant.name} broke {report.violations[0].rule}")
        figures = [report.days_used, round(report.slot_consistency, 3)]
        figures.append(round(reach(problem, placement(problem, schedule.airings)), 3))
        out["runs"][variant.name] = figures
    return out


def _fuzz_row(task: tuple[int, int]) -> dict[str, Any]:
    seed, lessons = task
    return row(f"fuzz-{seed}", fuzzed(seed, lessons)[0])


def _sweep_row(index: int) -> dict[str, Any]:
    shape = SWEEP[index]
    return row(f"{shape.name}-{shape.lessons}", network(shape))


def _best(runs: dict[str, list[float]], names: set[str]) -> tuple[float, float] | None:
    """The fewest days among the forms `names`, and the best reach at those days."""
    chosen = [figures for name, figures in runs.items() if name in names]
    if not chosen:
        return None
    days = min(figures[0] for figures in chosen)
    return days, max(figures[2] for figures in chosen if figures[0] == days)


def cover(rows: list[dict[str, Any]]) -> list[str]:
    """The forms a greedy set cover keeps, the baseline first: each row has one of them
    at the fewest days any form reaches, with reach within COVER_REACH of the best."""
    names = [variant.name for variant in forms()]
    target = [_best(r["runs"], set(names)) for r in rows]

    def covered(kept: list[str]) -> int:
        count = 0
        for r, goal in zip(rows, target, strict=True):
            found = _best(r["runs"], set(kept))
            if goal is None or (
                found and found[0] == goal[0] and found[1] >= goal[1] - COVER_REACH
            ):
                count += 1
        return count

    kept = [PLAIN.name]
    while covered(kept) < len(rows):
        kept.append(max((n for n in names if n not in kept), key=lambda n: covered([*kept, n])))
    return kept


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per variant: where each form needs fewer days; the portfolio's best; the cover."""
    figures = {}
    for variant in forms()[1:]:
        if variant.pace:
            continue
        paced = f"{variant.name}-paced"
        both = [r for r in rows if variant.name in r["runs"] and paced in r["runs"]]
        figures[variant.name] = {
            "fewer_days_paced": sum(r["runs"][paced][0] < r["runs"][variant.name][0] for r in both),
            "more_days_paced": sum(r["runs"][paced][0] > r["runs"][variant.name][0] for r in both),
        }
    kept = {v.name for v in HEURISTICS} | {PLAIN.name}
    best = [_best(r["runs"], kept) for r in rows]
    found = [(b, r) for b, r in zip(best, rows, strict=True) if b is not None]
    return {
        "portfolio_days_vs_bound_mean": round(
            statistics.fmean(b[0] / max(1, r["bound"]) for b, r in found), 4
        ),
        "portfolio_days_vs_bound_worst": round(max(b[0] / max(1, r["bound"]) for b, r in found), 4),
        "portfolio_reach_mean": round(statistics.fmean(b[1] for b, _ in found), 4),
        "variants": figures,
        "cover": cover(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz", type=int, metavar="N", help="N fuzzed draws")
    parser.add_argument("--lessons", type=int, default=4000)
    parser.add_argument("--first-seed", type=int, default=3000)
    parser.add_argument("--sweep", action="store_true", help="the sweep's networks instead")
    parser.add_argument("--max-lessons", type=int, default=12000, help="sweep: skip larger")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    with ProcessPoolExecutor(args.processes) as pool:
        if args.sweep:
            indexes = [i for i, s in enumerate(SWEEP) if s.lessons <= args.max_lessons]
            rows = list(pool.map(_sweep_row, indexes))
        else:
            seeds = range(args.first_seed, args.first_seed + (args.fuzz or 12))
            rows = list(pool.map(_fuzz_row, [(s, args.lessons) for s in seeds]))
    print(json.dumps({"benchmark": "scheduler-variants", **summary(rows), "rows": rows}))


if __name__ == "__main__":
    main()
