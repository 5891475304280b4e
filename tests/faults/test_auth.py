"""Strangers cannot starve producers: junk tokens are refused from memory (never a
database call), an address that keeps failing is slowed to 429, and a revoked token
stops within seconds."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import aiohttp
import pytest

from catalog.tokens import revoke_token
from streaming.auth import REFRESH_S

pytestmark = pytest.mark.slow
FLOOD_S = 4.0


async def _flood(url: str, stop: float, statuses: list[int]) -> None:
    """One junk-token connection from another address (127.0.0.2), asking again and again."""
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0), limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        number = 0
        while time.monotonic() < stop:
            number += 1
            headers = {"Authorization": f"Bearer junk-{number}"}
            async with session.post(url, json={"all": True}, headers=headers) as answer:
                await answer.read()
                statuses.append(answer.status)


async def test_sixteen_junk_connections_never_cost_a_producer_a_503(served):
    client = served.client
    start = served.clock["now"] + timedelta(hours=1)
    document = {
        "airings": [
            {
                "lesson": "kk-05-math-001",
                "channel": "al-farabi",
                "start": start.isoformat(),
                "end": (start + timedelta(seconds=8)).isoformat(),
            }
        ]
    }
    stop = time.monotonic() + FLOOD_S
    junk: list[int] = []
    flood = [
        asyncio.ensure_future(_flood(str(client.make_url("/api/transcode")), stop, junk))
        for _ in range(16)
    ]
    producer, health = [], []
    while time.monotonic() < stop:
        answer = await client.post(
            "/api/schedules?publish=false", json=document, headers=served.auth
        )
        producer.append(answer.status)
        health.append((await client.get("/healthz")).status)
    await asyncio.gather(*flood)
    assert len(junk) > 100
    assert set(junk) <= {401, 429}
    assert 429 in junk  # the flooding address is slowed down
    assert producer.count(503) == 0, producer
    assert set(producer) == {201}
    assert set(health) == {200}


async def test_a_revoked_token_stops_within_seconds(served):
    client = served.client
    assert (await client.post("/api/transcode", json={}, headers=served.auth)).status == 400
    with served.catalog.session() as session:
        revoke_token(session, "studio-1")
    revoked = time.monotonic()
    while (await client.post("/api/transcode", json={}, headers=served.auth)).status != 401:
        assert time.monotonic() - revoked < REFRESH_S + 3
        await asyncio.sleep(0.1)
