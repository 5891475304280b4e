"""Virtual live channels: a playlist is a pure function of the schedule and the instant.

The channel's timeline runs from a fixed epoch: off-air slate segments fill
every gap (the slate made for the airing after the gap when there is one,
else the channel's own; all slates have the same shape, so which one fills
a gap never changes the count). A gap opens with one discontinuity and then
loops its slate seamlessly: the n-th pass names the slate's segments under
`loop/n/`, which the server answers with the same packets moved n loops
later on the clock (`streaming.loops`). Each airing plays its lesson's VOD
segments from its start (or from the end of what overran), and every segment
gets a sequence number by counting segments since the epoch. Only airings
that started before the instant affect the count, and publishing never
changes the past, so the media sequence only grows and is the same on every
replica and restart. Timing uses one reference rung for all rungs, so every
rung numbers the same segment alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from catalog import playlists
from catalog.hls import Rendition, rung_height
from catalog.layout import slate_key
from streaming.snapshot import AiringView, Package

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
WINDOW_S = 36.0  # listed history: at least 3 target durations of 6 s
TARGET_S = 6


@dataclass(frozen=True)
class LiveSegment:
    """A segment of the live timeline."""

    sequence: int
    start: datetime
    duration: float
    url: str
    discontinuity: bool
    airing: AiringView | None = None  # what plays (None: the off-air slate)
    package: Package | None = None  # the lesson's package version it comes from
    index: int = 0  # the segment's place in that package


def pick_rung(package: Package, rung: str) -> str:
    """The package's rung of that name, else the nearest lower one, else its lowest."""
    if rung in package.rungs:
        return rung
    want = rung_height(rung)
    video = sorted((r for r in package.rungs if rung_height(r)), key=rung_height, reverse=True)
    lower = [r for r in video if rung_height(r) <= want]
    if lower:
        return lower[0]
    return video[-1] if video else next(iter(package.rungs))


def live_rungs(slate: Package, lessons: Iterable[Package]) -> tuple[Rendition, ...]:
    """The rungs a live channel's master declares: the slate's (every live media
    playlist is one of them), each with the true figures of what plays on it.

    A player picks its rung by these numbers, so they must be the lessons', not the
    slate's: the peak is the highest of any segment that can play on the rung
    (slate or lesson, through `pick_rung`); the average is that of the lessons,
    weighted by their length, since lessons fill the broadcast hours (the slate's
    own when no lesson is packaged)."""
    lessons = list(lessons)
    declared = []
    for rung in slate.manifest.rungs:
        peak, bits, seconds = rung.bandwidth, 0.0, 0.0
        for package in lessons:
            played = package.manifest.rung(pick_rung(package, rung.name))
            assert played is not None  # pick_rung names one of the package's rungs
            peak = max(peak, played.bandwidth)
            bits += played.average_bandwidth * package.duration_s
            seconds += package.duration_s
        average = round(bits / seconds) if seconds > 0 else rung.average_bandwidth
        declared.append(replace(rung, bandwidth=peak, average_bandwidth=min(average, peak)))
    return tuple(declared)


LOOP = "loop"
"""The path part under a slate's base URL that names a later pass of its loop."""


def _url(package: Package, rung: str, index: int, loop_pass: int = 0) -> str:
    name = pick_rung(package, rung)
    segments = package.rungs[name]
    uri = f"{name}/{segments[min(index, len(segments) - 1)].uri}"
    return (
        f"{package.base_url}/{LOOP}/{loop_pass}/{uri}" if loop_pass else f"{package.base_url}/{uri}"
    )


@dataclass(frozen=True)
class LiveWindow:
    """A live playlist's content at an instant, and until when it stays the same."""

    segments: list[LiveSegment]
    sequence: int
    discontinuity: int
    until: datetime  # the next segment starts, or the oldest listed one slides out


def live_window(
    airings: Sequence[AiringView],
    packages: dict[str, Package],
    slate: Package,
    rung: str,
    now: datetime,
    window_s: float = WINDOW_S,
    next_slates: Mapping[str, Package] | None = None,
) -> LiveWindow:
    """Segments starting in (now - window_s, now], with the media and discontinuity
    sequence numbers of the first of them, and the instant the list next changes
    (so a server or a CDN may reuse it until then). `next_slates` holds slates made
    for the airing after a gap, by slate key."""
    slate_segments = slate.reference
    step = slate_segments[0].duration
    loop = len(slate_segments)
    shape = [s.duration for s in slate_segments]

    def gap_slate(following: AiringView | None) -> Package:
        if following is None or not next_slates:
            return slate
        made = next_slates.get(slate_key(following.lesson_id, following.start))
        if made is None or [s.duration for s in made.reference] != shape:
            return slate  # missing, or not a slate's shape: the channel's own slate
        return made

    low = now - timedelta(seconds=window_s)
    listed: list[LiveSegment] = []
    cursor, sequence, discontinuities = EPOCH, 0, 0
    first_sequence = first_discontinuities = -1
    following: datetime | None = None  # the first segment start after now

    def emit(segment: LiveSegment, before: int) -> None:
        # The playlist's first segment carries no DISCONTINUITY tag, so its own
        # boundary is counted in the playlist's discontinuity sequence instead.
        nonlocal first_sequence, first_discontinuities
        if first_sequence < 0:
            first_sequence = segment.sequence
            first_discontinuities = before + (1 if segment.discontinuity else 0)
        listed.append(segment)

    def slate_block(count: int, filler: Package) -> None:
        nonlocal cursor, sequence, discontinuities, following
        # Only the part of the block that can reach the window is walked.
        skip = 0
        if cursor < low:
            skip = min(count, max(0, math.floor((low - cursor).total_seconds() / step) - 1))
        for index in range(skip, count):
            start = cursor + timedelta(seconds=index * step)
            if start > now:
                following = following or start
                break
            if start > low:
                emit(
                    LiveSegment(
                        sequence + index,
                        start,
                        slate_segments[index % loop].duration,
                        _url(filler, rung, index % loop, index // loop),
                        index == 0,  # the gap's one discontinuity: its passes join up
                    ),
                    discontinuities + (1 if index > 0 else 0),
                )
        discontinuities += 1
        sequence += count
        cursor += timedelta(seconds=count * step)

    upcoming: AiringView | None = None
    for airing in airings:
        current = packages.get(airing.lesson_id)
        if current is None:
            continue
        if airing.start > now:
            upcoming = upcoming or airing
            continue
        package = current.at(airing.start)  # a re-transcode never rewrites what aired
        if airing.start + timedelta(seconds=package.duration_s) <= cursor:
            continue  # wholly overrun by what came before: skipped, as a playout would
        begin = max(airing.start, cursor)
        if begin > cursor:
            slate_block(math.ceil((begin - cursor).total_seconds() / step), gap_slate(airing))
        reference = package.reference
        if cursor + package.span <= low:
            # Wholly before the window: count it without walking its segments.
            sequence += len(reference)
            discontinuities += 1
            cursor += package.span
            continue
        for index, segment in enumerate(reference):
            start = cursor
            if start > now:
                following = following or start
            elif start > low:
                emit(
                    LiveSegment(
                        sequence,
                        start,
                        segment.duration,
                        _url(package, rung, index),
                        index == 0,
                        airing,
                        package,
                        index,
                    ),
                    discontinuities,
                )
            if index == 0:
                discontinuities += 1
            sequence += 1
            cursor += timedelta(seconds=segment.duration)
    if cursor <= now:
        slate_block(math.floor((now - cursor).total_seconds() / step) + 1, gap_slate(upcoming))
    until = following or cursor
    if listed:
        until = min(until, listed[0].start + timedelta(seconds=window_s))
    return LiveWindow(listed, max(first_sequence, 0), max(first_discontinuities, 0), until)


def media_playlist(
    segments: list[LiveSegment],
    sequence: int,
    discontinuity: int,
    replay_from_s: float | None = None,
    ended: bool = False,
) -> str:
    """The live media playlist text (no ENDLIST: the channel never ends). Every lesson
    boundary, and the first segment, carries its wall-clock instant. A catch-up
    playlist (`replay_from_s`: where in its first segment the replay starts) is an
    EVENT playlist until it has `ended`."""
    entries = [
        playlists.Entry(
            segment.url,
            segment.duration,
            discontinuity=segment.discontinuity,
            program_date_time=segment.start if segment.discontinuity or index == 0 else None,
        )
        for index, segment in enumerate(segments)
    ]
    kind = None if replay_from_s is None else "vod" if ended else "event"
    return playlists.media_playlist(
        entries,
        sequence,
        discontinuity,
        ended=ended,
        minimum_target_s=TARGET_S,
        playlist_type=kind,
        start_offset_s=replay_from_s,
    )
