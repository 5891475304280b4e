"""Greedy list scheduling (pure): the baseline to beat, and the appointment heuristic.

Plain (the benchmark's baseline and the solver's floor): the channel whose clock is
earliest takes, among the series whose next episode can start at that clock under
every rule, the one with the most episodes left (ties: the longer lesson); when none
can start then, its clock moves to the soonest instant one could, or its day closes.

Refinements (a `Variant` names which; bench/RESULTS.md says where each wins) change
only which fitting candidate is taken or when a channel's day ends, never whether a
rule holds:

- `home`: each series remembers the time of day it first aired, and a channel
  prefers a series whose home is within HOME_TOLERANCE_S of the slot it is filling
  (appointment viewing). With `at_clock` too, this is the sticky baseline: the
  baseline's clock-driven packing, with the series at home at the clock first.
- `urgency`: a series with at least this share of the most episodes left among the
  fitting candidates goes before any home preference, so long series that set the
  end of the term are not held back for the sake of appointments.
- `pack`: in the last PACK_WINDOW_S of what a channel can still air today, a
  candidate is ranked by how much of that time it fills with the best subset of the
  other candidates (packing.py), so days end with little dead air.
- `caps`: right after packing, a candidate is ranked by the minutes of its audience's
  daily cap it would strand, so a capped audience watches its full cap.
- `bottleneck`: series ranked by the days they still need at the least, by their own
  episodes or by their audience's remaining minutes over what it can watch in a day.
- `pace`: a series is offered, each day, only as many of its next episodes as it
  must air that day to end by the lower bound's day when it airs that many every day
  after (at least one; `max_per_day` at most): a series airs once a day where it can,
  on as many days as it has episodes, instead of twice today and not tomorrow. Slot
  consistency counts episodes at the series' usual time, and two in a day cannot both
  be; the neighbourhood search moves lessons between a few days only, so the day each
  episode airs on is the list scheduler's to get right.
- `spread`: a channel stops taking lessons for the day once it has aired this many
  times its share of a day of what is left (over the days left to the lower bound),
  so a channel with more room than content keeps room around each lesson all term.
- `first`: the audiences that may not watch all the hours of a channel that carries
  them, and those whose lessons alone need as many days as the lower bound
  (`bounds.critical_audiences`), are scheduled alone first, by whichever of the
  variants `first` needs the fewest days for them, and the others afterwards around
  their airings: they pack their hours as if no one else competed.
- `fill_caps`: an audience whose daily cap sets the days (CAP_HELD) is offered, each
  day, only the subset of its candidates that fills the most of its cap.
- `scarce`: a candidate whose series fewer channels carry goes first.
- `prompt`: a channel takes only candidates that can start within this many seconds
  of the soonest of them, rather than one whose audience is busy elsewhere for hours.
- `quota`: the capacity model (capacity.py) says how many seconds a day each channel
  should give each audience so that every audience ends together; a channel takes an
  audience still under its quota on that channel before one over it, so audiences
  that only some channels carry are not starved by those that have others.

Pins: a pinned lesson is placed first, at its instant, on its day; the episodes
before it are candidates on earlier days (on its own day they must end before it),
those after it only from the next day, and a series with a pin ahead and more
episodes than days before it goes first. A variant that cannot air every episode
before its pin gives up (Infeasible), and the solver falls back to the CP-SAT days.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from scheduler.bounds import audience_daily_capacity, critical_audiences, lower_bound
from scheduler.capacity import capacity
from scheduler.errors import Infeasible
from scheduler.packing import cap_stranded, fill_after
from scheduler.pins import PinsAhead
from scheduler.problem import DAY_S, Lesson, Problem
from scheduler.schedule import Schedule, airing_at

PIN_DUE = 10**9  # priority of a series that must air today to air its episodes before a pin
HOME_TOLERANCE_S = 600  # the checker's slot consistency counts starts within 10 minutes


@dataclass(frozen=True)
class Placed:
    """A lesson placed on a day: channel and second of the day."""

    lesson: Lesson
    channel: str
    second: int


@dataclass(frozen=True)
class Variant:
    """One way of running the heuristic: which of the refinements above it uses."""

    name: str
    home: bool = False  # a series keeps the time of day it first aired at
    pack: bool = False  # the end of each day is packed by a subset sum
    urgency: float | None = None  # share of a day kept for the most urgent series
    bottleneck: bool = False  # rank series by the days they still need at the least
    caps: bool = False  # rank by the minutes of the audience's cap a choice would strand
    spread: float | None = None  # a channel airs at most this times its share of a day
    first: tuple[Variant, ...] = ()  # narrow and critical audiences first, by the best of these
    fill_caps: bool = False  # an audience held by its cap gets the day's best subset
    scarce: bool = False  # series with the fewest channels that carry them first
    prompt: int | None = None  # only candidates starting within this of the soonest
    at_clock: bool = False  # only candidates that start at the channel's clock
    quota: bool = False  # an audience under its channel's quota (capacity.py) first
    pace: bool = False  # a series airs its episodes evenly over the days to the bound


UNREFINED = Variant("unrefined")
"""No refinement: the channel with the earliest clock takes the fitting candidate with the
most episodes left, whenever it can start."""


def fill_day(
    problem: Problem,
    candidates: list[Lesson],
    left: dict[str, int],
    variant: Variant = UNREFINED,
    home: dict[str, int] | None = None,
    fixed: Sequence[Placed] = (),
    deadline: dict[str, int] | None = None,
    budget: dict[str, int] | None = None,
    quota: dict[tuple[str, tuple[int, str]], float] | None = None,
) -> list[Placed]:
    """Place as many candidates as fit in one day, greedily, as `variant` says (its
    refinements that act within a day: see the module's docstring). Candidates of a
    series come in episode order; `left` counts each series' episodes still to air
    (priority); `home`: series -> second of the day it keeps. `fixed` airings (pins)
    are already there: channels and audiences are busy then and their minutes count
    towards caps; a series in `deadline` must end its candidates by that second; a
    channel in `budget` takes no more lessons once it has aired that many seconds with
    breaks (`spread`); `quota`: seconds a day per channel and audience (capacity.py).
    Returns only what it placed."""
    queues: dict[str, list[Lesson]] = defaultdict(list)
    for lesson in candidates:
        queues[lesson.series].append(lesson)
    audience_of = {sid: problem.audience_of(queue[0]) for sid, queue in queues.items()}
    watched: dict[tuple[int, str], int] = defaultdict(int)
    given: dict[tuple[str, tuple[int, str]], int] = defaultdict(int)  # by channel, today
    busy_until: dict[tuple[int, str], int] = defaultdict(int)
    series_free: dict[str, int] = defaultdict(int)
    channel_blocks: dict[str, list[tuple[int, int]]] = defaultdict(list)
    audience_blocks: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for item in fixed:
        key = problem.audience_of(item.lesson).key
        end = item.second + item.lesson.duration_s
        watched[key] += item.lesson.duration_s
        given[(item.channel, key)] += item.lesson.duration_s
        channel_blocks[item.channel].append((item.second - problem.break_s, end + problem.break_s))
        audience_blocks[key].append((item.second, end))
    ends = deadline or {}
    placed: list[Placed] = []
    channels = {c.id: c for c in problem.channels}
    # Which series each channel may carry, so a slot looks only at those.
    carried = {
        c.id: [
            sid
            for sid in queues
            if problem.series[sid].language in c.languages and problem.series[sid].grade in c.grades
        ]
        for c in problem.channels
    }

    def fixed_at(channel_id: str, key: tuple[int, str], begin: int, duration: int) -> int:
        """The first second from `begin` clear of the pinned airings."""
        return _after_blocks(begin, duration, channel_blocks[channel_id], audience_blocks[key])

    free = [(c.window[0], c.id) for c in problem.channels if carried[c.id]]
    heapq.heapify(free)
    aired: dict[str, int] = {}
    while free:
        cursor, channel_id = heapq.heappop(free)
        channel = channels[channel_id]
        fitting: list[tuple[Lesson, int]] = []
        if budget is not None and aired.get(channel_id, 0) >= budget.get(channel_id, DAY_S):
            carried[channel_id] = []
        blocks = channel_blocks.get(channel_id, ())
        for series_id in carried[channel_id]:
            queue = queues[series_id]
            if not queue:
                continue
            lesson = queue[0]
            audience = audience_of[series_id]
            key = audience.key
            cap = audience.max_daily_s
            if cap is not None and watched[key] + lesson.duration_s > cap:
                continue
            begin = max(cursor, audience.window[0], busy_until[key], series_free[series_id])
            if blocks or key in audience_blocks:
                begin = fixed_at(channel_id, key, begin, lesson.duration_s)
            end = min(channel.window[1], audience.window[1], ends.get(series_id, DAY_S))
            if begin + lesson.duration_s > end:
                continue
            fitting.append((lesson, begin))
        if not fitting:  # nothing more fits on this channel today
            continue
        if variant.at_clock:
            soonest = min(begin for _, begin in fitting)
            if soonest > cursor:  # nothing can start now: the clock moves on
                heapq.heappush(free, (soonest, channel_id))
                continue
            fitting = [(lesson, begin) for lesson, begin in fitting if begin == cursor]
        if (prompt := variant.prompt) is not None:
            soonest = min(begin for _, begin in fitting)
            fitting = [(lesson, begin) for lesson, begin in fitting if begin <= soonest + prompt]
        fill = fill_after(problem, channel, cursor, fitting) if variant.pack else None
        stranded = cap_stranded(problem, fitting, watched) if variant.caps else None
        best: tuple[tuple[int, ...], Lesson, int] | None = None
        most = max(left.get(lesson.series, 0) for lesson, _ in fitting)
        for lesson, begin in fitting:
            share = variant.urgency
            urgent = share is not None and left.get(lesson.series, 0) >= share * most
            key = audience_of[lesson.series].key
            rank = (
                0 if left.get(lesson.series, 0) >= PIN_DUE else 1,  # a pin first, then the rest
                len(problem.series_carriers[lesson.series]) if variant.scarce else 0,
                quota is not None and given[(channel_id, key)] >= quota.get((channel_id, key), 0),
                -fill(lesson, begin) if fill is not None else 0,
                stranded(lesson) if stranded is not None else 0,
                0 if urgent else 1,
                _home_class(home, lesson.series, begin),
                -left.get(lesson.series, 0),
                -lesson.duration_s if variant.at_clock else 0,  # ties: the longer lesson
                begin,
            )
            if best is None or rank < best[0]:
                best = (rank, lesson, begin)
        assert best is not None
        _, lesson, begin = best
        queues[lesson.series].pop(0)
        left[lesson.series] = left.get(lesson.series, 1) - 1
        key = audience_of[lesson.series].key
        watched[key] += lesson.duration_s
        given[(channel_id, key)] += lesson.duration_s
        busy_until[key] = begin + lesson.duration_s
        series_free[lesson.series] = begin + lesson.duration_s
        placed.append(Placed(lesson, channel_id, begin))
        aired[channel_id] = aired.get(channel_id, 0) + lesson.duration_s + problem.break_s
        heapq.heappush(free, (begin + lesson.duration_s + problem.break_s, channel_id))
    return placed


def _after_blocks(
    begin: int,
    duration: int,
    channel: Sequence[tuple[int, int]],
    audience: Sequence[tuple[int, int]],
) -> int:
    """The first second from `begin` at which a lesson clears the fixed airings: a
    channel block (s, e) already has the breaks around it, an audience block not."""
    moved = True
    while moved:
        moved = False
        for start, end in channel:
            if begin < end and start < begin + duration:
                begin, moved = end, True
        for start, end in audience:
            if begin < end and start < begin + duration:
                begin, moved = end, True
    return begin


def _home_class(home: dict[str, int] | None, series_id: str, begin: int) -> int:
    """0: at its home time, 1: no home yet (or no homes kept), 2: away from home."""
    if home is None or series_id not in home:
        return 1
    return 0 if abs(begin - home[series_id]) <= HOME_TOLERANCE_S else 2


PLAIN = Variant("plain", at_clock=True)
"""The baseline list scheduler, the floor of every large solve: the channel with the
earliest clock takes, among the series whose next episode can start at that clock
under every rule, the one with the most episodes left (ties: the longer lesson); when
none can, its clock moves to the soonest instant one could, or its day closes."""


def greedy_schedule(problem: Problem, variant: Variant = PLAIN) -> Schedule:
    """The whole term, greedily, day after day, as `variant` says, pins first (see the
    module's docstring). With `bottleneck` a series is ranked by the days it still
    needs at the least, by its own episodes or by its audience's remaining minutes over
    what the audience can watch in a day, instead of by its episodes alone; with
    `first`, the narrow and the critical audiences are scheduled alone before the
    others, by whichever of those variants needs the fewest days for them.
    Infeasible when the term's days run out or an episode cannot air before its pin."""
    placed: list[tuple[int, Placed]] = []
    around: dict[int, list[Placed]] = defaultdict(list)
    rest = problem
    if variant.first:
        ahead = narrow_audiences(problem) | critical_audiences(problem)
        everyone = {problem.audience_of(lesson).key for lesson in problem.lessons}
        if ahead and ahead != everyone:  # else nothing to take first: one run
            rest = _only(problem, ahead, False)
            placed = _fewest_days(_only(problem, ahead, True), variant.first, _pinned(rest))
            for day, item in placed:
                around[day].append(item)
    placed += _term(rest, replace(variant, first=()), around)
    return Schedule(
        sorted(airing_at(problem, p.lesson, day, p.second, p.channel) for day, p in placed)
    )


def _fewest_days(
    problem: Problem, variants: Sequence[Variant], around: dict[int, list[Placed]]
) -> list[tuple[int, Placed]]:
    """The run of the variant that places the problem in the fewest days (the first of
    them on a tie). Infeasible when none can."""
    best: list[tuple[int, Placed]] | None = None
    for variant in variants:
        try:
            placed = _term(problem, variant, around)
        except Infeasible:
            continue
        if best is None or _days(placed) < _days(best):
            best = placed
    if best is None:
        raise Infeasible("the audiences scheduled first do not fit the term")
    return best


def _days(placed: list[tuple[int, Placed]]) -> int:
    return 1 + max((day for day, _ in placed), default=-1)


def narrow_audiences(problem: Problem) -> set[tuple[int, str]]:
    """The audiences of the problem's lessons whose window leaves out part of the window
    of a channel that carries them."""
    found = set()
    for lesson in problem.lessons:
        audience = problem.audience_of(lesson)
        if audience.key not in found and any(
            audience.window[0] > c.window[0] or audience.window[1] < c.window[1]
            for c in problem.series_carriers[lesson.series]
        ):
            found.add(audience.key)
    return found


def _only(problem: Problem, audiences: set[tuple[int, str]], inside: bool) -> Problem:
    """The problem with only the lessons (and their pins) of `audiences`, or with only
    those of the others; channels, audiences and series stay, so airings of the whole
    problem can stand around it."""
    lessons = tuple(
        lesson
        for lesson in problem.lessons
        if (problem.audience_of(lesson).key in audiences) == inside
    )
    kept = {lesson.id for lesson in lessons}
    return replace(
        problem, lessons=lessons, pins=tuple(p for p in problem.pins if p.lesson in kept)
    )


def _pinned(problem: Problem) -> dict[int, list[Placed]]:
    """The problem's pinned airings, by day."""
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    found: dict[int, list[Placed]] = defaultdict(list)
    for pin in problem.pins:
        day, second = problem.locate(pin.start) or (0, 0)  # parse_problem checked the day
        found[day].append(Placed(lessons[pin.lesson], pin.channel, second))
    return found


def _term(
    problem: Problem, variant: Variant, around: dict[int, list[Placed]]
) -> list[tuple[int, Placed]]:
    """greedy_schedule's run of one variant: the term day after day, with the airings
    `around` (by day) already on the channels; what it placed, by day."""
    episodes: dict[str, list[Lesson]] = defaultdict(list)
    for lesson in problem.lessons:
        episodes[lesson.series].append(lesson)
    pins = PinsAhead(problem)
    pins_on = _pinned(problem)
    left = {series_id: len(items) for series_id, items in episodes.items()}
    total = dict(left)
    audience_of = {lesson.series: problem.audience_of(lesson) for lesson in problem.lessons}
    audience_left: dict[tuple[int, str], int] = defaultdict(int)
    for lesson in problem.lessons:
        audience_left[audience_of[lesson.series].key] += lesson.duration_s
    daily = {a.key: max(1, audience_daily_capacity(problem, a)) for a in audience_of.values()}
    homes: dict[str, int] | None = {} if variant.home else None
    placed_by_day: list[tuple[int, Placed]] = []
    day = 0
    target = lower_bound(problem).days if variant.spread or variant.fill_caps or variant.pace else 0
    capped = _held_by_caps(problem, audience_left, target) if variant.fill_caps else set()
    quotas = capacity(problem).quota if variant.quota else None
    remaining: dict[str, int] = defaultdict(int)  # seconds with breaks, by series
    for lesson in problem.lessons:
        remaining[lesson.series] += lesson.duration_s + problem.break_s

    def aired(item: Placed) -> None:
        episodes[item.lesson.series].remove(item.lesson)
        left[item.lesson.series] -= 1
        audience_left[audience_of[item.lesson.series].key] -= item.lesson.duration_s
        remaining[item.lesson.series] -= item.lesson.duration_s + problem.break_s
        placed_by_day.append((day, item))

    while any(episodes.values()):
        if day >= len(problem.days):
            raise Infeasible(
                f"the {variant.name} heuristic needs more than the term's {len(problem.days)} "
                "broadcast days"
            )
        candidates: list[Lesson] = []
        deadline: dict[str, int] = {}
        due: set[str] = set()
        for series_id, items in episodes.items():
            per_day = problem.series[series_id].max_per_day
            room = per_day - sum(1 for p in pins_on[day] if p.lesson.series == series_id)
            ahead = pins.ahead(series_id, total[series_id] - len(items))
            if ahead is not None:
                if ahead.day < day or (ahead.day == day and ahead.before > room):
                    raise Infeasible(
                        f"pin: the {variant.name} heuristic could not air the episodes "
                        f"of {series_id} before its pinned lesson {ahead.lesson}"
                    )
                if ahead.day == day:
                    deadline[series_id] = ahead.second
                elif ahead.due(day, per_day):
                    due.add(series_id)
                room = min(room, ahead.before)
            elif variant.pace and target > day:  # as many as it needs a day to the bound
                room = min(room, max(1, -(-len(items) // (target - day))))
            candidates.extend(items[: max(0, room)])
        if variant.bottleneck:
            priority = {
                sid: 100
                * max(
                    count // problem.series[sid].max_per_day,
                    audience_left[audience_of[sid].key] // daily[audience_of[sid].key],
                )
                + count
                for sid, count in left.items()
                if count
            }
        else:
            priority = dict(left)
        for series_id in due:
            priority[series_id] = priority.get(series_id, 0) + PIN_DUE
        if variant.fill_caps:
            fixed_today = pins_on[day] + around.get(day, [])
            must = due | set(deadline)
            candidates = _cap_filled(problem, candidates, priority, capped, fixed_today, must)
        budget = (
            _budgets(problem, remaining, target - day, variant.spread) if variant.spread else None
        )
        placed = fill_day(
            problem,
            candidates,
            priority,
            variant,
            homes,
            fixed=pins_on[day] + around.get(day, []),
            deadline=deadline,
            budget=budget,
            quota=quotas,
        )
        for item in placed:
            aired(item)
            if homes is not None:
                homes.setdefault(item.lesson.series, item.second)
        for item in pins_on[day]:
            if episodes[item.lesson.series][0] is not item.lesson:
                raise Infeasible(
                    f"pin: the {variant.name} heuristic could not air the episodes of "
                    f"{item.lesson.series} before its pinned lesson {item.lesson.id}"
                )
            aired(item)
        day += 1
    return placed_by_day


CAP_HELD = 0.97
"""An audience is held by its cap when its lessons, at its cap every day, need at least
this share of the days the whole problem needs at the least: its cap is what sets the
days, and a day it leaves part of the cap unfilled is a day it may lose at the end."""


def _held_by_caps(
    problem: Problem, minutes: dict[tuple[int, str], int], days: int
) -> set[tuple[int, str]]:
    """The capped audiences whose cap, filled every day, is about what sets the `days`
    (the problem's lower bound)."""
    found = set()
    for key, seconds in minutes.items():
        cap = problem.audiences[key].max_daily_s if key in problem.audiences else None
        if cap and seconds / cap >= CAP_HELD * days:
            found.add(key)
    return found


def _cap_filled(
    problem: Problem,
    candidates: list[Lesson],
    priority: dict[str, int],
    capped: set[tuple[int, str]],
    fixed: Sequence[Placed],
    must: set[str],
) -> list[Lesson]:
    """The candidates, with those of each audience in `capped` cut down to the subset
    that fills the most of its cap left today (whole minutes, episodes of a series in
    order), and among those the one with the highest priority; the series in `must`
    (due before a pin) keep all theirs."""
    if not capped:
        return candidates
    by_audience: dict[tuple[int, str], dict[str, list[Lesson]]] = defaultdict(
        lambda: defaultdict(list)
    )
    kept: list[Lesson] = []
    for lesson in candidates:
        key = problem.series_audience[lesson.series].key
        if key in capped and lesson.series not in must:
            by_audience[key][lesson.series].append(lesson)
        else:
            kept.append(lesson)
    for key, series in by_audience.items():
        cap = problem.audiences[key].max_daily_s
        assert cap is not None
        watched = sum(
            item.lesson.duration_s
            for item in fixed
            if problem.series_audience[item.lesson.series].key == key
        ) + sum(
            lesson.duration_s
            for lesson in candidates
            if lesson.series in must and problem.series_audience[lesson.series].key == key
        )
        room = (cap - watched) // 60
        # best[m]: (value, chosen prefixes) over the series so far, filling m minutes
        best: dict[int, tuple[int, tuple[tuple[str, int], ...]]] = {0: (0, ())}
        for series_id, episodes in series.items():
            grown = dict(best)
            for used, (value, chosen) in best.items():
                length = 0
                for count, lesson in enumerate(episodes, start=1):
                    length += -(-lesson.duration_s // 60)
                    if used + length > room:
                        break
                    total = used + length
                    option = value + length * 10**12 + count * priority.get(series_id, 0)
                    if total not in grown or grown[total][0] < option:
                        grown[total] = (option, (*chosen, (series_id, count)))
            best = grown
        _, chosen = max(best.values())
        for series_id, count in chosen:
            kept.extend(series[series_id][:count])
    return kept


def _budgets(
    problem: Problem, remaining: dict[str, int], days: int, factor: float
) -> dict[str, int]:
    """Seconds each channel may air today: a fair share of what its series have left
    (each series' remaining seconds with breaks split evenly over the channels that may
    carry it), over the `days` left to the lower bound, times `factor`."""
    load: dict[str, float] = defaultdict(float)
    for series_id, seconds in remaining.items():
        if seconds:
            carriers = problem.series_carriers[series_id]
            for channel in carriers:
                load[channel.id] += seconds / len(carriers)
    return {c.id: int(factor * load[c.id] / max(1, days)) for c in problem.channels}
