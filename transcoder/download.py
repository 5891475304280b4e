"""The offline MP4 of a package: copied from a rung (or finished from the pass's own
encode), with the captions as text tracks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from catalog.captions import Cue, webvtt
from catalog.hls import DOWNLOAD, MEDIA_PLAYLIST
from transcoder.processes import make_with_ffmpeg

ISO_639_2 = {"kk": "kaz", "ru": "rus", "en": "eng"}  # how MP4 names a track's language


def finish_download(
    out_dir: Path,
    rung: str | None,
    tracks: Mapping[str, Sequence[Cue]],
    rewrite: bool = False,
) -> int:
    """The offline MP4 in `out_dir`, its size: a rung's segments copied (not encoded
    again), or (`rung` None) the MP4 already there (encoded by the pass, or a
    version's, `rewrite` to give it other captions); with the captions as MP4 text
    tracks, so a deaf student has them offline too; its index at the front
    (faststart), so a phone plays it while it downloads. The MP4 already there is
    replaced, never written into (it may be a hard link to another version's)."""
    target = out_dir / DOWNLOAD
    if rung is None and not tracks and not rewrite:
        return target.stat().st_size  # the pass wrote it whole
    inputs: list[str] = []
    if rung is not None:
        inputs += [
            "-protocol_whitelist",
            "file",
            "-f",
            "hls",
            "-i",
            str(out_dir / rung / MEDIA_PLAYLIST),
        ]
    else:
        encoded = out_dir / f".{DOWNLOAD}"
        target.rename(encoded)
        inputs += ["-f", "mp4", "-i", str(encoded)]
    maps = ["-map", "0:v:0", "-map", "0:a:0"]
    for index, (language, cues) in enumerate(sorted(tracks.items()), start=1):
        text = out_dir / f".captions-{language}.vtt"
        text.write_text(webvtt(cues), encoding="utf-8")
        inputs += ["-f", "webvtt", "-i", str(text)]
        maps += [
            "-map",
            f"{index}:0",
            f"-metadata:s:s:{index - 1}",
            f"language={ISO_639_2[language]}",
        ]
    codecs = ["-c:v", "copy", "-c:a", "copy", "-c:s", "mov_text"]
    try:
        make_with_ffmpeg(
            [*inputs, *maps, *codecs, "-movflags", "+faststart", "-f", "mp4", str(target)],
            target,
            "the offline MP4",
        )
    finally:
        for leftover in out_dir.glob(".*"):
            leftover.unlink()
    return target.stat().st_size
