"""The live timeline's segments over HTTP: `/live/{channel}/{rung}/{sequence}.ts`.

A live or catch-up playlist lists each segment by its sequence number beside the
rung's playlist; this answers it with the package's segment retimed onto the
channel's clock (`streaming.live.find`, `streaming.loops.Loops.retimed`).
The URL names the same bytes forever, on every replica, so it is immutable for
caches; a segment not aired yet, or older than the catch-up window, is 404.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from streaming import live
from streaming.delivery import CORS
from streaming.files import IMMUTABLE
from streaming.state import STATE

ROUTE = "/live/{channel}/{rung}/{sequence:[0-9]{1,15}}.ts"


async def live_segment(request: web.Request) -> web.Response:
    """GET /live/{channel}/{rung}/{sequence}.ts: a segment of the channel's timeline."""
    state = request.app[STATE]
    snapshot = await state.snapshot()
    channel_id, rung = request.match_info["channel"], request.match_info["rung"]
    timeline = state.timeline(snapshot, channel_id)
    if timeline is None or rung not in timeline.slate.rungs:
        raise web.HTTPNotFound(text="no such channel or rung")
    now = state.clock()
    sequence = int(request.match_info["sequence"])
    segment = state.loops.located(snapshot, channel_id, rung, sequence)
    if segment is None:
        segment = live.find(timeline, rung, sequence, now)
        if segment is not None:
            state.loops.remember(snapshot, channel_id, rung, segment)
    if segment is None:
        raise web.HTTPNotFound(text="that segment has not aired yet")
    if segment.start < now - timedelta(days=state.catchup_days, seconds=live.WINDOW_S):
        raise web.HTTPNotFound(text="that segment is older than the catch-up window")
    try:
        data = state.loops.retimed(segment, rung)
    except OSError:  # the version was removed since the snapshot was read
        data = None
    if data is None:
        raise web.HTTPNotFound(text="that segment's package is gone")
    headers = {"Content-Type": "video/mp2t", "Cache-Control": IMMUTABLE, **CORS}
    return web.Response(body=data, headers=headers)
