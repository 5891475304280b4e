"""The JSON API and its OpenAPI 3 document, generated from the handlers' declarations."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from catalog.hls import MASTER, POSTER
from catalog.layout import live_url, vod_url
from streaming.snapshot import AiringView, LessonView, Snapshot
from streaming.state import STATE, now_and_next

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Param:
    """A query or path parameter of an API route."""

    name: str
    where: str  # "query" or "path"
    schema: dict[str, Any]
    description: str = ""


@dataclass
class Endpoint:
    """One API route as the OpenAPI document describes it."""

    path: str
    summary: str
    handler: Handler
    params: list[Param] = field(default_factory=list)
    response: dict[str, Any] = field(default_factory=dict)
    method: str = "get"
    body: dict[str, Any] | None = None  # media type -> schema of the request body
    secured: bool = False  # needs a producer's bearer token
    status: int = 200
    errors: dict[int, str] = field(default_factory=dict)  # further error statuses


ENDPOINTS: web.AppKey[tuple[Endpoint, ...]] = web.AppKey("endpoints")
"""The application's API endpoints (streaming.routes), for its OpenAPI document."""
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string"}},
    "required": ["error"],
}
LESSON_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "series_id": {"type": "string"},
        "series_title": {"type": "string"},
        "grade": {"type": "integer"},
        "subject": {"type": "string"},
        "language": {"type": "string"},
        "episode": {"type": "integer"},
        "title": {"type": "string"},
        "duration_s": {"type": "integer"},
        "signed": {"type": "boolean"},
        "status": {"type": "string"},
        "hls_url": {"type": ["string", "null"]},
        "poster_url": {"type": ["string", "null"]},
        "download_url": {
            "type": ["string", "null"],
            "description": "a faststart MP4 of at most 360p for offline viewing",
        },
        "download_bytes": {"type": ["integer", "null"]},
        "captions": {
            "type": "array",
            "items": {"type": "string"},
            "description": "languages of the lesson's subtitles",
        },
    },
    "required": ["id", "title", "grade", "language"],
}
AIRING_SCHEMA = {
    "type": "object",
    "properties": {
        "lesson": {"type": "string"},
        "channel": {"type": "string"},
        "start": {"type": "string", "format": "date-time"},
        "end": {"type": "string", "format": "date-time"},
    },
}


def api(
    path: str,
    summary: str,
    params: list[Param] | None = None,
    response: dict[str, Any] | None = None,
    **more: Any,
) -> Callable[[Handler], Handler]:
    """Declare an API handler: its path, method and what the OpenAPI document says of
    it. The route table (streaming.routes) lists the handlers; `declared` reads this.

    `more` holds the rest of `Endpoint` (method, body, secured, status, errors).
    """

    def declare(handler: Handler) -> Handler:
        endpoint = Endpoint(path, summary, handler, params or [], response or {}, **more)
        setattr(handler, DECLARATION, endpoint)
        return handler

    return declare


DECLARATION = "sabaq_endpoint"


def declared(handler: Handler) -> Endpoint:
    """The endpoint an `api` declaration made of `handler`."""
    endpoint = getattr(handler, DECLARATION, None)
    if not isinstance(endpoint, Endpoint):
        raise TypeError(f"{handler.__qualname__} is not declared with @api")
    return endpoint


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
    """A JSON error body with the given status."""
    return web.json_response({"error": message}, status=status, headers=headers)


def lesson_json(lesson: LessonView) -> dict[str, Any]:
    """A lesson as the API returns it."""
    data = asdict(lesson)
    data.pop("has_package")
    data["captions"] = list(lesson.captions)
    data["hls_url"] = vod_url(lesson.id, MASTER) if lesson.has_package else None
    data["poster_url"] = vod_url(lesson.id, POSTER) if lesson.has_package else None
    return data


def airing_json(airing: AiringView) -> dict[str, str]:
    """An airing as the API returns it."""
    return {
        "lesson": airing.lesson_id,
        "channel": airing.channel_id,
        "start": airing.start.isoformat(),
        "end": airing.end.isoformat(),
    }


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)  # a day's bounds stay computable


ASCII_NUMBER = re.compile(r"[0-9]{1,12}")


def strict_int(raw: str, name: str, low: int, high: int) -> int:
    """`raw` as a whole number from `low` to `high`: ASCII digits only, at most 12 of
    them (no sign, space, underscore or other script's digits, which int() takes);
    else a 400 naming `name`."""
    if not ASCII_NUMBER.fullmatch(raw):
        raise bad_request(f"{name}: {raw[:20]!r} is not a whole number")
    value = int(raw)
    if not low <= value <= high:
        raise bad_request(f"{name}: {value} must be from {low} to {high}")
    return value


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    value = strict_int(raw, name, low, high)
    if not low <= value <= high:
        raise bad_request(f"{name}: {value} must be from {low} to {high}")
    return value


def bad_request(message: str) -> web.HTTPBadRequest:
    """A 400 with a JSON error body, to raise from inside a handler."""
    return web.HTTPBadRequest(
        text=json.dumps({"error": message}, ensure_ascii=False), content_type="application/json"
    )


def filter_lessons(snapshot: Snapshot, query: dict[str, str]) -> list[LessonView]:
    """Lessons matching grade, subject, language, signed, captions and a text search,
    in order."""
    found = []
    text = (query.get("q") or "").casefold()
    for lesson in snapshot.lessons.values():
        if query.get("grade") and str(lesson.grade) != query["grade"]:
            continue
        if query.get("subject") and lesson.subject != query["subject"]:
            continue
        if query.get("language") and lesson.language != query["language"]:
            continue
        if query.get("signed") == "true" and not lesson.signed:
            continue
        if query.get("signed") == "false" and lesson.signed:
            continue
        if query.get("captions") == "true" and not lesson.captions:
            continue
        if query.get("captions") == "false" and lesson.captions:
            continue
        if (
            text
            and text not in lesson.title.casefold()
            and text not in lesson.series_title.casefold()
        ):
            continue
        found.append(lesson)
    return sorted(found, key=lambda x: (x.grade, x.language, x.subject, x.series_id, x.episode))


@api(
    "/api/lessons",
    "Lessons, filtered and paginated",
    [
        Param("grade", "query", {"type": "integer", "minimum": 0, "maximum": 12}),
        Param("subject", "query", {"type": "string"}),
        Param("language", "query", {"type": "string", "enum": ["kk", "ru", "en"]}),
        Param("signed", "query", {"type": "string", "enum": ["true", "false"]}),
        Param(
            "captions",
            "query",
            {"type": "string", "enum": ["true", "false"]},
            "with (or without) captions",
        ),
        Param("q", "query", {"type": "string"}, "text searched in titles"),
        Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 500}),
        Param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 10**9}),
    ],
    {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "items": {"type": "array", "items": LESSON_SCHEMA},
        },
    },
)
async def list_lessons(request: web.Request) -> web.Response:
    """GET /api/lessons."""
    snapshot = await request.app[STATE].snapshot()
    _int_param(request, "grade", 0, 0, 12)
    for name, allowed in (
        ("signed", ("true", "false")),
        ("captions", ("true", "false")),
        ("language", ("kk", "ru", "en")),
    ):
        value = request.query.get(name)
        if value is not None and value not in allowed:
            raise bad_request(f"{name}: {value!r} is not one of {', '.join(allowed)}")
    limit = _int_param(request, "limit", 50, 1, 500)
    offset = _int_param(request, "offset", 0, 0, 10**9)
    lessons = filter_lessons(snapshot, dict(request.query))
    return web.json_response(
        {
            "total": len(lessons),
            "items": [lesson_json(x) for x in lessons[offset : offset + limit]],
        }
    )


@api(
    "/api/lessons/{lesson}",
    "One lesson with its HLS URL and airings",
    [Param("lesson", "path", {"type": "string"})],
    {
        **LESSON_SCHEMA,
        "properties": {
            **LESSON_SCHEMA["properties"],  # type: ignore[dict-item]
            "airings": {"type": "array", "items": AIRING_SCHEMA},
        },
    },
)
async def get_lesson(request: web.Request) -> web.Response:
    """GET /api/lessons/{lesson}."""
    snapshot = await request.app[STATE].snapshot()
    lesson = snapshot.lessons.get(request.match_info["lesson"])
    if lesson is None:
        return error(404, f"lesson {request.match_info['lesson']!r} not found")
    data = lesson_json(lesson)
    data["airings"] = [airing_json(a) for a in snapshot.airings if a.lesson_id == lesson.id]
    return web.json_response(data)


@api(
    "/api/channels",
    "Channels with what is on now and next",
    response={"type": "array", "items": {"type": "object"}},
)
async def list_channels(request: web.Request) -> web.Response:
    """GET /api/channels."""
    state = request.app[STATE]
    snapshot = await state.snapshot()
    now = state.clock()
    out = []
    for channel in snapshot.channels:
        current, upcoming = now_and_next(snapshot.airings_of(channel.id), now)
        out.append(
            {
                **asdict(channel),
                "live_url": live_url(channel.id),
                "now": airing_json(current) if current else None,
                "next": airing_json(upcoming) if upcoming else None,
            }
        )
    return web.json_response(out)


@api(
    "/api/channels/{channel}/schedule",
    "A channel's airings on a local date",
    [
        Param("channel", "path", {"type": "string"}),
        Param(
            "date",
            "query",
            {"type": "string", "format": "date"},
            "local date from 1970-01-01 to 9998-12-31; default today",
        ),
    ],
    {"type": "array", "items": AIRING_SCHEMA},
)
async def channel_schedule(request: web.Request) -> web.Response:
    """GET /api/channels/{channel}/schedule."""
    state = request.app[STATE]
    snapshot = await state.snapshot()
    channel_id = request.match_info["channel"]
    if channel_id not in {c.id for c in snapshot.channels}:
        return error(404, f"channel {channel_id!r} not found")
    zone = ZoneInfo(snapshot.timezone)
    raw = request.query.get("date")
    try:
        day = date.fromisoformat(raw) if raw is not None else state.clock().astimezone(zone).date()
    except ValueError:
        return error(400, "date: not a date YYYY-MM-DD")
    if not FIRST_DAY <= day <= LAST_DAY:
        return error(400, f"date: {day} is out of range ({FIRST_DAY} to {LAST_DAY})")
    return web.json_response([airing_json(a) for a in snapshot.airings_on(channel_id, day)])


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    errors = {400: "Bad request", 404: "Not found", **endpoint.errors}
    if endpoint.secured:
        errors[401] = "Missing, unknown or revoked bearer token"
    operation: dict[str, Any] = {
        "summary": endpoint.summary,
        "operationId": endpoint.handler.__name__,
        "parameters": [
            {
                "name": p.name,
                "in": p.where,
                "required": p.where == "path",
                "schema": p.schema,
                **({"description": p.description} if p.description else {}),
            }
            for p in endpoint.params
        ],
        "responses": {
            str(endpoint.status): {"description": "OK", "content": _json(endpoint.response)},
            **{
                str(code): {"description": text, "content": _json(ERROR_SCHEMA)}
                for code, text in sorted(errors.items())
            },
        },
    }
    if endpoint.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {kind: {"schema": schema} for kind, schema in endpoint.body.items()},
        }
    if endpoint.secured:
        operation["security"] = [{"bearer": []}]
    return operation


def openapi_document(endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the endpoints."""
    paths: dict[str, Any] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sabaq",
            "version": "0.1.0",
            "description": "Televised school lessons: catalogue, schedule and streams. "
            "Reading is public; producer actions need a bearer token from "
            "`sabaq token create`.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


async def openapi(request: web.Request) -> web.Response:
    """GET /api/openapi.json."""
    endpoints: tuple[Endpoint, ...] = request.app[ENDPOINTS]
    return web.json_response(openapi_document(endpoints))
