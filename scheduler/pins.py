"""Pins ahead of a series: what the day-after-day schedulers must air before each (pure).

A pinned episode far down a series (a lesson fixed to a date) needs every episode
before it aired on earlier days; a scheduler that looks only at the next episodes of
each series never sees it coming. `PinsAhead` tells, for a series with some episodes
aired, its next pin and how many episodes still stand before it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass

from scheduler.problem import Problem


@dataclass(frozen=True)
class Ahead:
    """A series' next pinned episode: its lesson, how many of the series' episodes still
    air before it, and its broadcast day and second of the day."""

    lesson: str
    before: int
    day: int
    second: int

    def due(self, today: int, per_day: int) -> bool:
        """Whether the series must air today to air every episode before its pin: as
        many episodes before it as the days after today before the pin's can take."""
        return self.day > today and self.before >= (self.day - today - 1) * per_day


class PinsAhead:
    """The pins of a problem by series, in episode order."""

    def __init__(self, problem: Problem) -> None:
        position: dict[str, int] = {}
        counts: dict[str, int] = defaultdict(int)
        for lesson in problem.lessons:  # sorted by series, episode
            position[lesson.id] = counts[lesson.series]
            counts[lesson.series] += 1
        series_of = {lesson.id: lesson.series for lesson in problem.lessons}
        found: dict[str, list[tuple[int, Ahead]]] = defaultdict(list)
        for pin in problem.pins:
            located = problem.locate(pin.start)
            if located is None or pin.lesson not in position:
                continue  # off the calendar, or a lesson left out: parse_problem's to say
            index = position[pin.lesson]
            found[series_of[pin.lesson]].append((index, Ahead(pin.lesson, index, *located)))
        self._pins = {sid: sorted(items, key=lambda item: item[0]) for sid, items in found.items()}
        self._indexes = {sid: [index for index, _ in items] for sid, items in self._pins.items()}

    def ahead(self, series_id: str, aired: int) -> Ahead | None:
        """The next pin of `series_id` once its first `aired` episodes have aired."""
        indexes = self._indexes.get(series_id)
        if not indexes:
            return None
        i = bisect_left(indexes, aired)
        if i == len(indexes):
            return None
        index, pin = self._pins[series_id][i]
        return Ahead(pin.lesson, index - aired, pin.day, pin.second)
