"""Where the keyframes are: byte ranges of every IDR frame in MPEG-TS segments.

An I-frame playlist (for scrubbing thumbnails and trick play) names each
keyframe by the segment file and the byte range that holds it, and gives it
the time until the next keyframe. ffmpeg's hls muxer can write one but
measures the ranges from its own write positions, which do not match the
packets; so the segments are read back here instead. The range starts at the
transport packet that opens the keyframe's PES packet and ends with the last
transport packet of that PES (audio packets interleaved in between are
inside it, as in every TS I-frame playlist); the file's program tables
before its first keyframe are the initialisation section a player reads from
the start of the file (RFC 8216, 4.3.3.6).

`keyframes` is pure (bytes in, ranges out); `rung_iframes` reads one rung.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from catalog.hls import IFrame, Segment

PACKET = 188
SYNC = 0x47
CLOCK = 90_000  # PES timestamps tick at 90 kHz
VIDEO_TYPES = {0x01, 0x02, 0x1B, 0x24}  # MPEG-1/2 video, H.264, H.265


class TransportError(ValueError):
    """Bytes that are not an MPEG transport stream sabaq can index."""


@dataclass(frozen=True)
class Keyframe:
    """One keyframe of a segment file: its bytes and presentation time (90 kHz ticks)."""

    offset: int
    length: int
    pts: int


def _payload(packet: bytes) -> bytes:
    control = (packet[3] >> 4) & 0x3
    if not control & 0x1:
        return b""
    start = 4 + (1 + packet[4] if control & 0x2 else 0)
    return packet[start:]


def _random_access(packet: bytes) -> bool:
    return bool((packet[3] >> 4) & 0x2) and packet[4] > 0 and bool(packet[5] & 0x40)


def _section_pids(payload: bytes, table: int) -> list[tuple[int, int]]:
    """(first field, PID) pairs of a PAT (program, PMT PID) or PMT (stream type, PID)."""
    section = payload[1 + payload[0] :]  # skip the pointer field
    if len(section) < 12 or section[0] != table:
        return []
    end = min(len(section), 3 + (((section[1] & 0x0F) << 8) | section[2])) - 4  # minus CRC
    pairs = []
    if table == 0x00:  # PAT: 4-byte entries after the 8-byte header
        for at in range(8, end - 3, 4):
            program = (section[at] << 8) | section[at + 1]
            pairs.append((program, ((section[at + 2] & 0x1F) << 8) | section[at + 3]))
        return pairs
    at = 12 + (((section[10] & 0x0F) << 8) | section[11])  # skip program info
    while at + 5 <= end:
        stream_type, pid = section[at], ((section[at + 1] & 0x1F) << 8) | section[at + 2]
        pairs.append((stream_type, pid))
        at += 5 + (((section[at + 3] & 0x0F) << 8) | section[at + 4])
    return pairs


def _pts(payload: bytes) -> int | None:
    if len(payload) < 14 or payload[:3] != b"\x00\x00\x01" or not payload[7] & 0x80:
        return None
    b = payload[9:14]
    return ((b[0] >> 1) & 0x07) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1


def keyframes(data: bytes) -> list[Keyframe]:
    """The keyframes of one transport stream file, in order. A keyframe is a video
    PES packet whose first transport packet sets the random access indicator (as
    ffmpeg's muxer does for every IDR). TransportError when the bytes are not TS."""
    if len(data) % PACKET or not data:
        raise TransportError(f"{len(data)} bytes is not a whole number of TS packets")
    pmt_pids: set[int] = set()
    video: int | None = None
    found: list[Keyframe] = []
    current: tuple[int, int] | None = None  # (offset, pts) of the open keyframe PES
    last_video = 0  # offset of the open PES's latest packet

    def close() -> None:
        if current is not None:
            found.append(Keyframe(current[0], last_video + PACKET - current[0], current[1]))

    for offset in range(0, len(data), PACKET):
        packet = data[offset : offset + PACKET]
        if packet[0] != SYNC:
            raise TransportError(f"no sync byte at offset {offset}")
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        start = bool(packet[1] & 0x40)
        if pid == 0 and start:
            pmt_pids = {p for program, p in _section_pids(_payload(packet), 0x00) if program}
        elif pid in pmt_pids and start and video is None:
            video = next(
                (p for kind, p in _section_pids(_payload(packet), 0x02) if kind in VIDEO_TYPES),
                None,
            )
        elif pid == video and video is not None:
            if start:
                close()
                current = None
                pts = _pts(_payload(packet))
                if _random_access(packet) and pts is not None:
                    current = (offset, pts)
            last_video = offset
    close()
    return found


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
        ticks = (following - frame.pts) % (1 << 33)  # timestamps wrap at 33 bits
        frames.append(IFrame(uri, frame.offset, frame.length, ticks / CLOCK))
    return tuple(frames)
