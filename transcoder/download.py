"""The offline MP4 of a package: copied from a rung (or finished from the pass's own
encode), with the captions as text tracks."""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping, Sequence
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
    language: str | None = None,
) -> int:
    """The offline MP4 in `out_dir`, its size: a rung's segments copied (not encoded
    again), or (`rung` None) the MP4 already there (encoded by the pass, or a
    version's, `rewrite` to give it other captions); with the captions as MP4 text
    tracks, so a deaf student has them offline too; its index at the front
    (faststart), so a phone plays it while it downloads. The MP4 already there is
    replaced, never written into (it may be a hard link to another version's).
    `language` (the lesson's, kk/ru/en) tags its picture and sound; the caption
    tracks carry their own and are not enabled by default (a player shows them when
    asked, as the HLS rendition says DEFAULT=NO)."""
    target = out_dir / DOWNLOAD
    if rung is None and not tracks and not rewrite and language is None:
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
    if language in ISO_639_2:
        tag = f"language={ISO_639_2[language]}"
        maps += ["-metadata:s:v:0", tag, "-metadata:s:a:0", tag]
    for index, (language, cues) in enumerate(sorted(tracks.items()), start=1):
        text = out_dir / f".captions-{language}.vtt"
        text.write_text(webvtt(cues), encoding="utf-8")
        inputs += ["-f", "webvtt", "-i", str(text)]
        maps += [
            "-map",
            f"{index}:0",
            f"-metadata:s:s:{index - 1}",
            f"language={ISO_639_2[language]}",
            f"-disposition:s:{index - 1}",
            "0",
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
    if tracks:
        disable_text_tracks(target)
    return target.stat().st_size


TEXT_HANDLERS = {b"sbtl", b"text", b"subt"}
ENABLED = 0x000001  # tkhd flag: the track is shown unless the viewer turns it off


def _boxes(data: bytes | bytearray, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """The boxes between `start` and `end`: (type, where its body starts, where it ends)."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        body = at + 8
        if size == 1:
            size = struct.unpack(">Q", data[at + 8 : at + 16])[0]
            body = at + 16
        elif size == 0:
            size = end - at
        if size < 8 or at + size > end:
            return
        yield kind, body, at + size
        at += size


def disable_text_tracks(path: Path) -> int:
    """Clear the "enabled" flag of every text (caption) track of an MP4 in place; how
    many were cleared. ffmpeg's MP4 muxer enables the first track of each kind when
    none is marked default, so desktop players would show captions unasked."""
    with path.open("r+b") as handle:
        data = bytearray(handle.read())
        cleared = 0
        for kind, body, end in _boxes(data, 0, len(data)):
            if kind != b"moov":
                continue
            for trak, trak_body, trak_end in _boxes(data, body, end):
                if trak != b"trak":
                    continue
                children = {k: (b, e) for k, b, e in _boxes(data, trak_body, trak_end)}
                if b"tkhd" not in children or b"mdia" not in children:
                    continue
                media = {k: (b, e) for k, b, e in _boxes(data, *children[b"mdia"])}
                handler = media.get(b"hdlr")
                # hdlr: version/flags (4), pre_defined (4), handler_type (4)
                if handler is None or bytes(data[handler[0] + 8 : handler[0] + 12]) not in (
                    TEXT_HANDLERS
                ):
                    continue
                flags_at = children[b"tkhd"][0] + 1  # after the version byte
                flags = int.from_bytes(data[flags_at : flags_at + 3], "big")
                if flags & ENABLED:
                    data[flags_at : flags_at + 3] = (flags & ~ENABLED).to_bytes(3, "big")
                    handle.seek(flags_at)
                    handle.write(data[flags_at : flags_at + 3])
                    cleared += 1
        return cleared
