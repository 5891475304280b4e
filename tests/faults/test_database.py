"""A PostgreSQL that accepts connections but never answers must not take viewers down.

The catalogue is reached through a relay that is made to hang mid-run: segments and
playlists keep coming from the snapshot and the disk at once, strangers' requests are
refused from memory (401, never a database call), producers' routes answer 503 JSON
(at once after the first deadline passes), /healthz says degraded without naming
hosts, and all is well again after.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from urllib.parse import urlsplit

import m3u8
import pytest
from sqlalchemy import select

from catalog import open_catalog
from catalog.hls import read_manifest
from catalog.layout import Layout
from catalog.models import Lesson
from catalog.problem_io import import_problem
from catalog.schedules import publish, published_version, save_schedule
from catalog.tokens import create_token
from service.jobs import record_package
from service.workspace import Workspace
from streaming import create_app
from streaming.database import Database
from streaming.state import STATE
from tests.conftest import PG_ABSENT, PG_URL, _postgres_schema
from tests.streaming.conftest import OPTIONS
from transcoder.package import PackageResult

from .relay import relay_to

pytestmark = pytest.mark.slow
JUNK = {"Authorization": "Bearer not-a-token"}
PRODUCER = "/api/transcode"  # with a junk token: answered after a token lookup


def _copy_site(site, url: str, schema: str) -> None:
    """The test site's catalogue (SQLite) into a PostgreSQL schema."""
    source = open_catalog(site.url)
    target = open_catalog(url, schema=schema)
    with target.session() as session:
        import_problem(session, site.data_dir / "problem.json")
    layout = Layout(site.data_dir)
    with source.session() as session:
        packaged = [lesson.id for lesson in session.scalars(select(Lesson)) if lesson.package]
        version = published_version(session)
        assert version is not None
        airings = [
            {
                "lesson": a.lesson_id,
                "channel": a.channel_id,
                "start": a.start.isoformat(),
                "end": a.end.isoformat(),
            }
            for a in version.airings
        ]
        timezone = version.timezone
    for lesson_id in packaged:
        manifest = read_manifest(layout.package(lesson_id))
        result = PackageResult(
            layout.package(lesson_id),
            [r.name for r in manifest.rungs],
            manifest.duration_s,
            manifest.segment_s,
            manifest.segments,
            manifest.checksum,
        )
        record_package(Workspace.over(site.data_dir, target), lesson_id, OPTIONS, result)
    with target.session() as session:
        earliest = min(a["start"] for a in airings)
        publish(
            session,
            save_schedule(session, {"airings": airings}, timezone),
            datetime.fromisoformat(earliest),
        )
    source.dispose()
    target.dispose()


@pytest.fixture
def hanging(site):
    if not PG_URL:
        pytest.skip(PG_ABSENT)
    schema_source = _postgres_schema()
    url, schema = next(schema_source)
    _copy_site(site, url, schema)
    parts = urlsplit(url)
    with relay_to(parts.hostname or "127.0.0.1", parts.port or 5432) as relay:
        netloc = parts.netloc.replace(f":{parts.port}", "") if parts.port else parts.netloc
        relayed = parts._replace(netloc=f"{netloc}:{relay.port}").geturl()
        yield relayed, schema, relay
    next(schema_source, None)


async def _timed(client, path: str, **kwargs) -> tuple[int, float, object]:
    started = time.monotonic()
    if path == PRODUCER:
        headers = kwargs.pop("headers", JUNK)
        response = await client.post(path, json={"lessons": ["nope"]}, headers=headers)
    else:
        response = await client.get(path, **kwargs)
    body = await response.read()
    return response.status, time.monotonic() - started, (response.content_type, body)


async def test_a_hanging_database_never_stops_viewers(hanging, site, aiohttp_client):
    url, schema, relay = hanging
    catalog = open_catalog(url, schema=schema, migrate=False)
    with catalog.session() as session:
        real = {"Authorization": f"Bearer {create_token(session, 'studio-hang')}"}
    app = create_app(catalog, site.data_dir, clock=lambda: site.now, refresh_s=0.2)
    app[STATE].database.close()
    app[STATE].database = Database(deadline_s=1.0, cooldown_s=2.0, long_deadline_s=1.0)
    client = await aiohttp_client(app)
    master = m3u8.loads(await (await client.get("/vod/kk-05-math-001/master.m3u8")).text())
    segment = f"/vod/kk-05-math-001/{master.playlists[0].uri.rsplit('/', 1)[0]}/seg_00000.ts"
    assert (await client.get(segment)).status == 200
    assert (await _timed(client, PRODUCER))[0] == 401

    relay.hang()
    await asyncio.sleep(0.5)  # a snapshot reload starts, and hangs
    viewers = [segment] * 20 + ["/live/al-farabi/360p.m3u8", "/api/lessons", "/"] * 5
    strangers = [PRODUCER] * 8  # answered from the tokens in memory
    producers = [PRODUCER] * 4  # their work hangs
    answers = await asyncio.gather(
        *(_timed(client, path) for path in viewers),
        *(_timed(client, path) for path in strangers),
        *(_timed(client, path, headers=real) for path in producers),
    )
    for status, seconds, _ in answers[: len(viewers)]:
        assert status == 200
        assert seconds < 0.5, f"a viewer waited {seconds:.1f} s on the database"
    for status, seconds, _ in answers[len(viewers) : len(viewers) + len(strangers)]:
        assert status == 401
        assert seconds < 0.5, f"a stranger's request waited {seconds:.1f} s on the database"
    for status, seconds, (kind, body) in answers[len(viewers) + len(strangers) :]:
        assert status == 503
        assert kind == "application/json"
        assert b"not answering" in body or b"busy" in body
        assert seconds < 1.5  # the deadline, never the driver's ~130 s
    status, seconds, _ = await _timed(client, PRODUCER, headers=real)
    assert (status, seconds < 0.2) == (503, True)  # the breaker is open: at once
    health = await client.get("/healthz")
    assert health.status == 503
    assert "127.0.0.1" not in await health.text()

    relay.release()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        health = await client.get("/healthz")
        if health.status == 200:
            break
        await asyncio.sleep(0.3)
    assert health.status == 200
    assert (await _timed(client, PRODUCER))[0] == 401
    catalog.dispose()
