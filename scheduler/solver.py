"""The CP-SAT model: every hard rule of DESIGN.md, fewest days first (pure).

Time runs on a compressed axis: broadcast day k covers seconds
[k * DAY_S, (k + 1) * DAY_S), so non-broadcast dates cost nothing and the
last day used is simply the largest day index. This monolithic model is
exact and fine for a few hundred lessons; see scheduler/README.md.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from scheduler import lns
from scheduler.balance import balance
from scheduler.bounds import lower_bound
from scheduler.checker import violations
from scheduler.cpsat import new_solver
from scheduler.diagnose import conflicts
from scheduler.encoding import whole_term
from scheduler.errors import Infeasible
from scheduler.explain import explain
from scheduler.greedy import PLAIN, Variant, greedy_schedule
from scheduler.lns import Placement
from scheduler.portfolio import placement, run_variants
from scheduler.problem import Lesson, Problem
from scheduler.resequence import resequence
from scheduler.rolling import solve_by_day
from scheduler.schedule import Airing, Schedule, airing_at

WHOLE_TERM_LIMIT = 400
"""Above this many lessons the term is built by the appointment heuristic and day by
day (rolling.py), not in one model."""
NARROW = Variant("narrow audiences", home=True, pack=True, urgency=0.8)
"""How narrow-first variants schedule the narrow audiences alone, before the others."""
NARROW_CAPPED = replace(NARROW, name="narrow audiences, caps filled", scarce=True, fill_caps=True)
"""...and how narrow-first-prompt does: caps filled, the scarcest series first."""
STICKY = Variant("sticky", at_clock=True, home=True, urgency=0.8)
"""The baseline's clock-driven list scheduling with each series' home first (unless
urgent): the same packing, series at their times day after day."""
SPB = replace(STICKY, name="sticky-packed-bottleneck", pack=True, bottleneck=True)
CPC = Variant("clock-packed-caps", at_clock=True, pack=True, caps=True)
SPCQ = replace(STICKY, name="sticky-packed-caps-quotas", pack=True, caps=True, quota=True)
HUC = Variant("home-urgent-caps", home=True, pack=True, urgency=0.8, caps=True)
ALONE = (NARROW, CPC, SPCQ, HUC)
"""How the audiences taken first (narrow or critical) are scheduled by the variants that
try several ways: the one of these that needs the fewest days for them alone."""
FIRST_ALONE = replace(SPB, name=f"first-alone-{SPB.name}-quotas", quota=True, first=ALONE)


def paced(variant: Variant) -> Variant:
    """The variant with `pace`: each series' episodes spread evenly over the days to
    the bound (greedy.py)."""
    return replace(variant, name=f"{variant.name}-paced", pace=True)


HEURISTICS = (
    Variant("home-urgent-spread", home=True, pack=True, urgency=0.8, spread=1.02),
    paced(SPCQ),
    paced(SPB),
    paced(CPC),
    paced(Variant("narrow-first-prompt", pack=True, prompt=600, first=(NARROW_CAPPED,))),
    Variant("home-urgent-0.6", home=True, pack=True, urgency=0.6),
    Variant("packed-bottleneck-caps", pack=True, bottleneck=True, caps=True),
    replace(SPB, name=f"{SPB.name}-quotas", quota=True),
    paced(replace(CPC, name=f"{CPC.name}-quotas", quota=True)),
    FIRST_ALONE,
    paced(FIRST_ALONE),
)
"""The heuristic's variants tried on large problems after the baseline, in this order,
in worker processes. Those named `-quotas` follow the capacity model (capacity.py: a
channel gives an audience still under its quota on that channel the first call);
those named `-paced` air each series evenly over the days to the lower bound
(`Variant.pace`), which leaves the neighbourhood search a series on a day of its own
where the unpaced list scheduler airs it two or three times on one day and not the
next, but costs a day or a few where the bound cannot be reached. Which form of which
variant runs is a set cover over 69 rows (bench/RESULTS.md, issue 29, sixth round):
every variant of the fifth round paced and unpaced, each alone, on the 24 tuned
fuzzed draws, draws 14000-14023 and the sweep's 21 networks of up to 12,000 lessons;
on every row some form kept reaches the fewest days any form reaches, with its share
of episodes on a day of their own (what the search's consistency can reach at most)
within 0.05 of the best at those days. Home-urgent-spread stays beside the cover: it
is the one that won slot consistency on sweep networks in the fifth round's cover.
The first-alone variant (narrow and critical audiences alone first, by the best of
`ALONE`) runs both ways; narrow-first-homes-quotas and home-urgent-caps (still one
of `ALONE`) are no longer needed on any row. Sticky-packed-bottleneck,
clock-packed-caps and sticky-packed-caps-quotas keep the baseline's clock (a channel
takes only what can start at its clock)."""
ROLLING_SHARE = 0.75
"""The day-by-day model runs only where pins defeat every variant of the heuristic, and
takes at most this share of the time left: days come before slot consistency."""
LNS_SHARE = 0.3
"""The share of the time limit kept for the neighbourhood search however long the
heuristic's variants take (they are stopped)."""
COMPACT_SHARE = 0.25
"""The share of the time left after the heuristic that compaction (fewer days) may take."""
EXPLAIN_S = 30.0
EXPLAIN_MIN_S = 5.0
"""An infeasible problem's explanation is searched for in the time left, within these."""
START_REACH = 0.05
"""The search starts from the most consistent schedule among those with the fewest
days whose consistency within its reach (`lns.reach`) is at most this below the most
(the tolerance of the cover that chose HEURISTICS): on sweep networks nearly every
schedule has nearly all within reach, and the most consistent one is the better start;
on fuzz-10023 the paced ones have 0.81 within reach and the others 0.55-0.72."""
FINISH_SHARE = 0.04
"""The share of the time limit kept for the even-load pass and writing the schedule."""

ProgressFn = Callable[[int, int, float], None]
"""Called with (best days found, lower bound, elapsed seconds) on each improvement."""


@dataclass(frozen=True)
class SolveOptions:
    """Solver limits."""

    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, days: cp_model.IntVar, bound: int, report: ProgressFn) -> None:
        super().__init__()
        self._days, self._bound, self._report = days, bound, report
        self._started = time.monotonic()

    def on_solution_callback(self) -> None:
        self._report(int(self.Value(self._days)) + 1, self._bound, time.monotonic() - self._started)


def solve(
    problem: Problem, options: SolveOptions | None = None, progress: ProgressFn | None = None
) -> Schedule:
    """An optimal or best-found schedule; Infeasible names the conflict."""
    options = options or SolveOptions()
    found = conflicts(problem)
    if found:
        raise Infeasible("; ".join(found))
    bound = lower_bound(problem)
    if not problem.lessons:
        return Schedule([], _stats("OPTIMAL", 0, 0, 0.0))
    started = time.monotonic()
    if len(problem.lessons) > WHOLE_TERM_LIMIT:
        try:
            airings, days_used, rejected = _solve_large(problem, bound.days, options, progress)
        except Infeasible:
            _raise_explained(problem, options.time_limit_s - (time.monotonic() - started))
            raise
        balanced = balance(problem, airings)  # third goal: even daily load
        if broken := violations(problem, balanced):
            rejected.append(f"even load: {broken[0].rule}: {broken[0].message}")
        else:
            airings = balanced
        status = "OPTIMAL" if days_used == bound.days else "FEASIBLE"
        stats = _stats(status, days_used, bound.days, round(time.monotonic() - started, 3))
        if rejected:
            stats["rejected"] = rejected
        return Schedule(airings, stats)
    floor = _baseline(problem)  # the floor: CP-SAT's schedule replaces it only if better
    horizon = min(len(problem.days), max(2 * bound.days + 2, bound.days + 5))
    if floor is not None:
        horizon = min(horizon, floor[1])
    schedule = _solve_within(problem, horizon, bound.days, options, progress)
    left = options.time_limit_s - (time.monotonic() - started)
    if schedule is None and floor is None and horizon < len(problem.days) and left > 0.5:
        rest = replace(options, time_limit_s=left)
        schedule = _solve_within(problem, len(problem.days), bound.days, rest, progress)
    if floor is not None and (schedule is None or schedule.stats["days_used"] > floor[1]):
        status = "OPTIMAL" if floor[1] == bound.days else "FEASIBLE"
        schedule = Schedule(floor[0], _stats(status, floor[1], bound.days, 0.0))
    if schedule is None:
        _raise_explained(problem, options.time_limit_s - (time.monotonic() - started))
        raise Infeasible(
            "order, per-day, pin, channel-overlap, audience-overlap: no schedule honours every "
            f"rule within the {len(problem.days)} broadcast days of the term "
            f"(lower bound {bound.days} days: {bound.reason})"
        )
    schedule.airings = balance(problem, schedule.airings)  # third goal: even daily load
    schedule.stats["solve_s"] = round(time.monotonic() - started, 3)
    return schedule


def _solve_large(
    problem: Problem, bound: int, options: SolveOptions, progress: ProgressFn | None
) -> tuple[list[Airing], int, list[str]]:
    """Large problems, in stages that each only replace the best schedule by a strictly
    better one (fewer days, then higher slot consistency) that the independent checker
    passes; the airings, the days they use and what the checker turned down, by stage:

    1. the baseline list scheduler, the floor (the cheapest), and it re-sequenced;
    2. the appointment heuristic's other variants, in worker processes;
    3. where pins defeat every variant of the heuristic, the day-by-day CP-SAT model
       (rolling.py), with a bounded share of the time (where the heuristic succeeds,
       its days are fewer: bench/RESULTS.md);
    4. where days stay above the bound, compaction (lns.py): the last day's lessons
       inserted into earlier days by CP-SAT, while that empties it;
    5. large-neighbourhood search for appointment viewing (lns.py) on the days found,
       until the time limit (less what the even-load pass needs), from the schedule
       of those days whose consistency within the search's reach (`lns.reach`: its
       series' episodes on days of their own) is within START_REACH of the most,
       the most consistent of those.
    """
    started = time.monotonic()
    deadline = started + options.time_limit_s * (1 - FINISH_SHARE)
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    best: tuple[int, float, Placement, list[Airing]] | None = None  # and its airings
    checked: list[tuple[int, float, float, Placement]] = []  # days, reach, score
    rejected: list[str] = []

    def consider(placed: Placement, stage: str) -> None:
        """`placed` becomes the best schedule if it is better, and a candidate start of
        the search (`start`), when the independent checker finds no broken rule in it
        (a stage with a bug loses, not the user)."""
        nonlocal best
        days = 1 + max(day for day, _, _ in placed.values())
        score = lns.score(problem, placed)
        reach = lns.reach(problem, placed)
        better = best is None or (days, -score) < (best[0], -best[1])
        if not better and (best is None or days > best[0] or reach < best_reach() - START_REACH):
            return
        airings = _airings(problem, lessons, placed)
        if broken := violations(problem, airings):
            rejected.append(f"{stage}: {broken[0].rule}: {broken[0].message}")
            return
        checked.append((days, reach, score, placed))
        if better:
            best = (days, score, placed, airings)
            if progress is not None:
                progress(days, bound, time.monotonic() - started)

    def best_reach() -> float:
        return max((c[1] for c in checked if best is not None and c[0] == best[0]), default=0.0)

    def start() -> Placement:
        """The search's start: of the checked schedules with the fewest days, those whose
        reach is within START_REACH of the most, and of these the most consistent."""
        assert best is not None
        fewest = [c for c in checked if c[0] == best[0]]
        most = max(c[1] for c in fewest)
        return max((c for c in fewest if c[1] >= most - START_REACH), key=lambda c: c[2])[3]

    with contextlib.suppress(Infeasible):  # pins it cannot honour: the CP-SAT days can
        floor = greedy_schedule(problem, PLAIN).airings
        consider(placement(problem, floor), PLAIN.name)
        consider(placement(problem, resequence(problem, floor)), f"{PLAIN.name}, re-sequenced")
    now = time.monotonic()
    variants_until = now + (deadline - now) * (1 - LNS_SHARE)
    processes = min(options.workers, os.cpu_count() or 1)
    for name, placed, _seconds in run_variants(problem, HEURISTICS, variants_until, processes):
        if placed is not None:
            consider(placed, name)
            if time.monotonic() < variants_until:  # same days, series nearer their times
                resequenced = resequence(problem, _airings(problem, lessons, placed))
                consider(placement(problem, resequenced), f"{name}, re-sequenced")
    if best is None:
        left = deadline - time.monotonic()
        try:
            airings, _ = solve_by_day(
                problem, max(1.0, left * ROLLING_SHARE), options.workers, options.seed, bound
            )
        except Infeasible:
            if not rejected:
                raise
        else:
            consider(placement(problem, airings), "day by day")
    if best is None:
        raise RuntimeError(f"every schedule found broke a rule: {'; '.join(rejected)}")
    if best[0] > bound:
        now = time.monotonic()
        until = now + (deadline - now) * COMPACT_SHARE
        compacted = lns.compact(problem, best[2], until, time.monotonic, options.workers)
        consider(compacted, "compaction")
    placed, _ = lns.improve(
        problem, start(), deadline, time.monotonic, options.workers, options.seed
    )
    consider(placed, "search")
    return best[3], best[0], rejected


def _baseline(problem: Problem) -> tuple[list[Airing], int] | None:
    """The baseline list scheduler's airings and days, when it honours every rule (pins
    it cannot honour: None)."""
    try:
        airings = greedy_schedule(problem, PLAIN).airings
    except Infeasible:
        return None
    if violations(problem, airings):
        return None
    return airings, 1 + max(day for day, _, _ in placement(problem, airings).values())


def _airings(problem: Problem, lessons: dict[str, Lesson], placed: Placement) -> list[Airing]:
    return sorted(
        airing_at(problem, lessons[lid], day, second, channel)
        for lid, (day, second, channel) in placed.items()
    )


def _raise_explained(problem: Problem, left_s: float) -> None:
    """Raise Infeasible with the rules that conflict, when the explanation model finds
    them (explain.py) in the time left, at least EXPLAIN_MIN_S and at most EXPLAIN_S;
    return when it does not."""
    found = explain(problem, min(EXPLAIN_S, max(EXPLAIN_MIN_S, left_s)))
    if found.reasons:
        raise Infeasible("; ".join(found.reasons))


def _stats(status: str, days: int, bound: int, solve_s: float) -> dict[str, object]:
    return {
        "status": status,
        "days_used": days,
        "lower_bound_days": bound,
        "solve_s": solve_s,
        "violations": 0,
    }


def _solve_within(
    problem: Problem,
    horizon: int,
    bound: int,
    options: SolveOptions,
    progress: ProgressFn | None,
) -> Schedule | None:
    model = cp_model.CpModel()
    lessons = problem.lessons
    term = whole_term(model, problem, horizon)
    if term is None:  # a pin past the horizon
        return None
    start, day, tod, on = term.start, term.day, term.tod, term.on
    last = model.new_int_var(0, horizon - 1, "last_day")
    model.add_max_equality(last, list(day.values()))
    model.add(last >= bound - 1)
    # Phase 1: fewest days. Phase 2: with the days fixed, airings early in their
    # windows, which keeps a series near one time of day (appointment viewing, roughly).
    # Two phases, because a proof of the tie-break would eat the whole time limit.
    started = time.monotonic()
    model.minimize(last)
    # Phase 1 leaves a fifth of the limit to phase 2, so the whole stays inside it.
    solver = new_solver(0.8 * options.time_limit_s, options.workers, options.seed)
    callback = _Progress(last, bound, progress) if progress else None
    status = solver.solve(model, callback)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    days_proven = status == cp_model.OPTIMAL
    model.add(last == solver.value(last))
    for var in (*start.values(), *on.values()):
        model.add_hint(var, solver.value(var))
    model.minimize(sum(tod.values()))
    remaining = options.time_limit_s - (time.monotonic() - started)
    polish = new_solver(
        max(0.1, min(remaining, 0.25 * options.time_limit_s)), options.workers, options.seed
    )
    if polish.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        solver = polish
    airings = []
    for lesson in lessons:
        lid = lesson.id
        chosen = next(c for (l_id, c), var in on.items() if l_id == lid and solver.value(var))
        airings.append(
            airing_at(problem, lesson, solver.value(day[lid]), solver.value(tod[lid]), chosen)
        )
    days_used = int(solver.value(last)) + 1
    # Days are proven minimal when they meet the lower bound, or when CP-SAT proved
    # phase 1 optimal (the horizon holds any better plan).
    proven = days_used == bound or days_proven
    return Schedule(
        sorted(airings), _stats("OPTIMAL" if proven else "FEASIBLE", days_used, bound, 0.0)
    )
