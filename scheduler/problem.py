"""The scheduling problem of DESIGN.md as checked, immutable data.

Pure: parsing reads a mapping and returns dataclasses; no files, no clock.
Times of day are seconds after local midnight; the broadcast calendar is the
list of dates on which channels air.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler.errors import ProblemError

DAY_S = 24 * 3600
MAX_HORIZON_DAYS = 5 * 366  # an explicit end_date may lie this far ahead (large networks)
DEFAULT_HORIZON_DAYS = 2 * 366  # without end_date: two school years


@dataclass(frozen=True)
class Channel:
    """A channel: its daily window (seconds of the day) and who it may carry."""

    id: str
    name: str
    window: tuple[int, int]
    languages: frozenset[str]
    grades: frozenset[int]


@dataclass(frozen=True)
class Audience:
    """Students of one grade and language: a window and a daily viewing cap."""

    grade: int
    language: str
    window: tuple[int, int] = (0, DAY_S)
    max_daily_s: int | None = None

    @property
    def key(self) -> tuple[int, str]:
        """(grade, language)."""
        return (self.grade, self.language)


@dataclass(frozen=True)
class Series:
    """An ordered run of lessons."""

    id: str
    grade: int
    subject: str
    language: str
    title: str
    max_per_day: int = 1


@dataclass(frozen=True)
class Lesson:
    """One lesson to air once."""

    id: str
    series: str
    episode: int
    duration_s: int
    title: str
    signed: bool = False


@dataclass(frozen=True)
class Pin:
    """A lesson fixed to a channel at an instant."""

    lesson: str
    channel: str
    start: datetime


@dataclass(frozen=True)
class Problem:
    """A whole, checked scheduling problem."""

    timezone: str
    start_date: date
    end_date: date
    weekdays: frozenset[int]
    holidays: frozenset[date]
    break_s: int
    channels: tuple[Channel, ...]
    audiences: dict[tuple[int, str], Audience]
    series: dict[str, Series]
    lessons: tuple[Lesson, ...]
    pins: tuple[Pin, ...] = ()
    days: tuple[date, ...] = field(default=())

    @property
    def tz(self) -> ZoneInfo:
        """The broadcast time zone."""
        return ZoneInfo(self.timezone)

    def audience(self, grade: int, language: str) -> Audience:
        """The audience of a grade and language (no window or cap when not listed)."""
        return self.audiences.get((grade, language)) or Audience(grade, language)

    def audience_of(self, lesson: Lesson) -> Audience:
        """The audience (grade x language) a lesson is for."""
        series = self.series[lesson.series]
        return self.audience(series.grade, series.language)

    def eligible(self, lesson: Lesson) -> list[Channel]:
        """Channels that may carry a lesson."""
        series = self.series[lesson.series]
        return [
            c for c in self.channels if series.language in c.languages and series.grade in c.grades
        ]

    def start_ranges(self, lesson: Lesson) -> list[tuple[Channel, int, int]]:
        """(channel, earliest, latest second of the day) at which the lesson may start on
        each eligible channel: inside the channel's window and its audience's window.
        Channels where it cannot fit are left out."""
        audience = self.audience_of(lesson)
        ranges = []
        for channel in self.eligible(lesson):
            earliest = max(channel.window[0], audience.window[0])
            latest = min(channel.window[1], audience.window[1]) - lesson.duration_s
            if latest >= earliest:
                ranges.append((channel, earliest, latest))
        return ranges

    def instant(self, day_index: int, second_of_day: int) -> datetime:
        """The aware local instant of a second of a broadcast day."""
        day = self.days[day_index]
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
        return midnight + timedelta(seconds=second_of_day)

    def locate(self, instant: datetime) -> tuple[int, int] | None:
        """(broadcast day index, second of day) of an instant, or None off the calendar."""
        local = instant.astimezone(self.tz)
        try:
            index = self.days.index(local.date())
        except ValueError:
            return None
        return index, local.hour * 3600 + local.minute * 60 + local.second


def _get(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise ProblemError(f"{where}{key}: is missing")
    return data[key]


def _int(value: Any, name: str, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProblemError(f"{name}: {value!r} is not a whole number")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        raise ProblemError(f"{name}: {value} must be {bound}")
    return value


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProblemError(f"{name}: {value!r} is not a non-empty string")
    return value


def _date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(_str(value, name))
    except ValueError:
        raise ProblemError(f"{name}: {value!r} is not a date YYYY-MM-DD") from None


def _clock(value: Any, name: str) -> int:
    text = _str(value, name)
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except ValueError:
        raise ProblemError(f"{name}: {value!r} is not a time of day HH:MM") from None
    if len(text) != 5 or not (0 <= minutes < 60) or not (0 <= hours <= 24):
        raise ProblemError(f"{name}: {value!r} is not a time of day HH:MM")
    seconds = hours * 3600 + minutes * 60
    if seconds > DAY_S:
        raise ProblemError(f"{name}: {value!r} is past midnight")
    return seconds


def _window(value: Any, name: str) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2:
        raise ProblemError(f"{name}: {value!r} is not a pair [start, end]")
    start, end = _clock(value[0], f"{name}[0]"), _clock(value[1], f"{name}[1]")
    if end <= start:
        raise ProblemError(f"{name}: ends at {value[1]}, not after its start {value[0]}")
    return start, end


def _list(data: Mapping[str, Any], key: str, required: bool = True) -> list[Any]:
    value = data.get(key) if not required else _get(data, key, "")
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProblemError(f"{key}: is not a list")
    return value


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ProblemError(f"{name}: is not an object")
    return value


def broadcast_days(
    start: date, end: date, weekdays: frozenset[int], holidays: frozenset[date]
) -> tuple[date, ...]:
    """Dates from start to end (inclusive) on a listed ISO weekday and not a holiday."""
    days = []
    day = start
    while day <= end:
        if day.isoweekday() in weekdays and day not in holidays:
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


def parse_problem(data: Any) -> Problem:
    """Check a problem document and return it as a Problem; ProblemError names the field."""
    data = _object(data, "problem")
    tz_name = _str(_get(data, "timezone", ""), "timezone")
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProblemError(f"timezone: unknown time zone {tz_name!r}") from None
    start_date = _date(_get(data, "start_date", ""), "start_date")
    if "end_date" in data:
        end_date = _date(data["end_date"], "end_date")
        if end_date < start_date:
            raise ProblemError(f"end_date: {end_date} is before start_date {start_date}")
    else:
        end_date = start_date + timedelta(days=DEFAULT_HORIZON_DAYS - 1)
    if (end_date - start_date).days >= MAX_HORIZON_DAYS:
        raise ProblemError(f"end_date: the horizon is longer than {MAX_HORIZON_DAYS} days")
    weekdays_raw = data.get("weekdays", [1, 2, 3, 4, 5])
    if not isinstance(weekdays_raw, list) or not weekdays_raw:
        raise ProblemError("weekdays: is not a non-empty list of ISO weekdays 1-7")
    weekdays = frozenset(_int(w, f"weekdays[{i}]", 1, 7) for i, w in enumerate(weekdays_raw))
    holidays = frozenset(
        _date(h, f"holidays[{i}]") for i, h in enumerate(_list(data, "holidays", False))
    )
    break_s = _int(data.get("break_s", 0), "break_s", 0, 3600)

    channels: dict[str, Channel] = {}
    for i, raw in enumerate(_list(data, "channels")):
        where = f"channels[{i}]."
        item = _object(raw, where.rstrip("."))
        cid = _str(_get(item, "id", where), f"{where}id")
        if cid in channels:
            raise ProblemError(f"{where}id: duplicate channel id {cid!r}")
        langs = item.get("languages")
        if not isinstance(langs, list) or not langs:
            raise ProblemError(f"{where}languages: is not a non-empty list")
        grades = item.get("grades", list(range(0, 13)))
        if not isinstance(grades, list) or not grades:
            raise ProblemError(f"{where}grades: is not a non-empty list")
        channels[cid] = Channel(
            id=cid,
            name=str(item.get("name") or cid),
            window=_window(_get(item, "window", where), f"{where}window"),
            languages=frozenset(_str(x, f"{where}languages") for x in langs),
            grades=frozenset(_int(g, f"{where}grades", 0, 12) for g in grades),
        )
    if not channels:
        raise ProblemError("channels: the problem has no channel")

    audiences: dict[tuple[int, str], Audience] = {}
    for i, raw in enumerate(_list(data, "audiences", False)):
        where = f"audiences[{i}]."
        item = _object(raw, where.rstrip("."))
        grade = _int(_get(item, "grade", where), f"{where}grade", 0, 12)
        language = _str(_get(item, "language", where), f"{where}language")
        if (grade, language) in audiences:
            raise ProblemError(f"{where}grade: duplicate audience {language} grade {grade}")
        cap = item.get("max_daily_s")
        audiences[(grade, language)] = Audience(
            grade=grade,
            language=language,
            window=_window(item["window"], f"{where}window") if "window" in item else (0, DAY_S),
            max_daily_s=None if cap is None else _int(cap, f"{where}max_daily_s", 1, DAY_S),
        )

    series: dict[str, Series] = {}
    for i, raw in enumerate(_list(data, "series")):
        where = f"series[{i}]."
        item = _object(raw, where.rstrip("."))
        sid = _str(_get(item, "id", where), f"{where}id")
        if sid in series:
            raise ProblemError(f"{where}id: duplicate series id {sid!r}")
        series[sid] = Series(
            id=sid,
            grade=_int(_get(item, "grade", where), f"{where}grade", 0, 12),
            subject=_str(_get(item, "subject", where), f"{where}subject"),
            language=_str(_get(item, "language", where), f"{where}language"),
            title=str(item.get("title") or sid),
            max_per_day=_int(item.get("max_per_day", 1), f"{where}max_per_day", 1),
        )

    lessons: list[Lesson] = []
    seen: set[str] = set()
    episodes: set[tuple[str, int]] = set()
    for i, raw in enumerate(_list(data, "lessons")):
        where = f"lessons[{i}]."
        item = _object(raw, where.rstrip("."))
        lid = _str(_get(item, "id", where), f"{where}id")
        if lid in seen:
            raise ProblemError(f"{where}id: duplicate lesson id {lid!r}")
        sid = _str(_get(item, "series", where), f"{where}series")
        if sid not in series:
            raise ProblemError(f"{where}series: unknown series {sid!r}")
        episode = _int(_get(item, "episode", where), f"{where}episode", 1)
        if (sid, episode) in episodes:
            raise ProblemError(f"{where}episode: {sid} has episode {episode} twice")
        seen.add(lid)
        episodes.add((sid, episode))
        lessons.append(
            Lesson(
                id=lid,
                series=sid,
                episode=episode,
                duration_s=_int(_get(item, "duration_s", where), f"{where}duration_s", 1, DAY_S),
                title=str(item.get("title") or lid),
                signed=bool(item.get("signed", False)),
            )
        )

    days = broadcast_days(start_date, end_date, weekdays, holidays)
    if not days:
        raise ProblemError("weekdays: no broadcast day lies between start_date and end_date")
    problem = Problem(
        timezone=tz_name,
        start_date=start_date,
        end_date=end_date,
        weekdays=weekdays,
        holidays=holidays,
        break_s=break_s,
        channels=tuple(channels.values()),
        audiences=audiences,
        series=series,
        lessons=tuple(sorted(lessons, key=lambda x: (x.series, x.episode))),
        days=days,
    )
    pins: list[Pin] = []
    for i, raw in enumerate(_list(data, "pins", False)):
        where = f"pins[{i}]."
        item = _object(raw, where.rstrip("."))
        lesson = _str(_get(item, "lesson", where), f"{where}lesson")
        if lesson not in seen:
            raise ProblemError(f"{where}lesson: unknown lesson {lesson!r}")
        channel = _str(_get(item, "channel", where), f"{where}channel")
        if channel not in channels:
            raise ProblemError(f"{where}channel: unknown channel {channel!r}")
        start = parse_instant(_get(item, "start", where), f"{where}start")
        if problem.locate(start) is None:
            raise ProblemError(f"{where}start: {item['start']} is not on a broadcast day")
        pins.append(Pin(lesson, channel, start))
    return Problem(**{**problem.__dict__, "pins": tuple(pins)})


def parse_instant(value: Any, name: str) -> datetime:
    """An ISO 8601 instant with its UTC offset (naive instants are refused)."""
    try:
        instant = datetime.fromisoformat(_str(value, name))
    except ValueError:
        raise ProblemError(f"{name}: {value!r} is not an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise ProblemError(f"{name}: {value!r} has no UTC offset")
    return instant
