"""Channel logos over HTTP: `/logos/{channel}.png`, what M3U's tvg-logo and XMLTV's
<icon> link (made with the channel's slate, see transcoder.logo)."""

from __future__ import annotations

from aiohttp import web

from catalog.layout import Layout
from streaming.delivery import CORS
from streaming.state import STATE

ROUTE = "/logos/{channel}.png"
CACHE = "public, max-age=86400"  # a renamed channel gets its new logo within a day


async def channel_logo(request: web.Request) -> web.StreamResponse:
    """GET /logos/{channel}.png: the channel's logo (404 until its slate is made)."""
    state = request.app[STATE]
    snapshot = await state.snapshot()
    channel_id = request.match_info["channel"]
    if channel_id not in {c.id for c in snapshot.channels}:
        raise web.HTTPNotFound(text="no such channel")
    path = Layout(state.data_dir).logo(channel_id)
    if not path.is_file():
        raise web.HTTPNotFound(text="the channel's logo is not made yet")
    headers = {"Content-Type": "image/png", "Cache-Control": CACHE, **CORS}
    return web.FileResponse(path, headers=headers)
