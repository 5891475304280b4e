"""The web pages' handlers: home, lesson, channel and TV guide (rendered by
streaming.pages and streaming.guide_page), in kk, ru and en."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from aiohttp import web

from catalog import captions
from streaming import api, guide_page, pages
from streaming.requests import html, page_language, replay_asked
from streaming.state import STATE, now_and_next


async def home(request: web.Request) -> web.Response:
    """GET /: channels on air and the lesson catalogue."""
    state = request.app[STATE]
    snapshot = await state.snapshot()
    lang, now = page_language(request), state.clock()
    fields = ("grade", "subject", "language", "signed", "captions")
    chosen = {k: request.query.get(k, "") for k in fields}
    lessons = api.filter_lessons(snapshot, chosen)
    everything = snapshot.lessons.values()
    catalogue = pages.catalogue(
        lang,
        lessons,
        sorted({x.grade for x in everything}),
        sorted({x.subject for x in everything}),
        chosen,
    )
    now_next = {c.id: now_and_next(snapshot.airings_of(c.id), now) for c in snapshot.channels}
    return html(
        pages.home(
            lang,
            snapshot.channels,
            now_next,
            snapshot.lessons,
            snapshot.timezone,
            catalogue,
            request.app[STATE].asset_urls,
            now,
        )
    )


async def lesson_page(request: web.Request) -> web.Response:
    """GET /lessons/{lesson}."""
    snapshot = await request.app[STATE].snapshot()
    lang = page_language(request)
    lesson = snapshot.lessons.get(request.match_info["lesson"])
    if lesson is None:
        return html(pages.not_found(lang, request.app[STATE].asset_urls), 404)
    airings = [a for a in snapshot.airings if a.lesson_id == lesson.id]
    channels = {c.id: c for c in snapshot.channels}
    assets = request.app[STATE].asset_urls
    page = pages.lesson_page(
        lang,
        lesson,
        airings,
        channels,
        snapshot.timezone,
        assets,
        request.app[STATE].clock(),
        request.app[STATE].catchup_days,
    )
    return html(page)


async def channel_page(request: web.Request) -> web.Response:
    """GET /channels/{channel}: live player and today's grid."""
    state = request.app[STATE]
    snapshot = await state.snapshot()
    lang, now = page_language(request), state.clock()
    channel = next((c for c in snapshot.channels if c.id == request.match_info["channel"]), None)
    if channel is None:
        return html(pages.not_found(lang, request.app[STATE].asset_urls), 404)
    replay = replay_asked(request, now)
    shown = replay.start if replay is not None else now
    today = snapshot.airings_on(channel.id, shown.astimezone(ZoneInfo(snapshot.timezone)).date())
    page = pages.channel_page(
        lang,
        channel,
        today,
        snapshot.lessons,
        snapshot.timezone,
        now,
        request.app[STATE].asset_urls,
        replay,
        state.catchup_days,
    )
    return html(page)


async def tv_guide(request: web.Request) -> web.Response:
    """GET /guide[?day=YYYY-MM-DD][&grade=N][&language=kk]: the TV guide page."""
    state = request.app[STATE]
    snapshot = await state.snapshot()
    lang, now = page_language(request), state.clock()
    zone = ZoneInfo(snapshot.timezone)
    today = now.astimezone(zone).date()
    shown = guide_page.days_shown(today, state.catchup_days)
    try:
        day = date.fromisoformat(request.query.get("day") or today.isoformat())
        grade_text = request.query.get("grade") or None
        grade = api.strict_int(grade_text, "grade", 0, 12) if grade_text is not None else None
    except ValueError:
        raise web.HTTPBadRequest(text="day must be YYYY-MM-DD and grade a number") from None
    if not shown[0] <= day <= shown[-1]:
        raise web.HTTPNotFound(text=f"the guide covers {shown[0]} to {shown[-1]}")
    language = request.query.get("language") or None
    if language is not None and language not in captions.LANGUAGES:
        raise web.HTTPBadRequest(text="language must be kk, ru or en")
    airings = {c.id: snapshot.airings_on(c.id, day) for c in snapshot.channels}
    page = guide_page.guide_page(
        lang,
        snapshot.channels,
        airings,
        snapshot.lessons,
        snapshot.timezone,
        now,
        guide_page.GuideFilter(day, grade, language),
        state.catchup_days,
        sorted({x.grade for x in snapshot.lessons.values()}),
        state.asset_urls,
    )
    return html(page)
