"""How responses travel: CORS for players embedded on other sites, compressed text.

Every media, playlist, guide and calendar route may be fetched by a player on
another origin (a school portal embedding a channel with hls.js), so they all
carry `Access-Control-Allow-Origin: *` and answer the CORS preflight. Text
(playlists, M3U, XMLTV, ICS, JSON, HTML) is compressed for clients that take
it: Brotli when the `brotli` module is installed (the `compression` extra) and
the client prefers it or takes it as well as gzip, else gzip; segments are not
(MPEG-TS does not shrink), and nor are byte ranges.
"""

from __future__ import annotations

import gzip
import importlib
from collections.abc import Mapping
from types import ModuleType

from aiohttp import web
from aiohttp.web_response import ContentCoding


def _brotli() -> ModuleType | None:
    try:
        return importlib.import_module("brotli")
    except ImportError:  # the `compression` extra is not installed: gzip only
        return None


brotli = _brotli()

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


def codings(request: web.BaseRequest) -> dict[str, float]:
    """The content codings a client names, with their q-values (0: refused)."""
    named: dict[str, float] = {}
    for part in request.headers.get("Accept-Encoding", "").lower().split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding:
            named[coding] = quality
    return named


def choose(request: web.BaseRequest, available: bool = True) -> str | None:
    """The coding to answer with: "br" (when Brotli is `available` and the client takes
    it at least as gladly as gzip), "gzip", or None for the body as it is."""
    named = codings(request)
    anything = named.get("*", 0.0)
    gzip_q = named.get("gzip", anything)
    br_q = named.get("br", anything)
    if available and brotli is not None and br_q > 0 and br_q >= gzip_q:
        return "br"
    return "gzip" if gzip_q > 0 else None


def compressed(body: bytes, level: int = 6) -> dict[str, bytes]:
    """The body in every coding sabaq sends (for bodies compressed ahead of time):
    gzip at `level` (1-9), Brotli when available at a matching quality (0-11)."""
    forms = {"gzip": gzip.compress(body, level, mtime=0)}
    if brotli is not None:
        forms["br"] = brotli.compress(body, quality=min(11, level + 2))
    return forms


def packed(
    request: web.Request, body: bytes, forms: Mapping[str, bytes], headers: Mapping[str, str]
) -> web.Response:
    """A response whose body was compressed ahead of time (live playlists, static
    assets; `forms` from `compressed`): the form the client takes best, else the body."""
    headers = {**headers, "Vary": "Accept-Encoding"}
    coding = choose(request, "br" in forms)
    if coding is not None and coding in forms:
        return web.Response(body=forms[coding], headers={**headers, "Content-Encoding": coding})
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
    """Add CORS to a cross-origin route's response and compress a text body (called by
    the app's one middleware, before the response is sent): Brotli for bodies in
    memory, gzip for files on disk too."""
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
    if "Range" in request.headers or small:
        return response
    in_memory = body if isinstance(body, bytes | bytearray) else None  # not a file or stream
    coding = choose(request, available=in_memory is not None)
    if coding == "br" and brotli is not None and in_memory is not None:
        assert isinstance(response, web.Response)
        response.body = brotli.compress(bytes(in_memory), quality=5)  # fast, not best
        response.headers["Content-Encoding"] = "br"
    elif coding == "gzip":
        response.enable_compression(ContentCoding.gzip)
    return response
