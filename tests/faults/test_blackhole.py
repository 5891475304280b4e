"""A database path that goes silent mid-request (connections held open, bytes dropped,
nothing ever reset) and then comes back for new connections: the server notices by
itself within 30 s, and what a client was told failed never lands later.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import func, select

from catalog import open_catalog
from catalog.models import ScheduleVersion
from catalog.schedules import published_version
from catalog.tokens import create_token
from streaming import create_app
from streaming.database import Database
from streaming.state import STATE

pytestmark = pytest.mark.slow
RECOVERY_S = 30.0


async def test_a_black_holed_database_is_recovered_from(hanging, site, aiohttp_client):
    url, schema, relay = hanging
    catalog = open_catalog(url, schema=schema, migrate=False)
    with catalog.session() as session:
        token = create_token(session, "studio-blackhole")
        version = published_version(session)
        assert version is not None
        document = {
            "timezone": version.timezone,
            "airings": [
                {
                    "lesson": a.lesson_id,
                    "channel": a.channel_id,
                    "start": a.start.isoformat(),
                    "end": a.end.isoformat(),
                }
                for a in version.airings[:1]
            ],
        }
        before = int(session.scalar(select(func.count()).select_from(ScheduleVersion)) or 0)
    app = create_app(catalog, site.data_dir, clock=lambda: site.now, refresh_s=0.5)
    app[STATE].database.close()
    app[STATE].database = Database(deadline_s=2.0, cooldown_s=1.0, long_deadline_s=2.0)
    client = await aiohttp_client(app)
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/healthz")).status == 200
    # Warm the pool: every connection the server holds now goes silent below.
    posted = await client.post("/api/schedules?publish=false", json=document, headers=auth)
    assert posted.status == 201, await posted.text()
    stored = before + 1

    relay.hang()
    during = await asyncio.gather(
        *(
            client.post("/api/schedules?publish=false", json=document, headers=auth)
            for _ in range(6)
        )
    )
    assert all(r.status == 503 for r in during), [r.status for r in during]

    relay.heal()  # the database is back for new connections; the old ones stay a black hole
    back = time.monotonic()
    recovered = None
    while time.monotonic() - back < RECOVERY_S + 5:
        health = await client.get("/healthz")
        answer = await client.post("/api/schedules?publish=false", json=document, headers=auth)
        stored += answer.status == 201  # told it was stored: it must be
        if health.status == 200 and answer.status == 201:
            recovered = time.monotonic() - back
            break
        await asyncio.sleep(0.5)
    assert recovered is not None, f"no recovery in {RECOVERY_S} s"
    assert recovered < RECOVERY_S
    await asyncio.sleep(3)  # a write the client was told failed must not land later
    with catalog.session() as session:
        count = int(session.scalar(select(func.count()).select_from(ScheduleVersion)) or 0)
    assert count == stored, f"{count - stored} write(s) answered 503 were applied"
    catalog.dispose()
