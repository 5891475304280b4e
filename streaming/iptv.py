"""What IPTV players and calendar apps read: the M3U channel list, the XMLTV guide
and each audience's iCalendar (see streaming.guide)."""

from __future__ import annotations

import re

from aiohttp import web

from streaming import guide
from streaming.requests import base_url
from streaming.state import STATE


async def iptv_playlist(request: web.Request) -> web.Response:
    """GET /iptv/playlist.m3u."""
    snapshot = await request.app[STATE].snapshot()
    return web.Response(
        text=guide.m3u(snapshot.channels, base_url(request), request.app[STATE].catchup_days),
        content_type="audio/x-mpegurl",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


async def iptv_epg(request: web.Request) -> web.Response:
    """GET /iptv/epg.xml."""
    snapshot = await request.app[STATE].snapshot()
    body = guide.xmltv(snapshot, base_url(request))
    return web.Response(
        body=body,
        content_type="application/xml",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


AUDIENCE = re.compile(r"^([0-9]{1,2})-(kk|ru|en)$")


async def calendar(request: web.Request) -> web.Response:
    """GET /calendar/{grade}-{language}.ics: an audience's airings for calendar apps."""
    snapshot = await request.app[STATE].snapshot()
    match = AUDIENCE.match(request.match_info["audience"])
    if match is None:
        raise web.HTTPNotFound(text="calendars are named like 5-kk.ics")
    grade, language = int(match.group(1)), match.group(2)
    body = guide.audience_calendar(snapshot, grade, language, base_url(request))
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )
