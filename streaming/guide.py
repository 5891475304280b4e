"""The server's guide and channel list: snapshot views to XMLTV, and the M3U list (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from catalog.layout import GUIDE_URL, channel_page_url, lesson_page_url, live_url, logo_url
from scheduler.fields import printable
from scheduler.xmltv import GuideChannel, Programme, tvg_id, write_xmltv
from streaming.catchup import DAYS
from streaming.snapshot import AiringView, ChannelView, LessonView


def xmltv(
    channels: Sequence[ChannelView],
    airings: Sequence[AiringView],
    lessons: dict[str, LessonView],
    timezone: str,
    base_url: str,
) -> bytes:
    """The XMLTV document of the published schedule."""
    ids = {c.id: tvg_id(c.id) for c in channels}
    programmes = [
        Programme(
            channel=ids[a.channel_id],
            start=a.start,
            stop=a.end,
            title=lesson.title,
            language=lesson.language,
            series_title=lesson.series_title,
            subject=lesson.subject,
            grade=lesson.grade,
            episode=lesson.episode,
            signed=lesson.signed,
            url=base_url + lesson_page_url(lesson.id),
            captions=lesson.captions,
        )
        for a in airings
        if (lesson := lessons.get(a.lesson_id)) is not None and a.channel_id in ids
    ]
    guide_channels = [
        GuideChannel(
            ids[c.id],
            c.name,
            c.number,
            base_url + channel_page_url(c.id),
            icon=base_url + logo_url(c.id),
        )
        for c in channels
    ]
    return write_xmltv(guide_channels, programmes, timezone, base_url)


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
