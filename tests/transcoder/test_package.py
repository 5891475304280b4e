"""Real ffmpeg packaging of small generated clips: ladder, keyframes, loudness, errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import m3u8
import pytest

from transcoder import MediaError, TranscodeOptions, probe, transcode

pytestmark = pytest.mark.slow
FAST = TranscodeOptions(preset="ultrafast")


def ffprobe(path: Path, *args: str) -> str:
    """What ffprobe prints for `args` about `path` (errors only on stderr)."""
    return subprocess.run(
        ["ffprobe", "-v", "error", *args, str(path)], capture_output=True, text=True, check=True
    ).stdout


def keyframe_times(path: Path) -> list[float]:
    out = ffprobe(
        path,
        "-select_streams",
        "v:0",
        "-skip_frame",
        "nokey",
        "-show_entries",
        "frame=pts_time",
        "-of",
        "csv=p=0",
    )
    return [float(x.strip(",")) for x in out.split() if x.strip(",")]


def filter_log(path: Path, *args: str) -> str:
    """What ffmpeg logs while running `args` (an analysis filter) over `path` into nothing."""
    return subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), *args, "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr


def integrated_loudness(path: Path) -> float:
    err = filter_log(path, "-vn", "-af", "ebur128")
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", err)[-1])


@pytest.fixture(scope="module")
def package(media, tmp_path_factory):
    out = tmp_path_factory.mktemp("pkg") / "lesson"
    shares: list[float] = []
    result = transcode(media["lesson"], out, FAST, media["signer"], progress=shares.append)
    return out, result, shares


def test_master_playlist_describes_every_rung(package):
    out, result, shares = package
    assert result.rungs == ["360p", "234p", "audio"]  # never above the 360p source
    master = m3u8.load(str(out / "master.m3u8"))
    assert master.is_variant
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in (out / "master.m3u8").read_text()
    video = [p for p in master.playlists if p.stream_info.resolution]
    audio = [p for p in master.playlists if not p.stream_info.resolution]
    # The variant a phone starts on first (catalog.playlists.start_first), then highest first.
    assert [p.stream_info.resolution for p in video] == [(416, 234), (640, 360)]
    for playlist in master.playlists:
        info = playlist.stream_info
        assert info.bandwidth >= info.average_bandwidth > 0
        assert info.codecs
    assert all(p.stream_info.frame_rate == 25 for p in video)
    assert audio[0].stream_info.codecs == "mp4a.40.2"
    assert shares
    assert shares[-1] > 0.9


def test_segments_are_aligned_across_rungs_with_idr_every_2s(package):
    out, result, _ = package
    durations = {}
    for rung in ("360p", "234p"):
        media = m3u8.load(str(out / rung / "index.m3u8"))
        assert media.playlist_type == "vod"
        assert media.is_endlist
        durations[rung] = [round(s.duration, 2) for s in media.segments]
        keys = keyframe_times(out / rung / "seg_00000.ts")
        offsets = [round(k - keys[0], 2) for k in keys]
        assert offsets == [0.0, 2.0, 4.0]  # IDR every 2 s, none from scene cuts
    assert durations["360p"] == durations["234p"] == [6.0, 2.0]
    assert result.segments == 2


def test_every_rung_lasts_whole_tiles_with_its_sound_lined_up(tmp_path):
    """12 s is not a whole number of AAC frames: the recording is held to whole tiles
    of 0.32 s, 13.12 s (12.16 s would end on a 0.16 s segment), every rung has as many
    segments, and the audio-only rung's sound starts and ends where the muxed rung's
    does (it used to start 58.7 ms early, and its last frame spilled into a segment
    the video rungs lack). The 234p rung peaks under 192 kb/s (a cellular master's
    lowest variant)."""
    from catalog.retime import earliest
    from transcoder.samples import make_lesson

    lesson = make_lesson(tmp_path / "twelve.mp4", "Он екі секунд", 12, size="426x240")
    transcode(lesson, tmp_path / "out", TranscodeOptions(preset="veryfast", ladder=(234,)))
    playlists = {
        rung: m3u8.load(str(tmp_path / "out" / rung / "index.m3u8")) for rung in ("234p", "audio")
    }
    counts = {rung: len(p.segments) for rung, p in playlists.items()}
    assert counts["234p"] == counts["audio"]
    assert sum(s.duration for s in playlists["234p"].segments) == pytest.approx(13.12)
    starts = {
        rung: earliest((tmp_path / "out" / rung / "seg_00000.ts").read_bytes())
        for rung in ("234p", "audio")
    }
    assert starts["234p"] == starts["audio"]
    manifest = json.loads((tmp_path / "out" / "package.json").read_text(encoding="utf-8"))
    peaks = {r["name"]: r["bandwidth"] for r in manifest["rungs"]}
    assert peaks["234p"] <= 192_000, peaks
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "a",
            "-show_entries",
            "packet=pts",
            "-of",
            "csv=p=0",
            str(tmp_path / "out" / "audio" / "index.m3u8"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    packets = [int(line.strip(",")) for line in probe.stdout.split()]
    assert len(packets) == round(13.12 * 48000 / 1024)  # no priming frame, no spill
    assert packets[-1] + 1920 - packets[0] == round(13.12 * 90000)  # 1920 ticks a frame


def test_package_json_poster_and_loudness(package):
    out, result, _ = package
    meta = json.loads((out / "package.json").read_text(encoding="utf-8"))
    assert meta["segment_s"] == 6
    assert meta["signed"] is True
    assert meta["checksum"] == result.checksum
    assert [r["name"] for r in meta["rungs"]] == ["360p", "234p", "audio"]
    assert (out / "poster.jpg").stat().st_size > 1000
    loudness = integrated_loudness(out / "audio" / "index.m3u8")
    assert -24.0 < loudness < -22.0  # EBU R128: -23 LUFS, within a unit


def audio_streams(path: Path) -> list[str]:
    out = ffprobe(
        path,
        "-select_streams",
        "a",
        "-show_entries",
        "stream=codec_name,channels,sample_rate",
        "-of",
        "csv",
    )
    # MPEG-TS lists each stream twice: in its program and in the streams section.
    return [line.removeprefix("stream,") for line in out.split() if line.startswith("stream,")]


def test_mono_source_becomes_stereo_48k_aac_in_every_rung(media, package):
    out, result, _ = package
    assert audio_streams(media["lesson"]) == ["aac,44100,1"]  # sine: a mono source
    for rung in result.rungs:
        assert audio_streams(out / rung / "seg_00000.ts") == ["aac,48000,2"]


def test_loudness_measure_agrees_with_loudnorms_first_pass(media):
    from transcoder.package import measure_loudness

    measured = measure_loudness(probe(media["lesson"]))
    assert measured is not None
    err = filter_log(media["lesson"], "-vn", "-af", "loudnorm=print_format=json")
    first_pass = json.loads(err[err.rindex("{") :])
    assert abs(measured.input_i - float(first_pass["input_i"])) <= 0.3
    assert abs(measured.input_tp - float(first_pass["input_tp"])) <= 0.3
    assert abs(measured.input_thresh - float(first_pass["input_thresh"])) <= 0.3


def test_silence_measures_as_nothing_to_normalise(tmp_path):
    from transcoder.package import measure_loudness

    quiet = tmp_path / "quiet.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=size=160x90:duration=2",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=48000:cl=stereo",
            "-t",
            "2",
            "-c:v",
            "libx264",
            "-c:a",
            "aac",
            str(quiet),
        ],
        check=True,
    )
    assert measure_loudness(probe(quiet)) is None
    out = tmp_path / "pkg"
    transcode(quiet, out, FAST)
    assert audio_streams(out / "audio" / "seg_00000.ts") == ["aac,48000,2"]


def test_poster_is_a_frame_of_the_top_rung_made_in_the_same_pass(package):
    out, _, _ = package
    size = ffprobe(
        out / "poster.jpg", "-show_entries", "stream=width,height", "-of", "csv=p=0"
    ).strip()
    assert size == "640,360"


def test_signer_covers_a_sixth_of_the_picture(media, tmp_path):
    from transcoder.graph import signer_height_share

    signer = probe(media["signer"])  # 4:3
    share = signer_height_share(signer, (1280, 720), None)
    width = 720 * share * 4 / 3
    assert width * 720 * share / (1280 * 720) >= 1 / 6


def test_silent_lesson_gets_a_silent_track(media, tmp_path):
    out = tmp_path / "silent"
    transcode(media["silent"], out, FAST)
    streams = ffprobe(
        out / "234p" / "seg_00000.ts", "-show_entries", "stream=codec_type", "-of", "csv=p=0"
    ).split()
    assert set(streams) == {"audio", "video"}


def test_interlaced_odd_size_source_is_normalised(media, tmp_path):
    info = probe(media["odd"])
    assert info.interlaced
    out = tmp_path / "odd"
    result = transcode(media["odd"], out, FAST)
    assert result.rungs == ["234p", "audio"]
    size = ffprobe(
        out / "234p" / "seg_00000.ts",
        "-select_streams",
        "v:0",
        "-show_entries",
        "stream=width,height,sample_aspect_ratio",
        "-of",
        "csv=p=0",
    ).strip()
    assert size.startswith("416,234")


def test_rotation_is_honoured(media, tmp_path):
    info = probe(media["rotated"])
    assert info.rotation in (90, 270)
    assert info.display_size == (360, 640)
    out = tmp_path / "rotated"
    result = transcode(media["rotated"], out, FAST)
    assert result.rungs[0] == "480p"  # the upright picture is 640 high: no 720p upscale
    err = filter_log(out / "480p" / "index.m3u8", "-vf", "cropdetect=limit=24:round=2:reset=0")
    width, height = (int(x) for x in re.findall(r"crop=(\d+):(\d+)", err)[-1])
    assert width < height  # upright content, pillarboxed in the 16:9 frame
    assert 250 <= width <= 290


def pixel(playlist: Path, at_s: float, x: int, y: int) -> tuple[int, ...]:
    raw = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-ss",
            str(at_s),
            "-i",
            str(playlist),
            "-vf",
            f"crop=2:2:{x}:{y}",
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return tuple(raw[:3])


def test_signer_loop_keeps_the_signer_to_the_end(media, tmp_path):
    looped = TranscodeOptions(preset="ultrafast", ladder=(234,), loop_signer=True)
    once = TranscodeOptions(preset="ultrafast", ladder=(234,), allow_short_signer=True)
    transcode(media["lesson"], tmp_path / "looped", looped, media["short_signer"])
    transcode(media["lesson"], tmp_path / "once", once, media["short_signer"])
    # Inside the signer's box (bottom right), on its green backdrop, 7 s in: the 3 s
    # clip is still there when looped, and gone when it played once.
    red, green, blue = pixel(tmp_path / "looped" / "234p" / "index.m3u8", 7, 376, 174)
    assert green > 120
    assert red < 80
    assert blue < 110
    assert pixel(tmp_path / "once" / "234p" / "index.m3u8", 7, 376, 174) != (red, green, blue)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty", "empty file (0 bytes)"),
        ("corrupt", "not a readable video in an accepted container"),
        ("truncated", "not a readable video in an accepted container"),
        ("audio_only", "has no video stream"),
    ],
)
def test_bad_sources_fail_with_one_line_and_publish_nothing(media, tmp_path, name, reason):
    out = tmp_path / "out"
    with pytest.raises(MediaError) as caught:
        transcode(media[name], out, FAST)
    message = str(caught.value)
    assert reason in message
    assert str(media[name]) in message
    assert "\n" not in message
    assert not out.exists()
    assert os.listdir(tmp_path) == []


def test_missing_path(tmp_path):
    with pytest.raises(MediaError, match="no such file"):
        transcode(tmp_path / "nope.mp4", tmp_path / "out", FAST)


def test_short_signer_is_refused_with_both_durations(media, tmp_path):
    with pytest.raises(MediaError) as caught:
        transcode(media["lesson"], tmp_path / "out", FAST, media["short_signer"])
    assert "signer lasts 3.0 s" in str(caught.value)
    assert "lasts 8.0 s" in str(caught.value)
    assert not (tmp_path / "out").exists()
    allowed = TranscodeOptions(preset="ultrafast", allow_short_signer=True, ladder=(234,))
    transcode(media["lesson"], tmp_path / "out", allowed, media["short_signer"])
    assert (tmp_path / "out" / "master.m3u8").exists()


def test_unwritable_output(media, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root): use a file as parent")
        with pytest.raises(MediaError, match="cannot be written"):
            transcode(media["silent"], locked / "out", FAST)
    finally:
        locked.chmod(0o700)


def test_output_under_a_file_is_refused(media, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(MediaError, match="cannot be written"):
        transcode(media["silent"], blocker / "out", FAST)


def test_failed_rerun_keeps_the_previous_package(media, tmp_path):
    out = tmp_path / "pkg"
    transcode(media["silent"], out, FAST)
    before = (out / "package.json").read_text()
    with pytest.raises(MediaError):
        transcode(media["corrupt"], out, FAST)
    assert (out / "package.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg"]


def top_level_boxes(path: Path) -> list[str]:
    """The MP4's top-level box types in file order."""
    boxes, data = [], path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        boxes.append(kind)
        if size < 8:
            break
        offset += size
    return boxes


def test_offline_download_is_a_faststart_360p_mp4_with_the_signer(package):
    """The 360p rung's own encode (copied, not encoded again): at most 360p, stereo AAC,
    the index (moov) before the media so a phone starts playing before the whole
    file is there, and the same picture as the package, the signer burned in."""
    out, _, _ = package
    download = out / "download.mp4"
    meta = json.loads((out / "package.json").read_text(encoding="utf-8"))
    assert meta["download"] == {
        "file": "download.mp4",
        "bytes": download.stat().st_size,
        "width": 640,
        "height": 360,
    }
    boxes = top_level_boxes(download)
    assert boxes.index("moov") < boxes.index("mdat")
    streams = json.loads(
        ffprobe(download, "-show_entries", "stream=codec_name,height,channels", "-of", "json")
    )["streams"]
    assert [s["codec_name"] for s in streams] == ["h264", "aac"]
    assert streams[0]["height"] == 360
    assert streams[1]["channels"] == 2
    assert float(ffprobe(download, "-show_entries", "format=duration", "-of", "csv=p=0")) == (
        pytest.approx(8.0, abs=0.1)
    )
    # The signer's corner looks the same in the download as in the 360p rung.
    for x, y in ((600, 330), (40, 40)):
        ours, rung = pixel(download, 4.0, x, y), pixel(out / "360p" / "index.m3u8", 4.0, x, y)
        assert max(abs(a - b) for a, b in zip(ours, rung, strict=True)) < 40


def test_download_size_never_exceeds_360_lines():
    from transcoder.graph import download_rung, download_size
    from transcoder.ladder import rungs_for

    assert download_size((1280, 720)) == (640, 360)
    assert download_size((854, 480)) == (640, 360)
    assert download_size((416, 234)) == (416, 234)
    assert download_rung(rungs_for(720)).name == "360p"
    assert download_rung(rungs_for(720, (720, 480, 234))).name == "234p"
    assert download_rung(rungs_for(720, (720, 480))) is None  # the pass encodes it


def test_without_a_low_rung_the_pass_encodes_the_download(media, tmp_path):
    transcode(
        media["lesson"], tmp_path / "out", TranscodeOptions(preset="ultrafast", ladder=(480,))
    )
    streams = json.loads(
        ffprobe(
            tmp_path / "out" / "download.mp4",
            "-show_entries",
            "stream=height,channels",
            "-of",
            "json",
        )
    )["streams"]
    assert streams[0]["height"] == 360
    assert streams[1]["channels"] == 2
    assert "moov" in top_level_boxes(tmp_path / "out" / "download.mp4")[:3]


def test_slates_get_no_download(tmp_path):
    from transcoder.slate import SlateText, render_slate, slate_options

    render_slate(tmp_path / "slate", SlateText("Әл-Фараби"), slate_options((234,), "ultrafast"))
    assert not (tmp_path / "slate" / "download.mp4").exists()
    assert json.loads((tmp_path / "slate" / "package.json").read_text())["download"] is None


CAPTIONS_SRT = """1
00:00:01,000 --> 00:00:04,500
Сәлеметсіздер ме, <i>балалар</i>!

2
00:00:05,000 --> 00:00:07,500
Бүгін: бөлшектер & теңдеулер
"""


@pytest.fixture(scope="module")
def captioned(media, tmp_path_factory):
    root = tmp_path_factory.mktemp("captioned")
    (root / "kk.srt").write_text(CAPTIONS_SRT, encoding="utf-8")
    out = root / "lesson"
    transcode(media["lesson"], out, FAST, captions={"kk": root / "kk.srt"})
    return out


def first_video_pts(segment: Path) -> int:
    out = ffprobe(
        segment, "-select_streams", "v:0", "-show_entries", "packet=pts", "-of", "csv=p=0"
    )
    return min(int(x.strip(",")) for x in out.split() if x.strip(","))


def test_captions_become_an_hls_subtitles_rendition(captioned):
    out = captioned
    master_text = (out / "master.m3u8").read_text(encoding="utf-8")
    master = m3u8.loads(master_text)
    (track,) = [m for m in master.media if m.type == "SUBTITLES"]
    assert track.language == "kk"
    assert track.name == "Қазақша"
    assert track.characteristics == (
        "public.accessibility.transcribes-spoken-dialog,"
        "public.accessibility.describes-music-and-sound"
    )
    assert all(p.stream_info.subtitles == "subs" for p in master.playlists)
    version = json.loads((out / "package.json").read_text())["version"]
    assert track.uri == f"{version}/captions/kk/index.m3u8"
    playlist = m3u8.load(str(out / track.uri))
    reference = m3u8.load(str(out / "360p/index.m3u8"))
    assert [s.duration for s in playlist.segments] == [s.duration for s in reference.segments]
    assert playlist.is_endlist
    first = (out / "captions/kk/seg_00000.vtt").read_text(encoding="utf-8")
    # Lesson time 0 is the first video frame's PTS in the TS segments (ffmpeg starts them
    # at 1.4 s): the map says so, where ffmpeg's own WebVTT segmenter writes none.
    pts = first_video_pts(out / "360p/seg_00000.ts")
    assert pts > 100_000
    assert f"X-TIMESTAMP-MAP=MPEGTS:{pts},LOCAL:00:00:00.000" in first
    assert "00:00:01.000 --> 00:00:04.500\nСәлеметсіздер ме, <i>балалар</i>!" in first
    # Offline too: the download carries them as an MP4 text track, in Kazakh.
    tracks = json.loads(
        ffprobe(
            out / "download.mp4",
            "-show_entries",
            "stream=codec_type,codec_name:stream_tags=language",
            "-of",
            "json",
        )
    )["streams"]
    assert [(t["codec_type"], t["codec_name"]) for t in tracks][-1] == ("subtitle", "mov_text")
    assert tracks[-1]["tags"]["language"] == "kaz"
    second = (out / "captions/kk/seg_00001.vtt").read_text(encoding="utf-8")
    assert "2\n00:00:05.000 --> 00:00:07.500\nБүгін: бөлшектер &amp; теңдеулер" in second
    (listed,) = json.loads((out / "package.json").read_text())["captions"]
    assert listed["language"] == "kk"
    assert listed["cues"] == 2
    assert re.fullmatch(r"[0-9a-f]{12}", listed["digest"])


def test_captions_can_be_replaced_without_encoding_again(captioned, tmp_path):
    from catalog.captions import parse_captions
    from transcoder.captions import recaption

    out = tmp_path / "lesson"
    shutil.copytree(captioned, out, symlinks=True)
    before = json.loads((out / "package.json").read_text())
    ru = parse_captions("1\n00:00:02,000 --> 00:00:03,000\nПривет\n".encode(), "ru.srt")
    kk = parse_captions(CAPTIONS_SRT.encode(), "kk.srt")
    made = recaption(out, {"kk": kk, "ru": ru})
    assert made.version != before["version"]
    assert [c.language for c in made.captions] == ["kk", "ru"]
    old_segment = out / before["version"] / "360p/seg_00000.ts"
    new_segment = out / made.version / "360p/seg_00000.ts"
    assert old_segment.stat().st_ino == new_segment.stat().st_ino  # linked, not encoded
    assert old_segment.exists()  # the replaced version stays readable
    master = m3u8.loads((out / "master.m3u8").read_text())
    assert sorted(m.language for m in master.media) == ["kk", "ru"]
    assert "Привет" in (out / made.version / "captions/ru/seg_00000.vtt").read_text()
    assert recaption(out, {"kk": kk, "ru": ru}).version == made.version  # nothing to redo
    languages = ffprobe(
        out / "download.mp4",
        "-select_streams",
        "s",
        "-show_entries",
        "stream_tags=language",
        "-of",
        "csv=p=0",
    ).split()
    assert languages == ["kaz", "rus"]  # the download's text tracks follow
    assert (out / before["version"] / "download.mp4").stat().st_ino != (
        out / made.version / "download.mp4"
    ).stat().st_ino  # a new file: the old version's is untouched
    removed = recaption(out, {})
    assert removed.captions == ()
    assert "SUBTITLES" not in (out / "master.m3u8").read_text()
    assert (
        ffprobe(out / "download.mp4", "-select_streams", "s", "-show_entries", "stream=index") == ""
    )


def test_a_bad_captions_file_is_refused_before_encoding(media, tmp_path):
    from catalog.captions import CaptionError

    (tmp_path / "kk.srt").write_text("1\n00:00:01,000 --> 00:00:00,500\nx\n", encoding="utf-8")
    with pytest.raises(CaptionError, match=r"kk.srt line 2: the cue ends"):
        transcode(media["lesson"], tmp_path / "out", FAST, captions={"kk": tmp_path / "kk.srt"})
    assert not (tmp_path / "out").exists()
    (tmp_path / "late.srt").write_text("1\n00:01:00,000 --> 00:01:02,000\nx\n", encoding="utf-8")
    with pytest.raises(CaptionError, match=r"after the lesson's end"):
        transcode(media["lesson"], tmp_path / "out", FAST, captions={"ru": tmp_path / "late.srt"})
