"""A package's captions: read producers' files, write HLS subtitle renditions, and give
a published package other captions without encoding it again."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from catalog import captions
from catalog.captions import CaptionError, Cue
from catalog.files import staging_path, write_failure
from catalog.hls import (
    DOWNLOAD,
    MANIFEST,
    MASTER,
    CaptionTrack,
    Manifest,
    ManifestError,
    Segment,
    content_version,
    read_manifest,
    write_manifest,
)
from catalog.playlists import Entry, media_playlist, package_master
from catalog.publishing import publish_package
from catalog.transport import TransportError, keyframes
from errors import MediaError
from transcoder.download import finish_download

Tracks = Mapping[str, Sequence[Cue]]
"""Cues by language."""


def read_tracks(
    files: Mapping[str, Path], duration_s: float | None = None
) -> dict[str, tuple[Cue, ...]]:
    """The cues of each language's file; CaptionError names the file and line of a bad
    one (or of a cue after the lesson's end, when `duration_s` is known)."""
    tracks = {}
    for language, path in sorted(files.items()):
        if language not in captions.LANGUAGES:
            raise CaptionError(f"captions {language}: not one of {', '.join(captions.LANGUAGES)}")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CaptionError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        cues = captions.parse_captions(data, str(path))
        if duration_s is not None:
            captions.check_fits(cues, duration_s, str(path))
        tracks[language] = cues
    return tracks


def first_pts(segment: Path) -> int:
    """The presentation time (90 kHz) of a TS segment's first video frame: lesson time 0."""
    try:
        found = keyframes(segment.read_bytes())
    except (OSError, TransportError) as exc:
        raise MediaError(f"{segment}: its timestamps cannot be read ({exc})") from None
    if not found:
        raise MediaError(f"{segment}: no keyframe to time captions by")
    return found[0].pts


def write_tracks(
    directory: Path, reference: Sequence[Segment], rung: str, tracks: Tracks
) -> tuple[CaptionTrack, ...]:
    """Write captions/LANG/ (a WebVTT file per segment of the `reference` rung, and its
    media playlist) into a package directory; the tracks as package.json lists them."""
    if not tracks:
        return ()
    mpegts = first_pts(directory / rung / reference[0].uri)
    durations = [s.duration for s in reference]
    listed = []
    for language, cues in sorted(tracks.items()):
        folder = directory / captions.DIRECTORY / language
        folder.mkdir(parents=True, exist_ok=True)
        entries = []
        for index, text in enumerate(captions.segment_files(cues, durations, mpegts)):
            name = captions.segment_name(index)
            (folder / name).write_text(text, encoding="utf-8")
            entries.append(Entry(name, durations[index]))
        playlist = media_playlist(entries, ended=True, playlist_type="vod")
        (folder / captions.PLAYLIST).write_text(playlist, encoding="utf-8")
        listed.append(CaptionTrack(language, captions.digest(cues), len(cues)))
    return tuple(listed)


def reference_rung(manifest: Manifest) -> str:
    """The name of the rung whose segments time the package (see Manifest.reference)."""
    reference = manifest.reference
    return next(r.name for r in manifest.rungs if r.segments is reference)


def same_captions(manifest: Manifest, tracks: Tracks) -> bool:
    """Whether the package already carries exactly these captions."""
    have = {c.language: c.digest for c in manifest.captions}
    return have == {language: captions.digest(cues) for language, cues in tracks.items()}


def recaption(
    package_dir: Path, tracks: Tracks, now: float | None = None, language: str | None = None
) -> Manifest:
    """Publish the package in `package_dir` again with `tracks` as its captions (all of
    them: a language left out is removed), as a new version whose media files are
    hard links to the current one's: nothing is encoded again, and the current
    version stays readable as any replaced version does. The manifest now served
    (unchanged when the captions are the same). MediaError when there is no package.
    `language`, the lesson's, tags the offline MP4's picture and sound again."""
    try:
        current = read_manifest(package_dir)
    except ManifestError as exc:
        raise MediaError(f"{package_dir}: no package to add captions to ({exc})") from None
    if same_captions(current, tracks):
        return current
    source = package_dir / current.version
    if not source.is_dir():
        raise MediaError(
            f"{package_dir}: the package predates versioned packages; transcode it again "
            "(sabaq transcode --all --force) before adding captions"
        )
    work = staging_path(package_dir, "captions")
    shutil.rmtree(work, ignore_errors=True)
    try:
        work.mkdir(parents=True)
        for entry in sorted(source.iterdir()):
            if entry.name in (MANIFEST, MASTER, captions.DIRECTORY):
                continue
            if entry.is_dir():
                shutil.copytree(entry, work / entry.name, copy_function=os.link)
            else:
                os.link(entry, work / entry.name)
        listed = write_tracks(work, current.reference, reference_rung(current), tracks)
        made = replace(current, captions=listed)
        if current.download is not None and (work / DOWNLOAD).exists():  # its text tracks too
            size = finish_download(work, None, tracks, rewrite=True, language=language)
            made = replace(made, download=replace(current.download, bytes=size))
        (work / MASTER).write_text(package_master(made), encoding="utf-8")
        made = replace(made, content=content_version(work))
        write_manifest(work, made)
        publish_package(work, package_dir, made, time.time() if now is None else now)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise write_failure(package_dir, exc, "captions ", MediaError) from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return read_manifest(package_dir)
