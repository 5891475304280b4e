"""What operators and browsers' plumbing read: health, metrics, and the static assets."""

from __future__ import annotations

import logging

from aiohttp import web

from streaming.delivery import packed
from streaming.files import IMMUTABLE
from streaming.state import STATE

HEALTH_DEADLINE_S = 2.0
log = logging.getLogger("sabaq")


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: ok when the catalogue answers now; degraded (503) when it does not,
    even while the last snapshot is still served. The reason is given in general
    terms (hosts and driver messages go to the log, not to whoever asks)."""
    state = request.app[STATE]
    try:
        await state.snapshot()
        await state.database.run(state.catalog.ping, deadline_s=HEALTH_DEADLINE_S)
    except Exception as exc:  # any failure means degraded
        log.warning("health check: %s", exc)
        body = {"status": "degraded", "reason": "the catalogue cannot be reached"}
        if state.has_snapshot:
            body["serving"] = "last snapshot"
        return web.json_response(body, status=503)
    if state.reload_error is not None:
        log.warning("health check: the last snapshot reload failed: %s", state.reload_error)
        return web.json_response(
            {
                "status": "degraded",
                "reason": "the catalogue could not be reloaded",
                "serving": "last snapshot",
            },
            status=503,
        )
    return web.json_response({"status": "ok"})


async def metrics(request: web.Request) -> web.Response:
    """GET /metrics: Prometheus text."""
    return web.Response(
        text=request.app[STATE].metrics.render(), content_type="text/plain", charset="utf-8"
    )


async def static(request: web.Request) -> web.Response:
    """GET /static/{name} (cached an hour) and /static/{hash}/{name} (a year, immutable:
    the hash is the content's): the stylesheet, player script, logo and hls.js."""
    return _asset(request, request.match_info["name"], request.match_info.get("digest"))


def _asset(request: web.Request, name: str, digest: str | None) -> web.Response:
    asset = request.app[STATE].assets.get(name)
    if asset is None or (digest is not None and digest != asset.digest):
        raise web.HTTPNotFound(text="no such asset")
    headers = {
        "Content-Type": asset.content_type,
        "Cache-Control": IMMUTABLE if digest is not None else "public, max-age=3600",
        "ETag": f'"{asset.digest}"',
    }
    return packed(request, asset.body, asset.forms, headers)


async def favicon(request: web.Request) -> web.Response:
    """GET /favicon.ico: the logo, for browsers that ask before reading the page."""
    return _asset(request, "favicon.ico", None)
