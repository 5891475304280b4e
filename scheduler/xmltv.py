"""XMLTV writing, the one place the guide format lives (pure).

Element and attribute names follow the XMLTV DTD (xmltv-util ships it); the
writer is the standard library's ElementTree, which escapes every title; control
characters, which XML 1.0 cannot carry at all, are left out.
Used by `sabaq schedule export --format xmltv` and by the server's /iptv/epg.xml.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler.fields import printable

GENERATOR = "sabaq"
EPISODE_WORD = {"kk": "Сабақ", "ru": "Урок", "en": "Episode"}
GRADE_WORD = {"kk": "Сынып", "ru": "Класс", "en": "Grade"}
# The order of a programme's children that the DTD demands.
PROGRAMME_ORDER = (
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


def tvg_id(channel_id: str) -> str:
    """The id that players match between an M3U list (`tvg-id`) and the guide."""
    return f"{channel_id}.sabaq"


@dataclass(frozen=True)
class GuideChannel:
    """A channel as the guide names it."""

    id: str  # the tvg-id players match with the M3U list
    name: str
    number: int
    url: str | None = None
    icon: str | None = None  # the channel's logo (a PNG: many IPTV apps show no SVG)


@dataclass(frozen=True)
class Programme:
    """One airing as the guide shows it."""

    channel: str  # GuideChannel.id
    start: datetime
    stop: datetime
    title: str
    language: str
    series_title: str
    subject: str
    grade: int
    episode: int
    signed: bool
    url: str | None = None
    captions: tuple[str, ...] = ()  # languages of its subtitles (closed captions)


def xmltv_time(instant: datetime, zone: ZoneInfo) -> str:
    """XMLTV's 'YYYYMMDDhhmmss +hhmm' in the broadcast time zone."""
    return instant.astimezone(zone).strftime("%Y%m%d%H%M%S %z")


def write_xmltv(
    channels: Sequence[GuideChannel],
    programmes: Sequence[Programme],
    timezone: str,
    source_url: str | None = None,
) -> bytes:
    """The XMLTV document, UTF-8 with its DOCTYPE."""
    zone = ZoneInfo(timezone)
    attributes = {"generator-info-name": GENERATOR}
    if source_url:
        attributes["source-info-url"] = source_url
    tv = ET.Element("tv", attributes)
    for channel in channels:
        element = ET.SubElement(tv, "channel", id=channel.id)
        ET.SubElement(element, "display-name").text = channel.name
        ET.SubElement(element, "display-name").text = str(channel.number)
        if channel.icon:
            ET.SubElement(element, "icon", src=channel.icon)
        if channel.url:
            ET.SubElement(element, "url").text = channel.url
    for item in sorted(programmes, key=lambda p: (p.channel, p.start)):
        programme = ET.SubElement(
            tv,
            "programme",
            start=xmltv_time(item.start, zone),
            stop=xmltv_time(item.stop, zone),
            channel=item.channel,
        )
        lang = item.language
        episode = f"{EPISODE_WORD.get(lang, 'Episode')} {item.episode}"
        ET.SubElement(programme, "title", lang=lang).text = item.title
        ET.SubElement(programme, "sub-title", lang=lang).text = item.series_title
        ET.SubElement(
            programme, "desc", lang=lang
        ).text = f"{GRADE_WORD.get(lang, 'Grade')} {item.grade} · {item.series_title} · {episode}"
        ET.SubElement(programme, "category", lang="en").text = item.subject
        ET.SubElement(programme, "category", lang="en").text = "Education"
        ET.SubElement(programme, "language").text = lang
        if item.url:
            ET.SubElement(programme, "url").text = item.url
        ET.SubElement(programme, "episode-num", system="onscreen").text = episode
        ET.SubElement(programme, "episode-num", system="xmltv_ns").text = f". {item.episode - 1} . "
        if item.signed:
            ET.SubElement(programme, "subtitles", type="deaf-signed")
        for language in item.captions:  # captions a viewer turns on: XMLTV's "teletext"
            captioned = ET.SubElement(programme, "subtitles", type="teletext")
            ET.SubElement(captioned, "language").text = language
        _in_dtd_order(programme)
    for element in tv.iter():  # XML 1.0 has no place for control characters
        element.text = printable(element.text) if element.text else element.text
        for key, value in element.attrib.items():
            element.set(key, printable(value))
    body = ET.tostring(tv, encoding="unicode")
    header = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n'
    return (header + body + "\n").encode("utf-8")


def _in_dtd_order(programme: ET.Element) -> None:
    rank = {name: i for i, name in enumerate(PROGRAMME_ORDER)}
    children = sorted(programme, key=lambda e: rank.get(e.tag, len(rank)))
    for child in list(programme):
        programme.remove(child)
    programme.extend(children)
