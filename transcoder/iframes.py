"""A rung's I-frame playlist: its keyframes, read back from the segments it wrote."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from catalog.hls import IFrame, Segment
from catalog.transport import CLOCK, WRAP, Keyframe, TransportError, keyframes


def rung_iframes(directory: Path, segments: Sequence[Segment]) -> tuple[IFrame, ...]:
    """Every keyframe of a rung's segments (in `directory`), each lasting until the
    next one; the last lasts until the rung's end (the sum of its segments).
    TransportError when a segment is not TS or the rung has no keyframe."""
    marks: list[tuple[str, Keyframe]] = []
    for segment in segments:
        try:
            found = keyframes((directory / segment.uri).read_bytes())
        except TransportError as exc:
            raise TransportError(f"{directory / segment.uri}: {exc}") from None
        marks.extend((segment.uri, frame) for frame in found)
    if not marks:
        raise TransportError(f"{directory}: no keyframe in any segment")
    first = marks[0][1].pts
    end = first + round(sum(s.duration for s in segments) * CLOCK)
    frames = []
    for index, (uri, frame) in enumerate(marks):
        following = marks[index + 1][1].pts if index + 1 < len(marks) else end
        ticks = (following - frame.pts) % WRAP  # timestamps wrap at 33 bits
        frames.append(IFrame(uri, frame.offset, frame.length, ticks / CLOCK))
    return tuple(frames)
