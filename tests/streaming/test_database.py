"""The server's way to the catalogue: a deadline, a bounded set of threads, a breaker."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from errors import Unavailable
from streaming.database import Database


async def test_a_call_past_its_deadline_opens_the_breaker_until_the_cooldown_ends():
    now = [0.0]
    database = Database(workers=2, deadline_s=0.1, cooldown_s=10.0, clock=lambda: now[0])
    release = threading.Event()
    with pytest.raises(Unavailable, match="not answering"):
        await database.run(release.wait)  # a database that never answers
    assert database.degraded
    assert database.last_failure == "no answer within 0.1 s"
    ran = []
    with pytest.raises(Unavailable):  # refused at once, though a thread is free
        await database.run(lambda: ran.append(1))
    assert ran == []
    now[0] = 11.0  # the cooldown is over: the next call is tried, and closes the breaker
    assert await database.run(lambda: 42) == 42
    assert not database.degraded
    release.set()
    database.close()


async def test_no_call_queues_behind_threads_that_wait_on_the_database():
    database = Database(workers=1, deadline_s=5.0, cooldown_s=10.0)
    release = threading.Event()
    stuck = asyncio.ensure_future(database.run(release.wait))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    with pytest.raises(Unavailable, match="busy"):
        await database.run(lambda: None)
    assert time.monotonic() - started < 0.05
    release.set()
    assert await stuck is True
    assert await database.run(lambda: "free again") == "free again"
    database.close()


async def test_a_database_error_opens_the_breaker_too():
    database = Database(deadline_s=1.0)

    def refused() -> None:
        raise Unavailable("database error: connection refused")

    with pytest.raises(Unavailable, match="refused"):
        await database.run(refused)
    assert database.degraded
    database.close()
