"""Producer actions over HTTP: upload a lesson's media, queue transcoding, publish a schedule.

Every route here needs `Authorization: Bearer <token>` with a token made by
`sabaq token create`; without a valid one the answer is 401 and nothing is
read or changed. Tokens are compared as digests in constant time and never
logged. Uploads are streamed to a hidden file beside their destination,
limited in size while they arrive, sniffed with ffprobe, and only then
renamed into place, so a refused or interrupted upload leaves nothing.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import ClientPayloadError, web
from aiohttp.streams import EofStream

from catalog.captions import LANGUAGES
from catalog.captions import MAX_BYTES as MAX_CAPTION_BYTES
from catalog.files import disk_full
from errors import BadInput, SabaqError, TooLarge
from service.captions import set_captions
from service.schedules import (
    DEFAULT_TIMEZONE,
    Published,
    check_request_key,
    publish_schedule,
)
from service.schedules import publish_version as publish_stored
from service.tokens import active_tokens
from service.transcodes import options_from, queue_lessons
from service.uploads import accept_upload, staging_file, without_paths
from streaming.api import AIRING_SCHEMA, Handler, Param, api, bad_request
from streaming.auth import too_many, unauthorised
from streaming.state import STATE, State

CHUNK = 1 << 20
log = logging.getLogger("sabaq")
UPLOAD_SCHEMA = {
    "type": "object",
    "properties": {
        "lesson": {"type": "string"},
        "kind": {"type": "string"},
        "path": {"type": "string"},
        "bytes": {"type": "integer"},
        "duration_s": {"type": "number"},
        "width": {"type": "integer"},
        "height": {"type": "integer"},
        "has_audio": {"type": "boolean"},
    },
}
SCHEDULE_BODY = {
    "type": "object",
    "properties": {
        "airings": {
            "type": "array",
            "items": {**AIRING_SCHEMA, "required": ["lesson", "channel", "start", "end"]},
        },
        "timezone": {"type": "string", "minLength": 1},
        "stats": {"type": "object"},
    },
    "required": ["airings"],
}


async def authorise(request: web.Request) -> str:
    """The name of the caller's token; 401 (JSON) without a valid one, 429 for an
    address that failed too often. Answered from memory (streaming.auth): a stranger's
    request never reaches the database."""
    state = request.app[STATE]
    address = request.remote or "?"
    wait_s = state.failures.blocked(address)
    if wait_s:
        raise too_many(wait_s)
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        state.failures.failed(address)
        raise unauthorised("a bearer token is needed (sabaq token create)")

    async def load() -> dict[str, str]:
        return await state.read(active_tokens, state.workspace)

    owner = await state.tokens.owner(presented.strip(), load)
    if owner is None:
        state.failures.failed(address)
        raise unauthorised("the bearer token is unknown or revoked")
    return owner


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


async def _json_body(request: web.Request) -> Any:
    """The request's JSON document: strict JSON (no NaN or Infinity), not nested
    deeper than Python can follow; else 400."""
    try:
        return json.loads(await request.text(), parse_constant=_no_constant)
    except RecursionError:
        raise bad_request("body: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, NaN, and bad UTF-8 (a UnicodeDecodeError)
        raise bad_request(f"body: not valid JSON ({exc})") from None


async def _receive(request: web.Request, state: State, part: Path) -> int:
    """Stream the body into `part`, refusing it past the size limit; the byte count.
    A client that goes away mid-body is one line in the log, not a traceback."""
    limit = state.max_upload_bytes
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(
            f"upload of {request.content_length} bytes is over the limit of {limit} bytes"
        )
    received = 0
    loop = asyncio.get_running_loop()
    try:
        with part.open("wb") as sink:
            async for chunk in request.content.iter_chunked(CHUNK):
                received += len(chunk)
                if received > limit:
                    raise TooLarge(f"upload is over the limit of {limit} bytes")
                await loop.run_in_executor(None, sink.write, chunk)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise disk_full(part, exc) from None
        if isinstance(exc, ConnectionError):
            raise _aborted(request, received) from None
        raise
    except (ClientPayloadError, asyncio.IncompleteReadError, EofStream):
        raise _aborted(request, received) from None
    except asyncio.CancelledError:  # the server dropped the handler with the connection
        _aborted(request, received)
        raise
    if received == 0:
        raise BadInput("body: empty upload (0 bytes)")
    return received


def _aborted(request: web.Request, received: int) -> BadInput:
    log.info(
        "upload %s %s aborted by the client after %d bytes; nothing kept",
        request.method,
        request.path,
        received,
    )
    return BadInput(f"upload aborted after {received} bytes; nothing was kept")


def _upload_route(kind: str) -> Callable[[Handler], Handler]:
    return api(
        f"/api/lessons/{{lesson}}/{kind}",
        f"Upload the lesson's {'recording' if kind == 'source' else 'sign-language recording'}",
        [Param("lesson", "path", {"type": "string"})],
        UPLOAD_SCHEMA,
        method="put",
        body={"application/octet-stream": {"type": "string", "format": "binary"}},
        secured=True,
        status=201,
        errors={413: "Upload too large", 415: "Not a playable video", 507: "Disk full"},
    )


async def _upload(request: web.Request, kind: str) -> web.Response:
    """Stream the body to a staging file, then let the service check and record it."""
    await authorise(request)
    state = request.app[STATE]
    lesson_id = request.match_info["lesson"]
    staged = staging_file(state.data_dir)
    try:
        await _receive(request, state, staged)
        done = await state.in_pool(accept_upload, state.workspace, lesson_id, kind, staged)
    except SabaqError as exc:
        raise without_paths(exc, state.data_dir, staged) from None
    finally:
        staged.unlink(missing_ok=True)
    state.invalidate()
    return web.json_response(
        {
            "lesson": done.lesson,
            "kind": done.kind,
            "path": done.path,
            "bytes": done.bytes,
            "duration_s": done.duration_s,
            "width": done.width,
            "height": done.height,
            "has_audio": done.has_audio,
        },
        status=201,
    )


@_upload_route("source")
async def upload_source(request: web.Request) -> web.Response:
    """PUT /api/lessons/{lesson}/source: the lesson's recording."""
    return await _upload(request, "source")


@_upload_route("signer")
async def upload_signer(request: web.Request) -> web.Response:
    """PUT /api/lessons/{lesson}/signer: the interpreter's recording."""
    return await _upload(request, "signer")


CAPTIONS_SCHEMA = {
    "type": "object",
    "properties": {
        "lesson": {"type": "string"},
        "language": {"type": "string"},
        "cues": {"type": "integer"},
        "path": {"type": "string"},
        "version": {
            "type": ["string", "null"],
            "description": "the package version now carrying them (null: not packaged yet)",
        },
    },
}


@api(
    "/api/lessons/{lesson}/captions/{language}",
    "Set the lesson's captions in one language (SRT or WebVTT, UTF-8); a packaged lesson "
    "gets them at once, as a new package version",
    [
        Param("lesson", "path", {"type": "string"}),
        Param("language", "path", {"type": "string", "enum": list(LANGUAGES)}),
    ],
    CAPTIONS_SCHEMA,
    method="put",
    body={
        "text/vtt": {"type": "string"},
        "application/x-subrip": {"type": "string"},
        "application/octet-stream": {"type": "string", "format": "binary"},
    },
    secured=True,
    errors={413: "Over 5 MB", 415: "The package cannot be written"},
)
async def put_captions(request: web.Request) -> web.Response:
    """PUT /api/lessons/{lesson}/captions/{language}: the file is the body; a bad one is
    a 400 naming its line, and changes nothing."""
    await authorise(request)
    lesson_id, language = request.match_info["lesson"], request.match_info["language"]
    if request.content_length is not None and request.content_length > MAX_CAPTION_BYTES:
        raise TooLarge(f"captions are at most {MAX_CAPTION_BYTES} bytes")
    data = bytearray()
    async for chunk in request.content.iter_chunked(CHUNK):
        data += chunk
        if len(data) > MAX_CAPTION_BYTES:
            raise TooLarge(f"captions are at most {MAX_CAPTION_BYTES} bytes")
    if not data:
        raise BadInput("body: empty upload (0 bytes)")
    state = request.app[STATE]
    done = await state.in_pool(
        set_captions, state.workspace, lesson_id, language, bytes(data), "body"
    )
    state.invalidate()
    return web.json_response(
        {
            "lesson": done.lesson,
            "language": done.language,
            "cues": done.cues,
            "path": done.path,
            "version": done.version,
        }
    )


@api(
    "/api/transcode",
    "Queue transcode jobs (run by `sabaq transcode --queued` or a worker)",
    response={
        "type": "object",
        "properties": {"queued": {"type": "array", "items": {"type": "string"}}},
    },
    method="post",
    body={
        "application/json": {
            "type": "object",
            "properties": {
                "lessons": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "all": {"type": "boolean", "const": True},
                "options": {"type": "object"},
                "force": {
                    "type": "boolean",
                    "description": "transcode even lessons whose package is current",
                },
            },
            "anyOf": [{"required": ["lessons"]}, {"required": ["all"]}],
        }
    },
    secured=True,
    status=202,
    errors={409: "A lesson has no source media"},
)
async def queue_transcode(request: web.Request) -> web.Response:
    """POST /api/transcode: {"lessons": [...]} or {"all": true}, optional "options" and
    "force" (re-transcode current packages too)."""
    await authorise(request)
    body = await _json_body(request)
    if not isinstance(body, dict):
        raise bad_request("body: expected an object")
    if "options" in body and not isinstance(body["options"], dict):
        raise bad_request("options: expected an object of transcode options")
    options = options_from(body.get("options"))
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise bad_request("force: expected true or false")
    wanted = body.get("lessons")
    if body.get("all") is True:
        wanted = None
    elif not isinstance(wanted, list) or not wanted or not all(isinstance(x, str) for x in wanted):
        raise bad_request('lessons: give a list of lesson ids, or "all": true')
    state = request.app[STATE]
    queued = await state.in_pool(
        queue_lessons, state.workspace, options, wanted, wanted is not None, force
    )
    state.invalidate()
    return web.json_response({"queued": queued.lessons}, status=202)


PUBLISHED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "version": {"type": "integer"},
        "published": {"type": "boolean"},
        "airings": {"type": "integer", "description": "airings the version holds"},
        "notes": {"type": "array", "items": {"type": "string"}},
        "replayed": {
            "type": "boolean",
            "description": "the answer to an earlier request with the same Idempotency-Key",
        },
    },
}


def _published(done: Published) -> dict[str, Any]:
    return {
        "version": done.version,
        "published": done.published,
        "airings": done.airings,
        "notes": done.notes,
        "replayed": done.replayed,
    }


@api(
    "/api/schedules",
    "Store a schedule as a new version and (by default) publish it",
    [
        Param("publish", "query", {"type": "string", "enum": ["true", "false"]}),
        Param(
            "Idempotency-Key",
            "header",
            {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
            "a retry with the same key answers the first request's version (200) and "
            "stores nothing new",
        ),
    ],
    PUBLISHED_SCHEMA,
    method="post",
    body={"application/json": SCHEDULE_BODY},
    secured=True,
    status=201,
    errors={422: "The schedule breaks a rule (named, with an example)"},
)
async def post_schedule(request: web.Request) -> web.Response:
    """POST /api/schedules: a schedule document (DESIGN.md), published unless ?publish=false.

    Airings already aired or on air stay as they were (see catalog.schedules.publish).
    """
    await authorise(request)
    document = await _json_body(request)
    timezone = document.get("timezone", DEFAULT_TIMEZONE) if isinstance(document, dict) else None
    if not isinstance(timezone, str):
        raise bad_request("timezone: expected a time zone name such as Asia/Almaty")
    publish_now = _flag(request.query.get("publish", "true"), "publish")
    key = check_request_key(request.headers.get("Idempotency-Key"))
    state = request.app[STATE]
    now = state.clock()
    done = await state.in_pool(
        lambda: publish_schedule(
            state.workspace, document, timezone, now, make_live=publish_now, request_key=key
        )
    )
    state.invalidate()
    return web.json_response(_published(done), status=200 if done.replayed else 201)


def _flag(raw: str, name: str) -> bool:
    """`true` or `false`, exactly; anything else is a 400 (never read as the default)."""
    if raw not in ("true", "false"):
        raise bad_request(f"{name}: {raw[:20]!r} is not true or false")
    return raw == "true"


@api(
    "/api/schedules/{version}/publish",
    "Publish a stored schedule version",
    [Param("version", "path", {"type": "integer", "minimum": 1})],
    PUBLISHED_SCHEMA,
    method="post",
    secured=True,
)
async def publish_version(request: web.Request) -> web.Response:
    """POST /api/schedules/{version}/publish."""
    await authorise(request)
    raw = request.match_info["version"]
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise bad_request(f"version: {raw!r} is not a version number")
    state = request.app[STATE]
    done = await state.in_pool(publish_stored, state.workspace, int(raw), state.clock())
    state.invalidate()
    return web.json_response(_published(done))
