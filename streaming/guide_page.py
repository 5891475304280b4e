"""The TV guide page (/guide): a day of every channel, as a grid or a list (pure).

One markup serves both: on a wide screen the channels stand side by side and each
programme takes rows in proportion to its length (a CSS grid of rows of a minute,
or less on a day of shorter programmes, so the same time lines up across
channels, beside a column of hours); on a phone the same lists follow one
another. Days run from `catchup_days` back (each aired programme offers "watch
again") to a week ahead; filters by grade and language are plain links and a
form, so the page needs no script.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from catalog.layout import TV_GUIDE_URL, channel_page_url, lesson_page_url
from streaming.i18n import LANGUAGES, NAMES, t
from streaming.pages import (
    NO_ASSETS,
    badges,
    choice,
    clock,
    escape,
    layout,
    link,
    replay_link,
)
from streaming.snapshot import AiringView, ChannelView, LessonView

AHEAD_DAYS = 7
MIN_ROWS = 10  # rows (.45rem each) of the shortest programme: its time, title and links
ROW_S = (5, 60)  # a row lasts a minute, or less when programmes are that short


@dataclass(frozen=True)
class GuideFilter:
    """What the reader chose: a day, and optionally a grade and a language."""

    day: date
    grade: int | None = None
    language: str | None = None

    def query(self, lang: str | None, **changes: object) -> str:
        """The page's query string with `changes` (e.g. another day), escaped; without
        the reader's language when `lang` is None."""
        return escape(self._raw(lang, **changes))

    def _raw(self, lang: str | None, **changes: object) -> str:
        values: dict[str, object] = {
            "day": self.day.isoformat(),
            "grade": self.grade,
            "language": self.language,
            **changes,
            "lang": lang,
        }
        return "?" + urlencode({k: v for k, v in values.items() if v not in (None, "")})

    @property
    def path(self) -> str:
        """The page with these choices (not escaped): the language links keep them."""
        return TV_GUIDE_URL + self._raw(None)


def days_shown(today: date, catchup_days: int) -> list[date]:
    """The days the guide offers: those that can be replayed, today, a week ahead."""
    return [today + timedelta(days=n) for n in range(-catchup_days, AHEAD_DAYS + 1)]


def _matches(lesson: LessonView, chosen: GuideFilter) -> bool:
    if chosen.grade is not None and lesson.grade != chosen.grade:
        return False
    return chosen.language is None or lesson.language == chosen.language


def _day_label(day: date, today: date, lang: str) -> str:
    return t("today", lang) if day == today else day.strftime("%d.%m")


def guide_page(
    lang: str,
    channels: Sequence[ChannelView],
    airings: Mapping[str, Sequence[AiringView]],
    lessons: Mapping[str, LessonView],
    timezone: str,
    now: datetime,
    chosen: GuideFilter,
    catchup_days: int,
    grades: Sequence[int],
    assets: Mapping[str, str] = NO_ASSETS,
) -> str:
    """The page: day links, filters, then the chosen day's programmes of every channel
    (`airings` by channel id, that day's, in time order)."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    current = ' aria-current="date"'
    day_links = "".join(
        f'<li><a href="{TV_GUIDE_URL}{chosen.query(lang, day=day.isoformat())}"'
        f"{current if day == chosen.day else ''}>"
        f"{escape(_day_label(day, today, lang))}</a></li>"
        for day in days_shown(today, catchup_days)
    )
    shown = {
        channel.id: [
            a
            for a in airings.get(channel.id, ())
            if (lesson := lessons.get(a.lesson_id)) is not None and _matches(lesson, chosen)
        ]
        for channel in channels
    }
    unit = _row_seconds(shown)
    extent = _span(shown)
    begin = datetime.combine(chosen.day, time(0), tzinfo=zone)
    columns = []
    if extent is not None:  # the grid starts with the day's first programme
        begin = datetime.fromtimestamp(extent[0].timestamp() // unit * unit, zone)
        columns.append(_time_column(begin, extent[1], zone, unit))
    for channel in channels:
        items, free = [], 1  # the first grid row not yet taken
        for airing in shown[channel.id]:
            lesson = lessons[airing.lesson_id]
            row = max(free, int((airing.start - begin).total_seconds() // unit) + 1)
            span = max(MIN_ROWS, math.ceil((airing.end - airing.start).total_seconds() / unit))
            items.append(
                _programme(airing, lesson, channel, row, span, zone, now, lang, catchup_days)
            )
            free = row + span
        body = "".join(items) or f'<li class="empty">{escape(t("off_air", lang))}</li>'
        heading = f"ch-{escape(channel.id)}"
        columns.append(
            f'<section class="channel" aria-labelledby="{heading}">'
            f'<h2 id="{heading}"><a href="{link(channel_page_url(channel.id), lang)}">'
            f"{escape(channel.name)}</a></h2><ol>{body}</ol></section>"
        )
    times = "3.5rem " if extent is not None else ""
    style = f"grid-template-columns: {times}repeat({max(1, len(channels))}, minmax(0, 1fr))"
    body = (
        f"<h1>{escape(t('tv_guide', lang))}</h1>"
        f'<nav class="days" aria-label="{escape(t("day", lang))}"><ol>{day_links}</ol></nav>'
        + _filters(lang, chosen, grades)
        + _calendar(lang, chosen)
        + f'<p class="date">{chosen.day.strftime("%Y-%m-%d")} · {escape(timezone)}</p>'
        + f'<div class="guide" style="{style}">{"".join(columns)}</div>'
    )
    return layout(t("tv_guide", lang), body, lang, chosen.path, assets=assets)


def _span(shown: Mapping[str, Sequence[AiringView]]) -> tuple[datetime, datetime] | None:
    """When the day's first shown programme starts and its last one ends."""
    everything = [a for items in shown.values() for a in items]
    if not everything:
        return None
    return min(a.start for a in everything), max(a.end for a in everything)


def _row_seconds(shown: Mapping[str, Sequence[AiringView]]) -> int:
    """How long a grid row lasts: a minute, less when the day's shortest programme
    would get fewer than MIN_ROWS rows (never under 5 s)."""
    lengths = [(a.end - a.start).total_seconds() for items in shown.values() for a in items]
    shortest = min(lengths, default=3600.0)
    return int(min(ROW_S[1], max(ROW_S[0], shortest // MIN_ROWS)))


def _time_column(begin: datetime, end: datetime, zone: ZoneInfo, unit: int) -> str:
    """The times down the side of the grid, from its first instant and then every hour
    (every 5 minutes on a day of programmes that short); not shown on a phone,
    where every programme says its own time."""
    every = 3600 if unit >= 30 else 300
    marks = [begin]
    mark = datetime.fromtimestamp((begin.timestamp() // every + 1) * every, begin.tzinfo)
    while mark < end:
        marks.append(mark)
        mark += timedelta(seconds=every)
    rows = [int((m - begin).total_seconds() // unit) + 1 for m in marks]
    ends = [*rows[1:], int((end - begin).total_seconds() // unit) + 2]
    items = "".join(
        f'<li style="grid-row: {row} / {stop}">{clock(m, zone)}</li>'
        for m, row, stop in zip(marks, rows, ends, strict=True)
        if stop > row
    )
    return f'<div class="hours" aria-hidden="true"><h2>&nbsp;</h2><ol>{items}</ol></div>'


def _programme(
    airing: AiringView,
    lesson: LessonView,
    channel: ChannelView,
    row: int,
    span: int,
    zone: ZoneInfo,
    now: datetime,
    lang: str,
    catchup_days: int,
) -> str:
    on_now = airing.start <= now < airing.end
    marks = ' class="now" aria-current="time"' if on_now else ""
    live = (
        f' <a class="live" href="{link(channel_page_url(channel.id), lang)}">'
        f"{escape(t('watch_live', lang))}</a>"
        if on_now
        else ""
    )
    again = replay_link(channel.id, airing, now, lang, catchup_days)
    return (
        f'<li{marks} style="grid-row: {row} / span {span}">'
        f'<time datetime="{airing.start.isoformat()}">{clock(airing.start, zone)}–'
        f"{clock(airing.end, zone)}</time> "
        f'<a href="{link(lesson_page_url(lesson.id), lang)}" lang="{lesson.language}">'
        f"{escape(lesson.title)}</a>"
        f"<small>{escape(t('grade', lang))} {lesson.grade} · "
        f"{escape(t('lang_' + lesson.language, lang))}</small>{badges(lesson, lang)}"
        f"{live}{(' ' + again) if again else ''}</li>"
    )


def _filters(lang: str, chosen: GuideFilter, grades: Sequence[int]) -> str:
    grade = str(chosen.grade) if chosen.grade is not None else ""
    return (
        f'<form class="filters" method="get" action="{TV_GUIDE_URL}">'
        f'<input type="hidden" name="lang" value="{lang}">'
        f'<input type="hidden" name="day" value="{chosen.day.isoformat()}">'
        + choice(lang, "grade", [(str(g), str(g)) for g in grades], grade)
        + choice(lang, "language", [(c, NAMES[c]) for c in LANGUAGES], chosen.language or "")
        + f'<button type="submit">{escape(t("filter", lang))}</button></form>'
    )


def _calendar(lang: str, chosen: GuideFilter) -> str:
    """The audience's calendar (ICS) when a grade and a language are chosen."""
    if chosen.grade is None or chosen.language is None:
        return ""
    return (
        f'<p><a class="button" href="/calendar/{chosen.grade}-{chosen.language}.ics">'
        f"{escape(t('calendar', lang))}</a> <small>{escape(t('grade', lang))} {chosen.grade} · "
        f"{escape(NAMES[chosen.language])}</small></p>"
    )
