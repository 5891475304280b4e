"""A call past its deadline never commits, and an abort wakes a blocked call at once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from catalog.db import Deadline, deadline
from catalog.models import Channel
from errors import Unavailable


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
