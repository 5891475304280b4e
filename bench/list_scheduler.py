"""List scheduler speed: this greedy.py against an earlier one, same process, same problem.

Prints one JSON object: seconds and broadcast days of three variants on the sweep's
50,000-lesson overlap network, for this checkout's `scheduler/greedy.py` and for the
file given (an earlier version of it, taken from git):

    git show 6c510fd:scheduler/greedy.py > /tmp/greedy_before.py
    python bench/list_scheduler.py /tmp/greedy_before.py
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

# This folder holds bench/scheduler.py, named like the package: keep it off the path.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)

from scheduler import greedy, parse_problem
from scheduler.networks import SWEEP, network

VARIANTS = (
    ("plain", {}),
    ("home-urgent-0.8", {"home": True, "pack": True, "urgency": 0.8}),
    ("home-urgent-caps", {"home": True, "pack": True, "urgency": 0.8, "caps": True}),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("before", type=Path, help="an earlier scheduler/greedy.py")
    options = parser.parse_args()
    spec = importlib.util.spec_from_file_location("greedy_before", options.before)
    assert spec is not None
    assert spec.loader is not None
    before = importlib.util.module_from_spec(spec)
    sys.modules["greedy_before"] = before
    spec.loader.exec_module(before)
    shape = next(s for s in SWEEP if s.name == "overlap-16-tracks")
    problem = parse_problem(network(shape))
    rows = {}
    for name, refinements in VARIANTS:
        for label, module in (("before", before), ("now", greedy)):
            started = time.perf_counter()
            airings = module.greedy_schedule(problem, module.Variant(name, **refinements)).airings
            rows[f"{name}/{label}"] = {
                "seconds": round(time.perf_counter() - started, 1),
                "broadcast_days": len({a.start.date() for a in airings}),
            }
    print(json.dumps({"benchmark": "list-scheduler", "lessons": len(problem.lessons), **rows}))


if __name__ == "__main__":
    main()
