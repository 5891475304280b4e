"""Segments moved onto a channel's clock, kept in memory: the live timeline's
`RUNG/SEQUENCE.ts` (`retimed`), and the older `loop/N/` URLs of a slate's passes.

Every live and catch-up segment is a package's segment retimed (`catalog.retime`)
by `streaming.live.clock_offset`: a pure function of the package version, the
segment and where its block starts on the timeline, so every replica gives the
same bytes for the same URL, and caches in front keep them for good.

Before the timeline was retimed, playlists named pass n of a slate's loop
`…/loop/n/RUNG/SEGMENT` (still answered for players and caches that hold them):

A gap between airings loops a 10 s slate. Played as the same files over and
over, every pass would restart the timestamps, and each restart needs an
EXT-X-DISCONTINUITY, on which players such as VLC drain and rebuffer. So the
live timeline names pass n of the loop `…/loop/n/RUNG/SEGMENT`, and this
answers it with the slate's packets shifted by n loop lengths (PCR, PTS, DTS)
and n loops' worth of continuity counters (`catalog.transport.shift`): pass
n + 1 continues pass n as one stream. The bytes are a pure function of the
slate version and n, so they are cached here and immutable for every cache
in front.
"""

from __future__ import annotations

import re
from pathlib import Path

from catalog.retime import Retimer, earliest, located, retimer
from catalog.transport import CLOCK, loop_counts, shift
from streaming.blocks import pick_rung
from streaming.live import LEAD_TICKS, LiveSegment, clock_offset
from streaming.recent import Recent, cache_bytes
from streaming.snapshot import Package

MAX_PASS = 10_000_000  # about three years of one gap at 10 s a pass


class Loops:
    """Shifted slate segments, the most recently asked for kept in memory."""

    def __init__(self, capacity: int = 256) -> None:
        self._segments: Recent[tuple[Path, str, str, str, int], bytes] = Recent(
            capacity, cache_bytes(), len
        )
        self._counts: Recent[tuple[Path, str, str], dict[int, int]] = Recent(capacity)
        self._bases: Recent[tuple[Path, str, str], int] = Recent(capacity)
        # A package file's packets made ready to be moved (`catalog.retime.Retimer`): a
        # segment that plays in many airings (re-runs, the slate) is analysed once.
        self._retimers: Recent[tuple[Path, str, str, str], Retimer] = Recent(
            capacity, cache_bytes(), lambda made: made.size
        )
        self._located: Recent[tuple[str, str, int], tuple[object, LiveSegment]] = Recent(1024)

    def located(
        self, snapshot: object, channel: str, rung: str, sequence: int
    ) -> LiveSegment | None:
        """A segment `remember` kept for this snapshot (finding one walks the schedule)."""
        found = self._located.get((channel, rung, sequence))
        return found[1] if found is not None and found[0] is snapshot else None

    def remember(
        self, snapshot: object, channel: str, rung: str, segment: LiveSegment
    ) -> LiveSegment:
        """Keep an aired segment found in `snapshot` (it never changes while it serves)."""
        self._located[(channel, rung, segment.sequence)] = (snapshot, segment)
        return segment

    def retimed(self, segment: LiveSegment, rung: str) -> bytes | None:
        """The bytes of a live segment on the channel's clock, as the rung `rung` plays
        it (None when it plays no package). Raises OSError when the version's files are
        gone, TransportError when they are not TS."""
        package = segment.package
        if package is None:
            return None
        name = pick_rung(package, rung)
        uri = package.rungs[name][segment.index].uri
        ticks = clock_offset(segment.origin, self._base(package, name))
        key = (package.directory, package.manifest.version, name, uri, ticks)
        cached = self._segments.get(key)
        if cached is None:
            made = self._retimers.get(key[:4])
            if made is None:
                data = _file(package, name, uri).read_bytes()
                made = located(data) if package.manifest.completed else retimer(data)
                self._retimers[key[:4]] = made
            cached = made.moved(ticks)
            self._segments[key] = cached
        return cached

    def _base(self, package: Package, rung: str) -> int:
        """Where the rung's own clock begins: the earliest PTS of its first segment."""
        key = (package.directory, package.manifest.version, rung)
        base = self._bases.get(key)
        if base is None:
            first = package.rungs[rung][0].uri
            base = earliest(_file(package, rung, first).read_bytes())
            base = LEAD_TICKS if base is None else base
            self._bases[key] = base
        return base

    def segment(self, package: Package, tail: str) -> bytes | None:
        """The bytes `loop/N/RUNG/SEGMENT` names in the slate `package` (tail: what follows
        `loop/`), or None when it names no segment of the slate. Raises OSError."""
        number, _, rest = tail.partition("/")
        rung, _, uri = rest.partition("/")
        if not re.fullmatch(r"[0-9]{1,8}", number) or int(number) > MAX_PASS:
            return None
        if rung not in package.rungs:
            return None
        if uri not in {s.uri for s in package.rungs[rung]}:
            return None
        passes = int(number)
        key = (package.directory, package.manifest.version, rung, uri, passes)
        cached = self._segments.get(key)
        if cached is not None:
            return cached
        loop_ticks = round(sum(s.duration for s in package.reference) * CLOCK)
        counts = self._loop_counts(package, rung)
        data = shift(
            _file(package, rung, uri).read_bytes(),
            passes * loop_ticks,
            {pid: passes * count for pid, count in counts.items()},
        )
        self._segments[key] = data
        return data

    def _loop_counts(self, package: Package, rung: str) -> dict[int, int]:
        key = (package.directory, package.manifest.version, rung)
        counts = self._counts.get(key)
        if counts is None:
            files = [_file(package, rung, s.uri).read_bytes() for s in package.rungs[rung]]
            counts = loop_counts(files)
            self._counts[key] = counts
        return counts


def _file(package: Package, rung: str, uri: str) -> Path:
    """A segment of the package's own version (not whatever its stable names point to
    now), or of a package written before versions were kept."""
    versioned = package.directory / package.manifest.version / rung / uri
    return versioned if versioned.is_file() else package.directory / rung / uri
