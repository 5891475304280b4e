"""Media playlists are written line by line exactly as the `m3u8` library writes them
(the library stays the reference: `reference` builds the same playlist from its objects)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import m3u8
import pytest

from catalog.playlists import Entry, media_playlist


def reference(entries, sequence, discontinuity, ended, minimum, kind, start) -> str:
    playlist = m3u8.M3U8()
    playlist.version = 3
    playlist.playlist_type = kind
    if start is not None:
        playlist.start = m3u8.Start(round(start, 3), "YES")
    playlist.target_duration = max([minimum] + [math.ceil(round(e.duration, 3)) for e in entries])
    playlist.media_sequence = sequence
    playlist.discontinuity_sequence = discontinuity
    playlist.is_independent_segments = True
    playlist.is_endlist = ended
    for index, entry in enumerate(entries):
        playlist.segments.append(
            m3u8.Segment(
                uri=entry.uri,
                duration=round(entry.duration, 6),
                discontinuity=entry.discontinuity and index > 0,
                program_date_time=entry.program_date_time,
            )
        )
    return str(playlist.dumps())


@pytest.mark.parametrize("seed", range(40))
def test_written_as_the_library_writes_it(seed):
    rng = random.Random(seed)
    instant = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
    entries = []
    for number in range(rng.choice([0, 1, 2, 30])):
        duration = rng.choice([6.0, 1.92, 0.32, 5.12, 4.0, 2.0000001, rng.uniform(0.1, 7)])
        instant += timedelta(seconds=duration, microseconds=rng.randint(0, 999_999))
        entries.append(
            Entry(
                f"480p/{number}.ts",
                duration,
                discontinuity=rng.random() < 0.2,
                program_date_time=instant if rng.random() < 0.3 else None,
            )
        )
    sequence, discontinuity = rng.choice([0, 7, 105202773]), rng.choice([0, 3])
    ended, kind = rng.random() < 0.5, rng.choice([None, "event", "vod"])
    start = rng.choice([None, 0.0, 2.5, 3.1234])
    minimum = rng.choice([0, 6])
    got = media_playlist(entries, sequence, discontinuity, ended, minimum, kind, start)
    assert got == reference(entries, sequence, discontinuity, ended, minimum, kind, start)
