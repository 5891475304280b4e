"""Packaging one lesson: probe, measure loudness, encode the ladder in one pass,
write master.m3u8, poster.jpg and package.json, and publish atomically."""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from catalog.files import hash_file, out_of_space, remove_stale, staging_path, write_failure
from catalog.hls import (
    AUDIO_CODECS,
    IFRAME_PLAYLIST,
    MASTER,
    MEDIA_PLAYLIST,
    POSTER,
    Download,
    Manifest,
    ManifestError,
    Rendition,
    content_version,
    read_manifest,
    read_segments,
    write_manifest,
)
from catalog.playlists import iframe_playlist, iframe_rates, package_master
from catalog.publishing import publish_package
from catalog.retime import complete_run, earliest
from catalog.transport import TransportError, shift
from errors import MediaError
from transcoder.captions import read_tracks, write_tracks
from transcoder.download import finish_download
from transcoder.graph import Loudness, build_args, download_rung, download_size
from transcoder.iframes import rung_iframes
from transcoder.ladder import AUDIO_ONLY_KBPS, AUDIO_RUNG, rungs_for
from transcoder.options import TranscodeOptions
from transcoder.probe import READ_ONLY_ARGS, MediaInfo, check_length, probe
from transcoder.processes import die_with_parent, last_line, make_with_ffmpeg

ProgressFn = Callable[[float], None]
"""Called with the share done, from 0 to 1."""


@dataclass(frozen=True)
class PackageResult:
    """A published package."""

    directory: Path
    rungs: list[str]
    duration_s: float
    segment_s: int
    segments: int
    checksum: str


MEDIA_REVISION = 2
"""How a package's media is made, in its checksum, so that a package made the older
way is made again by the next `transcode`, like one of a changed recording (this is
not the package.json format, `catalog.hls.FORMAT`). 1: a lesson lasts whole tiles with
its sound lined up (`transcoder.ladder.TILE_S`), so the live timeline follows it with
no audio overlapping; packages from before had no revision and were not padded.
2: each rung is written completed as one run, as live channels serve it
(`catalog.retime.complete_run`), so its declared peak holds live; before, live
channels completed every segment when serving it, up to 14 KB a segment more than
the manifest declared."""


def source_checksum(paths: list[Path], options: TranscodeOptions, source_height: int) -> str:
    """SHA-256 over the sources' bytes, the options and the media revision: equal means
    nothing to redo.

    The ladder counts as the rungs the source really gets (a 480p source gets
    the same package whether 720 was asked for or not), hence its height."""
    effective = [r.height for r in rungs_for(source_height, options.ladder)]
    settings = {**options.to_json(), "ladder": effective, "media": MEDIA_REVISION}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for path in paths:
        hash_file(digest, path)
    return digest.hexdigest()


def is_current(out_dir: Path, checksum: str) -> bool:
    """True when out_dir holds a complete package made from the same sources and options."""
    try:
        manifest = read_manifest(out_dir)
    except ManifestError:
        return False
    return manifest.checksum == checksum and (out_dir / MASTER).exists()


def measure_loudness(info: MediaInfo) -> Loudness | None:
    """First pass of the two-pass normalisation: the source's integrated loudness,
    loudness range, gate threshold and true peak (ITU-R BS.1770, EBU R128).

    Measured with ffmpeg's ebur128 filter, which is what loudnorm's own first pass
    measures but about three times faster (loudnorm works at 192 kHz throughout).
    None when the audio is silent (nothing to normalise)."""
    result = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostats",
            *READ_ONLY_ARGS,
            "-i",
            str(info.path),
            "-map",
            "0:a:0",
            "-af",
            "ebur128=peak=true:framelog=verbose",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=die_with_parent,
    )
    if result.returncode != 0:
        raise MediaError(f"{info.path}: audio cannot be decoded ({last_line(result.stderr)})")
    summary = result.stderr.rpartition("Summary:")[2]
    values = {
        name: re.search(pattern, summary)
        for name, pattern in (
            ("i", r"I:\s+(\S+) LUFS"),
            ("thresh", r"Integrated loudness:\s+I:[^\n]*\n\s+Threshold:\s+(\S+) LUFS"),
            ("lra", r"LRA:\s+(\S+) LU"),
            ("tp", r"Peak:\s+(\S+) dBFS"),
        )
    }
    if not summary or any(match is None for match in values.values()):
        raise MediaError(f"{info.path}: loudness could not be measured")
    try:
        figures = {name: float(match.group(1)) for name, match in values.items() if match}
    except ValueError:
        return None
    if not all(math.isfinite(v) for v in figures.values()) or figures["i"] <= -70.0:
        return None  # silence: ebur128 reports -70 LUFS (its absolute gate) and -inf peaks
    return Loudness(
        input_i=figures["i"],
        input_tp=figures["tp"],
        input_lra=figures["lra"],
        input_thresh=figures["thresh"],
        target_offset=0.0,
    )


def _run_ffmpeg(args: list[str], duration_s: float, progress: ProgressFn | None) -> None:
    process = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
        preexec_fn=die_with_parent,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    for line in process.stdout:
        key, _, value = line.strip().partition("=")
        if key == "out_time_us" and value.isdigit() and progress is not None:
            progress(min(1.0, int(value) / 1e6 / duration_s))
    errors = process.stderr.read()
    if process.wait() != 0:
        raise MediaError(f"ffmpeg failed: {last_line(errors)}")


def _rendition(
    directory: Path,
    name: str,
    codecs: str,
    resolution: tuple[int, int] | None,
    floor_kbps: int,
    loops: bool,
) -> Rendition:
    """A rung as encoded: its segments from ffmpeg's playlist, completed as live
    channels serve them (`catalog.retime.complete_run`: the package as one run, a
    slate that `loops` each segment alone), its peak and average bitrates measured
    from those files (never below the rung's nominal rate), and for a video rung its
    I-frame playlist, written beside its media playlist."""
    segments = read_segments(directory / name / MEDIA_PLAYLIST)
    paths = [directory / name / s.uri for s in segments]
    try:
        complete_run(
            lambda i: paths[i].read_bytes(),
            [s.duration for s in segments],
            lambda i, data: paths[i].write_bytes(data),
            alone=loops,
        )
    except TransportError as exc:
        raise MediaError(f"{name}: segments cannot be completed ({exc})") from None
    sizes = [path.stat().st_size * 8 for path in paths]
    rates = [bits / max(s.duration, 0.1) for bits, s in zip(sizes, segments, strict=True)]
    duration = sum(s.duration for s in segments) or 1.0
    width, height = resolution or (None, None)
    iframe_peak = iframe_average = 0
    if resolution is not None:
        try:
            iframes = rung_iframes(directory / name, segments)
        except TransportError as exc:
            raise MediaError(f"{name}: keyframes cannot be indexed ({exc})") from None
        (directory / name / IFRAME_PLAYLIST).write_text(iframe_playlist(iframes), encoding="utf-8")
        iframe_peak, iframe_average = iframe_rates(iframes)
    return Rendition(
        name=name,
        codecs=codecs,
        bandwidth=int(max([*rates, floor_kbps * 1000])),
        average_bandwidth=int(sum(sizes) / duration),
        width=width,
        height=height,
        segments=segments,
        iframe_bandwidth=iframe_peak,
        iframe_average_bandwidth=iframe_average,
    )


def align_audio(directory: Path, muxed: str) -> int:
    """Move the audio-only rung's timestamps onto the muxed rungs' sound (90 kHz ticks
    moved): ffmpeg starts each output at the earliest of its streams, which for a
    muxed rung is the video's decoding order (B-frames) and for audio alone the AAC
    priming frame, so they differ by a few frames. A player switching between the
    two then hears no jump."""
    audio = read_segments(directory / AUDIO_RUNG / MEDIA_PLAYLIST)
    picture = read_segments(directory / muxed / MEDIA_PLAYLIST)
    if not audio or not picture:
        return 0
    try:
        want = earliest((directory / muxed / picture[0].uri).read_bytes())
        have = earliest((directory / AUDIO_RUNG / audio[0].uri).read_bytes())
        if want is None or have is None or want == have:
            return 0
        for segment in audio:
            path = directory / AUDIO_RUNG / segment.uri
            path.write_bytes(shift(path.read_bytes(), want - have, {}))
    except TransportError as exc:
        raise MediaError(f"{AUDIO_RUNG}: segments cannot be read ({exc})") from None
    return want - have


def _poster(out_dir: Path, rung: str, at_s: float) -> None:
    source = str(out_dir / rung / MEDIA_PLAYLIST)
    args = ["-ss", f"{at_s:.2f}", "-i", source, "-frames:v", "1", "-q:v", "3"]
    make_with_ffmpeg([*args, str(out_dir / POSTER)], out_dir / POSTER, "poster")


def transcode(
    lesson_path: Path,
    out_dir: Path,
    options: TranscodeOptions | None = None,
    signer_path: Path | None = None,
    progress: ProgressFn | None = None,
    metadata: dict[str, Any] | None = None,
    checksum: str | None = None,
    declared_s: float | None = None,
    captions: Mapping[str, Path] | None = None,
    language: str | None = None,
    loops: bool = False,
) -> PackageResult:
    """Package a lesson into out_dir; out_dir appears only when the package is complete.
    `checksum` is the sources' source_checksum when the caller has it already;
    `declared_s` the lesson's length in the catalogue, which the recording may not
    far exceed (see probe.check_length); `captions` the producers' subtitle files
    by language (SRT or WebVTT), read before any encoding starts; `language` the
    lesson's (kk, ru, en), which tags the offline MP4's picture and sound; `loops`
    that it is a slate, which off-air gaps loop and may end after any segment."""
    options = options or TranscodeOptions()
    lesson = probe(lesson_path)
    check_length(lesson, declared_s)
    tracks = read_tracks(captions or {}, lesson.duration_s)
    signer = probe(signer_path) if signer_path is not None else None
    if signer is not None and not (options.allow_short_signer or options.loop_signer):
        covered = signer.duration_s + options.signer_offset_s
        if covered + 0.5 < lesson.duration_s:
            raise MediaError(
                f"{signer.path}: signer lasts {signer.duration_s:.1f} s"
                f"{f' from {options.signer_offset_s:.1f} s' if options.signer_offset_s else ''}"
                f" but the lesson {lesson.path} lasts {lesson.duration_s:.1f} s "
                "(repeat it with --signer-loop, or allow it with --allow-short-signer)"
            )
    rungs = rungs_for(lesson.display_size[1], options.ladder)
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale(parent / out_dir.name)  # a run killed mid-way left its work behind
        work = staging_path(parent / out_dir.name)
        shutil.rmtree(work, ignore_errors=True)
        for name in [r.name for r in rungs] + [AUDIO_RUNG]:
            (work / name).mkdir(parents=True)
    except OSError as exc:
        raise write_failure(out_dir, exc, otherwise=MediaError) from None
    try:
        sources = [lesson_path] + ([signer_path] if signer_path is not None else [])
        if checksum is None:
            checksum = source_checksum(sources, options, lesson.display_size[1])
        loudness = measure_loudness(lesson) if lesson.has_audio else None
        args = build_args(lesson, signer, rungs, work, options, loudness)
        _run_ffmpeg(args, lesson.duration_s, progress)
        align_audio(work, rungs[0].name)
        renditions = [
            _rendition(
                work,
                rung.name,
                rung.codecs,
                (rung.width, rung.height),
                rung.video_kbps + rung.audio_kbps,
                loops,
            )
            for rung in rungs
        ]
        audio = _rendition(work, AUDIO_RUNG, AUDIO_CODECS, None, AUDIO_ONLY_KBPS, loops)
        renditions.append(audio)
        # The top rung times the package (Manifest.reference), captions included.
        listed = write_tracks(work, renditions[0].segments, renditions[0].name, tracks)
        if not (work / POSTER).exists():  # the video stream ended before the poster's frame
            _poster(work, rungs[0].name, 0.0)
        download = None
        if options.download:
            source_rung = download_rung(rungs)  # its own encode, copied; else the pass's
            rung = source_rung.name if source_rung else None
            size = finish_download(work, rung, tracks, language=language)
            width, height = (
                (source_rung.width, source_rung.height)
                if source_rung is not None
                else download_size((rungs[0].width, rungs[0].height))
            )
            download = Download(size, width, height)
        manifest = Manifest(
            duration_s=lesson.duration_s,
            segment_s=options.segment_s,
            rungs=tuple(renditions),
            checksum=checksum,
            signed=signer is not None,
            loudness_lufs=options.loudness_lufs if loudness is not None else None,
            options=options.to_json(),
            source={
                "lesson": lesson_path.name,
                "signer": signer_path.name if signer_path else None,
            },
            extra=metadata or {},
            download=download,
            captions=listed,
            completed=True,
        )
        (work / MASTER).write_text(package_master(manifest), encoding="utf-8")
        manifest = replace(manifest, content=content_version(work))
        write_manifest(work, manifest)
        publish_package(work, out_dir, manifest, time.time())
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise write_failure(out_dir, exc, otherwise=MediaError) from None
    except MediaError:
        # ffmpeg may stop writing on a full disk without saying so, and what is missing
        # then shows only later (a segment without a keyframe): name the real cause.
        full = out_of_space(work)
        shutil.rmtree(work, ignore_errors=True)
        if full:
            raise write_failure(out_dir, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))) from None
        raise
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return PackageResult(
        directory=out_dir,
        rungs=[r.name for r in rungs] + [AUDIO_RUNG],
        duration_s=manifest.plays_s,  # what an airing of it takes on a live channel
        segment_s=options.segment_s,
        segments=manifest.segments,
        checksum=checksum,
    )
