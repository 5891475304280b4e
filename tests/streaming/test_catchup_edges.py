"""Catch-up's window at its edges: a start exactly now, exactly `days` back, a second
either side; over HTTP as a player asks, with the server's clock where the test puts it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from errors import SabaqError
from streaming.catchup import DAYS, Replay, parse_replay

NOW = datetime(2026, 9, 8, 4, 0, 20, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def _utc(instant: datetime) -> dict[str, str]:
    return {"utc": str(int(instant.timestamp()))}


def test_a_start_exactly_now_is_a_replay_of_now():
    assert parse_replay(_utc(NOW), NOW) == Replay(NOW)


def test_a_start_a_second_ahead_has_not_aired():
    with pytest.raises(SabaqError, match="nothing has aired") as caught:
        parse_replay(_utc(NOW + SECOND), NOW)
    assert caught.value.http_status == 404


def test_a_start_exactly_the_window_back_is_still_in_it():
    oldest = NOW - timedelta(days=DAYS)
    assert parse_replay(_utc(oldest), NOW) == Replay(oldest)


def test_a_second_older_than_the_window_is_out_of_it():
    with pytest.raises(SabaqError, match=f"{DAYS}-day catch-up window") as caught:
        parse_replay(_utc(NOW - timedelta(days=DAYS) - SECOND), NOW)
    assert caught.value.http_status == 404


@pytest.mark.parametrize("days", [1, 3, 30])
def test_the_edges_move_with_the_configured_window(days):
    oldest = NOW - timedelta(days=days)
    assert parse_replay(_utc(oldest), NOW, days=days) == Replay(oldest)
    with pytest.raises(SabaqError):
        parse_replay(_utc(oldest - SECOND), NOW, days=days)


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (timedelta(0), 200),  # exactly now
        (SECOND, 404),  # a second ahead
        (-timedelta(days=DAYS), 200),  # exactly the window back
        (-timedelta(days=DAYS) - SECOND, 404),  # a second older
    ],
)
async def test_the_edges_over_http(client, offset, status):
    now = client.clock["now"]
    start = now + offset
    response = await client.get(
        "/live/al-farabi/master.m3u8", params={"utc": str(int(start.timestamp()))}
    )
    assert response.status == status, await response.text()
    if status == 200:
        assert "#EXTM3U" in await response.text()
