"""The retimer gives byte for byte what `retime` gave before it was vectorised.

`reference_retime` is that pass as it was (a Python loop over every packet for the
counters, and each packet's clocks shifted in turn); it is compared with
`catalog.retime.retime` on real segments that ffmpeg's HLS muxer cuts from a lavfi
clip (as the packager's are), and on the hand-made packets of test_retime.py, at
shifts that wrap the 33-bit clock and with counters that start anywhere.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pytest

from catalog.retime import (
    COUNTER,
    _check,
    _is_pes,
    _spare,
    _split,
    retime,
    retimer,
)
from catalog.transport import PACKET, WRAP, TransportError, _read_timestamp, _write_timestamp
from tests.catalog.test_retime import segment


def _pids_list(data: bytes | bytearray) -> list[int]:
    return [
        ((h & 0x1F) << 8) | low for h, low in zip(data[1::PACKET], data[2::PACKET], strict=True)
    ]


def reference_retime(data: bytes, ticks: int, counters: Mapping[int, int] | None = None) -> bytes:
    _check(data)
    pids = _pids_list(data)
    controls = data[3::PACKET]
    counts = Counter(pid for pid, control in zip(pids, controls, strict=True) if control & 0x10)
    starts = [i for i, byte in enumerate(data[1::PACKET]) if byte & 0x40]
    pes = {pids[i] for i in starts if controls[i] & 0x10 and _is_pes(data, i * PACKET)}
    extra: dict[int, int] = {}  # packet index -> packets to add after it
    copies: list[tuple[int, bytes]] = []  # tables' first packets repeated at the end
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
            copies.append((first, data[first * PACKET : (first + 1) * PACKET] * missing))
            missing = 0
        if missing:
            raise TransportError(f"PID {pid:#x} has too few bytes to complete its counters")
    out = bytearray()
    done = 0
    for index in sorted(extra):
        offset = index * PACKET
        out += data[done:offset]
        out += b"".join(_split(data, offset, extra[index]))
        done = offset + PACKET
    out += data[done:]
    for _, repeated in sorted(copies):  # each table's copies at the end, in stream order
        out += repeated
    _reference_restamp(out, ticks % WRAP, counters or {}, pes)
    return bytes(out)


def _reference_restamp(
    out: bytearray, ticks: int, counters: Mapping[int, int], pes: set[int]
) -> None:
    next_counter = dict(counters)
    controls = out[3::PACKET]
    written = bytearray(len(controls))
    pids = _pids_list(out)
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
        reference_shift_packet(out, index * PACKET, ticks, pid in pes)


def reference_shift_packet(out: bytearray, offset: int, ticks: int, timed: bool) -> None:
    control = (out[offset + 3] >> 4) & 0x3
    payload = offset + 4
    if control & 0x2:
        length = out[offset + 4]
        if length and out[offset + 5] & 0x10:  # PCR: 33-bit base, 6 reserved, 9-bit ext
            at = offset + 6
            base = (out[at] << 25 | out[at + 1] << 17 | out[at + 2] << 9 | out[at + 3] << 1) | (
                out[at + 4] >> 7
            )
            base = (base + ticks) % WRAP
            out[at : at + 4] = (base >> 1).to_bytes(4, "big")
            out[at + 4] = ((base & 1) << 7) | (out[at + 4] & 0x7F)
        payload += 1 + length
    if not timed or not out[offset + 1] & 0x40 or not control & 0x1:
        return
    if payload + 14 > offset + PACKET or out[payload : payload + 3] != b"\x00\x00\x01":
        return
    if out[payload + 3] in (0xBE, 0xBF):
        return  # a padding or private stream: no timestamps
    flags = out[payload + 7] >> 6
    if flags & 0x2:
        pts = _read_timestamp(out, payload + 9)
        _write_timestamp(out, payload + 9, (pts + ticks) % WRAP)
    if flags == 0x3:
        dts = _read_timestamp(out, payload + 14)
        _write_timestamp(out, payload + 14, (dts + ticks) % WRAP)


@pytest.fixture(scope="module")
def segments(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Real TS segments: H.264 with an IDR every second, AAC, cut every 2 s by ffmpeg."""
    root = tmp_path_factory.mktemp("retime")
    subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25:duration=5",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=5",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-f", "hls", "-hls_time", "2", "-hls_list_size", "0",
            "-hls_segment_filename", str(root / "seg_%03d.ts"), str(root / "index.m3u8"),
        ],
        check=True,
    )  # fmt: skip
    return [path.read_bytes() for path in sorted(Path(root).glob("seg_*.ts"))]


SHIFTS = [0, 1, 123_456_789, WRAP - 5, 90_000 * 3600 * 30]


@pytest.mark.parametrize("ticks", SHIFTS)
def test_real_segments_come_out_as_the_reference_made_them(segments, ticks):
    assert len(segments) >= 2
    for data in segments:
        for counters in (None, {0: 3, 256: 15, 257: 7, 4096: 11}):
            assert retime(data, ticks, counters) == reference_retime(data, ticks, counters)


def test_one_retimer_moves_a_segment_to_any_clock(segments):
    made = retimer(segments[0])
    for ticks in SHIFTS:
        assert made.moved(ticks) == reference_retime(segments[0], ticks)


def test_hand_made_packets_come_out_as_the_reference_made_them():
    for ticks in SHIFTS:
        assert retime(segment(), ticks, {4096: 9}) == reference_retime(segment(), ticks, {4096: 9})
