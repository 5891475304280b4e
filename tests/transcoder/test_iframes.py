"""I-frame playlists: keyframe byte ranges read from real segments, checked by ffprobe."""

from __future__ import annotations

import subprocess
from pathlib import Path

import m3u8
import pytest

from catalog.hls import read_manifest
from catalog.transport import PACKET
from transcoder import TranscodeOptions, transcode

FAST = TranscodeOptions(preset="ultrafast")


def ffprobe_csv(path: Path, *args: str) -> list[list[str]]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", *args, "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.split(",") for line in out.split("\n") if line.strip()]


@pytest.fixture(scope="module")
def package(media, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("iframes") / "lesson"
    transcode(media["lesson"], out, FAST, media["signer"])
    return out


@pytest.mark.slow
def test_master_lists_an_iframe_playlist_per_video_rung(package):
    master = m3u8.load(str(package / "master.m3u8"))
    streams = {p.iframe_stream_info.resolution: p for p in master.iframe_playlists}
    assert sorted(streams) == [(416, 234), (640, 360)]  # video rungs only, not audio
    manifest = read_manifest(package)
    for stream in streams.values():
        info = stream.iframe_stream_info
        assert info.codecs.startswith("avc1.")
        assert "mp4a" not in info.codecs
        assert info.bandwidth >= info.average_bandwidth > 0
        assert stream.uri.startswith(f"{manifest.version}/")  # versioned, like the rungs
        assert (package / stream.uri).is_file()


@pytest.mark.slow
def test_every_keyframe_is_listed_at_the_offset_ffprobe_reads(package):
    for rung in ("360p", "234p"):
        playlist = m3u8.load(str(package / rung / "iframes.m3u8"))
        assert playlist.is_i_frames_only
        assert playlist.version >= 4
        assert playlist.is_endlist
        listed = [(s.uri, int(s.byterange.split("@")[1])) for s in playlist.segments]
        probed = []
        for segment in m3u8.load(str(package / rung / "index.m3u8")).segments:
            packets = ffprobe_csv(
                package / rung / segment.uri,
                "-select_streams",
                "v",
                "-show_entries",
                "packet=pos,flags",
            )
            probed += [(segment.uri, int(pos)) for pos, flags, *_ in packets if "K" in flags]
        assert listed == probed
        # a keyframe every 2 s, the last until the end of the 8 s lesson
        assert [round(s.duration, 3) for s in playlist.segments] == [2.0, 2.0, 2.0, 2.0]


@pytest.mark.slow
def test_each_range_decodes_to_one_keyframe(package, tmp_path):
    """What a trick-play player does: the file's program tables, then the range alone."""
    playlist = m3u8.load(str(package / "360p" / "iframes.m3u8"))
    firsts: dict[str, int] = {}
    for segment in playlist.segments:
        length, offset = (int(x) for x in segment.byterange.split("@"))
        firsts.setdefault(segment.uri, offset)
        data = (package / "360p" / segment.uri).read_bytes()
        assert offset % PACKET == 0
        assert length % PACKET == 0
        assert offset + length <= len(data)
        piece = tmp_path / "piece.ts"
        piece.write_bytes(data[: firsts[segment.uri]] + data[offset : offset + length])
        frames = ffprobe_csv(
            piece, "-select_streams", "v", "-show_entries", "frame=key_frame,pict_type"
        )
        assert [f[:2] for f in frames] == [["1", "I"]], segment.byterange
