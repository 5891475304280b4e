"""A call past its deadline never commits, and an abort wakes a blocked call at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, text

from catalog import open_catalog
from catalog.db import Deadline, deadline
from catalog.models import Channel
from errors import Unavailable
from streaming.database import COMMIT_GRACE_S, Database
from tests.conftest import PG_ABSENT, PG_URL, _postgres_schema

from .relay import relay_to


def _channel() -> Channel:
    return Channel(
        id="x", name="X", number=1, window_start="09:00", window_end="18:00",
        languages=["kk"], grades=[1],
    )  # fmt: skip


def _late_write(catalog, limit: Deadline) -> None:
    with deadline(limit), catalog.session() as session:
        session.add(_channel())
        session.flush()
        time.sleep(0.3)  # the caller has given up by now


def test_work_past_its_deadline_never_commits(catalog):
    with pytest.raises(Unavailable, match="nothing was changed"):
        _late_write(catalog, Deadline(0.2))
    with catalog.session() as session:
        assert session.scalar(select(func.count()).select_from(Channel)) == 0


def _run(catalog, limit: Deadline, query: str) -> None:
    with deadline(limit), catalog.session() as session:
        session.execute(text(query))


def test_an_abort_wakes_a_blocked_call_and_the_connection_is_not_reused(catalog):
    limit = Deadline(60)
    slow = (
        "SELECT pg_sleep(30)"
        if catalog.engine.dialect.name == "postgresql"
        else "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT count(*) FROM n"
    )
    threading.Timer(0.5, limit.abort).start()
    started = time.monotonic()
    with pytest.raises(Unavailable):
        _run(catalog, limit, slow)
    assert time.monotonic() - started < 5
    with catalog.session() as session:  # a fresh connection answers
        assert session.scalar(text("SELECT 1")) == 1


# A COMMIT already sent when the deadline passes. Its outcome is the database's: a live
# one answers it, so the client must hear what happened; a silent one leaves it unknown,
# and the answer must say so instead of "nothing was changed".


@pytest.fixture
def postgres() -> Iterator[tuple[str, str]]:
    if not PG_URL:
        pytest.skip(PG_ABSENT)
    yield from _postgres_schema()


def _slow_commits(catalog, seconds: float) -> None:
    """Every COMMIT that stores a channel takes `seconds` (a deferred trigger runs then)."""
    with catalog.session() as session:
        session.execute(
            text(
                "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN PERFORM pg_sleep({seconds}); RETURN NULL; END $$"
            )
        )
        session.execute(
            text(
                "CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON channels "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()"
            )
        )


def _count(catalog) -> int:
    with catalog.session() as session:
        return session.scalar(select(func.count()).select_from(Channel)) or 0


def _add_channel(catalog) -> str:
    with catalog.session() as session:
        session.add(_channel())
    return "stored"


async def test_a_commit_in_flight_at_the_deadline_is_waited_for_and_reported(postgres):
    url, schema = postgres
    catalog = open_catalog(url, schema=schema)
    _slow_commits(catalog, 1.0)
    database = Database(workers=1, deadline_s=0.3, cooldown_s=10.0)
    try:
        # The COMMIT is sent well inside the deadline and answers after it: the client
        # hears that it was stored (not a 503 saying nothing was changed).
        assert await database.run(lambda: _add_channel(catalog)) == "stored"
        assert _count(catalog) == 1
        assert not database.degraded
    finally:
        database.close()
        catalog.dispose()


async def test_a_commit_lost_on_a_silent_database_is_reported_in_doubt(postgres):
    url, schema = postgres
    parts = urlsplit(url)
    with relay_to(parts.hostname or "127.0.0.1", parts.port or 5432) as relay:
        netloc = parts.netloc.replace(f":{parts.port}", "") if parts.port else parts.netloc
        relayed = parts._replace(netloc=f"{netloc}:{relay.port}").geturl()
        catalog = open_catalog(relayed, schema=schema)
        database = Database(workers=1, deadline_s=0.5, cooldown_s=10.0)

        def write() -> str:
            with catalog.session() as session:
                session.add(_channel())
                session.flush()  # the INSERT reaches the database...
                relay.hang()  # ...and then the path goes dark: the COMMIT is lost on it
            return "stored"

        started = time.monotonic()
        try:
            with pytest.raises(Unavailable, match="may or may not have been stored") as refused:
                await database.run(write)
            assert "nothing was changed" not in str(refused.value)
            # the deadline plus the grace for the COMMIT, not the driver's own timeouts
            assert time.monotonic() - started < 0.5 + COMMIT_GRACE_S + 2
        finally:
            relay.release()
            database.close()
            catalog.dispose()
    direct = open_catalog(url, schema=schema, migrate=False)
    try:  # what the database did with it: here the COMMIT never arrived, so nothing
        assert _count(direct) == 0
    finally:
        direct.dispose()


def test_work_aborted_before_its_commit_says_nothing_was_changed():
    limit = Deadline(60)
    assert limit.begin_commit()
    limit.end_commit(committed=True)
    assert limit.outcome == "committed"
    limit = Deadline(60)
    limit.abort()
    assert not limit.begin_commit()  # nothing is sent once aborted
    assert limit.outcome == "nothing"
    limit = Deadline(60)
    assert limit.begin_commit()
    limit.abort()  # while the COMMIT is on its way
    assert limit.outcome == "in doubt"
