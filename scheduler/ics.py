"""iCalendar writing, the one place the calendar format lives (pure).

icalendar does RFC 5545's escaping, line folding and VTIMEZONE blocks. Used by
`sabaq schedule export --format ics` and by the server's /calendar routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar

from scheduler.fields import printable


@dataclass(frozen=True)
class CalendarEvent:
    """One airing, as the calendar shows it."""

    lesson_id: str
    start: datetime
    end: datetime
    title: str
    series_title: str
    episode: int
    signed: bool
    channel: str  # the channel's name, shown as the event's location
    subject: str
    url: str | None = None
    sequence: int = 0  # the schedule version: a re-published airing supersedes the old
    modified: datetime | None = None  # when that version was stored


def event_uid(lesson_id: str, start: datetime, domain: str) -> str:
    """One UID per airing, so calendar apps keep a lesson's repeats apart."""
    return f"{lesson_id}-{start.astimezone(UTC):%Y%m%dT%H%M%SZ}@{domain}"


def write_ics(
    name: str, timezone: str, events: Sequence[CalendarEvent], domain: str = "sabaq"
) -> bytes:
    """A VCALENDAR with the events in local time and their VTIMEZONE; `domain` (the
    server's host) makes the UIDs globally unique."""
    zone = ZoneInfo(timezone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//sabaq//schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", printable(name))
    calendar.add("x-wr-timezone", timezone)
    for item in sorted(events, key=lambda e: (e.start, e.lesson_id)):
        event = icalendar.Event()
        stamp = item.modified or item.start  # instants of the data itself: output stays pure
        event.add("uid", event_uid(item.lesson_id, item.start, domain))
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("sequence", item.sequence)
        event.add("dtstart", item.start.astimezone(zone))
        event.add("dtend", item.end.astimezone(zone))
        # RFC 5545 allows no control characters but tab in text values.
        event.add("summary", printable(item.title))
        details = [item.series_title, str(item.episode)]
        details += ["sign language"] if item.signed else []
        details += [item.url] if item.url else []
        event.add("description", printable(" · ".join(details)))
        event.add("location", printable(item.channel))
        event.add("categories", [printable(item.subject)])
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
