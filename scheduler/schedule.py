"""The schedule document: airings and stats, to and from JSON-ready data (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scheduler.errors import ProblemError
from scheduler.problem import Lesson, Problem, parse_instant


@dataclass(frozen=True, order=True)
class Airing:
    """A lesson on a channel from start to end (aware instants)."""

    start: datetime
    channel: str
    lesson: str
    end: datetime


def airing_at(problem: Problem, lesson: Lesson, day: int, second: int, channel: str) -> Airing:
    """The airing of a lesson on a channel from a second of a broadcast day."""
    begin = problem.instant(day, second)
    return Airing(begin, channel, lesson.id, begin + timedelta(seconds=lesson.duration_s))


@dataclass
class Schedule:
    """Airings in time order, and how good they are."""

    airings: list[Airing]
    stats: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The schedule as the JSON document of DESIGN.md."""
        return {
            "airings": [
                {
                    "lesson": a.lesson,
                    "channel": a.channel,
                    "start": a.start.isoformat(),
                    "end": a.end.isoformat(),
                }
                for a in sorted(self.airings)
            ],
            "stats": self.stats,
        }


def pins_from(schedule: Schedule, until: datetime | None = None) -> list[dict[str, str]]:
    """Pins (problem JSON form) freezing the schedule's airings that start before `until`
    (all of them when None), so a re-plan keeps what has already aired."""
    return [
        {"lesson": a.lesson, "channel": a.channel, "start": a.start.isoformat()}
        for a in schedule.airings
        if until is None or a.start < until
    ]


def parse_schedule(data: Any) -> Schedule:
    """Read a schedule document; ProblemError names the field at fault."""
    if not isinstance(data, dict) or not isinstance(data.get("airings"), list):
        raise ProblemError("airings: the schedule has no list of airings")
    airings = []
    for i, item in enumerate(data["airings"]):
        where = f"airings[{i}]."
        if not isinstance(item, dict):
            raise ProblemError(f"airings[{i}]: is not an object")
        for key in ("lesson", "channel", "start", "end"):
            if key not in item:
                raise ProblemError(f"{where}{key}: is missing")
            if not isinstance(item[key], str):
                raise ProblemError(f"{where}{key}: {item[key]!r} is not a string")
        start = parse_instant(item["start"], f"{where}start")
        end = parse_instant(item["end"], f"{where}end")
        if end <= start:
            raise ProblemError(f"{where}end: {item['end']} is not after its start")
        airings.append(Airing(start, item["channel"], item["lesson"], end))
    stats = data.get("stats") if isinstance(data.get("stats"), dict) else {}
    return Schedule(sorted(airings), dict(stats or {}))
