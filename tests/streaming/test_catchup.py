"""Catch-up and start-over: a replay lists exactly what the live channel aired, from its start."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import m3u8
import pytest

from errors import SabaqError
from streaming.blocks import Timeline
from streaming.catchup import Replay, parse_replay, replay_window
from streaming.live import live_window, media_playlist
from tests.streaming.test_live import AIRINGS, LESSONS, SLATE, T0


def replay_text(replay: Replay, now: datetime, span_s: float = 6 * 3600) -> str:
    made = replay_window(replay, Timeline(AIRINGS, LESSONS, SLATE), "480p", now, span_s=span_s)
    window = made.window
    return media_playlist(
        by_source(window.segments), window.sequence, window.discontinuity, made.offset_s, made.ended
    )


def by_source(segments):
    """The segments listing the package file each plays, in place of the retimed URL
    (RUNG/SEQUENCE.ts, the same in a replay as it was live)."""
    return [replace(s, url=s.source) for s in segments]


def numbered(text: str) -> list[tuple[int, int, str, datetime]]:
    """(media sequence, discontinuity sequence, URI, start) of every segment, as a
    player counts them."""
    playlist = m3u8.loads(text)
    sequence, era = playlist.media_sequence, playlist.discontinuity_sequence or 0
    out = []
    for segment in playlist.segments:
        era += 1 if segment.discontinuity else 0
        out.append((sequence, era, segment.uri, segment.current_program_date_time))
        sequence += 1
    return out


def live_numbered(now: datetime) -> list[tuple[int, int, str, datetime]]:
    window = live_window(AIRINGS, LESSONS, SLATE, "480p", now)
    return numbered(
        media_playlist(by_source(window.segments), window.sequence, window.discontinuity)
    )


def test_start_over_begins_with_the_airing_and_grows_to_the_live_edge():
    now = T0 + timedelta(seconds=40)
    text = replay_text(Replay(T0), now)
    playlist = m3u8.loads(text)
    assert playlist.playlist_type == "event"
    assert not playlist.is_endlist
    assert playlist.segments[0].uri == "/vod/a/480p/seg_00000.ts"
    assert playlist.segments[0].current_program_date_time == T0
    assert playlist.start.time_offset == 0.0
    # Up to the live edge: the same last segment as the live playlist at that instant.
    assert numbered(text)[-1] == live_numbered(now)[-1]
    # An EVENT playlist only grows: what it listed stays, numbered alike.
    later = numbered(replay_text(Replay(T0), now + timedelta(seconds=45)))
    assert later[: len(numbered(text))] == numbered(text)
    assert len(later) > len(numbered(text))


@pytest.mark.parametrize("minutes", [0.5, 1.2, 7, 125])
def test_every_replayed_segment_is_numbered_as_live_numbered_it(minutes):
    """Media sequence, discontinuity count and URI of each segment equal those the live
    playlist gave it while it aired, across lesson boundaries and the slate's loop."""
    start = T0 + timedelta(minutes=minutes)
    now = start + timedelta(minutes=3)
    replayed = numbered(replay_text(Replay(start), now))
    assert replayed[0][3] <= start
    for sequence, era, uri, instant in replayed[:: max(1, len(replayed) // 12)]:
        aired = {s[0]: s[1:] for s in live_numbered(instant)}
        assert aired[sequence] == (era, uri, instant)


def test_a_start_inside_a_segment_starts_there():
    start = T0 + timedelta(seconds=15)  # 3 s into the lesson's third segment
    playlist = m3u8.loads(replay_text(Replay(start), T0 + timedelta(seconds=50)))
    assert playlist.segments[0].uri == "/vod/a/480p/seg_00002.ts"
    assert playlist.segments[0].current_program_date_time == T0 + timedelta(seconds=12)
    assert playlist.start.time_offset == pytest.approx(3.0)
    assert "PRECISE=YES" in str(playlist.start)


def test_an_asked_for_end_finishes_the_playlist_once_aired():
    replay = Replay(T0, T0 + timedelta(seconds=60))
    before = m3u8.loads(replay_text(replay, T0 + timedelta(seconds=30)))
    assert before.playlist_type == "event"
    assert not before.is_endlist
    after = m3u8.loads(replay_text(replay, T0 + timedelta(hours=2)))
    assert after.is_endlist
    assert after.playlist_type == "vod"
    uris = [s.uri for s in after.segments]
    assert uris[0] == "/vod/a/480p/seg_00000.ts"
    assert uris[-1] == "/vod/a/480p/seg_00009.ts"  # the one airing at the end
    assert not any(u.startswith("/vod/b") for u in uris)


def test_a_long_replay_stops_at_its_span():
    made = replay_window(
        Replay(T0), Timeline(AIRINGS, LESSONS, SLATE), "480p", T0 + timedelta(days=2), span_s=600
    )
    assert made.ended
    listed = sum(s.duration for s in made.window.segments)
    assert 600 <= listed <= 612


def test_an_off_air_replay_plays_the_slate():
    text = replay_text(Replay(T0 + timedelta(hours=3)), T0 + timedelta(hours=3, minutes=1))
    assert all(u.startswith("/slate/c/") for _, _, u, _ in numbered(text))


NOW = datetime(2026, 9, 8, 4, 0, tzinfo=UTC)


def test_parse_replay_reads_the_players_forms():
    start = int((NOW - timedelta(hours=2)).timestamp())
    assert parse_replay({}, NOW) is None
    assert parse_replay({"utc": str(start), "lutc": str(int(NOW.timestamp()))}, NOW) == Replay(
        datetime.fromtimestamp(start, UTC)
    )
    both = parse_replay({"utc": str(start), "utcend": str(start + 1800)}, NOW)
    assert both == Replay(
        datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(start + 1800, UTC)
    )
    assert both.query == f"utc={start}&utcend={start + 1800}"


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ({"utc": "yesterday"}, 400, "utc='yesterday' is not a time"),
        ({"utc": "-5"}, 400, "utc='-5'"),
        ({"utc": "1" * 30}, 400, "is not a time"),
        ({"utc": "1788840000", "lutc": "now"}, 400, "lutc='now'"),
        ({"utcend": "1788840000"}, 400, "utcend needs utc"),
        ({"utc": "1788840000", "utcend": "1788840000"}, 400, "utcend must be after utc"),
        ({"utc": str(int(NOW.timestamp()) + 60)}, 404, "nothing has aired"),
        ({"utc": str(int((NOW - timedelta(days=8)).timestamp()))}, 404, "7-day catch-up"),
    ],
)
def test_parse_replay_refuses_with_a_reason(query, status, says):
    with pytest.raises(SabaqError) as caught:
        parse_replay(query, NOW)
    assert caught.value.http_status == status
    assert says in str(caught.value)


def test_the_window_is_configurable():
    start = str(int((NOW - timedelta(days=2)).timestamp()))
    assert parse_replay({"utc": start}, NOW, days=3) is not None
    with pytest.raises(SabaqError, match="1-day"):
        parse_replay({"utc": start}, NOW, days=1)
