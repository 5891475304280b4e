"""Small real media made with ffmpeg's lavfi sources, once per test session."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from transcoder.samples import make_lesson, make_signer


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("media")
    files = {
        "lesson": make_lesson(
            root / "lesson.mp4", "Бөлшектер ә ғ қ ң ө ұ ү һ і", 8, size="640x360"
        ),
        "signer": make_signer(root / "signer.mp4", 8, size="320x240"),
        "short_signer": make_signer(root / "short.mp4", 3, size="320x240"),
        "silent": make_lesson(root / "silent.mp4", "Дыбыссыз", 4, size="426x240", audio=False),
    }
    files["empty"] = root / "empty.mp4"
    files["empty"].write_bytes(b"")
    files["corrupt"] = root / "corrupt.mp4"
    files["corrupt"].write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    truncated = root / "truncated.mp4"
    truncated.write_bytes(files["lesson"].read_bytes()[:4000])
    files["truncated"] = truncated
    audio_only = root / "audio.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac", str(audio_only))
    files["audio_only"] = audio_only
    odd = root / "odd.mp4"  # interlaced-flagged, odd 4:3 size, quiet tone
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=350x264:rate=25:duration=3",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=300:duration=3",
        "-vf",
        "scale=352:264,setfield=tff",
        "-flags",
        "+ilme+ildct",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-af",
        "volume=-30dB",
        "-c:a",
        "aac",
        str(odd),
    )
    files["odd"] = odd
    plain = root / "plain.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=640x360:rate=25:duration=2",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        str(plain),
    )
    rotated = root / "rotated.mp4"  # a phone recording held upright: display matrix 90°
    ffmpeg("-i", str(plain), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated))
    files["rotated"] = rotated
    return files
