"""XMLTV guide and M3U channel list for IPTV players (pure; no I/O, no clock).

Element and attribute names follow the XMLTV DTD; the writer is the standard
library's ElementTree, which escapes every title.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from streaming.i18n import t
from streaming.snapshot import AiringView, ChannelView, LessonView

GENERATOR = "sabaq"


def xmltv_time(instant: datetime, zone: ZoneInfo) -> str:
    """XMLTV's 'YYYYMMDDhhmmss +hhmm' in the broadcast time zone."""
    return instant.astimezone(zone).strftime("%Y%m%d%H%M%S %z")


def channel_tvg_id(channel: ChannelView) -> str:
    """The id players match between the M3U list and the guide."""
    return f"{channel.id}.sabaq"


def xmltv(
    channels: Sequence[ChannelView],
    airings: Sequence[AiringView],
    lessons: dict[str, LessonView],
    timezone: str,
    base_url: str,
) -> bytes:
    """The XMLTV document (UTF-8 bytes with its DOCTYPE)."""
    zone = ZoneInfo(timezone)
    tv = ET.Element("tv", {"generator-info-name": GENERATOR, "source-info-url": base_url})
    for channel in channels:
        element = ET.SubElement(tv, "channel", id=channel_tvg_id(channel))
        ET.SubElement(element, "display-name").text = channel.name
        ET.SubElement(element, "display-name").text = str(channel.number)
        ET.SubElement(element, "url").text = f"{base_url}/channels/{channel.id}"
    ids = {c.id: channel_tvg_id(c) for c in channels}
    for airing in airings:
        lesson = lessons.get(airing.lesson_id)
        if lesson is None or airing.channel_id not in ids:
            continue
        programme = ET.SubElement(
            tv,
            "programme",
            start=xmltv_time(airing.start, zone),
            stop=xmltv_time(airing.end, zone),
            channel=ids[airing.channel_id],
        )
        ET.SubElement(programme, "title", lang=lesson.language).text = lesson.title
        ET.SubElement(programme, "sub-title", lang=lesson.language).text = lesson.series_title
        ET.SubElement(programme, "desc", lang=lesson.language).text = (
            f"{t('grade', lesson.language)} {lesson.grade} · {lesson.series_title} · "
            f"{t('episode', lesson.language)} {lesson.episode}"
        )
        ET.SubElement(programme, "category", lang="en").text = lesson.subject
        ET.SubElement(programme, "category", lang="en").text = "Education"
        ET.SubElement(programme, "language").text = lesson.language
        ET.SubElement(
            programme, "episode-num", system="onscreen"
        ).text = f"{t('episode', lesson.language)} {lesson.episode}"
        ET.SubElement(programme, "url").text = f"{base_url}/lessons/{lesson.id}"
        if lesson.signed:
            ET.SubElement(programme, "subtitles", type="deaf-signed")
    _reorder(tv)
    body = ET.tostring(tv, encoding="unicode")
    header = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n'
    return (header + body + "\n").encode("utf-8")


_PROGRAMME_ORDER = (
    "title",
    "sub-title",
    "desc",
    "credits",
    "date",
    "category",
    "keyword",
    "language",
    "orig-language",
    "length",
    "icon",
    "url",
    "country",
    "episode-num",
    "video",
    "audio",
    "previously-shown",
    "premiere",
    "last-chance",
    "new",
    "subtitles",
    "rating",
)


def _reorder(tv: ET.Element) -> None:
    """Children of each programme in the order the DTD demands."""
    rank = {name: i for i, name in enumerate(_PROGRAMME_ORDER)}
    for programme in tv.iter("programme"):
        children = sorted(programme, key=lambda e: rank.get(e.tag, len(rank)))
        for child in list(programme):
            programme.remove(child)
        programme.extend(children)


def _m3u_value(text: str) -> str:
    """An attribute value or title that cannot break the M3U line structure."""
    return " ".join(text.replace('"', "'").split())


def m3u(channels: Sequence[ChannelView], base_url: str) -> str:
    """The #EXTM3U channel list with url-tvg pointing at the guide."""
    lines = [f'#EXTM3U url-tvg="{base_url}/iptv/epg.xml" x-tvg-url="{base_url}/iptv/epg.xml"']
    for channel in channels:
        name = _m3u_value(channel.name)
        group = "Sabaq " + "/".join(channel.languages)
        lines.append(
            f'#EXTINF:-1 tvg-id="{channel_tvg_id(channel)}" tvg-name="{name}" '
            f'tvg-logo="{base_url}/static/logo.svg" tvg-chno="{channel.number}" '
            f'group-title="{_m3u_value(group)}",{name}'
        )
        lines.append(f"{base_url}/live/{channel.id}/master.m3u8")
    return "\n".join(lines) + "\n"
