"""Plain records of the catalogue's data, checked field by field.

Both importers (CSV and problem JSON) build these, so a value is judged by
the same rule whatever file it came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
LANGUAGES = ("kk", "ru", "en")


class FieldError(ValueError):
    """A value that breaks its field's rule; `field` names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def text(data: Mapping[str, Any], field: str, *, required: bool = True) -> str | None:
    """A non-empty string field, stripped; None when optional and absent."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError(field, "is missing")
        return None
    if not isinstance(value, str):
        raise FieldError(field, f"{value!r} is not text")
    return value.strip()


def identifier(data: Mapping[str, Any], field: str) -> str:
    """An id: letters, digits, '.', '_' or '-', at most 64 characters (safe in paths and URLs)."""
    value = text(data, field)
    assert value is not None
    if not ID_PATTERN.match(value):
        raise FieldError(
            field, f"{value!r} is not an id (letters, digits, '.', '_', '-'; at most 64)"
        )
    return value


def whole(data: Mapping[str, Any], field: str, *, minimum: int, maximum: int | None = None) -> int:
    """A whole number within bounds; numeric strings (from CSV) are accepted."""
    value = data.get(field)
    if value is None or value == "":
        raise FieldError(field, "is missing")
    if isinstance(value, bool):
        raise FieldError(field, f"{value!r} is not a whole number")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise FieldError(field, f"{value!r} is not a whole number") from None
    if not isinstance(value, int):
        raise FieldError(field, f"{value!r} is not a whole number")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
        raise FieldError(field, f"{value} must be {bound}")
    return value


def flag(data: Mapping[str, Any], field: str, default: bool = False) -> bool:
    """A yes/no field: JSON booleans, or true/false/yes/no/1/0 from CSV."""
    value = data.get(field)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "no", "0"}:
        return False
    raise FieldError(field, f"{value!r} is not true or false")


def language(data: Mapping[str, Any], field: str = "language") -> str:
    """A language code sabaq publishes in."""
    value = text(data, field)
    if value not in LANGUAGES:
        raise FieldError(field, f"{value!r} is not one of {', '.join(LANGUAGES)}")
    return value


def clock(value: object, field: str) -> str:
    """A local time of day HH:MM (24:00 allowed as an end)."""
    if not isinstance(value, str) or not TIME_PATTERN.match(value):
        raise FieldError(field, f"{value!r} is not a time of day HH:MM")
    return value


def window(data: Mapping[str, Any], field: str = "window") -> tuple[str, str]:
    """A daily window [start, end] with start before end."""
    value = data.get(field)
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise FieldError(field, f"{value!r} is not a pair [start, end]")
    start, end = clock(value[0], f"{field}[0]"), clock(value[1], f"{field}[1]")
    if end <= start:
        raise FieldError(field, f"ends at {end}, not after its start {start}")
    return start, end


@dataclass(frozen=True)
class ChannelRecord:
    """A channel as imported."""

    id: str
    name: str
    window: tuple[str, str]
    languages: tuple[str, ...]
    grades: tuple[int, ...]
    number: int = 0

    @classmethod
    def parse(cls, data: Mapping[str, Any], number: int) -> ChannelRecord:
        """Check one channel mapping."""
        languages = data.get("languages")
        if not isinstance(languages, list) or not languages:
            raise FieldError("languages", f"{languages!r} is not a non-empty list")
        grades = data.get("grades", list(range(1, 12)))
        if not isinstance(grades, list) or not grades:
            raise FieldError("grades", f"{grades!r} is not a non-empty list")
        return cls(
            id=identifier(data, "id"),
            name=text(data, "name") or "",
            window=window(data),
            languages=tuple(language({"l": v}, "l") for v in languages),
            grades=tuple(whole({"g": g}, "g", minimum=0, maximum=12) for g in grades),
            number=number,
        )


@dataclass(frozen=True)
class SeriesRecord:
    """A series as imported."""

    id: str
    grade: int
    subject: str
    language: str
    title: str
    max_per_day: int = 1

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> SeriesRecord:
        """Check one series mapping."""
        series_id = identifier(data, "id")
        return cls(
            id=series_id,
            grade=whole(data, "grade", minimum=0, maximum=12),
            subject=text(data, "subject") or "",
            language=language(data),
            title=text(data, "title", required=False) or series_id,
            max_per_day=whole(data, "max_per_day", minimum=1) if "max_per_day" in data else 1,
        )


@dataclass(frozen=True)
class LessonRecord:
    """A lesson as imported."""

    id: str
    series: str
    episode: int
    title: str
    duration_s: int
    signed: bool = False
    source: str | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> LessonRecord:
        """Check one lesson mapping."""
        lesson_id = identifier(data, "id")
        return cls(
            id=lesson_id,
            series=identifier(data, "series"),
            episode=whole(data, "episode", minimum=1),
            title=text(data, "title", required=False) or lesson_id,
            duration_s=whole(data, "duration_s", minimum=1, maximum=24 * 3600),
            signed=flag(data, "signed"),
            source=text(data, "source", required=False),
        )
