"""Retiming a segment onto a channel's clock, on hand-made packets (pure, fast)."""

from __future__ import annotations

import pytest

from catalog.retime import complete_run, earliest, located, retime, retimer
from catalog.transport import PACKET, WRAP, TransportError, _read_timestamp
from tests.catalog.test_transport import tables, video_packet


def packets(data: bytes) -> list[bytes]:
    return [data[o : o + PACKET] for o in range(0, len(data), PACKET)]


def pid_of(packet: bytes) -> int:
    return ((packet[1] & 0x1F) << 8) | packet[2]


def elementary(data: bytes, pid: int) -> bytes:
    """The payload bytes a demuxer reassembles for one PID."""
    out = b""
    for packet in packets(data):
        if pid_of(packet) != pid or not packet[3] & 0x10:
            continue
        start = 4 + (1 + packet[4] if packet[3] & 0x20 else 0)
        out += packet[start:]
    return out


def counters(data: bytes) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for packet in packets(data):
        if packet[3] & 0x10:
            found.setdefault(pid_of(packet), []).append(packet[3] & 0x0F)
    return found


def segment() -> bytes:
    """Tables, a keyframe's PES start, and two more packets of its payload."""
    data = tables() + video_packet(133_200, 126_000, 123_000, 7)
    for counter in (8, 9):
        body = bytes(range(184))
        data += bytes([0x47, 0x01, 0x00, 0x10 | counter]) + body
    return data


def test_clocks_move_and_counters_run_from_their_start_through_whole_sixteens():
    data = segment()
    near_wrap = WRAP - 1_000
    moved = retime(data, near_wrap, {0x100: 3})
    runs = counters(moved)
    for pid, run in runs.items():
        assert len(run) % 16 == 0, pid  # it ends where it began, so segments join up
        start = 3 if pid == 0x100 else 0
        assert run == [(start + i) % 16 for i in range(len(run))]
    first = next(p for p in packets(moved) if pid_of(p) == 0x100)
    pes = first[4 + 1 + first[4] :]
    assert _read_timestamp(pes, 9) == (133_200 + near_wrap) % WRAP
    assert _read_timestamp(pes, 14) == (126_000 + near_wrap) % WRAP
    base = int.from_bytes(first[6:10], "big") << 1 | first[10] >> 7
    assert base == (123_000 + near_wrap) % WRAP
    assert first[5] & 0x50 == 0x50  # random access and PCR flags kept on the PES start
    # The elementary stream is the same bytes: the split packets only carry stuffing more.
    unmoved = retime(data, 0, {})
    assert len(packets(unmoved)) == 3 * 16
    assert elementary(unmoved, 0x100) == elementary(data, 0x100)
    assert earliest(moved) == (133_200 + near_wrap) % WRAP
    assert earliest(data) == 133_200


def test_the_same_input_gives_the_same_bytes():
    assert retime(segment(), 90_000, {}) == retime(segment(), 90_000, {})
    assert retime(segment(), 90_000 + WRAP, {}) == retime(segment(), 90_000, {})


def test_tables_are_repeated_not_split():
    moved = retime(segment(), 0, {})
    pat = [p for p in packets(moved) if pid_of(p) == 0]
    assert len(pat) == 16
    assert len({p[4:] for p in pat}) == 1  # the same section each time


def run_of(segments: list[bytes], durations: list[float]) -> list[bytes]:
    done: dict[int, bytes] = {}
    complete_run(lambda i: segments[i], durations, done.__setitem__)
    return [done[i] for i in range(len(segments))]


def test_a_package_is_completed_as_one_run_its_counters_running_on_through_it():
    """What the packager writes: counters from 0 on through the package, each PID whole
    sixteens over it, the packets that takes put where the rate is lowest."""
    segments = [segment(), segment() + segment(), segment()]
    durations = [6.0, 6.0, 0.5]  # the middle one is the busiest
    done = run_of(segments, durations)
    runs: dict[int, list[int]] = {}
    for data in done:
        assert [pid_of(p) for p in packets(data)[:2]] == [0, 0x1000]  # it opens with PAT, PMT
        for pid, run in counters(data).items():
            runs.setdefault(pid, []).extend(run)
    for pid, run in runs.items():
        assert run == [i % 16 for i in range(len(run))], pid  # on through the run, from 0
        assert len(run) % 16 == 0, pid  # and back where it began
    added = [len(after) - len(before) for before, after in zip(segments, done, strict=True)]
    # Four PATs, four PMTs and 12 video packets: 12, 12 and 4 packets to add.
    assert sum(added) == 28 * PACKET
    assert added[2] == 0  # the 0.5 s tail has the highest rate: nothing goes there
    assert all(
        elementary(after, 0x100) == elementary(before, 0x100)
        for before, after in zip(segments, done, strict=True)
    )
    # Served as they are, bar the clocks: no packet more, counters untouched.
    assert all(located(data).template == data for data in done)
    assert [len(located(data).moved(90_000)) for data in done] == [len(d) for d in done]


def test_a_run_of_one_segment_is_what_the_server_completes_for_older_packages():
    """A slate's segments are runs of one; so was every segment when served, before
    packages were completed (and still is for a package written then)."""
    [alone] = run_of([segment()], [1.92])
    assert alone == retime(segment(), 0, {})
    assert retimer(alone).template == alone


def test_bytes_that_are_not_ts_are_refused():
    with pytest.raises(TransportError, match="whole number"):
        retime(b"\x47" * 100, 0)
