"""A schedule as guides show it, and the one mapping from it to XMLTV and iCalendar (pure).

`sabaq schedule export` builds a `Guide` from a problem and a schedule
(`guide_of`), the server from its snapshot of the catalogue; both then write the
XMLTV guide and the audiences' calendars through `xmltv` and `calendars`, so the
two never disagree on what a programme says or how channels are numbered (a
channel's number is its place in the problem, which is what the catalogue
stores when the problem is imported).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.ics import CalendarEvent, write_ics
from scheduler.problem import Problem
from scheduler.schedule import Schedule
from scheduler.xmltv import GuideChannel, Programme, tvg_id, write_xmltv


@dataclass(frozen=True)
class Station:
    """A channel as guides name it."""

    id: str
    name: str
    number: int  # 1, 2, ...: the channel's place in the problem or catalogue
    url: str | None = None  # its page, when there is a server to link to
    icon: str | None = None  # its logo (a PNG: many IPTV apps show no SVG)


@dataclass(frozen=True)
class Listing:
    """One airing with what guides say of its lesson."""

    channel: str  # Station.id
    start: datetime
    end: datetime
    lesson_id: str
    title: str
    series_title: str
    subject: str
    grade: int
    language: str
    episode: int
    signed: bool
    captions: tuple[str, ...] = ()  # languages of its subtitles
    url: str | None = None  # the lesson's page


@dataclass(frozen=True)
class Guide:
    """A published schedule as guides show it."""

    timezone: str
    stations: tuple[Station, ...]
    listings: tuple[Listing, ...]
    version: int = 0  # the schedule version: a re-published airing supersedes the old
    published_at: datetime | None = None


def guide_of(problem: Problem, schedule: Schedule) -> Guide:
    """The guide of a schedule of `problem` (every airing's lesson must be in it)."""
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    stations = tuple(
        Station(c.id, c.name, number) for number, c in enumerate(problem.channels, start=1)
    )
    listings = []
    for airing in schedule.airings:
        lesson = lessons[airing.lesson]
        series = problem.series[lesson.series]
        listings.append(
            Listing(
                channel=airing.channel,
                start=airing.start,
                end=airing.end,
                lesson_id=lesson.id,
                title=lesson.title,
                series_title=series.title,
                subject=series.subject,
                grade=series.grade,
                language=series.language,
                episode=lesson.episode,
                signed=lesson.signed,
            )
        )
    return Guide(problem.timezone, stations, tuple(listings))


def xmltv(guide: Guide, source_url: str | None = None) -> bytes:
    """The XMLTV document of the guide."""
    ids = {s.id: tvg_id(s.id) for s in guide.stations}
    channels = [
        GuideChannel(ids[s.id], s.name, s.number, s.url, icon=s.icon) for s in guide.stations
    ]
    programmes = [
        Programme(
            channel=ids[item.channel],
            start=item.start,
            stop=item.end,
            title=item.title,
            language=item.language,
            series_title=item.series_title,
            subject=item.subject,
            grade=item.grade,
            episode=item.episode,
            signed=item.signed,
            url=item.url,
            captions=item.captions,
        )
        for item in guide.listings
        if item.channel in ids
    ]
    return write_xmltv(channels, programmes, guide.timezone, source_url)


def calendars(guide: Guide, domain: str = "sabaq") -> dict[tuple[int, str], bytes]:
    """One iCalendar per audience (grade, language) that has airings; `domain` (the
    server's host) makes the UIDs globally unique."""
    audiences = sorted({(item.grade, item.language) for item in guide.listings})
    return {(g, lang): audience_calendar(guide, g, lang, domain) for g, lang in audiences}


def audience_calendar(guide: Guide, grade: int, language: str, domain: str = "sabaq") -> bytes:
    """The calendar of one audience's airings (empty of events when it has none)."""
    names = {s.id: s.name for s in guide.stations}
    events = [
        CalendarEvent(
            item.lesson_id,
            item.start,
            item.end,
            item.title,
            item.series_title,
            item.episode,
            item.signed,
            names.get(item.channel, item.channel),
            item.subject,
            url=item.url,
            sequence=guide.version,
            modified=guide.published_at,
        )
        for item in guide.listings
        if item.grade == grade and item.language == language
    ]
    return write_ics(f"sabaq {language} grade {grade}", guide.timezone, events, domain)
