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
So the airings' answers are fixed between two such publications: the index
is kept per span between them that has been asked about (the present's one
nearly always; a replay from before a late publication has its own), and
within a span the answer is the same pure function of schedule and instant
as a walk from the epoch.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from catalog.hls import rung_height
from catalog.layout import slate_key
from streaming.snapshot import AiringView, Package, decided_at

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


REGIMES = 8
"""How many spans between late publications keep an index at once (the least recently
asked about is dropped)."""


@dataclass(frozen=True)
class _Mark:
    """The walk's state after an airing that began at `start`."""

    start: datetime
    following: int  # the position in the airings of the next one to walk
    blocks: int  # how many blocks of the index precede it
    cursor: datetime
    sequence: int


ORIGIN = _Mark(EPOCH, 0, 0, EPOCH, 0)


@dataclass
class _Index:
    """The walk for the instants at which the late packages published by `published`
    (seconds since 1970), and no others, are out."""

    published: float
    blocks: list[Block] = field(default_factory=list)
    marks: list[_Mark] = field(default_factory=list)
    formats: dict[str, list[Format]] = field(default_factory=dict)
    eras: dict[str, list[int]] = field(default_factory=dict)


def pick_rung(package: Package, rung: str) -> str:
    """The package's rung of that name, else the nearest lower one, else its lowest,
    among the rungs a live channel may play (`Package.live_ladder`): a rung cut at
    other instants than the reference rung gives way to the nearest one that is not."""
    usable = package.live_ladder
    if rung in usable:
        return rung
    want = rung_height(rung)
    video = sorted((r for r in usable if rung_height(r)), key=rung_height, reverse=True)
    lower = [r for r in video if rung_height(r) <= want]
    if lower:
        return lower[0]
    return video[-1] if video else usable[0]


def block_format(package: Package, rung: str) -> Format:
    """What a decoder must be told of when it changes: the rung played, its codecs and
    picture size."""
    name = pick_rung(package, rung)
    played = package.manifest.rung(name)
    return (name, played.codecs, played.resolution) if played is not None else (name, "", None)


def _late(current: Package, start: datetime) -> float | None:
    """When the package was first published (seconds since 1970), if only after the
    airing that began at `start` (`Package.aired`)."""
    first = current.earlier[0] if current.earlier else current
    published = first.manifest.published_at
    late = published is not None and published > decided_at(start).timestamp()
    return published if late else None


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
        # Every instant at which a late package comes out: the spans between them.
        self._late = sorted(
            {p for a, current in self._airings if (p := _late(current, a.start)) is not None}
        )
        self._indexes: OrderedDict[int, _Index] = OrderedDict()

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

    def _index(self, now: datetime) -> _Index:
        """The index of the span `now` lies in, walked on to `now`."""
        span = bisect_right(self._late, now.timestamp())
        index = self._indexes.get(span)
        if index is None:
            index = _Index(self._late[span - 1] if span else -math.inf)
            self._indexes[span] = index
            if len(self._indexes) > REGIMES:
                self._indexes.popitem(last=False)
        self._indexes.move_to_end(span)
        last = index.marks[-1] if index.marks else ORIGIN
        position, cursor, sequence = last.following, last.cursor, last.sequence
        while position < len(self._airings):
            airing, current = self._airings[position]
            if airing.start > now:
                break
            package = None  # a late package already out: that airing aired as the slate
            published = _late(current, airing.start)
            if published is None or published > index.published:
                package = current.at(decided_at(airing.start))  # never rewrites the past
            cursor, sequence = self._advance(cursor, sequence, airing, package, index.blocks)
            position += 1
            index.marks.append(_Mark(airing.start, position, len(index.blocks), cursor, sequence))
        return index

    def at(self, now: datetime) -> tuple[_Index, int, list[Block]]:
        """The timeline at `now`: its index, how many of the index's blocks begin it,
        and the off-air gap up to `now` after them, if any."""
        index = self._index(now)
        found = bisect_right(index.marks, now, key=lambda m: m.start)
        mark = index.marks[found - 1] if found else ORIGIN
        tail: list[Block] = []
        if mark.cursor <= now:
            following = mark.following
            upcoming = self._airings[following][0] if following < len(self._airings) else None
            count = math.floor((now - mark.cursor).total_seconds() / self.step) + 1
            end = mark.cursor + timedelta(seconds=count * self.step)
            gap = Block(mark.cursor, end, mark.sequence, count, self._gap_slate(upcoming), None)
            tail.append(gap)
        return index, mark.blocks, tail

    def _eras_of(self, index: _Index, rung: str, upto: int) -> tuple[list[Format], list[int]]:
        """Each of the first `upto` index blocks' format and discontinuity era on `rung`."""
        formats = index.formats.setdefault(rung, [])
        eras = index.eras.setdefault(rung, [])
        for block in index.blocks[len(formats) : upto]:
            shape = block_format(block.package, rung)
            era = eras[-1] if eras else 0
            eras.append(era + (bool(formats) and shape != formats[-1]))
            formats.append(shape)
        return formats, eras

    def walk(self, rung: str, now: datetime, low: datetime) -> Iterator[tuple[Block, bool, int]]:
        """(block, whether its format changes, its discontinuity era on `rung`) of every
        block that ends after `low`, up to the one playing at `now`."""
        index, count, tail = self.at(now)
        formats, eras = self._eras_of(index, rung, count)
        first = bisect_right(index.blocks, low, hi=count, key=lambda b: b.end)
        for place in range(first, count):
            yield (
                index.blocks[place],
                place > 0 and formats[place] != formats[place - 1],
                eras[place],
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
        index, count, tail = self.at(now)
        blocks = index.blocks
        if count and sequence < blocks[count - 1].sequence + blocks[count - 1].count:
            found = bisect_right(blocks, sequence, hi=count, key=lambda b: b.sequence)
            return blocks[found - 1] if found else None
        return next((b for b in tail if b.sequence <= sequence < b.sequence + b.count), None)
