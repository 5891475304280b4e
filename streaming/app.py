"""The aiohttp application: pages, API, VOD, live channels, IPTV, health and metrics."""

from __future__ import annotations

import logging
import re
import time
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web

from catalog import Catalog, captions
from catalog.hls import DOWNLOAD, VERSION_PATTERN, master_playlist
from catalog.layout import lesson_page_url, slate_key_lesson
from errors import SabaqError
from scheduler.ics import CalendarEvent, write_ics
from streaming import api, catchup, guide, guide_page, live, live_captions, logos, pages, timeline
from streaming import producer as _producer  # noqa: F401  (registers the producer routes)
from streaming.assets import load_assets
from streaming.delivery import CORS, deliver, packed, preflight
from streaming.errors import status_of
from streaming.files import CONTENT_TYPES, IMMUTABLE, file_response, safe_path
from streaming.i18n import negotiate
from streaming.origin import Origin
from streaming.snapshot import Package
from streaming.state import STATE, CachedPlaylist, Clock, State, now_and_next, system_clock

STATIC = Path(__file__).with_name("static")
HLS_JS_CANDIDATES = (
    Path.cwd() / "node_modules/hls.js/dist/hls.min.js",
    Path(__file__).resolve().parent.parent / "node_modules/hls.js/dist/hls.min.js",
)
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
HEALTH_DEADLINE_S = 2.0
log = logging.getLogger("sabaq")


def _lang(request: web.Request) -> str:
    return negotiate(request.query.get("lang"), request.headers.get("Accept-Language"))


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=text,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={"Vary": "Accept-Language"},
    )


def _base_url(request: web.Request) -> str:
    """The base of absolute links (see streaming.origin); a forged Host is a 400."""
    origin = request.app[STATE].origin
    return origin.base_url(request.scheme, request.host, request.remote, request.headers)


async def home(request: web.Request) -> web.Response:
    """GET /: channels on air and the lesson catalogue."""
    state = request.app[STATE]
    snapshot = await state.snapshot()
    lang, now = _lang(request), state.clock()
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
    return _html(
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
    lang = _lang(request)
    lesson = snapshot.lessons.get(request.match_info["lesson"])
    if lesson is None:
        return _html(pages.not_found(lang, request.app[STATE].asset_urls), 404)
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
    return _html(page)


async def channel_page(request: web.Request) -> web.Response:
    """GET /channels/{channel}: live player and today's grid."""
    state = request.app[STATE]
    snapshot = await state.snapshot()
    lang, now = _lang(request), state.clock()
    channel = next((c for c in snapshot.channels if c.id == request.match_info["channel"]), None)
    if channel is None:
        return _html(pages.not_found(lang, request.app[STATE].asset_urls), 404)
    replay = _replay(request, now)
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
    return _html(page)


async def tv_guide(request: web.Request) -> web.Response:
    """GET /guide[?day=YYYY-MM-DD][&grade=N][&language=kk]: the TV guide page."""
    state = request.app[STATE]
    snapshot = await state.snapshot()
    lang, now = _lang(request), state.clock()
    zone = ZoneInfo(snapshot.timezone)
    today = now.astimezone(zone).date()
    shown = guide_page.days_shown(today, state.catchup_days)
    try:
        day = date.fromisoformat(request.query.get("day") or today.isoformat())
        grade_text = request.query.get("grade") or None
        grade = int(grade_text) if grade_text is not None else None
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
    return _html(page)


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


def _replay(request: web.Request, now: datetime) -> catchup.Replay | None:
    """The catch-up a live request asks for (see streaming.catchup), or None."""
    return catchup.parse_replay(request.query, now, request.app[STATE].catchup_days)


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
    replay = _replay(request, state.clock())
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
    slate_package = snapshot.slates.get(channel_id)
    if slate_package is None or (rung is not None and rung not in slate_package.rungs):
        raise web.HTTPNotFound(text="no such channel or rung")
    if language is not None and language not in captions.LANGUAGES:
        raise web.HTTPNotFound(text="no captions in that language")
    timing = rung or next(iter(slate_package.rungs))  # captions follow any rung's timing
    now = state.clock()
    replay = _replay(request, now)
    key = (channel_id, rung or f"captions/{language}", replay)
    cached = state.live_cache.get(key)
    if cached is None or cached.snapshot is not snapshot or not cached.since <= now < cached.until:
        airings, slates = snapshot.airings_of(channel_id), snapshot.next_slates.get(channel_id)
        offset_s, ended = None, False
        if replay is None:
            window = live.live_window(
                airings, snapshot.packages, slate_package, timing, now, next_slates=slates
            )
        else:
            made = catchup.replay_window(
                replay, airings, snapshot.packages, slate_package, timing, now, slates
            )
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


async def iptv_playlist(request: web.Request) -> web.Response:
    """GET /iptv/playlist.m3u."""
    snapshot = await request.app[STATE].snapshot()
    return web.Response(
        text=guide.m3u(snapshot.channels, _base_url(request), request.app[STATE].catchup_days),
        content_type="audio/x-mpegurl",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


async def iptv_epg(request: web.Request) -> web.Response:
    """GET /iptv/epg.xml."""
    snapshot = await request.app[STATE].snapshot()
    body = guide.xmltv(
        snapshot.channels, snapshot.airings, snapshot.lessons, snapshot.timezone, _base_url(request)
    )
    return web.Response(
        body=body,
        content_type="application/xml",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


AUDIENCE = re.compile(r"^(\d{1,2})-(kk|ru|en)$")


async def calendar(request: web.Request) -> web.Response:
    """GET /calendar/{grade}-{language}.ics: an audience's airings for calendar apps."""
    snapshot = await request.app[STATE].snapshot()
    match = AUDIENCE.match(request.match_info["audience"])
    if match is None:
        raise web.HTTPNotFound(text="calendars are named like 5-kk.ics")
    grade, language = int(match.group(1)), match.group(2)
    channels = {c.id: c.name for c in snapshot.channels}
    base = _base_url(request)
    events = [
        CalendarEvent(
            lesson.id,
            a.start,
            a.end,
            lesson.title,
            lesson.series_title,
            lesson.episode,
            lesson.signed,
            channels.get(a.channel_id, a.channel_id),
            lesson.subject,
            url=base + lesson_page_url(lesson.id),
            sequence=snapshot.version,
            modified=snapshot.published_at,
        )
        for a in snapshot.airings
        if (lesson := snapshot.lessons.get(a.lesson_id)) is not None
        and lesson.grade == grade
        and lesson.language == language
    ]
    domain = urlsplit(base).hostname or "sabaq"
    body = write_ics(f"sabaq {language} grade {grade}", snapshot.timezone, events, domain)
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


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


@web.middleware
async def observe(request: web.Request, handler: api.Handler) -> web.StreamResponse:
    """Count and time every request; answer CORS preflights, add CORS and gzip
    (streaming.delivery); turn API errors into JSON."""
    started = time.perf_counter()
    route = request.match_info.route.resource
    name = route.canonical if route is not None else "unmatched"
    status = 500
    try:
        response = preflight(request) or deliver(request, await handler(request))
        status = response.status
        return response
    except SabaqError as exc:  # every error a user can meet carries its status
        status = status_of(exc)
        return api.error(status, str(exc))
    except web.HTTPException as exc:
        status = exc.status
        if request.path.startswith("/api/") and exc.content_type != "application/json":
            kept = {k: v for k, v in exc.headers.items() if k in ("Allow", "WWW-Authenticate")}
            return api.error(exc.status, exc.reason, kept)
        raise
    except Exception:
        if not request.path.startswith("/api/"):
            raise  # aiohttp answers 500 and logs it
        log.exception("%s %s failed", request.method, request.path)
        return api.error(500, "internal error: the server could not answer this request")
    finally:
        request.app[STATE].metrics.observe(name, status, time.perf_counter() - started)


async def _warm(app: web.Application) -> None:
    """Load the first snapshot before listening, so the first crowd does not wait on it."""
    try:
        await app[STATE].snapshot()
    except Exception as exc:  # served as degraded until the catalogue answers
        log.warning("catalogue not readable at start: %s", exc)


async def _close(app: web.Application) -> None:
    app[STATE].database.close()


def create_app(
    catalog: Catalog,
    data_dir: Path,
    clock: Clock = system_clock,
    refresh_s: float = 5.0,
    max_upload_bytes: int = 2 * 1024**3,
    origin: Origin | None = None,
    catchup_days: int = catchup.DAYS,
) -> web.Application:
    """The server application over a catalogue and its data directory; `origin` says
    how absolute links are built (default: from each request's scheme and Host)."""
    app = web.Application(middlewares=[observe], client_max_size=32 * 1024**2)
    app[STATE] = State(
        catalog=catalog,
        data_dir=data_dir,
        clock=clock,
        refresh_s=refresh_s,
        max_upload_bytes=max_upload_bytes,
        assets=load_assets(STATIC, HLS_JS_CANDIDATES),
        origin=origin or Origin(),
        catchup_days=catchup_days,
    )
    app.on_startup.append(_warm)
    app.on_cleanup.append(_close)
    app.router.add_get("/", home)
    app.router.add_get("/lessons/{lesson}", lesson_page)
    app.router.add_get("/channels/{channel}", channel_page)
    app.router.add_get("/guide", tv_guide)
    api.add_routes(app)  # the read-only API and the producer routes (`producer`)
    app.router.add_get("/vod/{lesson}/{tail:.+}", vod)
    app.router.add_get("/slate/{channel}/next/{key}/{tail:.+}", next_slate)
    app.router.add_get("/slate/{channel}/{tail:.+}", slate)
    app.router.add_get("/live/{channel}/master.m3u8", live_master)
    app.router.add_get("/live/{channel}/{rung}.m3u8", live_media)
    timeline.add_routes(app)  # /live/{channel}/{rung}/{sequence}.ts: retimed segments
    app.router.add_get("/live/{channel}/captions/{language}.m3u8", live_captions_playlist)
    app.router.add_get("/live/{channel}/cues/empty.vtt", live_no_cues)
    app.router.add_get(
        "/live/{channel}/cues/{airing}/{version:[0-9a-f]{12}}/{language}/{index:[0-9]{5}}.vtt",
        live_cues,
    )
    app.router.add_get("/iptv/playlist.m3u", iptv_playlist)
    app.router.add_get("/iptv/epg.xml", iptv_epg)
    logos.add_routes(app)  # /logos/{channel}.png: what tvg-logo and <icon> link
    app.router.add_get("/calendar/{audience}.ics", calendar)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/static/{digest:[0-9a-f]{12}}/{name}", static)
    app.router.add_get("/favicon.ico", favicon)
    return app
