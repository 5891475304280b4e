"""A channel polled every second for a day never goes back: late packages, re-publishes,
slates of every length (pure; the property the live timeline promises)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog.hls import Manifest, Rendition, Segment
from streaming.live import live_window
from streaming.snapshot import AiringView, Package

T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
SLATE_STEP = 1.92


def package(base: str, durations: list[float], published: datetime | None) -> Package:
    segments = tuple(Segment(f"seg_{i:05d}.ts", d) for i, d in enumerate(durations))
    manifest = Manifest(
        duration_s=sum(durations),
        segment_s=6,
        rungs=tuple(Rendition(r, "", 0, 0, segments=segments) for r in ("480p", "audio")),
        checksum=base,
        published_at=published.timestamp() if published is not None else None,
    )
    return Package(base, Path(base), manifest)


SLATE = package("/slate/c/v1", [SLATE_STEP] * 5, None)


def schedule() -> tuple[list[AiringView], dict[str, list[Package]]]:
    """Airings separated by gaps of every length from none to two slate loops and a bit,
    in steps that are not a multiple of the slate's segment; every third lesson's
    package arrives only after its airing began, and every fifth is re-published
    while it airs (4 s segments instead of 6 s)."""
    airings: list[AiringView] = []
    versions: dict[str, list[Package]] = {}
    cursor = T0
    for number in range(48):
        lesson = f"l{number:02d}"
        length = 6.0 * (2 + number % 4) + (0.32 if number % 2 else 0.0)
        gap = 0.7 * number  # 0 s to 32.9 s: every partial pass of a 9.6 s loop
        start = cursor + timedelta(seconds=gap)
        airings.append(AiringView(lesson, "c", start, start + timedelta(seconds=length)))
        first = start - timedelta(hours=1)
        if number % 3 == 1:
            first = start + timedelta(seconds=5 + number % 7)  # late: aired as slate
        durations = [6.0] * int(length // 6) + ([length % 6] if length % 6 else [])
        chain = [package(f"/vod/{lesson}/v1", durations, first)]
        if number % 5 == 2:
            again = start + timedelta(seconds=length / 2)
            new = package(f"/vod/{lesson}/v2", [4.0] * 3, again)
            chain.append(replace(new, earlier=(chain[0],)))
        versions[lesson] = chain
        cursor = start + timedelta(seconds=length)
    # The same lessons again in the afternoon, with an hour-long gap before them.
    later = cursor + timedelta(hours=1, seconds=3.3)
    for airing in list(airings):
        start = later + (airing.start - T0)
        airings.append(replace(airing, start=start, end=start + (airing.end - airing.start)))
    return airings, versions


def known_at(versions: dict[str, list[Package]], now: datetime) -> dict[str, Package]:
    """What a server's snapshot holds at `now`: the newest version published by then."""
    packages = {}
    for lesson, chain in versions.items():
        published = [p for p in chain if p.manifest.published_at <= now.timestamp()]
        if published:
            packages[lesson] = published[-1]
    return packages


@pytest.mark.parametrize("rung", ["480p"])
def test_polled_every_second_for_a_day_nothing_goes_back(rung):
    airings, versions = schedule()
    seen: dict[int, tuple[str, int]] = {}  # media sequence -> (url, discontinuity era)
    last_sequence = last_discontinuity = -1
    instant = T0 - timedelta(seconds=30)
    stop = airings[-1].end + timedelta(minutes=1)
    while instant < stop:
        window = live_window(airings, known_at(versions, instant), SLATE, rung, instant)
        assert window.sequence >= last_sequence, f"media sequence went back at {instant}"
        assert window.discontinuity >= last_discontinuity, (
            f"discontinuity sequence went back at {instant}"
        )
        last_sequence, last_discontinuity = window.sequence, window.discontinuity
        era = window.discontinuity
        for offset, segment in enumerate(window.segments):
            assert segment.sequence == window.sequence + offset
            if offset and segment.discontinuity:
                era += 1
            known = seen.setdefault(segment.sequence, (segment.url, era))
            assert known == (segment.url, era), f"segment {segment.sequence} changed at {instant}"
        instant += timedelta(seconds=1)
