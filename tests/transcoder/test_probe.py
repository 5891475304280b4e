"""Sources are read only as recordings: allowed containers, local bytes, sane limits."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from errors import MediaError
from transcoder.probe import MediaInfo, check_length, probe


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def _guessed_duration(path: Path) -> str:
    """What ffprobe reports when left to guess the format (as sabaq used to)."""
    return subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> Path:
    """A video somewhere on the server's disk that is nobody's upload."""
    path = tmp_path_factory.mktemp("disk") / "secret.ts"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=2", "-f", "mpegts", str(path)
    )
    return path


def _hostile(kind: str, secret: Path, folder: Path) -> Path:
    target = folder / "lesson.mp4"
    if kind == "hls":
        target.write_text(
            f"#EXTM3U\n#EXT-X-TARGETDURATION:120000\n#EXTINF:120000,\n{secret}\n#EXT-X-ENDLIST\n",
            encoding="utf-8",
        )
    elif kind == "concat":
        (folder / "beside.ts").write_bytes(secret.read_bytes())  # concat's "safe" names
        target.write_text("ffconcat version 1.0\nfile 'beside.ts'\n", encoding="utf-8")
    else:  # a still picture named like a video
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            "color=size=320x240",
            "-frames:v",
            "1",
            "-f",
            "image2",
            str(folder / "still.png"),
        )
        target.write_bytes((folder / "still.png").read_bytes())
    return target


@pytest.mark.parametrize("kind", ["hls", "concat", "image"])
def test_files_that_name_other_files_or_are_pictures_are_refused(secret, tmp_path, kind):
    source = _hostile(kind, secret, tmp_path)
    if kind != "image":
        assert _guessed_duration(source)  # read as a video when ffprobe guesses
    with pytest.raises(MediaError) as caught:
        probe(source)
    message = str(caught.value)
    assert "not a readable video in an accepted container (MP4/MOV, MKV/WebM" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("picture", "reason"),
    [
        ("testsrc=size=8192x4320:rate=25:duration=0.04", "picture 8192x4320 is larger"),
        ("testsrc=size=160x120:rate=120:duration=0.2", "120 frames a second"),
    ],
)
def test_pictures_beyond_the_limits_are_refused(tmp_path, picture, reason):
    source = tmp_path / "big.mkv"
    ffmpeg("-f", "lavfi", "-i", picture, "-c:v", "libx264", "-preset", "ultrafast", str(source))
    with pytest.raises(MediaError, match=reason):
        probe(source)


@pytest.mark.parametrize("container", ["mp4", "mov", "mkv", "webm", "ts", "avi", "mxf"])
def test_every_accepted_container_is_read(tmp_path, container):
    source = tmp_path / f"lesson.{container}"
    codec = ["-c:v", "libvpx"] if container == "webm" else ["-c:v", "mpeg2video"]
    if container in ("mp4", "mov", "mkv", "ts"):
        codec = ["-c:v", "libx264", "-preset", "ultrafast"]
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1", *codec, str(source))
    assert probe(source).duration_s == pytest.approx(1.0, abs=0.1)


def test_a_recording_far_longer_than_its_lesson_is_refused():
    info = MediaInfo(Path("lesson.mp4"), 2_000.0, 1280, 720, 25.0, False, 0, True)
    check_length(info, 1_500.0)  # 1.5x + 2 min: 2,370 s is taken
    check_length(info, None)  # nothing to compare with
    with pytest.raises(MediaError, match="lasts 2000 s, far more than the lesson's 1200 s"):
        check_length(info, 1_200.0)
