"""iCalendar writing, the one place the calendar format lives (pure).

icalendar does RFC 5545's escaping, line folding and VTIMEZONE blocks. Used by
`sabaq schedule export --format ics` and by the server's /calendar routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar


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


def write_ics(name: str, timezone: str, events: Sequence[CalendarEvent]) -> bytes:
    """A VCALENDAR with the events in local time and their VTIMEZONE."""
    zone = ZoneInfo(timezone)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//sabaq//schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", timezone)
    for item in sorted(events, key=lambda e: (e.start, e.lesson_id)):
        event = icalendar.Event()
        event.add("uid", f"{item.lesson_id}@sabaq")
        event.add("dtstamp", item.start)  # an instant of the data itself: output stays pure
        event.add("dtstart", item.start.astimezone(zone))
        event.add("dtend", item.end.astimezone(zone))
        event.add("summary", item.title)
        details = [item.series_title, str(item.episode)]
        details += ["sign language"] if item.signed else []
        details += [item.url] if item.url else []
        event.add("description", " · ".join(details))
        event.add("location", item.channel)
        event.add("categories", [item.subject])
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
