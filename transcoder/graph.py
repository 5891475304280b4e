"""The one-pass ffmpeg graph: normalise, overlay the signer, split to every rung.

Built with ffmpeg-python; returns the argument list so it can be inspected
in tests and run by the package step with progress reporting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from catalog.hls import DOWNLOAD, MEDIA_PLAYLIST, POSTER
from transcoder.ladder import (
    AUDIO_ONLY_KBPS,
    AUDIO_RUNG,
    FPS,
    GOP_S,
    MIN_TAIL_S,
    SAMPLE_RATE,
    TILE_S,
    Rung,
)
from transcoder.options import MIN_SIGNER_AREA, TranscodeOptions
from transcoder.probe import READ_ONLY_AS, MediaInfo

POSTER_AT_S = 5.0  # or a third of the lesson when it is shorter than 15 s


@dataclass(frozen=True)
class Loudness:
    """First-pass measurements of a source's audio, as loudnorm's measured_* options
    take them for the second, linear pass."""

    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    target_offset: float


def signer_height_share(signer: MediaInfo, canvas: tuple[int, int], scale: float | None) -> float:
    """Signer height as a share of the picture height; by default just enough to
    cover MIN_SIGNER_AREA of the picture whatever the signer's aspect ratio."""
    if scale is not None:
        return scale
    width, height = signer.display_size
    signer_aspect = width / height
    canvas_aspect = canvas[0] / canvas[1]
    share = math.sqrt(MIN_SIGNER_AREA * canvas_aspect / signer_aspect)
    return min(1.0, math.ceil(share * 100 + 1) / 100)


def _corner(position: str, margin: int) -> tuple[str, str]:
    x = f"main_w-overlay_w-{margin}" if position.endswith("right") else str(margin)
    y = f"main_h-overlay_h-{margin}" if position.startswith("bottom") else str(margin)
    return x, y


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


GOP_FRAMES = "gop_frames"
"""`TranscodeOptions.extra` key for a GOP (and segment) of another length than GOP_S:
slates use 48 frames (1.92 s, a whole number of tiles), so that a gap cut after any
of its segments still ends its sound with its picture."""


DROP_PRIMING = "noise=drop=eq(n\\,0)"
"""The AAC encoder's first packet holds its priming samples and starts one frame
(1024 samples) before the picture; in MPEG-TS nothing tells a player to skip them.
Dropped, the sound starts with the picture and ends with it, so packages tile on a
live channel's clock."""


def tiled_s(duration_s: float, segment_s: float) -> float:
    """A recording's length rounded up to whole tiles (see ladder.TILE_S), and further
    when its last segment (after the last multiple of `segment_s`) would be shorter
    than MIN_TAIL_S."""
    tiles = max(1, math.ceil(round(duration_s / TILE_S, 6)))
    length = tiles * TILE_S
    cut = math.floor(round(length / segment_s, 6)) * segment_s
    if cut > 0 and 0 < round(length - cut, 6) < MIN_TAIL_S:
        tiles = math.ceil(round((cut + MIN_TAIL_S) / TILE_S, 6))
    return round(tiles * TILE_S, 6)


DOWNLOAD_HEIGHT = 360
DOWNLOAD_VIDEO_KBPS = 500  # a 25-minute lesson in about 110 MB with its audio
DOWNLOAD_AUDIO_KBPS = 96


def download_rung(rungs: list[Rung]) -> Rung | None:
    """The rung whose encode becomes the offline MP4 as it is (remuxed, not encoded
    again): the highest of at most 360 lines; None when the ladder has none, and the
    pass then encodes the MP4 itself."""
    fitting = [r for r in rungs if r.height <= DOWNLOAD_HEIGHT]
    return max(fitting, key=lambda r: r.height) if fitting else None


def download_size(canvas: tuple[int, int]) -> tuple[int, int]:
    """The offline MP4's picture when the pass encodes it: the package's, scaled to at
    most 360 lines."""
    width, height = canvas
    if height <= DOWNLOAD_HEIGHT:
        return _even(width), _even(height)
    return _even(width * DOWNLOAD_HEIGHT / height), DOWNLOAD_HEIGHT


def build_args(
    lesson: MediaInfo,
    signer: MediaInfo | None,
    rungs: list[Rung],
    out_dir: Path,
    options: TranscodeOptions,
    loudness: Loudness | None,
) -> list[str]:
    """ffmpeg arguments that write one HLS media playlist per rung plus audio-only,
    the poster and, when `options.download` and no rung can be remuxed into it
    (`download_rung`), the offline MP4, in a single pass."""
    canvas = (rungs[0].width, rungs[0].height)
    duration = f"{lesson.duration_s:.3f}"
    source = ffmpeg.input(str(lesson.path), **READ_ONLY_AS)
    video = source.video
    if lesson.interlaced:
        video = video.filter("bwdif", mode="send_frame")
    video = (
        video.filter("scale", canvas[0], canvas[1], force_original_aspect_ratio="decrease")
        .filter("pad", canvas[0], canvas[1], "(ow-iw)/2", "(oh-ih)/2", color="black")
        .filter("setsar", 1)
        .filter("fps", FPS)
    )
    if signer is not None:
        share = signer_height_share(signer, canvas, options.signer_scale)
        source_options = {"stream_loop": -1} if options.loop_signer else {}
        layer = ffmpeg.input(str(signer.path), **source_options, **READ_ONLY_AS).video
        if signer.interlaced:
            layer = layer.filter("bwdif", mode="send_frame")
        layer = layer.filter("scale", -2, _even(canvas[1] * share)).filter("fps", FPS)
        if options.chroma_key:
            layer = layer.filter("chromakey", options.chroma_key, 0.12, 0.05)
        layer = layer.filter("format", "yuva420p")
        if options.signer_offset_s:
            layer = layer.filter("setpts", f"PTS-STARTPTS+{options.signer_offset_s:.3f}/TB")
        x, y = _corner(options.signer_position, _even(canvas[0] * 0.02))
        # Blending in yuv420 (overlay's default) keeps the signer's alpha and costs
        # about 8 % less of the whole encode than letting overlay pick a format.
        video = ffmpeg.overlay(video, layer, x=x, y=y, eof_action="pass")
    # The picture lasts whole tiles: the last frame held for what rounding adds.
    gop = int(options.extra.get(GOP_FRAMES, FPS * GOP_S))
    segment_s: float = options.segment_s if GOP_FRAMES not in options.extra else gop / FPS
    length_s = tiled_s(lesson.duration_s, segment_s)
    frames = round(length_s * FPS)
    video = (
        video.filter("format", "yuv420p")
        .filter("tpad", stop=-1, stop_mode="clone")
        .filter("trim", end_frame=frames)
    )

    if lesson.has_audio:
        audio = source.audio
        loudnorm: dict[str, Any] = {"I": options.loudness_lufs, "TP": -1.5, "LRA": 11}
        if loudness is not None:
            loudnorm.update(
                measured_I=loudness.input_i,
                measured_TP=loudness.input_tp,
                measured_LRA=loudness.input_lra,
                measured_thresh=loudness.input_thresh,
                offset=loudness.target_offset,
                linear="true",
            )
        audio = audio.filter("loudnorm", **loudnorm)
    else:  # a lesson without sound still gets a (silent) audio track in every rung
        audio = ffmpeg.input("anullsrc=r=48000:cl=stereo", f="lavfi").audio
    # Mono or surround becomes stereo here, once, before the split (not per output).
    # The sound lasts exactly as long as the picture (see DROP_PRIMING).
    audio = (
        audio.filter("aresample", SAMPLE_RATE)
        .filter("aformat", sample_fmts="fltp", channel_layouts="stereo")
        .filter("apad")
        .filter("atrim", end_sample=round(length_s * SAMPLE_RATE))
    )

    poster_at = min(POSTER_AT_S, lesson.duration_s / 3)
    videos = video.split()
    audios = audio.asplit()
    outputs = []
    for index, rung in enumerate(rungs):
        stream = videos[index]
        if (rung.width, rung.height) != canvas:
            stream = stream.filter("scale", rung.width, rung.height)
        rung_dir = out_dir / rung.name
        outputs.append(
            ffmpeg.output(
                stream,
                audios[index],
                str(rung_dir / MEDIA_PLAYLIST),
                **{
                    "c:v": "libx264",
                    "profile:v": "high",
                    "level:v": rung.level,
                    "preset": options.preset,
                    "b:v": f"{rung.video_kbps}k",
                    "maxrate": f"{int(rung.video_kbps * 1.2)}k",
                    "bufsize": f"{rung.video_kbps * 2}k",
                    "g": gop,
                    "keyint_min": gop,
                    # Constant frame rate with a fixed GOP and no scene-cut keyframes puts
                    # an IDR every GOP_S seconds in every rung (cheaper than forcing them).
                    "sc_threshold": 0,
                    "c:a": "aac",
                    "b:a": f"{rung.audio_kbps}k",
                    "bsf:a": DROP_PRIMING,
                    **_hls(rung_dir, segment_s),
                },
            )
        )
    audio_dir = out_dir / AUDIO_RUNG
    outputs.append(
        ffmpeg.output(
            audios[len(rungs)],
            str(audio_dir / MEDIA_PLAYLIST),
            **{
                "c:a": "aac",
                "b:a": f"{AUDIO_ONLY_KBPS}k",
                "bsf:a": DROP_PRIMING,
                **_hls(audio_dir, segment_s),
            },
        )
    )
    if options.download and download_rung(rungs) is None:
        # For offline viewing: the same picture (signer burned in), at most 360p, stereo
        # AAC, its index at the front so a player can start before the whole file.
        width, height = download_size(canvas)
        outputs.append(
            ffmpeg.output(
                videos[len(rungs) + 1].filter("scale", width, height),
                audios[len(rungs) + 1],
                str(out_dir / DOWNLOAD),
                **{
                    "c:v": "libx264",
                    "profile:v": "main",
                    "preset": options.preset,
                    "b:v": f"{DOWNLOAD_VIDEO_KBPS}k",
                    "maxrate": f"{DOWNLOAD_VIDEO_KBPS * 3 // 2}k",
                    "bufsize": f"{DOWNLOAD_VIDEO_KBPS * 2}k",
                    "g": FPS * 4,
                    "c:a": "aac",
                    "b:a": f"{DOWNLOAD_AUDIO_KBPS}k",
                    "ac": 2,
                    "t": duration,
                    "movflags": "+faststart",
                    "f": "mp4",
                },
            )
        )
    # The poster is one frame of the finished picture, taken in the same pass: trim
    # ends its branch after that frame, so the split never holds frames for it.
    frame = round(poster_at * FPS)
    poster = videos[len(rungs)].trim(start_frame=frame, end_frame=frame + 1)
    outputs.append(
        ffmpeg.output(
            poster.setpts("PTS-STARTPTS"),
            str(out_dir / POSTER),
            **{"frames:v": 1, "q:v": 3, "update": 1},
        )
    )
    merged = ffmpeg.merge_outputs(*outputs).global_args(
        "-hide_banner", "-nostats", "-loglevel", "error", "-progress", "pipe:1"
    )
    args: list[str] = merged.compile(cmd="ffmpeg", overwrite_output=True)
    return args


def _hls(directory: Path, segment_s: float) -> dict[str, Any]:
    return {
        "f": "hls",
        "hls_time": segment_s,
        "hls_playlist_type": "vod",
        "hls_flags": "independent_segments",
        "hls_segment_type": "mpegts",
        "hls_segment_filename": str(directory / "seg_%05d.ts"),
    }
