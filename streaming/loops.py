"""Later passes of a slate's loop: its segments moved whole loops later on the clock.

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

from catalog.transport import CLOCK, loop_counts, shift
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
