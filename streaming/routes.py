"""The server's one route table: every path, its method and its handler, by audience.

Pages for students and families (streaming.views), media for players
(streaming.media), guides for IPTV players and calendar apps (streaming.iptv),
the JSON API (streaming.api) and the producers' writes (streaming.producer), and
what operators and browsers' plumbing read (streaming.ops). API handlers carry
their OpenAPI declaration (`streaming.api.api`); the document lists exactly the
API routes of this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from streaming import api, iptv, logos, media, ops, producer, timeline, views
from streaming.api import Endpoint, Handler


@dataclass(frozen=True)
class Route:
    """One path of the server."""

    method: str
    path: str
    handler: Handler


PAGES = (
    Route("GET", "/", views.home),
    Route("GET", "/lessons/{lesson}", views.lesson_page),
    Route("GET", "/channels/{channel}", views.channel_page),
    Route("GET", "/guide", views.tv_guide),
)
MEDIA = (
    Route("GET", "/vod/{lesson}/{tail:.+}", media.vod),
    Route("GET", "/slate/{channel}/next/{key}/{tail:.+}", media.next_slate),
    Route("GET", "/slate/{channel}/{tail:.+}", media.slate),
    Route("GET", "/live/{channel}/master.m3u8", media.live_master),
    Route("GET", "/live/{channel}/{rung}.m3u8", media.live_media),
    Route("GET", timeline.ROUTE, timeline.live_segment),  # retimed onto the channel's clock
    Route("GET", "/live/{channel}/captions/{language}.m3u8", media.live_captions_playlist),
    Route("GET", "/live/{channel}/cues/empty.vtt", media.live_no_cues),
    Route(
        "GET",
        "/live/{channel}/cues/{airing}/{version:[0-9a-f]{12}}/{language}/{index:[0-9]{5}}.vtt",
        media.live_cues,
    ),
)
IPTV = (
    Route("GET", "/iptv/playlist.m3u", iptv.iptv_playlist),
    Route("GET", "/iptv/epg.xml", iptv.iptv_epg),
    Route("GET", logos.ROUTE, logos.channel_logo),  # what tvg-logo and <icon> link
    Route("GET", "/calendar/{audience}.ics", iptv.calendar),
)
API_HANDLERS: tuple[Handler, ...] = (
    api.list_lessons,
    api.get_lesson,
    api.list_channels,
    api.channel_schedule,
)
PRODUCER_HANDLERS: tuple[Handler, ...] = (
    producer.upload_source,
    producer.upload_signer,
    producer.put_captions,
    producer.queue_transcode,
    producer.post_schedule,
    producer.publish_version,
)
ENDPOINTS: tuple[Endpoint, ...] = tuple(
    api.declared(handler) for handler in (*API_HANDLERS, *PRODUCER_HANDLERS)
)
API = (
    *(Route(e.method.upper(), e.path, e.handler) for e in ENDPOINTS),
    Route("GET", "/api/openapi.json", api.openapi),
)
OPS = (
    Route("GET", "/healthz", ops.healthz),
    Route("GET", "/metrics", ops.metrics),
    Route("GET", "/static/{name}", ops.static),
    Route("GET", "/static/{digest:[0-9a-f]{12}}/{name}", ops.static),
    Route("GET", "/favicon.ico", ops.favicon),
)
ROUTES: tuple[Route, ...] = (*PAGES, *API, *MEDIA, *IPTV, *OPS)
"""Every route, in the order the router tries them."""
