"""Transport-stream reading and clock shifting on hand-made packets (pure, fast)."""

from __future__ import annotations

import pytest

from catalog.transport import (
    PACKET,
    WRAP,
    TransportError,
    _read_timestamp,
    keyframes,
    loop_counts,
    shift,
)


def _timestamp(prefix: int, ticks: int) -> bytes:
    return bytes(
        [
            (prefix << 4) | (((ticks >> 30) & 0x07) << 1) | 1,
            (ticks >> 22) & 0xFF,
            (((ticks >> 15) & 0x7F) << 1) | 1,
            (ticks >> 7) & 0xFF,
            ((ticks & 0x7F) << 1) | 1,
        ]
    )


def _pcr(base: int) -> bytes:
    return (base >> 1).to_bytes(4, "big") + bytes([((base & 1) << 7) | 0x7E, 0x00])


def video_packet(pts: int, dts: int, pcr: int, counter: int, key: bool = True) -> bytes:
    """A PES start on PID 0x100 with an adaptation field (random access, PCR)."""
    adaptation = bytes([0x50 if key else 0x10]) + _pcr(pcr)
    pes = b"\x00\x00\x01\xe0\x00\x00\x80\xc0\x0a" + _timestamp(3, pts) + _timestamp(1, dts)
    body = bytes([len(adaptation)]) + adaptation + pes
    header = bytes([0x47, 0x41, 0x00, 0x30 | counter])
    return header + body + b"\xff" * (PACKET - 4 - len(body))


def tables() -> bytes:
    """A PAT naming PMT PID 0x1000, and that PMT naming H.264 on PID 0x100."""
    pat = b"\x00\x00\xb0\x0d\x00\x01\xc1\x00\x00\x00\x01\xf0\x00" + b"\x00" * 4
    pmt = b"\x00\x02\xb0\x12\x00\x01\xc1\x00\x00\xe1\x00\xf0\x00\x1b\xe1\x00\xf0\x00" + bytes(4)
    packets = b""
    for pid, section in ((0x0000, pat), (0x1000, pmt)):
        header = bytes([0x47, 0x40 | (pid >> 8), pid & 0xFF, 0x10])
        packets += header + section + b"\xff" * (PACKET - 4 - len(section))
    return packets


def test_keyframes_are_found_by_their_pes_start_and_random_access_flag():
    data = tables() + video_packet(133_200, 126_000, 126_000, 0)
    data += video_packet(136_800, 129_600, 129_600, 1, key=False)
    frames = keyframes(data)
    assert [(f.offset, f.length, f.pts) for f in frames] == [(2 * PACKET, PACKET, 133_200)]


def test_shift_moves_every_clock_and_counter_and_nothing_else():
    near_wrap = WRAP - 1_000
    data = tables() + video_packet(near_wrap, near_wrap - 7_200, near_wrap - 9_000, 14)
    moved = shift(data, 900_000, {0x100: 5 * 267})  # 5 passes of a 267-packet loop
    assert len(moved) == len(data)
    packet = moved[2 * PACKET :]
    assert packet[3] & 0x0F == (14 + 5 * 267) % 16
    pes = packet[4 + 1 + packet[4] :]
    assert _read_timestamp(pes, 9) == (near_wrap + 900_000) % WRAP  # PTS wraps at 33 bits
    assert _read_timestamp(pes, 14) == (near_wrap - 7_200 + 900_000) % WRAP
    pcr = packet[6:12]
    base = int.from_bytes(pcr[:4], "big") << 1 | pcr[4] >> 7
    assert base == (near_wrap - 9_000 + 900_000) % WRAP
    assert pcr[4] & 0x7E == 0x7E  # reserved bits kept
    assert pes[9] >> 4 == 3
    assert pes[14] >> 4 == 1
    assert moved[: 2 * PACKET] == data[: 2 * PACKET]  # tables untouched
    assert shift(data, 0, {}) == data
    assert loop_counts([data, data]) == {0x0000: 2, 0x1000: 2, 0x100: 2}


@pytest.mark.parametrize("function", [keyframes, lambda data: shift(data, 1, {})])
def test_bytes_that_are_not_ts_are_refused(function):
    with pytest.raises(TransportError, match="whole number"):
        function(b"\x47" * 100)
    with pytest.raises(TransportError, match="no sync byte at offset 188"):
        function(b"\x47" + bytes(187) + b"\x00" * 188)


def test_null_packets_hold_no_keyframe():
    assert keyframes(b"\x47\x1f\xff\x10" + bytes(184)) == []
