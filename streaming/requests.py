"""What the server's handlers share about a request: its language, the base of
absolute links, the catch-up it asks for, and an HTML answer."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from streaming import catchup
from streaming.i18n import negotiate
from streaming.state import STATE


def page_language(request: web.Request) -> str:
    """The page language: ?lang=, else Accept-Language, else Kazakh."""
    return negotiate(request.query.get("lang"), request.headers.get("Accept-Language"))


def html(text: str, status: int = 200) -> web.Response:
    """A page, varying by Accept-Language."""
    return web.Response(
        text=text,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={"Vary": "Accept-Language"},
    )


def base_url(request: web.Request) -> str:
    """The base of absolute links (see streaming.origin); a forged Host is a 400."""
    origin = request.app[STATE].origin
    return origin.base_url(request.scheme, request.host, request.remote, request.headers)


def replay_asked(request: web.Request, now: datetime) -> catchup.Replay | None:
    """The catch-up a live request asks for (see streaming.catchup), or None."""
    return catchup.parse_replay(request.query, now, request.app[STATE].catchup_days)
