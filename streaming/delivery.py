"""How responses travel: CORS for players embedded on other sites, gzip for text.

Every media, playlist, guide and calendar route may be fetched by a player on
another origin (a school portal embedding a channel with hls.js), so they all
carry `Access-Control-Allow-Origin: *` and answer the CORS preflight. Text
(playlists, M3U, XMLTV, ICS, JSON, HTML) is gzipped for clients that take it;
segments are not (MPEG-TS does not shrink), and nor are byte ranges.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from aiohttp.web_response import ContentCoding

CROSS_ORIGIN = ("/live/", "/vod/", "/slate/", "/iptv/", "/calendar/", "/static/")
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Length, Content-Range, Date, ETag",
}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Range",
    "Access-Control-Max-Age": "86400",
}
COMPRESSIBLE = (
    "application/vnd.apple.mpegurl",
    "audio/x-mpegurl",
    "application/xml",
    "application/json",
    "text/",
    "image/svg+xml",
)
SMALLEST = 256  # bytes: below this gzip's own overhead wins


def accepts_gzip(request: web.BaseRequest) -> bool:
    """Whether the client takes gzip (a q=0 refusal counts as not)."""
    for part in request.headers.get("Accept-Encoding", "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def packed(
    request: web.Request, body: bytes, gzipped: bytes, headers: Mapping[str, str]
) -> web.Response:
    """A response whose body was gzipped ahead of time (live playlists, static assets):
    the gzip form for clients that take it, else the body as it is."""
    headers = {**headers, "Vary": "Accept-Encoding"}
    if accepts_gzip(request):
        return web.Response(body=gzipped, headers={**headers, "Content-Encoding": "gzip"})
    return web.Response(body=body, headers=headers)


def _vary(response: web.StreamResponse) -> None:
    present = [v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()]
    if "accept-encoding" not in (v.lower() for v in present):
        response.headers["Vary"] = ", ".join([*present, "Accept-Encoding"])


def preflight(request: web.Request) -> web.Response | None:
    """The answer to a CORS preflight on a cross-origin route (None for other requests)."""
    if request.method == "OPTIONS" and request.path.startswith(CROSS_ORIGIN):
        return web.Response(status=204, headers=PREFLIGHT)
    return None


def deliver(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """Add CORS to a cross-origin route's response and gzip a text body (called by the
    app's one middleware, before the response is sent)."""
    headers = response.headers
    if "Access-Control-Allow-Origin" not in headers and request.path.startswith(CROSS_ORIGIN):
        headers.update(CORS)
    if "Content-Encoding" in headers or headers.get("Vary", "").endswith("Accept-Encoding"):
        return response  # the handler chose the encoding itself (live playlists, assets)
    if not response.content_type.startswith(COMPRESSIBLE):
        return response
    _vary(response)
    body = response.body if isinstance(response, web.Response) else None
    small = isinstance(body, bytes | bytearray) and len(body) < SMALLEST
    if accepts_gzip(request) and "Range" not in request.headers and not small:
        response.enable_compression(ContentCoding.gzip)
    return response
