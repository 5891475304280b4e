"""The rules of the problem document's fields, one function a kind of value (pure).

The scheduler's parser (`scheduler.problem`) and the catalogue's importers (CSV
and problem JSON) judge every value with these, so a value means the same
whatever file it came from. Numbers may come as numeric text (CSV cells).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from errors import BadInput

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
LANGUAGES = ("kk", "ru", "en")


class FieldError(BadInput):
    """A value that breaks its field's rule; `field` names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


NAME_LONGEST = 200  # a channel's name
TITLE_LONGEST = 300  # a series' or a lesson's title
SUBJECT_LONGEST = 64


def _forbidden(character: str) -> bool:
    """Control characters (C0, DEL, C1), UTF-16 surrogates and the noncharacters
    U+FFFE/U+FFFF: none is allowed in XML 1.0, iCalendar or a PostgreSQL text, and
    none belongs in a title."""
    point = ord(character)
    return (
        point < 0x20
        or 0x7F <= point <= 0x9F
        or 0xD800 <= point <= 0xDFFF
        or point
        in (
            0xFFFE,
            0xFFFF,
        )
    )


def printable(value: str) -> str:
    """`value` without the characters `text` refuses: what every writer (XMLTV, ICS,
    M3U, pages) emits, so output stays valid whatever a catalogue from before the
    rule holds."""
    if value.isprintable():  # the common case: nothing to take out
        return value
    return "".join(c for c in value if not _forbidden(c))


def text(
    data: Mapping[str, Any], field: str, *, required: bool = True, longest: int | None = None
) -> str | None:
    """A non-empty string field, stripped; None when optional and absent. Control
    characters are refused (naming the first and where it is), and so is text of
    more than `longest` characters."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError(field, "is missing")
        return None
    if not isinstance(value, str):
        raise FieldError(field, f"{value!r} is not text")
    value = value.strip()
    bad = next((i for i, c in enumerate(value) if _forbidden(c)), None)
    if bad is not None:
        raise FieldError(
            field, f"holds control character U+{ord(value[bad]):04X} at character {bad + 1}"
        )
    if longest is not None and len(value) > longest:
        raise FieldError(field, f"is {len(value)} characters long; at most {longest} are kept")
    return value


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


def time_zone(value: object, field: str = "timezone") -> ZoneInfo:
    """An IANA time zone name such as Asia/Almaty."""
    if not isinstance(value, str) or not value:
        raise FieldError(field, f"{value!r} is not a time zone name")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldError(field, f"unknown time zone {value!r}") from None


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


def seconds_of_day(value: str) -> int:
    """'09:30' -> 34200 (a time of day already checked by `clock`)."""
    hours, minutes = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def clock_text(seconds: int) -> str:
    """34200 -> '09:30'."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
