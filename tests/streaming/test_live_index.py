"""The indexed timeline answers exactly as a walk from the epoch does (pure).

`reference_window` and `reference_locate` are the live timeline as it was computed
before it was indexed: every airing walked from the epoch on every call. One
`Timeline` per schedule is asked about instants in a random order (later, earlier,
again) on random schedules with late packages, re-transcodes, overruns, lessons
without a package, slates made for the next airing and rungs that change format,
and must give the same segments, sequence numbers and discontinuity sequences.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog.hls import Manifest, Rendition, Segment
from catalog.layout import slate_key
from streaming import live
from streaming.blocks import EPOCH, Block, Timeline, block_format
from streaming.snapshot import AiringView, Package

T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)


def reference_blocks(
    airings: Sequence[AiringView],
    packages: Mapping[str, Package],
    slate: Package,
    now: datetime,
    next_slates: Mapping[str, Package] | None,
) -> Iterator[Block]:
    """The timeline's blocks from the epoch to the one playing at `now`, walked."""
    step = slate.reference[0].duration
    shape = [s.duration for s in slate.reference]

    def gap_slate(following: AiringView | None) -> Package:
        if following is None or not next_slates:
            return slate
        made = next_slates.get(slate_key(following.lesson_id, following.start))
        if made is None or [s.duration for s in made.reference] != shape:
            return slate
        return made

    cursor, sequence = EPOCH, 0
    upcoming: AiringView | None = None
    for airing in airings:
        current = packages.get(airing.lesson_id)
        if current is None:
            continue
        if airing.start > now:
            upcoming = upcoming or airing
            continue
        package = current.aired(airing.start, now)
        if package is None:
            continue
        if airing.start + timedelta(seconds=package.duration_s) <= cursor:
            continue
        begin = max(airing.start, cursor)
        if begin > cursor:
            count = math.ceil((begin - cursor).total_seconds() / step)
            end = cursor + timedelta(seconds=count * step)
            yield Block(cursor, end, sequence, count, gap_slate(airing), None)
            cursor, sequence = end, sequence + count
        count = len(package.reference)
        yield Block(cursor, cursor + package.span, sequence, count, package, airing)
        cursor, sequence = cursor + package.span, sequence + count
    if cursor <= now:
        count = math.floor((now - cursor).total_seconds() / step) + 1
        end = cursor + timedelta(seconds=count * step)
        yield Block(cursor, end, sequence, count, gap_slate(upcoming), None)


def reference_window(airings, packages, slate, rung, now, window_s, next_slates):
    """(segments, media sequence, discontinuity sequence, until), walked from the epoch."""
    step = slate.reference[0].duration
    low = now - timedelta(seconds=window_s)
    listed, eras, era, last, following, cursor = [], [], 0, None, None, EPOCH
    for block in reference_blocks(airings, packages, slate, now, next_slates):
        shape = block_format(block.package, rung)
        changed = last is not None and shape != last
        last, cursor = shape, block.end
        era += changed
        if block.end <= low:
            continue
        if block.airing is None:
            skip = 0
            if block.start < low:
                skip = max(0, math.floor((low - block.start).total_seconds() / step) - 1)
            starts = [
                (i, block.start + timedelta(seconds=i * step)) for i in range(skip, block.count)
            ]
        else:
            starts = list(live._lesson_starts(block))
        for index, start in starts:
            if start > now:
                following = following or start
                break
            if start > low:
                listed.append(live._segment(block, index, start, rung, changed))
                eras.append(era)
    until = following or cursor
    if listed:
        until = min(until, listed[0].start + timedelta(seconds=window_s))
    return listed, listed[0].sequence if listed else 0, eras[0] if eras else 0, until


def reference_locate(airings, packages, slate, rung, sequence, now, next_slates):
    for block in reference_blocks(airings, packages, slate, now, next_slates):
        if block.sequence <= sequence < block.sequence + block.count:
            index = sequence - block.sequence
            starts = dict(live._lesson_starts(block)) if block.airing else None
            step = slate.reference[0].duration
            start = starts[index] if starts else block.start + timedelta(seconds=index * step)
            return live._segment(block, index, start, rung, False) if start <= now else None
    return None


def package(base: str, durations: list[float], published: float | None, rungs) -> Package:
    segments = tuple(Segment(f"seg_{i:05d}.ts", d) for i, d in enumerate(durations))
    renditions = tuple(
        Rendition(name, codecs, 0, 0, width, height, segments)
        for name, codecs, width, height in rungs
    )
    manifest = Manifest(
        duration_s=sum(durations),
        segment_s=6,
        rungs=renditions,
        checksum=base,
        published_at=published,
    )
    return Package(base, Path(base), manifest)


FULL = (("480p", "avc1", 854, 480), ("234p", "avc1", 416, 234), ("audio", "mp4a", None, None))
LOW = (("234p", "avc1", 416, 234), ("audio", "mp4a", None, None))  # plays 234p on 480p


def schedule(seed: int):
    """(airings, packages, slate, next slates) of a random channel over about a day."""
    rng = random.Random(seed)
    slate = package("/slate/c", [1.92] * 5, None, FULL)
    airings, packages, next_slates = [], {}, {}
    cursor = T0
    for number in range(rng.randint(20, 60)):
        lesson = f"l{rng.randint(0, 25):02d}"
        length = rng.choice([6.0, 12.0, 18.5, 30.0, 61.3])
        start = cursor + timedelta(seconds=rng.choice([0, 0, 0.7, 3.1, 20, 95, 3600]))
        start -= timedelta(seconds=rng.choice([0, 0, 0, 5]))  # sometimes overrun
        airings.append(AiringView(lesson, "c", start, start + timedelta(seconds=length)))
        cursor = start + timedelta(seconds=length)
        if rng.random() < 0.3:
            durations = [1.92] * 5 if rng.random() < 0.8 else [2.0] * 4  # a bad shape too
            next_slates[slate_key(lesson, start)] = package(
                f"/slate/c/next/{number}", durations, None, FULL
            )
    span = (cursor - T0).total_seconds()
    for lesson in sorted({a.lesson_id for a in airings}):
        if rng.random() < 0.1:
            continue  # never packaged
        first = T0 + timedelta(seconds=rng.uniform(-600, span + 600))  # often late
        durations = [6.0] * rng.randint(1, 8) + (
            [rng.choice([0.5, 2.3])] if rng.random() < 0.5 else []
        )
        made = package(f"/vod/{lesson}/v1", durations, first.timestamp(), rng.choice([FULL, LOW]))
        if rng.random() < 0.3:
            again = first + timedelta(seconds=rng.uniform(1, span))
            new = package(f"/vod/{lesson}/v2", [4.0] * rng.randint(1, 9), again.timestamp(), FULL)
            made = replace(new, earlier=(made,))
        packages[lesson] = made
    return sorted(airings, key=lambda a: a.start), packages, slate, next_slates, span


@pytest.mark.parametrize("seed", range(12))
def test_the_index_answers_as_a_walk_from_the_epoch(seed):
    airings, packages, slate, next_slates, span = schedule(seed)
    rng = random.Random(seed)
    timeline = Timeline(airings, packages, slate, next_slates)
    instants = [T0 + timedelta(seconds=rng.uniform(-120, span + 300)) for _ in range(40)]
    instants += [a.start for a in airings[:10]]  # on the boundaries themselves
    for now in instants:
        for rung, window_s in (("480p", live.WINDOW_S), ("234p", 600.0), ("audio", 900.0)):
            got = live.window(timeline, rung, now, window_s)
            want = reference_window(airings, packages, slate, rung, now, window_s, next_slates)
            assert (got.segments, got.sequence, got.discontinuity, got.until) == want, now
        last = live.window(timeline, "480p", now).sequence
        for sequence in {0, max(0, last - rng.randint(0, 3000)), last, last + 1, last + 50}:
            found = live.find(timeline, "480p", sequence, now)
            assert found == reference_locate(
                airings, packages, slate, "480p", sequence, now, next_slates
            ), (now, sequence)


def test_a_timeline_serves_only_the_inputs_it_was_built_from():
    airings, packages, slate, next_slates, _ = schedule(3)
    timeline = Timeline(airings, packages, slate, next_slates)
    assert timeline.serves(list(airings), dict(packages), slate, dict(next_slates))
    changed = dict(packages)
    lesson = airings[0].lesson_id
    changed[lesson] = package("/vod/new", [6.0], None, FULL)
    assert not timeline.serves(airings, changed, slate, next_slates)
    assert not timeline.serves(airings[:-1], packages, slate, next_slates)
    moved = [replace(airings[0], start=airings[0].start + timedelta(seconds=1)), *airings[1:]]
    assert not timeline.serves(moved, packages, slate, next_slates)
    assert not timeline.serves(airings, packages, package("/slate/d", [1.92] * 5, None, FULL))
    assert not timeline.serves(airings, packages, slate, {})
