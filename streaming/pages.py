"""Web pages as HTML text (pure): every value escaped, every string translated.

No framework: a small stylesheet, hls.js only on player pages, so a phone on
a slow link gets a page of a few kilobytes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from catalog.hls import MASTER, POSTER
from catalog.layout import (
    GUIDE_URL,
    PLAYLIST_URL,
    TV_GUIDE_URL,
    channel_page_url,
    lesson_page_url,
    live_url,
    vod_url,
)
from scheduler.fields import printable
from streaming.catchup import DAYS, Replay
from streaming.i18n import LANGUAGES, NAMES, t
from streaming.snapshot import AiringView, ChannelView, LessonView


def escape(value: str) -> str:
    """Text made safe for HTML, in an element or a quoted attribute: `<&">'` escaped,
    control characters (which HTML forbids) left out."""
    return html.escape(printable(value))


def link(path: str, lang: str) -> str:
    """A page link that keeps the reader's language, escaped for an attribute."""
    return escape(path) + page_query(lang)


def replay_link(channel_id: str, airing: AiringView, now: datetime, lang: str, days: int) -> str:
    """ "Watch from the start" for the airing on now, "watch again" for one aired in
    the last `days` (a replay of its channel, see streaming.catchup); else nothing."""
    if airing.start <= now < airing.end:
        key, replay = "watch_from_start", Replay(airing.start)
    elif airing.end <= now and now - airing.start <= timedelta(days=days):
        key, replay = "watch_again", Replay(airing.start, airing.end)
    else:
        return ""
    query = escape(f"?{replay.query}&{urlencode({'lang': lang})}")
    return (
        f'<a class="replay" href="{escape(channel_page_url(channel_id))}{query}">'
        f"{escape(t(key, lang))}</a>"
    )


def page_query(lang: str, **params: object) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    query["lang"] = lang
    return "?" + urlencode(query)


NO_ASSETS: Mapping[str, str] = MappingProxyType({})


def _asset(assets: Mapping[str, str], name: str) -> str:
    """An asset's URL: hashed (cached for a year) when the server gave one."""
    return escape(assets.get(name, f"/static/{name}"))


def layout(
    title: str,
    body: str,
    lang: str,
    path: str,
    player: bool = False,
    assets: Mapping[str, str] = NO_ASSETS,
) -> str:
    """A whole page: head, language switcher, body; `assets` maps static file names
    to the URLs to link them by."""
    current = ' aria-current="true"'
    joiner = "&" if "?" in path else "?"
    switcher = " ".join(
        f'<a href="{escape(path)}{escape(joiner)}lang={code}" hreflang="{code}"'
        f"{current if code == lang else ''}>{escape(NAMES[code])}</a>"
        for code in LANGUAGES
    )
    scripts = ""
    if player:
        scripts = (
            f'<script src="{_asset(assets, "hls.min.js")}" defer></script>'
            f'<script src="{_asset(assets, "player.js")}" defer></script>'
        )
    return f"""<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(page_title(title, lang))}</title>
<link rel="stylesheet" href="{_asset(assets, "site.css")}">
<link rel="icon" href="{_asset(assets, "logo.svg")}" type="image/svg+xml">
{scripts}
</head>
<body>
<header><a class="home" href="/{page_query(lang)}">{escape(t("site", lang))}</a>
<nav aria-label="{escape(t("language", lang))}">{switcher}</nav></header>
<main>
{body}
</main>
<footer><a href="{TV_GUIDE_URL}{page_query(lang)}">{escape(t("tv_guide", lang))}</a> ·
<a href="{PLAYLIST_URL}">{escape(t("iptv", lang))}</a> ·
<a href="{GUIDE_URL}">{escape(t("guide", lang))}</a></footer>
</body>
</html>
"""


def page_title(title: str, lang: str) -> str:
    """A tab's title: the page's, then the site's name (only once on the home page)."""
    site = t("site", lang)
    return site if title == site else f"{title} · {site}"


def clock(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%H:%M")


def utc_offset(instant: datetime, zone: ZoneInfo) -> str:
    """The zone's offset from UTC at `instant`, as people write it: "UTC+5", "UTC+5:30"."""
    offset = instant.astimezone(zone).utcoffset() or timedelta(0)
    minutes = round(offset.total_seconds() / 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def when(instant: datetime, zone: ZoneInfo) -> str:
    """A date and time in the broadcast's zone, with its offset, as a <time> element."""
    local = instant.astimezone(zone)
    return (
        f'<time datetime="{local.isoformat()}">{local.strftime("%Y-%m-%d %H:%M")} '
        f"{utc_offset(instant, zone)}</time>"
    )


def duration(seconds: int, lang: str) -> str:
    """A lesson's length as people say it: seconds under a minute ("40 s"), else
    minutes rounded to the nearest (29:59 is "30 min", 1:30 is "2 min")."""
    if seconds < 60:
        return f"{max(seconds, 0)} {t('seconds', lang)}"
    return f"{(seconds + 30) // 60} {t('minutes', lang)}"


def home(
    lang: str,
    channels: Sequence[ChannelView],
    now_next: dict[str, tuple[AiringView | None, AiringView | None]],
    lessons: dict[str, LessonView],
    timezone: str,
    catalogue_html: str,
    assets: Mapping[str, str] = NO_ASSETS,
    now: datetime | None = None,
) -> str:
    """Channels on air now (each with "watch from the start" when `now` is given), then
    the lesson catalogue."""
    zone = ZoneInfo(timezone)
    cards = []
    for channel in channels:
        current, upcoming = now_next.get(channel.id, (None, None))
        now_line = (
            f"{escape(lessons[current.lesson_id].title)} "
            f"<small>{clock(current.start, zone)}–{clock(current.end, zone)}</small>"
            if current and current.lesson_id in lessons
            else escape(t("off_air", lang))
        )
        next_line = (
            f"<p>{escape(t('next', lang))}: {escape(lessons[upcoming.lesson_id].title)} "
            f"<small>{clock(upcoming.start, zone)}</small></p>"
            if upcoming and upcoming.lesson_id in lessons
            else ""
        )
        cards.append(
            f'<li class="card"><h2>{escape(channel.name)}</h2>'
            f"<p><strong>{escape(t('live_now', lang))}:</strong> {now_line}</p>{next_line}"
            f'<a class="button" href="{link(channel_page_url(channel.id), lang)}">'
            f"{escape(t('watch_live', lang))}</a>"
            + (replay_link(channel.id, current, now, lang, DAYS) if current and now else "")
            + "</li>"
        )
    body = (
        f'<h1>{escape(t("channels", lang))}</h1><ul class="cards">{"".join(cards)}</ul>'
        f"<h2>{escape(t('lessons', lang))}</h2>{catalogue_html}"
    )
    return layout(t("site", lang), body, lang, "/", assets=assets)


def badges(lesson: LessonView, lang: str) -> str:
    """The lesson's accessibility marks: signed, and captions with their languages."""
    marks = []
    if lesson.signed:
        marks.append(f'<span class="badge">{escape(t("signed", lang))}</span>')
    if lesson.captions:
        languages = ", ".join(NAMES.get(code, code) for code in lesson.captions)
        marks.append(
            f'<span class="badge cc" title="{escape(languages)}">'
            f"{escape(t('captions', lang))}</span>"
        )
    return (" " + " ".join(marks)) if marks else ""


def choice(lang: str, name: str, values: Sequence[tuple[str, str]], current: str) -> str:
    """A filter's labelled drop-down: "all", then the (value, label) pairs, `current`
    selected."""
    items = [f'<option value="">{escape(t("all", lang))}</option>']
    for value, label in values:
        selected = " selected" if current == value else ""
        items.append(f'<option value="{escape(value)}"{selected}>{escape(label)}</option>')
    return f'<label>{escape(t(name, lang))} <select name="{name}">{"".join(items)}</select></label>'


def catalogue(
    lang: str,
    lessons: Sequence[LessonView],
    grades: Sequence[int],
    subjects: Sequence[str],
    chosen: dict[str, str],
) -> str:
    """The filter form and the matching lessons."""

    def options(name: str, values: Sequence[tuple[str, str]]) -> str:
        return choice(lang, name, values, chosen.get(name, ""))

    signed_checked = " checked" if chosen.get("signed") == "true" else ""
    captions_checked = " checked" if chosen.get("captions") == "true" else ""
    form = (
        '<form class="filters" method="get" action="/">'
        f'<input type="hidden" name="lang" value="{lang}">'
        + options("grade", [(str(g), str(g)) for g in grades])
        + options("subject", [(s, t(s, lang)) for s in subjects])
        + options("language", [(code, NAMES[code]) for code in LANGUAGES])
        + f'<label><input type="checkbox" name="signed" value="true"{signed_checked}> '
        f"{escape(t('signed', lang))}</label>"
        f'<label><input type="checkbox" name="captions" value="true"{captions_checked}> '
        f"{escape(t('captions', lang))}</label>"
        f'<button type="submit">{escape(t("filter", lang))}</button></form>'
    )
    if not lessons:
        return form + f"<p>{escape(t('no_lessons', lang))}</p>"
    rows = []
    for lesson in lessons:
        badge = badges(lesson, lang)
        rows.append(
            f'<li><a href="{link(lesson_page_url(lesson.id), lang)}" lang="{lesson.language}">'
            f"{escape(lesson.title)}</a>{badge}<br><small>{escape(t('grade', lang))} "
            f"{lesson.grade} · {escape(t(lesson.subject, lang))} · "
            f"{escape(t('lang_' + lesson.language, lang))} · "
            f"{escape(duration(lesson.duration_s, lang))}</small></li>"
        )
    return form + f'<ul class="lessons">{"".join(rows)}</ul>'


def lesson_page(
    lang: str,
    lesson: LessonView,
    airings: Sequence[AiringView],
    channels: dict[str, ChannelView],
    timezone: str,
    assets: Mapping[str, str] = NO_ASSETS,
    now: datetime | None = None,
    catchup_days: int = DAYS,
) -> str:
    """A lesson with its player and its airings (with "watch again" on those aired in
    the last `catchup_days`, when `now` is given)."""
    zone = ZoneInfo(timezone)
    if lesson.has_package:
        player = (
            f'<video id="player" controls playsinline preload="metadata" '
            f'poster="{escape(vod_url(lesson.id, POSTER))}" '
            f'data-src="{escape(vod_url(lesson.id, MASTER))}" '
            f'data-captions="{escape(t("captions", lang))}" '
            f'aria-label="{escape(lesson.title)}"></video>'
        )
    else:
        player = f'<p class="notice">{escape(t("not_ready", lang))}</p>'
    if lesson.download_url is not None:
        size = f"{(lesson.download_bytes or 0) / 1e6:.1f} {t('megabytes', lang)}"
        player += (
            f'<p><a class="button" href="{escape(lesson.download_url)}" '
            f'download="{escape(lesson.id)}.mp4" type="video/mp4">'
            f"{escape(t('download', lang))}</a> <small>MP4 · {escape(size)}</small></p>"
        )
    times = "".join(
        f"<li>{when(a.start, zone)} · "
        f"{escape(channels[a.channel_id].name if a.channel_id in channels else a.channel_id)}"
        + (
            " " + replay_link(a.channel_id, a, now, lang, catchup_days)
            if now is not None and a.channel_id in channels
            else ""
        )
        + "</li>"
        for a in airings
    )
    body = (
        f'<h1 lang="{lesson.language}">{escape(lesson.title)}</h1>'
        f"<p>{escape(lesson.series_title)} · {escape(t('episode', lang))} {lesson.episode} · "
        f"{escape(t('grade', lang))} {lesson.grade}"
        + (f" ·{badges(lesson, lang)}" if lesson.signed or lesson.captions else "")
        + f"</p>{player}"
        + (f"<h2>{escape(t('airings', lang))}</h2><ul>{times}</ul>" if times else "")
    )
    return layout(lesson.title, body, lang, lesson_page_url(lesson.id), lesson.has_package, assets)


def channel_page(
    lang: str,
    channel: ChannelView,
    airings: Sequence[AiringView],
    lessons: dict[str, LessonView],
    timezone: str,
    now: datetime,
    assets: Mapping[str, str] = NO_ASSETS,
    replay: Replay | None = None,
    catchup_days: int = DAYS,
) -> str:
    """A live channel's player (or its `replay` from an instant) and today's grid, with
    "watch from the start" and "watch again" on what is on and what aired."""
    zone = ZoneInfo(timezone)
    rows = []
    for airing in airings:
        lesson = lessons.get(airing.lesson_id)
        if lesson is None:
            continue
        current = ' class="now"' if airing.start <= now < airing.end else ""
        rows.append(
            f"<tr{current}><td>{clock(airing.start, zone)}–{clock(airing.end, zone)}</td>"
            f'<td><a href="{link(lesson_page_url(lesson.id), lang)}" lang="{lesson.language}">'
            f"{escape(lesson.title)}</a></td><td>{lesson.grade}</td>"
            f"<td>{replay_link(channel.id, airing, now, lang, catchup_days)}</td></tr>"
        )
    grid = (
        f"<h2>{escape(t('schedule', lang))}</h2><table><thead><tr>"
        f"<th>{escape(t('time', lang))} <small>{utc_offset(now, zone)}</small></th>"
        f"<th>{escape(t('lessons', lang))}</th><th>{escape(t('grade', lang))}</th>"
        f"<th>{escape(t('recording', lang))}</th>"
        "</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else f"<p>{escape(t('off_air', lang))}</p>"
    )
    source, note = live_url(channel.id), ""
    if replay is not None:
        source += f"?{replay.query}"
        note = (
            f'<p class="notice">{escape(t("replay_from", lang))} '
            f"{when(replay.start, zone)} · "
            f'<a href="{link(channel_page_url(channel.id), lang)}">'
            f"{escape(t('back_to_live', lang))}</a></p>"
        )
    body = (
        f"<h1>{escape(channel.name)}</h1>{note}"
        f'<video id="player" controls playsinline autoplay muted '
        f'data-src="{escape(source)}" data-captions="{escape(t("captions", lang))}" '
        f'aria-label="{escape(channel.name)}"></video>{grid}'
    )
    return layout(channel.name, body, lang, channel_page_url(channel.id), True, assets)


def not_found(lang: str, assets: Mapping[str, str] = NO_ASSETS) -> str:
    """The 404 page."""
    return layout(
        t("not_found", lang),
        f'<h1>{escape(t("not_found", lang))}</h1><p><a href="/{page_query(lang)}">'
        f"{escape(t('back', lang))}</a></p>",
        lang,
        "/",
        assets=assets,
    )
