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

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from catalog.transport import (
    PACKET,
    SYNC,
    WRAP,
    TransportError,
    _offsets,
    _read_timestamp,
    read_pcr,
    timestamp_fields,
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


def _pids(data: bytes | bytearray) -> npt.NDArray[np.int64]:
    view = np.frombuffer(data, dtype=np.uint8)
    return ((view[1::PACKET] & 0x1F).astype(np.int64) << 8) | view[2::PACKET]


@dataclass(frozen=True)
class Retimer:
    """A segment made ready to be moved onto any clock: its packets completed and its
    counters written (all that depends on its bytes and the counters' start only),
    and where its PCRs, PTSs and DTSs sit, with their values. Moving it is then a
    copy and a few hundred vectorised writes, whatever the segment's size."""

    template: bytes
    pcrs: npt.NDArray[np.int64]  # offset of each PCR base
    pcr_values: npt.NDArray[np.int64]
    stamps: npt.NDArray[np.int64]  # offset of each PTS and DTS field
    stamp_values: npt.NDArray[np.int64]

    def moved(self, ticks: int) -> bytes:
        """The segment `ticks` (90 kHz) later, every clock modulo 2**33."""
        out = bytearray(self.template)
        view = np.frombuffer(out, dtype=np.uint8)
        ticks %= WRAP
        at, base = self.pcrs, (self.pcr_values + ticks) % WRAP
        view[at] = base >> 25
        view[at + 1] = (base >> 17) & 0xFF
        view[at + 2] = (base >> 9) & 0xFF
        view[at + 3] = (base >> 1) & 0xFF
        view[at + 4] = ((base & 1) << 7) | (view[at + 4] & 0x7F)
        at, value = self.stamps, (self.stamp_values + ticks) % WRAP
        view[at] = (view[at] & 0xF0) | (((value >> 30) & 0x07) << 1) | 1  # keeps '0010' etc.
        view[at + 1] = (value >> 22) & 0xFF
        view[at + 2] = (((value >> 15) & 0x7F) << 1) | 1
        view[at + 3] = (value >> 7) & 0xFF
        view[at + 4] = ((value & 0x7F) << 1) | 1
        return bytes(out)

    @property
    def size(self) -> int:
        """Roughly the bytes it holds."""
        return len(self.template) + 16 * (len(self.pcrs) + len(self.stamps))


def retime(data: bytes, ticks: int, counters: Mapping[int, int] | None = None) -> bytes:
    """The segment `data` moved `ticks` (90 kHz) later, with each PID's continuity
    counters starting at `counters` (0 where absent) and completed to a multiple of
    16 payload packets, so that it ends where it started. TransportError when the
    bytes are not TS."""
    return retimer(data, counters).moved(ticks)


def retimer(data: bytes, counters: Mapping[int, int] | None = None) -> Retimer:
    """`data` made ready for `retime` at any shift (see `Retimer`). TransportError when
    the bytes are not TS."""
    _check(data)
    pids = _pids(data)
    controls = np.frombuffer(data, dtype=np.uint8)[3::PACKET]
    payload = (controls & 0x10) != 0
    found, numbers = np.unique(pids[payload], return_counts=True)
    counts = dict(zip(found.tolist(), numbers.tolist(), strict=True))
    starts = np.flatnonzero(np.frombuffer(data, dtype=np.uint8)[1::PACKET] & 0x40).tolist()
    pes = {int(pids[i]) for i in starts if payload[i] and _is_pes(data, i * PACKET)}
    extra: dict[int, int] = {}  # packet index -> packets to add after it (< 0: copies)
    for pid, count in counts.items():
        missing = -count % COUNTER
        if not missing:
            continue
        if pid in pes:
            for index in np.flatnonzero(pids == pid)[::-1].tolist():  # split near the end
                take = min(missing, _spare(data, index * PACKET))
                if take:
                    extra[index] = take
                    missing -= take
                    if not missing:
                        break
        else:  # a table: repeat its first packet (PAT, PMT and SDT fit one packet each)
            first = int(np.flatnonzero((pids == pid) & payload)[0])
            extra[first] = -missing
            missing = 0
        if missing:
            raise TransportError(f"PID {pid:#x} has too few bytes to complete its counters")
    whole = memoryview(data)
    parts: list[bytes | memoryview] = []
    done = 0
    for index in sorted(extra):
        offset = index * PACKET
        parts.append(whole[done:offset])
        if extra[index] > 0:
            parts.extend(_split(data, offset, extra[index]))
        else:
            parts.append(data[offset : offset + PACKET] * (1 - extra[index]))
        done = offset + PACKET
    parts.append(whole[done:])
    out = bytearray().join(parts)  # one copy of a megabyte, not one per part
    _write_counters(out, counters or {})
    return _located(bytes(out), pes)


def _write_counters(out: bytearray, counters: Mapping[int, int]) -> None:
    """Each PID's continuity counters from its start, in place: a packet with a payload
    takes the next one, a packet without repeats the last."""
    view = np.frombuffer(out, dtype=np.uint8)
    controls = view[3::PACKET].copy()
    pids = _pids(out)
    payload = (controls & 0x10) != 0
    written = np.empty(len(pids), dtype=np.int64)
    for pid in np.unique(pids).tolist():
        chosen = pids == pid
        written[chosen] = np.cumsum(payload[chosen]) - 1 + counters.get(pid, 0)
    view[3::PACKET] = (controls & 0xF0) | (written % COUNTER)


def _located(template: bytes, pes: set[int]) -> Retimer:
    """The retimer of completed, counted packets: where their clocks sit."""
    pcrs: list[int] = []
    stamps: list[int] = []
    pids = _pids(template)
    view = np.frombuffer(template, dtype=np.uint8)
    # Only packets with an adaptation field or a unit start can hold a clock.
    for index in np.flatnonzero((view[3::PACKET] & 0x20) | (view[1::PACKET] & 0x40)).tolist():
        pcr, fields = timestamp_fields(template, index * PACKET, int(pids[index]) in pes)
        if pcr is not None:
            pcrs.append(pcr)
        stamps.extend(fields)
    return Retimer(
        template,
        np.array(pcrs, dtype=np.int64),
        np.array([read_pcr(template, at) for at in pcrs], dtype=np.int64),
        np.array(stamps, dtype=np.int64),
        np.array([_read_timestamp(template, at) for at in stamps], dtype=np.int64),
    )


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
