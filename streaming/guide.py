"""The server's guides and channel list: the published snapshot as a `Guide` (written
to XMLTV and iCalendar by scheduler.guide, as `schedule export` does), and the M3U
list (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from catalog.layout import GUIDE_URL, channel_page_url, lesson_page_url, live_url, logo_url
from scheduler import guide
from scheduler.fields import printable
from scheduler.guide import Guide, Listing, Station
from scheduler.xmltv import tvg_id
from streaming.catchup import DAYS
from streaming.snapshot import ChannelView, Snapshot


def published_guide(snapshot: Snapshot, base_url: str) -> Guide:
    """The published schedule as guides show it, linking to this server's pages."""
    listings = tuple(
        Listing(
            channel=a.channel_id,
            start=a.start,
            end=a.end,
            lesson_id=lesson.id,
            title=lesson.title,
            series_title=lesson.series_title,
            subject=lesson.subject,
            grade=lesson.grade,
            language=lesson.language,
            episode=lesson.episode,
            signed=lesson.signed,
            captions=lesson.captions,
            url=base_url + lesson_page_url(lesson.id),
        )
        for a in snapshot.airings
        if (lesson := snapshot.lessons.get(a.lesson_id)) is not None
    )
    stations = tuple(
        Station(
            c.id,
            c.name,
            c.number,
            base_url + channel_page_url(c.id),
            icon=base_url + logo_url(c.id),
        )
        for c in snapshot.channels
    )
    return Guide(snapshot.timezone, stations, listings, snapshot.version, snapshot.published_at)


def xmltv(snapshot: Snapshot, base_url: str) -> bytes:
    """The XMLTV document of the published schedule."""
    return guide.xmltv(published_guide(snapshot, base_url), base_url)


def audience_calendar(snapshot: Snapshot, grade: int, language: str, base_url: str) -> bytes:
    """One audience's airings as an iCalendar; the server's host makes UIDs unique."""
    domain = urlsplit(base_url).hostname or "sabaq"
    return guide.audience_calendar(published_guide(snapshot, base_url), grade, language, domain)


def _m3u_value(text: str) -> str:
    """An attribute value or title that cannot break the M3U line structure."""
    return " ".join(printable(text).replace('"', "'").split())


def m3u(channels: Sequence[ChannelView], base_url: str, catchup_days: int = DAYS) -> str:
    """The #EXTM3U channel list with url-tvg pointing at the guide; every channel can
    be replayed `catchup_days` back (`catchup="shift"`: the player adds
    ?utc=START&lutc=NOW to its URL, see streaming.catchup)."""
    guide = base_url + GUIDE_URL
    lines = [f'#EXTM3U url-tvg="{guide}" x-tvg-url="{guide}"']
    catchup = f' catchup="shift" catchup-days="{catchup_days}"' if catchup_days > 0 else ""
    for channel in channels:
        name = _m3u_value(channel.name)
        group = "Sabaq " + "/".join(channel.languages)
        lines.append(
            f'#EXTINF:-1 tvg-id="{tvg_id(channel.id)}" tvg-name="{name}" '
            f'tvg-logo="{base_url}{logo_url(channel.id)}" tvg-chno="{channel.number}" '
            f'group-title="{_m3u_value(group)}"{catchup},{name}'
        )
        lines.append(base_url + live_url(channel.id))
    return "\n".join(lines) + "\n"
