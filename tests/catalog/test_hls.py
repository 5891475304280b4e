"""The package contract: manifest round trips, old manifests, playlists players read."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import m3u8
import pytest

from catalog.hls import (
    IFrame,
    Manifest,
    ManifestError,
    Rendition,
    Segment,
    read_manifest,
    write_manifest,
)
from catalog.layout import Layout, slate_key, slate_key_lesson, slate_key_start, vod_url
from catalog.playlists import Entry, iframe_playlist, iframe_rates, master_playlist, media_playlist

FIXTURES = Path(__file__).with_name("fixtures")


def _manifest() -> Manifest:
    segments = (Segment("seg_00000.ts", 6.04), Segment("seg_00001.ts", 2.5))
    return Manifest(
        duration_s=8.54,
        segment_s=6,
        rungs=(
            Rendition(
                "480p",
                "avc1.64001e,mp4a.40.2",
                1_400_000,
                1_200_000,
                854,
                480,
                segments,
                iframe_bandwidth=150_000,
                iframe_average_bandwidth=70_000,
            ),
            Rendition("audio", "mp4a.40.2", 70_000, 66_000, segments=segments),
        ),
        checksum="ab" * 32,
        signed=True,
        loudness_lufs=-23.0,
        extra={"slate": 'Әл-Фараби <&">'},
    )


def test_manifest_round_trips_through_package_json(tmp_path):
    manifest = _manifest()
    write_manifest(tmp_path, manifest)
    data = json.loads((tmp_path / "package.json").read_text(encoding="utf-8"))
    assert data["format"] == 2
    assert data["version"] == manifest.version == "ab" * 6
    assert data["rungs"][0]["segments"][0] == ["seg_00000.ts", 6.04]
    assert read_manifest(tmp_path) == manifest


def test_a_format_1_manifest_is_read_from_its_playlists(tmp_path):
    shutil.copy(FIXTURES / "format1-package.json", tmp_path / "package.json")
    for rung in ("234p", "audio"):
        (tmp_path / rung).mkdir()
        shutil.copy(FIXTURES / "format1-index.m3u8", tmp_path / rung / "index.m3u8")
    manifest = read_manifest(tmp_path)
    assert [s.duration for s in manifest.rung("234p").segments] == [6.04, 6.0]
    assert manifest.rung("234p").resolution == (416, 234)
    assert manifest.rung("audio").resolution is None
    assert manifest.extra == {"slate": "Әл-Фараби"}
    assert manifest.segments == 2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[]", "not an object"),
        ('{"format": 9, "rungs": []}', "format 9"),
        ('{"format": 2, "rungs": [{"name": "x"}]}', "malformed"),
        ("{", "cannot be read"),
    ],
)
def test_broken_manifests_are_one_line_errors(tmp_path, text, reason):
    (tmp_path / "package.json").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=reason) as caught:
        read_manifest(tmp_path)
    assert "\n" not in str(caught.value)


def test_master_playlist_declares_what_players_need():
    master = m3u8.loads(master_playlist(_manifest().rungs))
    assert master.is_independent_segments
    video, audio = master.playlists
    assert video.uri == "480p/index.m3u8"
    assert video.stream_info.bandwidth == 1_400_000
    assert video.stream_info.average_bandwidth == 1_200_000
    assert video.stream_info.resolution == (854, 480)
    assert video.stream_info.frame_rate == 25.0
    assert audio.stream_info.resolution is None
    assert audio.stream_info.codecs == "mp4a.40.2"
    (iframes,) = master.iframe_playlists  # the video rung's; none for audio
    assert iframes.uri == "480p/iframes.m3u8"
    assert iframes.iframe_stream_info.codecs == "avc1.64001e"
    assert iframes.iframe_stream_info.bandwidth == 150_000
    assert iframes.iframe_stream_info.average_bandwidth == 70_000
    assert iframes.iframe_stream_info.resolution == (854, 480)
    live = m3u8.loads(master_playlist(_manifest().rungs, uri=lambda rung: f"{rung.name}.m3u8"))
    assert live.iframe_playlists == []  # a live channel has no I-frame playlists


def test_iframe_playlist_names_byte_ranges_and_their_rates():
    frames = [
        IFrame("seg_00000.ts", 564, 18_800, 2.0),
        IFrame("seg_00000.ts", 190_820, 9_400, 2.0),
        IFrame("seg_00001.ts", 564, 9_400, 0.52),
    ]
    parsed = m3u8.loads(iframe_playlist(frames))
    assert parsed.is_i_frames_only
    assert parsed.is_endlist
    assert parsed.version == 4
    assert parsed.target_duration == 2
    assert [(s.uri, s.byterange, s.duration) for s in parsed.segments] == [
        ("seg_00000.ts", "18800@564", 2.0),
        ("seg_00000.ts", "9400@190820", 2.0),
        ("seg_00001.ts", "9400@564", 0.52),
    ]
    peak, average = iframe_rates(frames)
    assert peak == 144_616  # 9,400 bytes in 0.52 s
    assert average == 66_549  # 37,600 bytes in 4.52 s, rounded up


def test_media_playlist_marks_boundaries_but_never_the_first_segment():
    start = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
    text = media_playlist(
        [
            Entry("/vod/a/480p/seg_00001.ts", 6.04, discontinuity=True, program_date_time=start),
            Entry("/slate/c/480p/seg_00000.ts", 2.0, discontinuity=True, program_date_time=start),
        ],
        media_sequence=41,
        discontinuity_sequence=3,
        minimum_target_s=6,
    )
    parsed = m3u8.loads(text)
    assert parsed.media_sequence == 41
    assert parsed.discontinuity_sequence == 3
    assert parsed.target_duration == 7  # 6.04 s rounds up
    assert [s.discontinuity for s in parsed.segments] == [False, True]
    assert parsed.segments[0].program_date_time == start
    assert not parsed.is_endlist


def test_layout_and_urls_keep_ids_inside_their_place(tmp_path):
    layout = Layout(tmp_path)
    assert layout.package("kk-05-math-001") == tmp_path / "packages" / "kk-05-math-001"
    assert layout.stored(layout.uploads / "a.mp4") == "media/uploads/a.mp4"
    assert layout.resolve("media/a.mp4") == tmp_path / "media" / "a.mp4"
    assert layout.resolve("/elsewhere/a.mp4") == Path("/elsewhere/a.mp4")
    assert vod_url("a/../b", "master.m3u8") == "/vod/a%2F..%2Fb/master.m3u8"
    start = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
    assert slate_key_start(slate_key("kk-1", start)) == start
    assert slate_key_start("not-a-key") is None
    assert slate_key_lesson(slate_key("kk-1", start)) == "kk-1"
    assert slate_key_lesson("not-a-key") is None


def _built(root: Path, name: str, payload: bytes) -> tuple[Path, Manifest]:
    """A finished package in a work directory, as the transcoder leaves it."""
    from catalog.hls import content_version

    work = root / f".work-{name}"
    (work / "480p").mkdir(parents=True)
    (work / "audio").mkdir()
    for rung in ("480p", "audio"):
        (work / rung / "seg_00000.ts").write_bytes(payload)
        (work / rung / "seg_00001.ts").write_bytes(payload[::-1])
        (work / rung / "index.m3u8").write_text("#EXTM3U\n", encoding="utf-8")
    (work / "master.m3u8").write_text(master_playlist(_manifest().rungs), encoding="utf-8")
    version = content_version(work)
    manifest = Manifest(**{**_manifest().__dict__, "content": version})
    write_manifest(work, manifest)
    return work, manifest


def test_a_republished_package_gets_new_urls_and_keeps_the_old_ones_a_while(tmp_path):
    from catalog.publishing import KEEP_OLD_S, publish_package

    target = tmp_path / "packages" / "kk-05-math-001"
    work, first_made = _built(tmp_path, "1", b"first encode")
    first = first_made.version
    publish_package(work, target, first_made, now=1_000.0)
    assert read_manifest(target).version == first
    assert (target / "480p").is_symlink()
    assert (target / "480p" / "seg_00000.ts").read_bytes() == b"first encode"
    master = m3u8.loads((target / "master.m3u8").read_text(encoding="utf-8"))
    assert [p.uri for p in master.playlists] == [
        f"{first}/480p/index.m3u8",
        f"{first}/audio/index.m3u8",
    ]

    work, second_made = _built(tmp_path, "2", b"second encode")
    second = second_made.version
    assert second != first  # other bytes, another version
    publish_package(work, target, second_made, now=2_000.0)
    assert read_manifest(target).version == second
    assert (target / "480p" / "seg_00000.ts").read_bytes() == b"second encode"
    assert (target / first / "480p" / "seg_00000.ts").read_bytes() == b"first encode"
    assert (target / second / "480p" / "seg_00000.ts").read_bytes() == b"second encode"

    work, third_made = _built(tmp_path, "3", b"third encode")
    third = third_made.version
    publish_package(work, target, third_made, now=2_000.0 + KEEP_OLD_S + 8)
    assert (target / first).is_dir()  # an airing begun at 2,000 s may still play its 8.54 s
    work, third_made = _built(tmp_path, "3", b"third encode")
    publish_package(work, target, third_made, now=2_000.0 + KEEP_OLD_S + 9)
    assert not (target / first).exists()  # replaced over an hour and its length ago: removed
    assert (target / second).is_dir()  # just replaced: kept
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]

    # package.json says when each version came, for live timelines to count the past
    published = read_manifest(target)
    assert published.published_at == 2_000.0 + KEEP_OLD_S + 8
    assert [(e.version, e.published_at) for e in published.history] == [
        (first, 1_000.0),
        (second, 2_000.0),
    ]
    assert published.history[0].durations == (6.04, 2.5)  # the 480p rung's segments

    work, same_made = _built(tmp_path, "4", b"third encode")
    same = same_made.version
    assert same == third
    publish_package(work, target, same_made, now=2_000.0 + KEEP_OLD_S + 10)
    assert read_manifest(target).version == third
    assert read_manifest(target) == published  # the same bytes again: nothing changed
    assert sorted(p.name for p in target.iterdir() if p.is_dir() and not p.is_symlink()) == sorted(
        [second, third]
    )


def test_a_package_from_before_versions_is_kept_as_a_version(tmp_path):
    from catalog.publishing import publish_package

    target = tmp_path / "packages" / "old"
    work, flat_made = _built(tmp_path, "flat", b"flat package")
    flat = flat_made.version
    target.parent.mkdir(parents=True)
    work.rename(target)  # how packages were published before
    work, new_made = _built(tmp_path, "new", b"new package")
    new = new_made.version
    publish_package(work, target, new_made, now=5.0)
    assert read_manifest(target).version == new
    assert (target / flat / "480p" / "seg_00000.ts").read_bytes() == b"flat package"


def test_a_master_lists_first_the_variant_a_phone_starts_on():
    from catalog.hls import Rendition
    from catalog.playlists import master_playlist

    rungs = [
        Rendition("720p", "avc1.64001f,mp4a.40.2", 2_900_000, 2_500_000, 1280, 720),
        Rendition("360p", "avc1.64001e,mp4a.40.2", 800_000, 700_000, 640, 360),
        Rendition("234p", "avc1.640015,mp4a.40.2", 185_000, 150_000, 416, 234),
        Rendition("audio", "mp4a.40.2", 70_000, 64_000),
    ]
    master = m3u8.loads(master_playlist(rungs, uri=lambda r: f"{r.name}.m3u8"))
    assert [p.uri for p in master.playlists] == [
        "234p.m3u8",
        "720p.m3u8",
        "360p.m3u8",
        "audio.m3u8",
    ]


def _ladder(**rungs: list[float]) -> Manifest:
    """A manifest whose rungs (name: segment durations) are cut as given."""
    return Manifest(
        duration_s=18.0,
        segment_s=6,
        rungs=tuple(
            Rendition(
                name,
                "",
                0,
                0,
                segments=tuple(Segment(f"seg_{i:05d}.ts", d) for i, d in enumerate(durations)),
            )
            for name, durations in rungs.items()
        ),
        checksum="",
    )


@pytest.mark.parametrize(
    ("durations", "lined_up"),
    [
        ([6.0, 6.0, 6.0], True),
        ([6.016, 5.994667, 5.994667, 0.0], False),  # one segment more
        ([6.016, 5.994667, 5.994667], True),  # an audio rung's AAC frames: cuts ~20 ms off
        ([6.0, 12.0], False),  # one segment fewer
        ([5.0, 7.0, 6.0], False),  # as many, but the second begins a second early
        ([6.05, 6.06, 5.89], False),  # each close, but the third begins 0.11 s late
    ],
)
def test_a_rung_lines_up_only_when_cut_where_the_reference_rung_is(durations, lined_up):
    manifest = _ladder(**{"480p": [6.0, 6.0, 6.0], "360p": durations})
    assert manifest.lined_up("480p")  # the reference rung
    assert manifest.lined_up("360p") is lined_up
    assert not manifest.lined_up("1080p")  # not a rung of the package
