"""A segment moved onto a channel's clock: one byte-level pass over its TS packets (pure).

A live channel plays many packages one after another, and each package's
timestamps start near 1.4 s. `Retimer.moved` gives a segment the channel's own
clock: every PCR (adaptation fields), PTS and DTS (PES headers) gains the
same number of 90 kHz ticks, modulo 2**33 as in any broadcast stream.

Continuity counters must run on across a boundary too, whatever the schedule
puts next. The packager makes that so once, when it writes a package
(`complete_run`): the counters start at 0 and run on through the package, and
each PID is completed to a whole number of sixteens over it, so the package
ends on the counter it began with and any package can follow any other. A
slate is completed segment by segment, as an off-air gap may end its loop
anywhere. Completing a PID takes a few packets a package, each put where it
raises the bit rate least: a PES stream has a packet's payload split over two
(the elementary stream's bytes and their order are unchanged); a program table
(a one-packet section) has a packet repeated, as muxers repeat them anyway.
The live origin then serves a package's files as they are, bar the clocks
(`located`), and the bit rates its manifest declares hold on the live timeline.

A package written before packages were completed (`Manifest.completed` false)
is completed segment by segment when served (`retimer`), as every segment
was until then: up to 15 packets a PID a segment more than its manifest says.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

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
    """A segment made ready to be moved onto any clock: its packets and counters as
    served (`located`, or completed when served: `retimer`), and where its PCRs,
    PTSs and DTSs sit, with their values. Moving it is then a
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
    """`data` completed on its own and made ready for `retime` at any shift (see
    `Retimer`): how a segment of a package written before packages were completed is
    served. TransportError when the bytes are not TS."""
    out, found = _alone(data, counters or {})
    return _located(out, found.pes)


def located(data: bytes) -> Retimer:
    """A segment of a completed package (`complete_run`) made ready to be moved: its
    bytes and counters as they are. TransportError when the bytes are not TS."""
    return _located(data, census(data).pes)


@dataclass(frozen=True)
class Census:
    """What completing a segment needs to know of it."""

    size: int
    counts: dict[int, int]  # payload packets per PID
    pes: frozenset[int]  # the PIDs that carry PES packets (the others carry tables)
    spare: dict[int, list[tuple[int, int]]]
    """Per PES PID, packets near the segment's end and how many pieces each can be split
    into beyond itself (together at least 15, or all there are)."""
    tables: dict[int, int]  # per table PID, its first payload packet


def census(data: bytes) -> Census:
    """The segment's census. TransportError when the bytes are not TS."""
    _check(data)
    pids = _pids(data)
    view = np.frombuffer(data, dtype=np.uint8)
    payload = (view[3::PACKET] & 0x10) != 0
    found, numbers = np.unique(pids[payload], return_counts=True)
    counts = dict(zip(found.tolist(), numbers.tolist(), strict=True))
    starts = np.flatnonzero(view[1::PACKET] & 0x40).tolist()
    pes = frozenset(int(pids[i]) for i in starts if payload[i] and _is_pes(data, i * PACKET))
    spare: dict[int, list[tuple[int, int]]] = {}
    tables: dict[int, int] = {}
    for pid in counts:
        if pid not in pes:
            tables[pid] = int(np.flatnonzero((pids == pid) & payload)[0])
            continue
        found_spare, total = spare.setdefault(pid, []), 0
        for index in np.flatnonzero(pids == pid)[::-1].tolist():  # split near the end
            pieces = _spare(data, index * PACKET)
            if pieces:
                found_spare.append((index, pieces))
                total += pieces
                if total >= COUNTER - 1:
                    break
    return Census(len(data), counts, pes, spare, tables)


MIN_RATE_S = 0.1  # a segment's rate counts it as lasting at least this long


@dataclass
class Plan:
    """The packets to add to one segment."""

    splits: dict[int, int] = field(default_factory=dict)  # packet index -> pieces split off
    copies: dict[int, int] = field(default_factory=dict)
    """Table packet index -> copies of it put at the segment's end (its first two
    packets stay its PAT and PMT, as RFC 8216 asks)."""


def additions(censuses: Sequence[Census], durations: Sequence[float]) -> list[Plan]:
    """Where to add packets so that each PID has a whole number of sixteens over the
    run of segments `censuses` (lasting `durations`). Each packet a PID needs goes to
    the segment whose bit rate it raises least, so the run's peak rises as little as
    it can. TransportError when a PID cannot be completed."""
    totals: dict[int, int] = {}
    for found in censuses:
        for pid, count in found.counts.items():
            totals[pid] = totals.get(pid, 0) + count
    sizes = [found.size for found in censuses]
    plans = [Plan() for _ in censuses]
    left = [{pid: list(found.spare.get(pid, ())) for pid in found.pes} for found in censuses]
    for pid, total in sorted(totals.items()):
        for _ in range(-total % COUNTER):
            able = [
                i
                for i, found in enumerate(censuses)
                if pid in found.tables or (pid in left[i] and left[i][pid])
            ]
            if not able:
                raise TransportError(f"PID {pid:#x} has too few bytes to complete its counters")
            at = min(able, key=lambda i: (sizes[i] + PACKET) / max(durations[i], MIN_RATE_S))
            sizes[at] += PACKET
            plan = plans[at]
            if pid in censuses[at].tables:
                first = censuses[at].tables[pid]
                plan.copies[first] = plan.copies.get(first, 0) + 1
                continue
            index, pieces = left[at][pid][0]
            plan.splits[index] = plan.splits.get(index, 0) + 1
            left[at][pid] = ([(index, pieces - 1)] if pieces > 1 else []) + left[at][pid][1:]
    return plans


def completed(data: bytes, plan: Plan, counters: Mapping[int, int]) -> tuple[bytes, dict[int, int]]:
    """`data` with the packets `plan` adds and its continuity counters running on from
    `counters` (0 where absent); and the counters that follow it."""
    whole = memoryview(data)
    parts: list[bytes | memoryview] = []
    done = 0
    for index in sorted(plan.splits):
        offset = index * PACKET
        parts.append(whole[done:offset])
        parts.extend(_split(data, offset, plan.splits[index]))
        done = offset + PACKET
    parts.append(whole[done:])
    for index in sorted(plan.copies):
        parts.append(data[index * PACKET : (index + 1) * PACKET] * plan.copies[index])
    out = bytearray().join(parts)  # one copy of a megabyte, not one per part
    following = _write_counters(out, counters)
    return bytes(out), following


def complete_run(
    read: Callable[[int], bytes],
    durations: Sequence[float],
    write: Callable[[int, bytes], object],
    alone: bool = False,
) -> None:
    """Complete a run of segments (`read(i)`, `write(i, data)`, each lasting
    `durations[i]`): counters from 0, on through the run, each PID completed to whole
    sixteens over it, so the run ends on the counter it began with. A package is one
    run (it plays whole); a slate's segments are each a run `alone` (a gap may end its
    loop anywhere). Reads each segment twice rather than hold the run in memory.
    TransportError when a segment is not TS."""
    if alone:
        for i in range(len(durations)):
            write(i, _alone(read(i), {})[0])
        return
    censuses = [census(read(i)) for i in range(len(durations))]
    counters: dict[int, int] = {}
    for i, plan in enumerate(additions(censuses, durations)):
        out, counters = completed(read(i), plan, counters)
        write(i, out)


def _alone(data: bytes, counters: Mapping[int, int]) -> tuple[bytes, Census]:
    """`data` completed as a run of its own (where the packets go within it does not
    depend on its length), its counters from `counters`; and its census."""
    found = census(data)
    return completed(data, additions([found], [1.0])[0], counters)[0], found


def _write_counters(out: bytearray, counters: Mapping[int, int]) -> dict[int, int]:
    """Each PID's continuity counters from its start, in place: a packet with a payload
    takes the next one, a packet without repeats the last. Returns the counters that
    follow (those of PIDs not in `out` as given)."""
    view = np.frombuffer(out, dtype=np.uint8)
    controls = view[3::PACKET].copy()
    pids = _pids(out)
    payload = (controls & 0x10) != 0
    written = np.empty(len(pids), dtype=np.int64)
    following = dict(counters)
    for pid in np.unique(pids).tolist():
        chosen = pids == pid
        run = np.cumsum(payload[chosen])
        written[chosen] = run - 1 + counters.get(pid, 0)
        following[pid] = (int(run[-1]) + counters.get(pid, 0)) % COUNTER
    view[3::PACKET] = (controls & 0xF0) | (written % COUNTER)
    return following


def _located(template: bytes, pes: frozenset[int]) -> Retimer:
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
