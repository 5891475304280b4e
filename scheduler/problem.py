"""The scheduling problem of DESIGN.md as checked, immutable data.

Pure: parsing reads a mapping and returns dataclasses; no files, no clock.
Times of day are seconds after local midnight; the broadcast calendar is the
list of dates on which channels air.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from scheduler import fields
from scheduler.errors import ProblemError
from scheduler.fields import FieldError

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
    key: tuple[int, str] = field(init=False, repr=False, compare=False)
    """(grade, language); a field, as heuristics read it for every slot they fill."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.grade, self.language))


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
        return self.series_audience[lesson.series]

    @cached_property
    def series_audience(self) -> dict[str, Audience]:
        """The audience of every series (looked up for every slot a heuristic fills)."""
        return {s.id: self.audience(s.grade, s.language) for s in self.series.values()}

    @cached_property
    def series_carriers(self) -> dict[str, tuple[Channel, ...]]:
        """The channels that may carry each series (its language and grade)."""
        return {
            s.id: tuple(
                c for c in self.channels if s.language in c.languages and s.grade in c.grades
            )
            for s in self.series.values()
        }

    @cached_property
    def lesson_by_id(self) -> dict[str, Lesson]:
        """Every lesson by its id."""
        return {lesson.id: lesson for lesson in self.lessons}

    @cached_property
    def episodes(self) -> dict[str, tuple[Lesson, ...]]:
        """Each series' lessons in episode order (the lessons are sorted so)."""
        found: dict[str, list[Lesson]] = {}
        for lesson in self.lessons:
            found.setdefault(lesson.series, []).append(lesson)
        return {series_id: tuple(items) for series_id, items in found.items()}

    @cached_property
    def episode_index(self) -> dict[str, int]:
        """Each lesson's position in its series' episodes."""
        return {lesson.id: i for items in self.episodes.values() for i, lesson in enumerate(items)}

    def eligible(self, lesson: Lesson) -> list[Channel]:
        """Channels that may carry a lesson."""
        return list(self.series_carriers[lesson.series])

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


ALL_GRADES = tuple(range(0, 13))
"""A channel without `grades` carries every grade sabaq knows (0, preparatory, to 12)."""
T = TypeVar("T")


def _item(parse: Callable[[Mapping[str, Any]], T], raw: Any, where: str) -> T:
    """One list item of the document, parsed; errors name it (`lessons[3].episode: ...`)."""
    try:
        return parse(_object(raw, where))
    except FieldError as exc:
        raise ProblemError(f"{where}.{exc}") from None


def _values(data: Mapping[str, Any], key: str, default: list[Any] | None = None) -> list[Any]:
    value = data.get(key, default)
    if not isinstance(value, list) or not value:
        raise FieldError(key, f"{value!r} is not a non-empty list")
    return value


def parse_channel(item: Mapping[str, Any]) -> Channel:
    """One channel of the document; FieldError names the field."""
    channel_id = fields.identifier(item, "id")
    start, end = fields.window(item)
    return Channel(
        id=channel_id,
        name=fields.text(item, "name", required=False, longest=fields.NAME_LONGEST) or channel_id,
        window=(fields.seconds_of_day(start), fields.seconds_of_day(end)),
        languages=frozenset(
            fields.language({"languages": v}, "languages") for v in _values(item, "languages")
        ),
        grades=frozenset(
            fields.whole({"grades": g}, "grades", minimum=0, maximum=12)
            for g in _values(item, "grades", list(ALL_GRADES))
        ),
    )


def parse_audience(item: Mapping[str, Any]) -> Audience:
    """One audience (grade x language) with its window and daily cap."""
    window = (0, DAY_S)
    if "window" in item:
        start, end = fields.window(item)
        window = (fields.seconds_of_day(start), fields.seconds_of_day(end))
    cap = item.get("max_daily_s")
    return Audience(
        grade=fields.whole(item, "grade", minimum=0, maximum=12),
        language=fields.language(item),
        window=window,
        max_daily_s=None
        if cap is None
        else fields.whole(item, "max_daily_s", minimum=1, maximum=DAY_S),
    )


def parse_series(item: Mapping[str, Any]) -> Series:
    """One series of the document."""
    series_id = fields.identifier(item, "id")
    return Series(
        id=series_id,
        grade=fields.whole(item, "grade", minimum=0, maximum=12),
        subject=fields.text(item, "subject", longest=fields.SUBJECT_LONGEST) or "",
        language=fields.language(item),
        title=fields.text(item, "title", required=False, longest=fields.TITLE_LONGEST) or series_id,
        max_per_day=fields.whole(item, "max_per_day", minimum=1) if "max_per_day" in item else 1,
    )


def parse_lesson(item: Mapping[str, Any]) -> Lesson:
    """One lesson of the document (its series is checked against the document's)."""
    lesson_id = fields.identifier(item, "id")
    return Lesson(
        id=lesson_id,
        series=fields.identifier(item, "series"),
        episode=fields.whole(item, "episode", minimum=1),
        duration_s=fields.whole(item, "duration_s", minimum=1, maximum=DAY_S),
        title=fields.text(item, "title", required=False, longest=fields.TITLE_LONGEST) or lesson_id,
        signed=fields.flag(item, "signed"),
    )


def parse_problem(data: Any) -> Problem:
    """Check a problem document and return it as a Problem; ProblemError names the field."""
    data = _object(data, "problem")
    tz_name = _str(_get(data, "timezone", ""), "timezone")
    try:
        fields.time_zone(tz_name)
    except FieldError as exc:
        raise ProblemError(str(exc)) from None
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
        channel = _item(parse_channel, raw, f"channels[{i}]")
        if channel.id in channels:
            raise ProblemError(f"channels[{i}].id: duplicate channel id {channel.id!r}")
        channels[channel.id] = channel
    if not channels:
        raise ProblemError("channels: the problem has no channel")

    audiences: dict[tuple[int, str], Audience] = {}
    for i, raw in enumerate(_list(data, "audiences", False)):
        audience = _item(parse_audience, raw, f"audiences[{i}]")
        if audience.key in audiences:
            raise ProblemError(
                f"audiences[{i}].grade: duplicate audience {audience.language} "
                f"grade {audience.grade}"
            )
        audiences[audience.key] = audience

    series: dict[str, Series] = {}
    for i, raw in enumerate(_list(data, "series")):
        item = _item(parse_series, raw, f"series[{i}]")
        if item.id in series:
            raise ProblemError(f"series[{i}].id: duplicate series id {item.id!r}")
        series[item.id] = item

    lessons: list[Lesson] = []
    seen: set[str] = set()
    episodes: set[tuple[str, int]] = set()
    for i, raw in enumerate(_list(data, "lessons")):
        where = f"lessons[{i}]."
        lesson = _item(parse_lesson, raw, f"lessons[{i}]")
        if lesson.id in seen:
            raise ProblemError(f"{where}id: duplicate lesson id {lesson.id!r}")
        if lesson.series not in series:
            raise ProblemError(f"{where}series: unknown series {lesson.series!r}")
        if (lesson.series, lesson.episode) in episodes:
            raise ProblemError(
                f"{where}episode: {lesson.series} has episode {lesson.episode} twice"
            )
        seen.add(lesson.id)
        episodes.add((lesson.series, lesson.episode))
        lessons.append(lesson)

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
        pin = _object(raw, where.rstrip("."))
        pinned = _str(_get(pin, "lesson", where), f"{where}lesson")
        if pinned not in seen:
            raise ProblemError(f"{where}lesson: unknown lesson {pinned!r}")
        on = _str(_get(pin, "channel", where), f"{where}channel")
        if on not in channels:
            raise ProblemError(f"{where}channel: unknown channel {on!r}")
        start = parse_instant(_get(pin, "start", where), f"{where}start")
        if problem.locate(start) is None:
            raise ProblemError(f"{where}start: {pin['start']} is not on a broadcast day")
        pins.append(Pin(pinned, on, start))
    return replace(problem, pins=tuple(pins))


def parse_instant(value: Any, name: str) -> datetime:
    """An ISO 8601 instant with its UTC offset (naive instants are refused)."""
    try:
        instant = datetime.fromisoformat(_str(value, name))
    except ValueError:
        raise ProblemError(f"{name}: {value!r} is not an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise ProblemError(f"{name}: {value!r} has no UTC offset")
    if not 1970 <= instant.year <= 9998:  # beyond, UTC arithmetic overflows
        raise ProblemError(f"{name}: {value!r} is out of range (years 1970 to 9998)")
    return instant
