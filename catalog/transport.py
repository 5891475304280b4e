"""MPEG transport streams as sabaq's segments hold them: read keyframes, shift clocks.

Pure: bytes in, bytes or ranges out.

- `keyframes`: where every IDR frame is, for I-frame playlists. The range starts
  at the transport packet that opens the keyframe's PES packet and ends with the
  last transport packet of that PES (audio packets interleaved in between are
  inside it, as in every TS I-frame playlist); the file's program tables before
  its first keyframe are the initialisation section a player reads from the
  start of the file (RFC 8216, 4.3.3.6). ffmpeg's hls muxer can write I-frame
  playlists but measures the ranges from its own write positions, which do not
  match the packets; so the segments are read back instead.
- `shift`: the same packets later on the clock, for a slate that loops: every
  PCR, PTS and DTS moves by a whole loop and every continuity counter by the
  packets of one, so the n-th pass of a loop continues the (n-1)-th without a
  discontinuity a player would have to be told of.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from errors import MediaError

PACKET = 188
SYNC = 0x47
CLOCK = 90_000  # PES timestamps tick at 90 kHz
WRAP = 1 << 33  # PCR bases, PTS and DTS count 90 kHz ticks modulo 2**33
VIDEO_TYPES = {0x01, 0x02, 0x1B, 0x24}  # MPEG-1/2 video, H.264, H.265


class TransportError(MediaError):
    """Bytes that are not an MPEG transport stream sabaq can index."""


@dataclass(frozen=True)
class Keyframe:
    """One keyframe of a segment file: its bytes and presentation time (90 kHz ticks)."""

    offset: int
    length: int
    pts: int


def _offsets(data: bytes | bytearray) -> Iterator[int]:
    """The offset of every transport packet in `data`, in order; TransportError when
    the bytes are not a whole number of packets or a packet lacks its sync byte."""
    if len(data) % PACKET or not data:
        raise TransportError(f"{len(data)} bytes is not a whole number of TS packets")
    for offset in range(0, len(data), PACKET):
        if data[offset] != SYNC:
            raise TransportError(f"no sync byte at offset {offset}")
        yield offset


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
    return _read_timestamp(payload, 9)


def keyframes(data: bytes) -> list[Keyframe]:
    """The keyframes of one transport stream file, in order. A keyframe is a video
    PES packet whose first transport packet sets the random access indicator (as
    ffmpeg's muxer does for every IDR). TransportError when the bytes are not TS."""
    pmt_pids: set[int] = set()
    video: int | None = None
    found: list[Keyframe] = []
    current: tuple[int, int] | None = None  # (offset, pts) of the open keyframe PES
    last_video = 0  # offset of the open PES's latest packet

    def close() -> None:
        if current is not None:
            found.append(Keyframe(current[0], last_video + PACKET - current[0], current[1]))

    for offset in _offsets(data):
        packet = data[offset : offset + PACKET]
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


def payload_packets(data: bytes) -> dict[int, int]:
    """How many packets of each PID carry a payload (each advances its continuity
    counter by one)."""
    counts: dict[int, int] = {}
    for offset in range(0, len(data), PACKET):
        if data[offset + 3] & 0x10:
            pid = ((data[offset + 1] & 0x1F) << 8) | data[offset + 2]
            counts[pid] = counts.get(pid, 0) + 1
    return counts


def loop_counts(files: Iterable[bytes]) -> dict[int, int]:
    """`payload_packets` over every file of one pass of a loop."""
    total: dict[int, int] = {}
    for data in files:
        for pid, count in payload_packets(data).items():
            total[pid] = total.get(pid, 0) + count
    return total


def _write_timestamp(buffer: bytearray, at: int, ticks: int) -> None:
    prefix = buffer[at] & 0xF0  # '0010' PTS only, '0011' PTS of a pair, '0001' DTS
    buffer[at] = prefix | (((ticks >> 30) & 0x07) << 1) | 1
    buffer[at + 1] = (ticks >> 22) & 0xFF
    buffer[at + 2] = (((ticks >> 15) & 0x7F) << 1) | 1
    buffer[at + 3] = (ticks >> 7) & 0xFF
    buffer[at + 4] = ((ticks & 0x7F) << 1) | 1


def _read_timestamp(buffer: bytes | bytearray, at: int) -> int:
    b = buffer[at : at + 5]
    return ((b[0] >> 1) & 0x07) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1


def timestamp_fields(
    data: bytes | bytearray, offset: int, timed: bool = True
) -> tuple[int | None, tuple[int, ...]]:
    """Where the packet at `offset` keeps its clock: the offset of its PCR (None when it
    has none), and, when it starts a PES packet of a `timed` stream, the offsets of
    its PTS and DTS fields."""
    control = (data[offset + 3] >> 4) & 0x3
    payload = offset + 4
    pcr = None
    if control & 0x2:
        length = data[offset + 4]
        if length and data[offset + 5] & 0x10:  # PCR: 33-bit base, 6 reserved, 9-bit ext
            pcr = offset + 6
        payload += 1 + length
    if not timed or not data[offset + 1] & 0x40 or not control & 0x1:
        return pcr, ()
    if payload + 14 > offset + PACKET or data[payload : payload + 3] != b"\x00\x00\x01":
        return pcr, ()
    if data[payload + 3] in (0xBE, 0xBF):
        return pcr, ()  # a padding or private stream: no timestamps
    flags = data[payload + 7] >> 6
    if flags == 0x3:
        return pcr, (payload + 9, payload + 14)
    return pcr, (payload + 9,) if flags & 0x2 else ()


def read_pcr(buffer: bytes | bytearray, at: int) -> int:
    """The 33-bit base of the PCR at `at`."""
    b = buffer[at : at + 5]
    return (b[0] << 25 | b[1] << 17 | b[2] << 9 | b[3] << 1) | (b[4] >> 7)


def shift_packet(out: bytearray, offset: int, ticks: int, timed: bool = True) -> None:
    """Move the packet at `offset` `ticks` (90 kHz) later, in place: its PCR, and when
    it starts a PES packet of a `timed` stream, its PTS and DTS (modulo 2**33)."""
    pcr, stamps = timestamp_fields(out, offset, timed)
    if pcr is not None:
        base = (read_pcr(out, pcr) + ticks) % WRAP
        out[pcr : pcr + 4] = (base >> 1).to_bytes(4, "big")
        out[pcr + 4] = ((base & 1) << 7) | (out[pcr + 4] & 0x7F)
    for at in stamps:
        _write_timestamp(out, at, (_read_timestamp(out, at) + ticks) % WRAP)


def shift(data: bytes, ticks: int, counters: Mapping[int, int]) -> bytes:
    """The transport stream `data` moved `ticks` (90 kHz) later: PCRs, PTSs and DTSs
    gain `ticks` (modulo 2**33), and each PID's continuity counter gains its entry
    in `counters` (modulo 16). Everything else is left byte for byte.
    TransportError when the bytes are not TS."""
    out = bytearray(data)
    for offset in _offsets(out):
        pid = ((out[offset + 1] & 0x1F) << 8) | out[offset + 2]
        step = counters.get(pid, 0) % 16
        if step:
            out[offset + 3] = (out[offset + 3] & 0xF0) | ((out[offset + 3] + step) & 0x0F)
        shift_packet(out, offset, ticks)
    return bytes(out)
