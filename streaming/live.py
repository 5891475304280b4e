"""Virtual live channels: a playlist is a pure function of the schedule and the instant.

The channel's timeline runs from a fixed epoch as a row of blocks: each airing
plays its lesson's package from its start (or from the end of what overran),
and off-air slate segments fill every gap (the slate made for the airing after
the gap when there is one, else the channel's own; all slates have the same
shape, so which one fills a gap never changes the count), looping the slate
pass after pass. Every segment gets a sequence number by counting segments
since the epoch. Only airings that started before the instant affect the count,
publishing never changes the past, and a package that arrives after its airing
began leaves that airing to the slate it already played as, so the media
sequence only grows and is the same on every replica and restart. Timing uses
one reference rung for all rungs, so every rung numbers the same segment alike.

The channel is one continuous timeline: a playlist lists `RUNG/SEQUENCE.ts`,
which the server answers with the package's segment moved onto the channel's
clock (`clock_offset`, `catalog.retime`). Packages last whole tiles with their
sound lined up (`transcoder.ladder.TILE_S`), so a lesson, a slate pass or the
next lesson follows on without a timestamp going back, and a segment carries
EXT-X-DISCONTINUITY only where the stream's parameters change (a lesson that
lacks the rung and plays a lower one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from catalog import playlists
from catalog.hls import Rendition
from catalog.transport import CLOCK, WRAP
from streaming.blocks import EPOCH, Block, Timeline, pick_rung
from streaming.snapshot import AiringView, Package

WINDOW_S = 36.0  # listed history: at least 3 target durations of 6 s
TARGET_S = 6
LEAD_TICKS = 126_000
"""Where a block's first sample sits on the channel's clock after the block's start
(1.4 s, where ffmpeg's muxer starts a package's own clock: PCR stays positive)."""


@dataclass(frozen=True)
class LiveSegment:
    """A segment of the live timeline."""

    sequence: int
    start: datetime
    duration: float
    url: str  # what playlists list: RUNG/SEQUENCE.ts, beside the rung's playlist
    discontinuity: bool  # the stream's parameters change here
    airing: AiringView | None = None  # what plays (None: the off-air slate)
    package: Package | None = None  # the package version it comes from (lesson or slate)
    index: int = 0  # the segment's place in that package
    source: str = ""  # the package's own file it plays
    origin: datetime = EPOCH  # where that package's first segment starts on the timeline
    boundary: bool = False  # a lesson or a gap begins here


def live_rungs(slate: Package, lessons: Iterable[Package]) -> tuple[Rendition, ...]:
    """The rungs a live channel's master declares: the slate's (every live media
    playlist is one of them), each with the true figures of what plays on it.

    A player picks its rung by these numbers, so they must be the lessons', not the
    slate's: the peak is the highest of any segment that can play on the rung
    (slate or lesson, through `pick_rung`), as the live playlists time it; the
    average is that of the lessons, weighted by their length, since lessons fill
    the broadcast hours (the slate's own when no lesson is packaged)."""
    lessons = list(lessons)
    declared = []
    for rung in slate.manifest.rungs:
        peak, bits, seconds = _live_peak(slate, pick_rung(slate, rung.name)), 0.0, 0.0
        for package in lessons:
            name = pick_rung(package, rung.name)
            played = package.manifest.rung(name)
            assert played is not None  # pick_rung names one of the package's rungs
            peak = max(peak, _live_peak(package, name))
            bits += played.average_bandwidth * package.duration_s
            seconds += package.duration_s
        average = round(bits / seconds) if seconds > 0 else rung.average_bandwidth
        declared.append(replace(rung, bandwidth=peak, average_bandwidth=min(average, peak)))
    return tuple(declared)


def _live_peak(package: Package, name: str) -> int:
    """The rung's peak as live playlists list its segments: with the reference rung's
    durations (every rung's segments are timed alike), so a segment a little longer
    than the reference's (the audio rung's AAC frames) runs a little faster there."""
    rung = package.manifest.rung(name)
    assert rung is not None
    assert name in package.live_ladder  # as `pick_rung` picks
    stretch = 1.0
    for played, listed in zip(rung.segments, package.reference, strict=True):
        stretch = max(stretch, played.duration / max(listed.duration, 0.1))
    return math.ceil(rung.bandwidth * stretch)


LOOP = "loop"
"""The path part under a slate's base URL that names a later pass of its loop (served
for playlists listed before the timeline was retimed; see streaming.loops)."""


def _url(package: Package, rung: str, index: int) -> str:
    name = pick_rung(package, rung)
    return f"{package.base_url}/{name}/{package.rungs[name][index].uri}"


def segment_url(rung: str, sequence: int) -> str:
    """Where a rung's playlist lists the segment numbered `sequence` (relative to it)."""
    return f"{rung}/{sequence}.ts"


def clock_offset(origin: datetime, base: int) -> int:
    """The ticks (90 kHz, modulo 2**33) that move a package whose own clock begins at
    `base` onto the channel's clock, when its first segment starts at `origin`."""
    micros = (origin - EPOCH) // timedelta(microseconds=1)
    return ((micros * 9 + 50) // 100 + LEAD_TICKS - base) % WRAP


assert CLOCK == 90_000  # clock_offset's 9/100 of a microsecond


def _segment(block: Block, index: int, start: datetime, rung: str, changed: bool) -> LiveSegment:
    """The block's `index`-th segment, starting at `start`."""
    package = block.package
    inner, origin = index, block.start
    if block.airing is None:  # a gap: pass index // loop of the slate's loop
        loop = len(package.reference)
        inner = index % loop
        origin = block.start + timedelta(seconds=(index - inner) * package.reference[0].duration)
    sequence = block.sequence + index
    return LiveSegment(
        sequence,
        start,
        package.reference[inner].duration,
        segment_url(rung, sequence),
        changed and index == 0,
        block.airing,
        package,
        inner,
        _url(package, rung, inner),
        origin,
        index == 0,
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
    """`window` of the channel's timeline built for this one call (a server keeps a
    `Timeline` per snapshot and channel instead). `next_slates` holds slates made for
    the airing after a gap, by slate key."""
    return window(Timeline(airings, packages, slate, next_slates), rung, now, window_s)


def window(timeline: Timeline, rung: str, now: datetime, window_s: float = WINDOW_S) -> LiveWindow:
    """Segments starting in (now - window_s, now], with the media and discontinuity
    sequence numbers of the first of them, and the instant the list next changes
    (so a server or a CDN may reuse it until then)."""
    step = timeline.step
    low = now - timedelta(seconds=window_s)
    listed: list[LiveSegment] = []
    eras: list[int] = []  # each listed segment's discontinuity sequence number
    following: datetime | None = None  # the first segment start after now
    cursor = EPOCH
    for block, changed, era in timeline.walk(rung, now, low):
        cursor = block.end
        if block.airing is None:
            skip = 0
            if block.start < low:  # only the part of a gap that can reach the window
                skip = max(0, math.floor((low - block.start).total_seconds() / step) - 1)
            starts: Iterable[tuple[int, datetime]] = (
                (i, block.start + timedelta(seconds=i * step)) for i in range(skip, block.count)
            )
        else:
            starts = _lesson_starts(block)
        for index, start in starts:
            if start > now:
                following = following or start
                break
            if start > low:
                listed.append(_segment(block, index, start, rung, changed))
                eras.append(era)
    until = following or cursor
    if listed:
        until = min(until, listed[0].start + timedelta(seconds=window_s))
    return LiveWindow(listed, listed[0].sequence if listed else 0, eras[0] if eras else 0, until)


def _lesson_starts(block: Block) -> Iterator[tuple[int, datetime]]:
    cursor = block.start
    for index, segment in enumerate(block.package.reference):
        yield index, cursor
        cursor += timedelta(seconds=segment.duration)


def locate(
    airings: Sequence[AiringView],
    packages: dict[str, Package],
    slate: Package,
    rung: str,
    sequence: int,
    now: datetime,
    next_slates: Mapping[str, Package] | None = None,
) -> LiveSegment | None:
    """`find` on the channel's timeline built for this one call."""
    return find(Timeline(airings, packages, slate, next_slates), rung, sequence, now)


def find(timeline: Timeline, rung: str, sequence: int, now: datetime) -> LiveSegment | None:
    """The segment numbered `sequence` on the channel's timeline, as the playlists list
    it; None when it has not begun by `now`."""
    block = timeline.holding(sequence, now)
    if block is None:
        return None
    index = sequence - block.sequence
    if block.airing is None:
        start = block.start + timedelta(seconds=index * timeline.step)
    else:
        start = next(s for i, s in _lesson_starts(block) if i == index)
    return _segment(block, index, start, rung, False) if start <= now else None


def media_playlist(
    segments: list[LiveSegment],
    sequence: int,
    discontinuity: int,
    replay_from_s: float | None = None,
    ended: bool = False,
) -> str:
    """The live media playlist text (no ENDLIST: the channel never ends). Every lesson
    and gap, and the first segment, carries its wall-clock instant. A catch-up
    playlist (`replay_from_s`: where in its first segment the replay starts) is an
    EVENT playlist until it has `ended`."""
    entries = [
        playlists.Entry(
            segment.url,
            segment.duration,
            discontinuity=segment.discontinuity,
            program_date_time=segment.start if segment.boundary or index == 0 else None,
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
