"""Catalogue records read from a file, checked by the one parser of the problem document.

Both importers (CSV and problem JSON) build these with the scheduler's item
parsers (`scheduler.problem.parse_channel`, `parse_series`, `parse_lesson`), so
a value is judged by the same rule whatever file it came from and whether it is
imported or scheduled. What only the catalogue keeps (a channel's number, the
order of its languages, a lesson's source file) is added here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from catalog.captions import parse_assignments
from errors import BadInput
from scheduler import fields
from scheduler.problem import Series, parse_channel, parse_lesson

SeriesRecord = Series
"""A series as imported: exactly the scheduler's (`scheduler.problem.parse_series`)."""


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
        channel = parse_channel(data)
        # The document's order of languages is kept (it names the M3U group).
        languages = tuple(dict.fromkeys(str(x).strip() for x in data["languages"]))
        return cls(
            id=channel.id,
            name=channel.name,
            window=(fields.clock_text(channel.window[0]), fields.clock_text(channel.window[1])),
            languages=languages,
            grades=tuple(sorted(channel.grades)),
            number=number,
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
    captions: tuple[tuple[str, str], ...] = ()  # (language, subtitle file), by language

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> LessonRecord:
        """Check one lesson mapping; `captions` is {language: file} or, from a CSV cell,
        'kk=FILE ru=FILE'."""
        lesson = parse_lesson(data)
        return cls(
            id=lesson.id,
            series=lesson.series,
            episode=lesson.episode,
            title=lesson.title,
            duration_s=lesson.duration_s,
            signed=lesson.signed,
            source=fields.text(data, "source", required=False),
            captions=_captions(data.get("captions")),
        )


def _captions(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None or value == "":
        return ()
    try:
        if isinstance(value, str):
            return tuple(sorted(parse_assignments(value, "captions").items()))
        if isinstance(value, dict):
            text = " ".join(f"{k}={v}" for k, v in value.items() if isinstance(v, str))
            if len(text.split()) != len(value):
                raise BadInput("captions: every value must be a file path without spaces")
            return tuple(sorted(parse_assignments(text, "captions").items()))
    except BadInput as exc:
        raise fields.FieldError("captions", str(exc).removeprefix("captions: ")) from None
    raise fields.FieldError("captions", "expected {language: file} or 'kk=FILE ru=FILE'")
