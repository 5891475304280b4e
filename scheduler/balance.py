"""Even daily load, the third goal (pure): move lessons from heavy days to light ones
without touching the first two goals.

A lesson only moves to another day at the same second of the day and on the same
channel, so the days used and every series' times of day stay as they are; a move
must keep every rule (channel free with its breaks, the audience not watching
elsewhere, its cap, `max_per_day`, episode order) and must make the two days'
loads closer. Pinned lessons never move.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

from scheduler.problem import Lesson, Problem
from scheduler.schedule import Airing, airing_at


def daily_load_spread(problem: Problem, airings: list[Airing]) -> float:
    """Coefficient of variation of the seconds on air per broadcast day used (0: even)."""
    load: dict[int, int] = defaultdict(int)
    for airing in airings:
        located = problem.locate(airing.start)
        if located is not None:
            load[located[0]] += int((airing.end - airing.start).total_seconds())
    if not load:
        return 0.0
    days = [load.get(d, 0) for d in range(max(load) + 1)]
    mean = statistics.fmean(days)
    return round(statistics.pstdev(days) / mean, 4) if mean else 0.0


class _State:
    """Where every lesson is, indexed the ways a move needs to check."""

    def __init__(self, problem: Problem, airings: list[Airing]) -> None:
        self.problem = problem
        self.lessons = {lesson.id: lesson for lesson in problem.lessons}
        self.at: dict[str, tuple[int, int, str]] = {}
        self.load: dict[int, int] = defaultdict(int)
        self.channel: dict[tuple[int, str], set[str]] = defaultdict(set)
        self.audience: dict[tuple[int, tuple[int, str]], set[str]] = defaultdict(set)
        self.series_days: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for airing in airings:
            located = problem.locate(airing.start)
            if located is None:
                raise ValueError(f"airing of {airing.lesson} is off the calendar")
            self._add(airing.lesson, located[0], located[1], airing.channel)

    def _key(self, lesson: Lesson) -> tuple[int, str]:
        return self.problem.audience_of(lesson).key

    def _add(self, lesson_id: str, day: int, second: int, channel: str) -> None:
        lesson = self.lessons[lesson_id]
        self.at[lesson_id] = (day, second, channel)
        self.load[day] += lesson.duration_s
        self.channel[(day, channel)].add(lesson_id)
        self.audience[(day, self._key(lesson))].add(lesson_id)
        self.series_days[lesson.series][day] += 1

    def _remove(self, lesson_id: str) -> None:
        lesson = self.lessons[lesson_id]
        day, _, channel = self.at.pop(lesson_id)
        self.load[day] -= lesson.duration_s
        self.channel[(day, channel)].discard(lesson_id)
        self.audience[(day, self._key(lesson))].discard(lesson_id)
        self.series_days[lesson.series][day] -= 1

    def can_move(self, lesson_id: str, day: int, first: int, last: int) -> bool:
        """Whether the lesson may air on `day` at its second and channel; `first`/`last`
        are the days its neighbouring episodes air (order)."""
        lesson = self.lessons[lesson_id]
        _, second, channel = self.at[lesson_id]
        if not first < day < last:
            return False  # a neighbour's day would need the times compared: not worth it
        series = self.problem.series[lesson.series]
        if self.series_days[lesson.series][day] >= series.max_per_day:
            return False
        end = second + lesson.duration_s
        gap = self.problem.break_s
        for other in self.channel[(day, channel)]:
            _, s, _ = self.at[other]
            e = s + self.lessons[other].duration_s
            if s < end + gap and second < e + gap:
                return False
        audience = self.problem.audience_of(lesson)
        watched = 0
        for other in self.audience[(day, audience.key)]:
            _, s, _ = self.at[other]
            e = s + self.lessons[other].duration_s
            watched += self.lessons[other].duration_s
            if s < end and second < e:
                return False
        cap = audience.max_daily_s
        return cap is None or watched + lesson.duration_s <= cap

    def move(self, lesson_id: str, day: int) -> None:
        _, second, channel = self.at[lesson_id]
        self._remove(lesson_id)
        self._add(lesson_id, day, second, channel)


def balance(problem: Problem, airings: list[Airing]) -> list[Airing]:
    """The airings with lessons moved from heavy days to light ones where every rule,
    the days used and the times of day allow."""
    if not airings:
        return airings
    state = _State(problem, airings)
    pinned = {pin.lesson for pin in problem.pins}
    days_used = max(day for day, _, _ in state.at.values()) + 1
    episodes: dict[str, list[str]] = defaultdict(list)
    for lesson in problem.lessons:  # sorted by series, episode
        if lesson.id in state.at:
            episodes[lesson.series].append(lesson.id)
    neighbours: dict[str, tuple[str | None, str | None]] = {}
    for ids in episodes.values():
        for i, lesson_id in enumerate(ids):
            neighbours[lesson_id] = (
                ids[i - 1] if i else None,
                ids[i + 1] if i + 1 < len(ids) else None,
            )
    light_first = sorted(range(days_used), key=lambda d: state.load[d])
    for lesson_id in sorted(state.at, key=lambda i: -state.load[state.at[i][0]]):
        if lesson_id in pinned:
            continue
        day = state.at[lesson_id][0]
        duration = state.lessons[lesson_id].duration_s
        before, after = neighbours[lesson_id]
        first = state.at[before][0] if before else -1
        last = state.at[after][0] if after else days_used
        for target in light_first:
            if state.load[target] + duration >= state.load[day]:
                break  # lighter days only, and the move must bring the two closer
            if state.can_move(lesson_id, target, first, last):
                state.move(lesson_id, target)
                light_first.sort(key=lambda d: state.load[d])
                break
    return sorted(
        airing_at(problem, state.lessons[lesson_id], day, second, channel)
        for lesson_id, (day, second, channel) in state.at.items()
    )
