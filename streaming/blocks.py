"""A live channel's timeline as blocks, indexed once per snapshot and channel (pure).

The timeline runs from a fixed epoch as a row of blocks: each airing plays its
lesson's package from its start (or from the end of what overran), and off-air
slate segments fill every gap (see `streaming.live`). Counting segments from
the epoch on every playlist would cost every airing the channel ever had; this
index walks them once and keeps, at each block, where it starts and its
sequence number, and per rung its discontinuity era, so a playlist or a
segment is found by bisection.

What an airing plays can depend on the instant asked about
(`Package.aired`): a package first published after its airing began plays
there until its publication instant is reached, and the slate from then on.
So each processed airing carries the instant from which its part of the walk
holds for good (its start, or that publication), and the index only ever
holds the prefix whose instants have all passed for the instant asked about:
a query bisects for the longest such prefix and walks the few airings after
it exactly as the timeline always did. The answer is therefore the same pure
function of schedule and instant as a walk from the epoch.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from catalog.hls import rung_height
from catalog.layout import slate_key
from streaming.snapshot import AiringView, Package

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)

Format = tuple[str, str, tuple[int, int] | None]


@dataclass(frozen=True)
class Block:
    """A run of the timeline: an airing's package from its start, or a gap (airing
    None) that loops its slate for `count` segments."""

    start: datetime
    end: datetime
    sequence: int
    count: int
    package: Package
    airing: AiringView | None


@dataclass(frozen=True)
class _Mark:
    """The walk's state after an airing: holds for every instant from `since` on."""

    since: float  # seconds since 1970, compared as Package.aired compares
    following: int  # the position in the airings of the next one to walk
    blocks: int  # how many blocks of the index precede it
    cursor: datetime
    sequence: int


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


def block_format(package: Package, rung: str) -> Format:
    """What a decoder must be told of when it changes: the rung played, its codecs and
    picture size."""
    name = pick_rung(package, rung)
    played = package.manifest.rung(name)
    return (name, played.codecs, played.resolution) if played is not None else (name, "", None)


def _settled(current: Package, start: datetime) -> tuple[float, Package | None]:
    """From when (seconds since 1970) an airing's `Package.aired` answer holds for good,
    and that answer."""
    first = current.earlier[0] if current.earlier else current
    published = first.manifest.published_at
    if published is not None and published > start.timestamp():
        return published, None
    return start.timestamp(), current.at(start)


class Timeline:
    """One channel's blocks for a snapshot, extended as later instants are asked about."""

    def __init__(
        self,
        airings: Sequence[AiringView],
        packages: Mapping[str, Package],
        slate: Package,
        next_slates: Mapping[str, Package] | None = None,
    ) -> None:
        self.slate = slate
        self.step = slate.reference[0].duration
        self._given = (list(airings), dict(next_slates or {}))
        self._used = {a.lesson_id: packages.get(a.lesson_id) for a in airings}
        # The airings with a package (the others play nothing, whenever asked about), in
        # time order (as a snapshot keeps them already: sorting them costs one pass).
        self._airings = sorted(
            ((a, found) for a in airings if (found := packages.get(a.lesson_id)) is not None),
            key=lambda pair: pair[0].start,
        )
        self._next_slates = next_slates
        self._shape = [s.duration for s in slate.reference]
        self._blocks: list[Block] = []
        self._marks: list[_Mark] = []
        self._formats: dict[str, list[Format]] = {}
        self._eras: dict[str, list[int]] = {}

    def serves(
        self,
        airings: Sequence[AiringView],
        packages: Mapping[str, Package],
        slate: Package,
        next_slates: Mapping[str, Package] | None = None,
    ) -> bool:
        """Whether this timeline is the one of these inputs (the same airings, and the
        very same package objects for them, slate and next slates), so that a reloaded
        snapshot that changed nothing of the channel keeps its index."""
        given, nexts = self._given
        return (
            slate is self.slate
            and all(packages.get(lesson) is used for lesson, used in self._used.items())
            and nexts.keys() == (next_slates or {}).keys()
            and all((next_slates or {})[key] is made for key, made in nexts.items())
            and given == list(airings)
        )

    def _gap_slate(self, following: AiringView | None) -> Package:
        if following is None or not self._next_slates:
            return self.slate
        made = self._next_slates.get(slate_key(following.lesson_id, following.start))
        if made is None or [s.duration for s in made.reference] != self._shape:
            return self.slate  # missing, or not a slate's shape: the channel's own slate
        return made

    def _advance(
        self,
        cursor: datetime,
        sequence: int,
        airing: AiringView,
        package: Package | None,
        into: list[Block],
    ) -> tuple[datetime, int]:
        """The blocks an aired airing adds after `cursor` (a gap, then its package)."""
        if package is None:
            return cursor, sequence  # packaged only after it began: it aired as the slate
        if airing.start + timedelta(seconds=package.duration_s) <= cursor:
            return cursor, sequence  # wholly overrun by what came before: skipped
        begin = max(airing.start, cursor)
        if begin > cursor:
            count = math.ceil((begin - cursor).total_seconds() / self.step)
            end = cursor + timedelta(seconds=count * self.step)
            into.append(Block(cursor, end, sequence, count, self._gap_slate(airing), None))
            cursor, sequence = end, sequence + count
        count = len(package.reference)
        into.append(Block(cursor, cursor + package.span, sequence, count, package, airing))
        return cursor + package.span, sequence + count

    def _extend(self, now: float) -> None:
        """Walk on while every airing walked holds for good at `now`."""
        last = self._marks[-1] if self._marks else _Mark(-math.inf, 0, 0, EPOCH, 0)
        since, position, cursor, sequence = last.since, last.following, last.cursor, last.sequence
        while position < len(self._airings):
            airing, current = self._airings[position]
            holds, package = _settled(current, airing.start)
            if max(since, holds) > now:
                break
            since = max(since, holds)
            cursor, sequence = self._advance(cursor, sequence, airing, package, self._blocks)
            position += 1
            self._marks.append(_Mark(since, position, len(self._blocks), cursor, sequence))

    def at(self, now: datetime) -> tuple[int, list[Block]]:
        """The timeline at `now`, as (how many of the index's blocks begin it, the blocks
        that follow them), up to the block playing at `now`."""
        self._extend(now.timestamp())
        found = bisect_right(self._marks, now.timestamp(), key=lambda m: m.since)
        mark = self._marks[found - 1] if found else _Mark(-math.inf, 0, 0, EPOCH, 0)
        cursor, sequence = mark.cursor, mark.sequence
        tail: list[Block] = []
        upcoming: AiringView | None = None
        for position in range(mark.following, len(self._airings)):
            airing, current = self._airings[position]
            if airing.start > now:
                upcoming = airing  # in time order: every later airing is later still
                break
            package = current.aired(airing.start, now)  # a re-transcode never rewrites the past
            cursor, sequence = self._advance(cursor, sequence, airing, package, tail)
        if cursor <= now:
            count = math.floor((now - cursor).total_seconds() / self.step) + 1
            end = cursor + timedelta(seconds=count * self.step)
            tail.append(Block(cursor, end, sequence, count, self._gap_slate(upcoming), None))
        return mark.blocks, tail

    def _eras_of(self, rung: str, upto: int) -> tuple[list[Format], list[int]]:
        """Each of the first `upto` index blocks' format and discontinuity era on `rung`."""
        formats = self._formats.setdefault(rung, [])
        eras = self._eras.setdefault(rung, [])
        for block in self._blocks[len(formats) : upto]:
            shape = block_format(block.package, rung)
            era = eras[-1] if eras else 0
            eras.append(era + (bool(formats) and shape != formats[-1]))
            formats.append(shape)
        return formats, eras

    def walk(self, rung: str, now: datetime, low: datetime) -> Iterator[tuple[Block, bool, int]]:
        """(block, whether its format changes, its discontinuity era on `rung`) of every
        block that ends after `low`, up to the one playing at `now`."""
        count, tail = self.at(now)
        formats, eras = self._eras_of(rung, count)
        first = bisect_right(self._blocks, low, hi=count, key=lambda b: b.end)
        for index in range(first, count):
            yield (
                self._blocks[index],
                index > 0 and formats[index] != formats[index - 1],
                eras[index],
            )
        last = formats[count - 1] if count else None
        era = eras[count - 1] if count else 0
        for block in tail:
            shape = block_format(block.package, rung)
            changed = last is not None and shape != last
            last, era = shape, era + changed
            if block.end > low:
                yield block, changed, era

    def holding(self, sequence: int, now: datetime) -> Block | None:
        """The block of the timeline at `now` that holds segment `sequence`."""
        count, tail = self.at(now)
        if count and sequence < self._blocks[count - 1].sequence + self._blocks[count - 1].count:
            found = bisect_right(self._blocks, sequence, hi=count, key=lambda b: b.sequence)
            return self._blocks[found - 1] if found else None
        return next((b for b in tail if b.sequence <= sequence < b.sequence + b.count), None)
