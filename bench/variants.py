"""The list scheduler's variants, with and without the capacity model's quotas.

Not a speed benchmark: which variant reaches the fewest days (then the best slot
consistency) on which network, the input of `solver.HEURISTICS`'s set cover
(bench/RESULTS.md, issue 29). For each fuzzed draw (or sweep network), the baseline
and every variant of the portfolio, each with quotas and without, run alone (no
re-sequencing, no search) and are checked by the independent checker. Prints one
JSON object: per row the bound and each run's days and slot consistency, and per
variant its mean days/bound with and without quotas and on how many rows each form
needs fewer days than the other.

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
from scheduler.networks import SWEEP, network
from scheduler.problem import parse_problem
from scheduler.solver import HEURISTICS


def forms() -> list[Variant]:
    """The baseline, then each variant of the portfolio without and with quotas (a
    variant the portfolio runs both ways counts once)."""
    found: dict[str, Variant] = {}
    for variant in HEURISTICS:
        name = variant.name.removesuffix("-quotas")
        found[name] = replace(variant, name=name, quota=False)
        found[f"{name}-quotas"] = replace(variant, name=f"{name}-quotas", quota=True)
    return [PLAIN, *found.values()]


def row(label: str, document: dict[str, Any]) -> dict[str, Any]:
    """Every form on one network."""
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
        out["runs"][variant.name] = [report.days_used, round(report.slot_consistency, 3)]
    return out


def _fuzz_row(task: tuple[int, int]) -> dict[str, Any]:
    seed, lessons = task
    return row(f"fuzz-{seed}", fuzzed(seed, lessons)[0])


def _sweep_row(index: int) -> dict[str, Any]:
    shape = SWEEP[index]
    return row(f"{shape.name}-{shape.lessons}", network(shape))


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per variant: mean days/bound without and with quotas, and where each wins."""
    figures = {}
    for variant in forms()[1:]:
        if variant.quota:
            continue
        both = [
            r for r in rows if variant.name in r["runs"] and f"{variant.name}-quotas" in r["runs"]
        ]
        if not both:
            continue
        plain = [r["runs"][variant.name][0] for r in both]
        quotas = [r["runs"][f"{variant.name}-quotas"][0] for r in both]
        figures[variant.name] = {
            "days_vs_bound_mean": round(
                statistics.fmean(d / max(1, r["bound"]) for d, r in zip(plain, both, strict=True)),
                4,
            ),
            "with_quotas": round(
                statistics.fmean(d / max(1, r["bound"]) for d, r in zip(quotas, both, strict=True)),
                4,
            ),
            "fewer_days_with_quotas": sum(q < p for p, q in zip(plain, quotas, strict=True)),
            "more_days_with_quotas": sum(q > p for p, q in zip(plain, quotas, strict=True)),
        }
    kept = {v.name for v in HEURISTICS} | {PLAIN.name}
    best = [
        min(days for name, (days, _) in r["runs"].items() if name in kept) / max(1, r["bound"])
        for r in rows
    ]
    return {
        "portfolio_days_vs_bound_mean": round(statistics.fmean(best), 4),
        "portfolio_days_vs_bound_worst": round(max(best), 4),
        "variants": figures,
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
