"""The offline MP4's tracks: picture and sound tagged with the lesson's language, caption
tracks tagged with theirs and not shown unasked."""

from __future__ import annotations

import json
import subprocess

import pytest

from catalog.captions import Cue
from catalog.hls import DOWNLOAD
from transcoder.download import disable_text_tracks, finish_download
from transcoder.samples import make_lesson

pytestmark = pytest.mark.slow
CUES = [Cue(0.5, 2.0, "Сәлеметсіздер ме!"), Cue(2.5, 3.5, "Тақырып")]


def _streams(path) -> list[dict]:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)["streams"]


def test_tracks_are_tagged_and_captions_are_not_default(tmp_path):
    make_lesson(tmp_path / DOWNLOAD, "Сабақ", 4, size="320x180")
    size = finish_download(tmp_path, None, {"kk": CUES, "ru": CUES}, language="kk")
    target = tmp_path / DOWNLOAD
    assert size == target.stat().st_size
    streams = _streams(target)
    kinds = [
        (s["codec_type"], s["tags"].get("language"), s["disposition"]["default"]) for s in streams
    ]
    assert kinds == [
        ("video", "kaz", 1),
        ("audio", "kaz", 1),
        ("subtitle", "kaz", 0),
        ("subtitle", "rus", 0),
    ]
    assert not list(tmp_path.glob(".*"))  # no work files left


def test_without_a_language_the_picture_stays_untagged(tmp_path):
    make_lesson(tmp_path / DOWNLOAD, "Сабақ", 4, size="320x180")
    finish_download(tmp_path, None, {"en": CUES})
    streams = _streams(tmp_path / DOWNLOAD)
    assert streams[0]["tags"].get("language") == "und"
    assert streams[2]["disposition"]["default"] == 0
    assert disable_text_tracks(tmp_path / DOWNLOAD) == 0  # already off: nothing to change
