"""The media handlers: lessons' packages on demand, channels' slates, and live
channels (master, media and captions playlists, and captions segments), each a
pure function of the published schedule and the clock."""

from __future__ import annotations

from aiohttp import web

from catalog import captions
from catalog.hls import DOWNLOAD, VERSION_PATTERN
from catalog.layout import slate_key_lesson
from catalog.playlists import master_playlist
from streaming import catchup, live, live_captions
from streaming.delivery import CORS, packed
from streaming.files import CONTENT_TYPES, IMMUTABLE, file_response, safe_path
from streaming.requests import replay_asked
from streaming.snapshot import Package
from streaming.state import STATE, CachedPlaylist

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"


def _package_file(
    package: Package | None, tail: str, what: str, save_as: str | None = None
) -> web.StreamResponse:
    """A file of a package, never outside it; 404 naming what is missing. A path that
    starts with a version (VERSION/360p/seg_00000.ts) names bytes that never change
    and is cached as immutable; other paths follow the current version."""
    if package is None:
        raise web.HTTPNotFound(text=f"no such {what}")
    head, _, rest = tail.partition("/")
    versioned = bool(rest) and VERSION_PATTERN.match(head) is not None
    path = safe_path(package.directory, tail)
    if path is None and versioned and head == package.manifest.version:
        path = safe_path(package.directory, rest)  # written before versions were kept
    if path is None:
        raise web.HTTPNotFound(text=f"no such file in the {what}")
    return file_response(
        path, immutable=versioned, save_as=save_as if path.name == DOWNLOAD else None
    )


async def vod(request: web.Request) -> web.StreamResponse:
    """GET /vod/{lesson}/{path}: a file of the lesson's package."""
    snapshot = await request.app[STATE].snapshot()
    lesson = request.match_info["lesson"]
    package = snapshot.packages.get(lesson)
    return _package_file(package, request.match_info["tail"], "package", f"{lesson}.mp4")


def _slate_file(request: web.Request, package: Package | None) -> web.StreamResponse:
    """A file of a slate, or a later pass of its loop: VERSION/loop/N/RUNG/SEGMENT
    (see streaming.loops), immutable like every versioned path."""
    tail = request.match_info["tail"]
    head, _, rest = tail.partition("/")
    if package is None or head != package.manifest.version or not rest.startswith(f"{live.LOOP}/"):
        return _package_file(package, tail, "slate")
    try:
        data = request.app[STATE].loops.segment(package, rest.removeprefix(f"{live.LOOP}/"))
    except OSError:  # the version was removed since the snapshot was read
        data = None
    if data is None:
        raise web.HTTPNotFound(text="no such pass of the slate's loop")
    headers = {"Content-Type": "video/mp2t", "Cache-Control": IMMUTABLE, **CORS}
    return web.Response(body=data, headers=headers)


async def slate(request: web.Request) -> web.StreamResponse:
    """GET /slate/{channel}/{path}: the off-air slate package of a channel."""
    snapshot = await request.app[STATE].snapshot()
    return _slate_file(request, snapshot.slates.get(request.match_info["channel"]))


async def next_slate(request: web.Request) -> web.StreamResponse:
    """GET /slate/{channel}/next/{key}/{path}: the slate made for the airing after a gap."""
    snapshot = await request.app[STATE].snapshot()
    made = snapshot.next_slates.get(request.match_info["channel"], {})
    return _slate_file(request, made.get(request.match_info["key"]))


async def live_master(request: web.Request) -> web.Response:
    """GET /live/{channel}/master.m3u8[?utc=START[&utcend=END][&lutc=NOW]]: the channel's
    rungs (those of its slate), declared with the bitrates of the lessons that air
    on it (see live.live_rungs), and its captions in every language a lesson airing
    on it has; with `utc`, a replay of the channel from then."""
    state = request.app[STATE]
    snapshot = await state.snapshot()
    channel_id = request.match_info["channel"]
    slate_package = snapshot.slates.get(channel_id)
    if slate_package is None:
        raise web.HTTPNotFound(text="channel not found or not on air")
    replay = replay_asked(request, state.clock())
    key = (channel_id, "", replay)
    cached = state.live_cache.get(key)
    if cached is None or cached.snapshot is not snapshot:
        airing = {a.lesson_id for a in snapshot.airings_of(channel_id)}
        lessons = [snapshot.packages[i] for i in sorted(airing) if i in snapshot.packages]
        rungs = live.live_rungs(slate_package, lessons)
        # Live media playlists sit beside the master: /live/{channel}/{rung}.m3u8 and
        # /live/{channel}/captions/{language}.m3u8, each asked for the same replay.
        query = f"?{replay.query}" if replay is not None else ""
        subtitles = {
            language: f"captions/{language}.m3u8{query}"
            for language in live_captions.caption_languages(lessons)
        }
        body = master_playlist(
            rungs, uri=lambda rung: f"{rung.name}.m3u8{query}", subtitles=subtitles
        ).encode()
        cached = CachedPlaylist(snapshot, state.clock(), catchup.FOREVER, body)
        state.live_cache[key] = cached
    return _playlist(request, cached, "public, max-age=60")


async def live_media(request: web.Request) -> web.Response:
    """GET /live/{channel}/{rung}.m3u8: the sliding window at this instant (with `utc`,
    the replay from then: see streaming.catchup)."""
    channel_id, rung = request.match_info["channel"], request.match_info["rung"]
    return await _timeline(request, channel_id, rung, None)


async def live_captions_playlist(request: web.Request) -> web.Response:
    """GET /live/{channel}/captions/{language}.m3u8: the captions beside the live window
    (see streaming.live_captions), numbered as every rung is."""
    return await _timeline(
        request, request.match_info["channel"], None, request.match_info["language"]
    )


async def _timeline(
    request: web.Request, channel_id: str, rung: str | None, language: str | None
) -> web.Response:
    """A live media playlist of a rung, or of the captions in `language`.

    The playlist only changes at segment boundaries, so it is computed once per
    boundary (and per snapshot) and served from memory in between; Cache-Control
    lets a CDN or nginx keep it just as long.
    """
    state = request.app[STATE]
    snapshot = await state.snapshot()
    timeline = state.timeline(snapshot, channel_id)
    if timeline is None or (rung is not None and rung not in timeline.slate.rungs):
        raise web.HTTPNotFound(text="no such channel or rung")
    if language is not None and language not in captions.LANGUAGES:
        raise web.HTTPNotFound(text="no captions in that language")
    timing = rung or next(iter(timeline.slate.rungs))  # captions follow any rung's timing
    now = state.clock()
    replay = replay_asked(request, now)
    key = (channel_id, rung or f"captions/{language}", replay)
    cached = state.live_cache.get(key)
    if cached is None or cached.snapshot is not snapshot or not cached.since <= now < cached.until:
        offset_s, ended = None, False
        if replay is None:
            window = live.window(timeline, timing, now)
        else:
            made = catchup.replay_window(replay, timeline, timing, now)
            window, offset_s, ended = made.window, made.offset_s, made.ended
        segments = window.segments
        if language is not None:
            segments = live_captions.caption_segments(segments, channel_id, language)
        body = live.media_playlist(segments, window.sequence, window.discontinuity, offset_s, ended)
        cached = CachedPlaylist(snapshot, now, window.until, body.encode())
        state.live_cache[key] = cached
    if rung is not None:
        state.metrics.saw_viewer(channel_id, request.remote or "?")
    if cached.until == catchup.FOREVER:  # a finished replay
        return _playlist(request, cached, "public, max-age=3600")
    fresh_s = max(1, min(live.TARGET_S, int((cached.until - now).total_seconds())))
    return _playlist(request, cached, f"public, max-age={fresh_s}")


CUES_HEADERS = {"Content-Type": CONTENT_TYPES[".vtt"], "Cache-Control": IMMUTABLE, **CORS}
"""Captions segments never change under their URL: their version is in it."""


async def live_cues(request: web.Request) -> web.Response:
    """GET /live/{channel}/cues/{airing}/{version}/{language}/{index}.vtt: a lesson's
    captions segment as that airing plays it, its cue ids prefixed with the airing
    (so none repeats across a channel's lessons); immutable like the media."""
    snapshot = await request.app[STATE].snapshot()
    key, version = request.match_info["airing"], request.match_info["version"]
    language, index = request.match_info["language"], int(request.match_info["index"])
    lesson = slate_key_lesson(key)
    package = snapshot.packages.get(lesson) if lesson is not None else None
    path = None
    if package is not None and language in captions.LANGUAGES:  # every version lies in its folder
        tail = f"{version}/{captions.DIRECTORY}/{language}/{captions.segment_name(index)}"
        path = safe_path(package.directory, tail)
    if path is None:
        raise web.HTTPNotFound(text="no such captions segment")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:  # the version was removed since the snapshot was read
        raise web.HTTPNotFound(text="no such captions segment") from None
    return web.Response(body=captions.prefix_ids(text, key).encode(), headers=CUES_HEADERS)


async def live_no_cues(request: web.Request) -> web.Response:
    """GET /live/{channel}/cues/empty.vtt: a captions segment where nothing is said."""
    return web.Response(body=captions.EMPTY.encode(), headers=CUES_HEADERS)


def _playlist(request: web.Request, cached: CachedPlaylist, cache: str) -> web.Response:
    """A live playlist from memory, compressed (once, not per request) for clients that
    take it."""
    headers = {"Content-Type": PLAYLIST_TYPE, "Cache-Control": cache, **CORS}
    return packed(request, cached.body, cached.forms, headers)
