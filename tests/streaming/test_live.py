"""Live playlists as a pure function of schedule and instant: continuity under a moving clock."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import m3u8
import pytest

from catalog.hls import Manifest, Rendition, Segment
from catalog.layout import slate_key
from streaming.blocks import EPOCH, pick_rung
from streaming.live import live_rungs, live_window, media_playlist
from streaming.snapshot import SETTLE_S, AiringView, Package

T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)  # 09:00 in Almaty


def live_segments(airings, packages, slate, rung, now, next_slates=None):
    """The window's segments with its media and discontinuity sequence numbers."""
    window = live_window(airings, packages, slate, rung, now, next_slates=next_slates)
    return window.segments, window.sequence, window.discontinuity


def package(base: str, durations: list[float], rungs=("480p", "234p", "audio")) -> Package:
    segments = tuple(Segment(f"seg_{i:05d}.ts", d) for i, d in enumerate(durations))
    manifest = Manifest(
        duration_s=sum(durations),
        segment_s=6,
        rungs=tuple(Rendition(r, "", 0, 0, segments=segments) for r in rungs),
        checksum="test",
    )
    return Package(base, Path(base), manifest)


SLATE = package("/slate/c", [2.0] * 15)
LESSONS = {
    "a": package("/vod/a", [6.0] * 10 + [0.5]),  # 60.5 s: overruns its 60 s slot a little
    "b": package("/vod/b", [6.0] * 5),
    "c": package("/vod/c", [6.0] * 3, rungs=("234p", "audio")),
}
AIRINGS = [
    AiringView("a", "c", T0, T0 + timedelta(seconds=60)),
    AiringView("b", "c", T0 + timedelta(seconds=60), T0 + timedelta(seconds=90)),
    AiringView("c", "c", T0 + timedelta(hours=20), T0 + timedelta(hours=20, seconds=18)),
]


def playlist_at(instant: datetime, rung: str = "480p", airings=AIRINGS) -> m3u8.M3U8:
    """The playlist at `instant`, listing each segment's source file (what plays) in
    place of the retimed URL the server lists (RUNG/SEQUENCE.ts)."""
    segments, sequence, discontinuity = live_segments(airings, LESSONS, SLATE, rung, instant)
    for segment in segments:
        assert segment.url == f"{rung}/{segment.sequence}.ts"
    sources = [replace(s, url=s.source) for s in segments]
    return m3u8.loads(media_playlist(sources, sequence, discontinuity))


def test_lesson_airs_from_its_start_with_its_date_and_no_discontinuity():
    playlist = playlist_at(T0 + timedelta(seconds=13))
    uris = [s.uri for s in playlist.segments]
    assert uris[-3:] == [
        "/vod/a/480p/seg_00000.ts",
        "/vod/a/480p/seg_00001.ts",
        "/vod/a/480p/seg_00002.ts",
    ]
    first_lesson = next(s for s in playlist.segments if s.uri.startswith("/vod/a"))
    assert not first_lesson.discontinuity  # one timeline: the same rung, nothing to reset
    assert first_lesson.current_program_date_time == T0
    assert playlist.target_duration == 6
    assert not playlist.is_endlist


def test_off_air_shows_the_slate():
    playlist = playlist_at(T0 + timedelta(hours=3))
    assert all(re.match(r"/slate/c/480p/seg_", s.uri) for s in playlist.segments)
    assert sum(s.duration for s in playlist.segments) >= 3 * 6


def test_a_gap_loops_its_slate_pass_after_pass_with_no_discontinuity():
    """Hours off air: no discontinuity inside the gap or at its start (VLC rebuffers on
    each one); pass n of the slate's loop starts n loops after the gap on the clock."""
    loop = len(SLATE.reference)
    loop_s = sum(s.duration for s in SLATE.reference)
    for minutes in range(60, 180, 7):
        window = live_window(AIRINGS, LESSONS, SLATE, "480p", T0 + timedelta(minutes=minutes))
        assert not any(s.discontinuity for s in window.segments)
        assert window.discontinuity == 0
        for segment in window.segments:
            index = int(re.search(r"seg_(\d+)", segment.source).group(1))
            assert index == segment.index
            passed = (segment.start - segment.origin).total_seconds()
            assert passed == pytest.approx(index * loop_s / loop)
        passes = {s.origin for s in window.segments}
        assert all(
            (later - earlier).total_seconds() % loop_s == pytest.approx(0)
            for earlier, later in zip(sorted(passes), sorted(passes)[1:], strict=False)
        )
    start = live_window(AIRINGS, LESSONS, SLATE, "480p", T0 + timedelta(seconds=91))
    opening = next(s for s in start.segments if s.source.startswith("/slate/"))
    assert not opening.discontinuity
    assert opening.boundary  # where the gap begins: its wall-clock instant is listed
    assert opening.origin == opening.start


def test_overrun_delays_the_next_lesson_instead_of_cutting():
    playlist = playlist_at(T0 + timedelta(seconds=62))
    uris = [s.uri for s in playlist.segments]
    assert "/vod/a/480p/seg_00010.ts" in uris
    assert uris[-1] == "/vod/b/480p/seg_00000.ts"
    b0 = playlist.segments[-1]
    assert not b0.discontinuity
    assert b0.current_program_date_time == T0 + timedelta(seconds=60.5)


def test_missing_rung_falls_back_to_the_nearest_lower():
    assert pick_rung(LESSONS["c"], "480p") == "234p"
    playlist = playlist_at(T0 + timedelta(hours=20, seconds=7))
    assert playlist.segments[-1].uri == "/vod/c/234p/seg_00001.ts"


@pytest.mark.parametrize("rung", ["480p", "234p", "audio"])
def test_a_viewer_for_a_day_never_sees_the_sequence_go_back(rung):
    """Poll every 3 s across lesson boundaries, gaps and midnight in Almaty (19:00 UTC)."""
    seen: dict[int, str] = {}
    eras: dict[int, int] = {}  # media sequence -> discontinuity sequence number of the segment
    last_sequence = last_discontinuity = -1
    instant = T0 - timedelta(minutes=2)
    stop = T0 + timedelta(hours=20, minutes=3)
    while instant < stop:
        step = (
            timedelta(seconds=3)
            if (instant - T0).total_seconds() % 3600 < 300
            else timedelta(seconds=997)
        )
        playlist = playlist_at(instant, rung)
        assert playlist.media_sequence >= last_sequence
        assert (playlist.discontinuity_sequence or 0) >= last_discontinuity
        last_sequence = playlist.media_sequence
        last_discontinuity = playlist.discontinuity_sequence or 0
        era = last_discontinuity
        for offset, segment in enumerate(playlist.segments):
            number = playlist.media_sequence + offset
            if offset and segment.discontinuity:
                era += 1
            if number in seen:  # the same number always names the same segment, same era
                assert seen[number] == segment.uri
                assert eras[number] == era
            seen[number], eras[number] = segment.uri, era
        instant += step


def test_rungs_number_the_same_instant_alike():
    instant = T0 + timedelta(seconds=75)
    sequences = {rung: playlist_at(instant, rung).media_sequence for rung in ("480p", "audio")}
    assert len(set(sequences.values())) == 1


def test_restart_and_replicas_give_the_same_playlist():
    instant = T0 + timedelta(seconds=41, microseconds=5)
    first = live_segments(AIRINGS, LESSONS, SLATE, "480p", instant)
    again = live_segments(list(AIRINGS), dict(LESSONS), SLATE, "480p", instant)
    assert first == again


def test_publishing_future_airings_does_not_change_the_past():
    instant = T0 + timedelta(seconds=30)
    before = playlist_at(instant)
    extra = [*AIRINGS, AiringView("b", "c", T0 + timedelta(hours=5), T0 + timedelta(hours=6))]
    after = playlist_at(instant, airings=extra)
    assert before.media_sequence == after.media_sequence
    assert [s.uri for s in before.segments] == [s.uri for s in after.segments]


def test_discontinuity_sequence_counts_boundaries_before_the_window():
    # Lesson "c" has no 480p: on the 480p playlist it plays 234p, a real change of
    # parameters, the one place a discontinuity is listed (on the way in and out).
    start = AIRINGS[2].start
    playlist = playlist_at(start + timedelta(seconds=1))
    assert [s.discontinuity for s in playlist.segments][-1]
    assert not playlist.discontinuity_sequence
    after = playlist_at(start + timedelta(seconds=19))
    assert after.segments[-1].discontinuity  # back to the slate's 480p
    later = playlist_at(start + timedelta(seconds=60))
    # When the tagged segments slide out, the count moves from the tags into the header.
    assert later.discontinuity_sequence == 2
    assert not any(s.discontinuity for s in later.segments)
    audio = playlist_at(start + timedelta(seconds=60), "audio")
    assert not audio.discontinuity_sequence  # every package has the audio rung


def test_epoch_is_the_start_of_numbering():
    segments, sequence, _ = live_segments([], LESSONS, SLATE, "480p", EPOCH + timedelta(seconds=1))
    assert sequence == 0
    assert segments[0].source == "/slate/c/480p/seg_00000.ts"
    assert segments[0].url == "480p/0.ts"


NEXT_C = {slate_key("c", AIRINGS[2].start): package("/slate/c/next/k", [2.0] * 15)}


def test_gap_before_an_airing_loops_the_slate_made_for_it():
    instant = T0 + timedelta(hours=3)
    segments, _, _ = live_segments(AIRINGS, LESSONS, SLATE, "480p", instant, next_slates=NEXT_C)
    assert all(re.match(r"/slate/c/next/k/480p/", s.source) for s in segments)
    # Before the first airing, nothing was made for "a": the channel's own slate.
    early, _, _ = live_segments(
        AIRINGS, LESSONS, SLATE, "480p", T0 - timedelta(minutes=1), next_slates=NEXT_C
    )
    assert all(re.match(r"/slate/c/480p/", s.source) for s in early)


def test_which_slate_fills_a_gap_never_changes_the_numbering():
    for instant in (T0 + timedelta(hours=3), T0 + timedelta(hours=20, seconds=5)):
        plain = live_segments(AIRINGS, LESSONS, SLATE, "480p", instant)
        made = live_segments(AIRINGS, LESSONS, SLATE, "480p", instant, next_slates=NEXT_C)
        assert plain[1:] == made[1:]
        assert [(s.sequence, s.start, s.discontinuity) for s in plain[0]] == [
            (s.sequence, s.start, s.discontinuity) for s in made[0]
        ]


def test_a_slate_of_another_shape_is_not_used():
    odd = {slate_key("c", AIRINGS[2].start): package("/slate/c/next/k", [6.0] * 2)}
    segments, _, _ = live_segments(
        AIRINGS, LESSONS, SLATE, "480p", T0 + timedelta(hours=3), next_slates=odd
    )
    assert all(re.match(r"/slate/c/480p/", s.source) for s in segments)


@pytest.mark.parametrize(
    "offset_s",
    [-130, -1, 0, 0.5, 13, 59.9, 60.2, 61, 75, 91, 400, 3 * 3600, 20 * 3600 + 7, 20 * 3600 + 30],
)
def test_a_window_holds_until_its_stated_instant_and_no_longer(offset_s):
    now = T0 + timedelta(seconds=offset_s)
    window = live_window(AIRINGS, LESSONS, SLATE, "480p", now, next_slates=NEXT_C)
    assert window.until > now
    later = live_window(
        AIRINGS,
        LESSONS,
        SLATE,
        "480p",
        window.until - timedelta(microseconds=1),
        next_slates=NEXT_C,
    )
    assert (later.segments, later.sequence, later.discontinuity) == (
        window.segments,
        window.sequence,
        window.discontinuity,
    )
    moved = live_window(AIRINGS, LESSONS, SLATE, "480p", window.until, next_slates=NEXT_C)
    assert moved.segments != window.segments


def test_live_rungs_carry_the_lessons_peaks_and_average():
    def rated(base, duration, rates):
        segments = (Segment("seg_00000.ts", duration),)
        rungs = tuple(
            Rendition(name, "", peak, average, segments=segments)
            for name, (peak, average) in rates.items()
        )
        return Package(base, Path(base), Manifest(duration, 6, rungs, "x"))

    slate = rated("/slate/c", 10, {"480p": (300_000, 90_000), "234p": (150_000, 40_000)})
    long = rated("/vod/a", 300, {"480p": (1_400_000, 1_200_000), "234p": (260_000, 240_000)})
    short = rated("/vod/b", 100, {"480p": (1_600_000, 800_000), "234p": (300_000, 200_000)})
    small = rated("/vod/c", 100, {"234p": (500_000, 100_000)})  # plays on 480p too

    rungs = {r.name: r for r in live_rungs(slate, [long, short, small])}
    assert rungs["480p"].bandwidth == 1_600_000
    assert rungs["480p"].average_bandwidth == round((1_200_000 * 3 + 800_000 + 100_000) / 5)
    assert rungs["234p"].bandwidth == 500_000
    assert rungs["234p"].average_bandwidth == round((240_000 * 3 + 200_000 + 100_000) / 5)
    assert live_rungs(slate, []) == slate.manifest.rungs  # nothing packaged: the slate's own


def test_a_lesson_retranscoded_mid_airing_keeps_the_live_count():
    """Lesson "a" airs at T0; 30 s in it is re-transcoded into 4 s segments (another
    count). What was listed keeps its sequence numbers and URLs; the airing plays the
    version it began with to its end, and the next airing of "a" gets the new one."""
    from dataclasses import replace

    republished = (T0 + timedelta(seconds=30)).timestamp()
    old = LESSONS["a"]
    old = replace(old, manifest=replace(old.manifest, published_at=T0.timestamp() - 3600))
    new = package("/vod/a/new", [4.0] * 15)
    new = replace(new, manifest=replace(new.manifest, published_at=republished), earlier=(old,))
    airings = [*AIRINGS, AiringView("a", "c", T0 + timedelta(hours=2), T0 + timedelta(hours=3))]
    before = {**LESSONS, "a": old}
    after = {**LESSONS, "a": new}
    for seconds in (29, 45, 62, 95, 3600):  # the airing that had begun, and what follows
        instant = T0 + timedelta(seconds=seconds)
        assert live_segments(airings, after, SLATE, "480p", instant) == live_segments(
            airings, before, SLATE, "480p", instant
        )
    later = live_window(airings, after, SLATE, "480p", T0 + timedelta(hours=2, seconds=13))
    assert later.segments[-1].source == "/vod/a/new/480p/seg_00003.ts"  # 12-16 s of 4 s pieces
    # a package with no recorded instant is the only version there ever was
    assert LESSONS["a"].at(T0) is LESSONS["a"]
    assert new.at(T0 - timedelta(days=9)) is old  # the first version stands for all before


@pytest.mark.parametrize("before_s", [5, SETTLE_S - 1])
def test_replicas_that_differ_on_a_package_published_just_before_its_airing_agree(before_s):
    """Lesson "a" is first published `before_s` before its airing: one replica's snapshot
    (reloaded every few seconds) has it when the airing begins, another's not yet. Both
    must list the same segments under the same URLs, so a cache in front of them never
    holds other bytes under a URL than its playlist meant: the airing plays the slate
    on both, and the lesson's next airing plays the lesson."""
    fresh = replace(
        LESSONS["a"],
        manifest=replace(LESSONS["a"].manifest, published_at=T0.timestamp() - before_s),
    )
    airings = [*AIRINGS, AiringView("a", "c", T0 + timedelta(hours=2), T0 + timedelta(hours=3))]
    knows = {**LESSONS, "a": fresh}
    lags = {k: v for k, v in LESSONS.items() if k != "a"}
    for seconds in (1, 20, 59, 75):
        instant = T0 + timedelta(seconds=seconds)
        seen = live_segments(airings, knows, SLATE, "480p", instant)
        assert seen == live_segments(airings, lags, SLATE, "480p", instant)
        assert all(segment.airing is None or segment.airing.lesson_id != "a" for segment in seen[0])
    later = live_window(airings, knows, SLATE, "480p", T0 + timedelta(hours=2, seconds=13))
    assert later.segments[-1].source == "/vod/a/480p/seg_00002.ts"


def test_a_package_published_in_good_time_plays_its_airing():
    early = replace(
        LESSONS["a"],
        manifest=replace(LESSONS["a"].manifest, published_at=T0.timestamp() - SETTLE_S),
    )
    window = live_window(
        AIRINGS, {**LESSONS, "a": early}, SLATE, "480p", T0 + timedelta(seconds=13)
    )
    assert window.segments[-1].source == "/vod/a/480p/seg_00002.ts"


def test_a_rung_cut_elsewhere_gives_way_to_one_cut_like_the_reference():
    """A lesson whose 234p rung has a segment fewer than its 480p (the reference): a
    234p viewer gets the 480p segments for that airing, each once and in order, never
    the 234p's last segment again in place of the ones it lacks."""
    segments = tuple(Segment(f"seg_{i:05d}.ts", 6.0) for i in range(5))
    short = (Segment("seg_00000.ts", 6.0), Segment("seg_00001.ts", 24.0))
    manifest = Manifest(
        duration_s=30.0,
        segment_s=6,
        rungs=(
            Rendition("480p", "", 2_000_000, 0, segments=segments),
            Rendition("234p", "", 400_000, 0, segments=short),
        ),
        checksum="test",
    )
    odd = Package("/vod/odd", Path("/vod/odd"), manifest)
    assert odd.live_ladder == ("480p",)
    assert pick_rung(odd, "234p") == pick_rung(odd, "audio") == "480p"
    airing = [AiringView("odd", "c", T0, T0 + timedelta(seconds=30))]
    played = []
    for seconds in range(0, 60, 3):
        window = live_window(airing, {"odd": odd}, SLATE, "234p", T0 + timedelta(seconds=seconds))
        played += [s.source for s in window.segments if s.source.startswith("/vod/odd")]
    assert list(dict.fromkeys(played)) == [f"/vod/odd/480p/{s.uri}" for s in segments]
    (rung,) = (r for r in live_rungs(SLATE, [odd]) if r.name == "234p")
    assert rung.bandwidth == 2_000_000  # what the 234p playlist plays here
