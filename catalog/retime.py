"""A segment moved onto a channel's clock: one byte-level pass over its TS packets (pure).

A live channel plays many packages one after another, and each package's
timestamps start near 1.4 s. `retime` gives a segment the channel's own
clock: every PCR (adaptation fields), PTS and DTS (PES headers) gains the
same number of 90 kHz ticks, modulo 2**33 as in any broadcast stream. The
continuity counters are written afresh from a given start per PID, and the
segment is completed to a multiple of 16 payload packets on every PID, so it
ends on the counter it began with: segments retimed with the same start join
up whatever order the schedule puts them in, and a segment's bytes depend on
nothing but its own bytes, the shift and the start. Completing a PID takes
extra packets: a program table (a one-packet section) is repeated, as muxers
repeat them anyway; a PES stream has some packets' payload split over two
packets (the elementary stream's bytes and their order are unchanged).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from catalog.transport import (
    PACKET,
    SYNC,
    WRAP,
    TransportError,
    _offsets,
    _read_timestamp,
    shift_packet,
)

COUNTER = 16  # continuity counters count payload packets modulo 16
PAYLOAD = 184  # bytes after a packet's 4-byte header


def _pid(data: bytes | bytearray, offset: int) -> int:
    return ((data[offset + 1] & 0x1F) << 8) | data[offset + 2]


def _payload_start(data: bytes | bytearray, offset: int) -> int:
    """Where the packet's payload begins (after its adaptation field, if any)."""
    if data[offset + 3] & 0x20:
        return offset + 5 + data[offset + 4]
    return offset + 4


def _is_pes(data: bytes | bytearray, offset: int) -> bool:
    at = _payload_start(data, offset)
    return at + 3 <= offset + PACKET and data[at : at + 3] == b"\x00\x00\x01"


def _pes_header(data: bytes | bytearray, at: int, end: int) -> int:
    """The length of the PES header at `at` (what must stay in one packet)."""
    if at + 9 > end or data[at + 3] in (0xBE, 0xBF):
        return min(6, end - at)
    return min(9 + data[at + 8], end - at)


def _adaptation_fields(data: bytes | bytearray, offset: int) -> bytes:
    """The adaptation field's flags and fields without its stuffing (b'' when none)."""
    if not data[offset + 3] & 0x20 or data[offset + 4] == 0:
        return b""
    at, length = offset + 5, data[offset + 4]
    flags = data[at]
    used = 1
    used += 6 if flags & 0x10 else 0  # PCR
    used += 6 if flags & 0x08 else 0  # OPCR
    used += 1 if flags & 0x04 else 0  # splice countdown
    if flags & 0x02 and used < length:  # transport private data
        used += 1 + data[at + used]
    if flags & 0x01 and used < length:  # adaptation field extension
        used += 1 + data[at + used]
    return bytes(data[at : at + min(used, length)])


def _packet(head: bytes, fields: bytes, payload: bytes) -> bytes:
    """One packet: `head` (its first three bytes), an adaptation field holding `fields`
    and stuffing, and `payload`; the counter is written later."""
    room = PAYLOAD - len(payload)
    if room == 0 and not fields:
        return head + b"\x10" + payload
    if room == 1 and not fields:
        return head + b"\x30\x00" + payload
    fields = fields or b"\x00"
    stuffing = room - 1 - len(fields)
    assert stuffing >= 0, "payload and adaptation fields exceed a packet"
    return head + b"\x30" + bytes([room - 1]) + fields + b"\xff" * stuffing + payload


def _split(data: bytes | bytearray, offset: int, pieces: int) -> list[bytes]:
    """The packet at `offset` as 1 + `pieces` packets carrying the same payload bytes:
    the first keeps its adaptation fields (PCR, random access) and its PES header."""
    at = _payload_start(data, offset)
    end = offset + PACKET
    payload = bytes(data[at:end])
    start = bool(data[offset + 1] & 0x40)
    keep = (_pes_header(data, at, end) if start and _is_pes(data, offset) else 0) + 1
    size = (len(payload) - keep) // pieces
    cut = len(payload) - pieces * size
    head = bytes(data[offset : offset + 3])
    later = bytes([head[0], head[1] & ~0x40 & 0xFF, head[2]])  # no unit start
    fields = _adaptation_fields(data, offset)
    packets = [_packet(head, fields, payload[:cut])]
    for index in range(pieces):
        chunk = payload[cut + index * size : cut + (index + 1) * size]
        packets.append(_packet(later, b"", chunk))
    return packets


def _spare(data: bytes | bytearray, offset: int) -> int:
    """How many packets the payload of the packet at `offset` can be split into, beyond
    itself (each keeping at least one byte)."""
    if not data[offset + 3] & 0x10:
        return 0
    at = _payload_start(data, offset)
    end = offset + PACKET
    length = end - at
    keep = 1
    if data[offset + 1] & 0x40 and _is_pes(data, offset):
        keep += _pes_header(data, at, end)
    return max(0, length - keep)


def _check(data: bytes) -> None:
    """TransportError unless `data` is whole packets, each with its sync byte."""
    if len(data) % PACKET or not data:
        raise TransportError(f"{len(data)} bytes is not a whole number of TS packets")
    syncs = data[0::PACKET]
    if syncs.count(SYNC) != len(syncs):
        bad = next(i for i, byte in enumerate(syncs) if byte != SYNC)
        raise TransportError(f"no sync byte at offset {bad * PACKET}")


def _pids(data: bytes | bytearray) -> list[int]:
    return [
        ((h & 0x1F) << 8) | low for h, low in zip(data[1::PACKET], data[2::PACKET], strict=True)
    ]


def retime(data: bytes, ticks: int, counters: Mapping[int, int] | None = None) -> bytes:
    """The segment `data` moved `ticks` (90 kHz) later, with each PID's continuity
    counters starting at `counters` (0 where absent) and completed to a multiple of
    16 payload packets, so that it ends where it started. TransportError when the
    bytes are not TS."""
    _check(data)
    pids = _pids(data)
    controls = data[3::PACKET]
    counts = Counter(pid for pid, control in zip(pids, controls, strict=True) if control & 0x10)
    starts = [i for i, byte in enumerate(data[1::PACKET]) if byte & 0x40]
    pes = {pids[i] for i in starts if controls[i] & 0x10 and _is_pes(data, i * PACKET)}
    extra: dict[int, int] = {}  # packet index -> packets to add after it (< 0: copies)
    for pid, count in counts.items():
        missing = -count % COUNTER
        if not missing:
            continue
        if pid in pes:
            for index in range(len(pids) - 1, -1, -1):  # split near the end
                if pids[index] == pid:
                    take = min(missing, _spare(data, index * PACKET))
                    if take:
                        extra[index] = take
                        missing -= take
                        if not missing:
                            break
        else:  # a table: repeat its first packet (PAT, PMT and SDT fit one packet each)
            first = next(i for i, p in enumerate(pids) if p == pid and controls[i] & 0x10)
            extra[first] = -missing
            missing = 0
        if missing:
            raise TransportError(f"PID {pid:#x} has too few bytes to complete its counters")
    out = bytearray()
    done = 0
    for index in sorted(extra):
        offset = index * PACKET
        out += data[done:offset]
        if extra[index] > 0:
            out += b"".join(_split(data, offset, extra[index]))
        else:
            out += data[offset : offset + PACKET] * (1 - extra[index])
        done = offset + PACKET
    out += data[done:]
    _restamp(out, ticks % WRAP, counters or {}, pes)
    return bytes(out)


def _restamp(out: bytearray, ticks: int, counters: Mapping[int, int], pes: set[int]) -> None:
    """Write counters from their start and shift every PCR, PTS and DTS, in place."""
    next_counter = dict(counters)
    controls = out[3::PACKET]
    written = bytearray(len(controls))
    pids = _pids(out)
    for index, (pid, control) in enumerate(zip(pids, controls, strict=True)):
        counter = next_counter.get(pid, 0)
        if control & 0x10:
            next_counter[pid] = counter + 1
        else:
            counter -= 1  # a packet without payload repeats the last counter
        written[index] = (control & 0xF0) | (counter % COUNTER)
    out[3::PACKET] = written
    flags = out[1::PACKET]
    for index, (pid, control, head) in enumerate(zip(pids, controls, flags, strict=True)):
        if not (control & 0x20 or head & 0x40):
            continue
        shift_packet(out, index * PACKET, ticks, pid in pes)


def earliest(data: bytes) -> int | None:
    """The lowest PTS of any PES packet that starts in `data` (90 kHz ticks), or None:
    where a package begins on its own clock."""
    lowest: int | None = None
    for offset in _offsets(data):
        if not data[offset + 1] & 0x40 or not _is_pes(data, offset):
            continue
        at = _payload_start(data, offset)
        if at + 14 > offset + PACKET or data[at + 3] in (0xBE, 0xBF) or not data[at + 7] & 0x80:
            continue
        pts = _read_timestamp(data, at + 9)
        lowest = pts if lowest is None else min(lowest, pts)
    return lowest
