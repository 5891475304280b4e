"""The HLS package contract: the typed manifest (`package.json`) and the playlists.

The transcoder writes a package through this module and the server reads it
through this module, so the format is defined once. Playlists are written and
read with the `m3u8` library. The manifest lists every rung's segments with
their exact durations, so a reader never has to parse media playlists; a
manifest of format 1 (without them) is still read, from its playlists.

Pure but for `read_manifest`, `write_manifest` and `read_segments`, which read
and write one package directory.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import m3u8

from catalog import captions
from catalog.files import hash_file, staging_path, swap_directory
from errors import BadInput

MANIFEST = "package.json"
MASTER = "master.m3u8"
MEDIA_PLAYLIST = "index.m3u8"
IFRAME_PLAYLIST = "iframes.m3u8"
POSTER = "poster.jpg"
DOWNLOAD = "download.mp4"
FORMAT = 2
"""2: rungs carry their segments; 1: segments only in the media playlists."""
FRAME_RATE = 25.0
AUDIO_CODECS = "mp4a.40.2"


class ManifestError(BadInput):
    """A package.json that is missing, malformed or of an unknown format."""


@dataclass(frozen=True)
class Segment:
    """One media segment of a rung: its file name (relative to the rung) and duration."""

    uri: str
    duration: float


def rung_height(name: str) -> int:
    """480 for '480p'; 0 for the audio rung."""
    match = re.match(r"(\d+)p$", name)
    return int(match.group(1)) if match else 0


@dataclass(frozen=True)
class Rendition:
    """One rung of a package as the master playlist declares it, with its segments."""

    name: str  # also its directory: NAME/index.m3u8
    codecs: str
    bandwidth: int  # peak bits per second of any segment
    average_bandwidth: int
    width: int | None = None  # None for the audio-only rung
    height: int | None = None
    segments: tuple[Segment, ...] = ()
    iframe_bandwidth: int = 0  # peak of its I-frame playlist; 0: the rung has none
    iframe_average_bandwidth: int = 0

    @property
    def resolution(self) -> tuple[int, int] | None:
        """(width, height) of a video rung; None for audio only."""
        return (self.width, self.height) if self.width and self.height else None

    @property
    def uri(self) -> str:
        """The rung's media playlist, relative to the master."""
        return f"{self.name}/{MEDIA_PLAYLIST}"

    @property
    def iframe_uri(self) -> str | None:
        """The rung's I-frame playlist, relative to the master (None: it has none)."""
        return f"{self.name}/{IFRAME_PLAYLIST}" if self.iframe_bandwidth else None


@dataclass(frozen=True)
class IFrame:
    """A keyframe as an I-frame playlist names it: the segment file holding it, its
    byte range there, and the time until the next keyframe."""

    uri: str
    offset: int
    length: int
    duration: float


@dataclass(frozen=True)
class Earlier:
    """A version a package's directory served before: when it was published (None:
    before sabaq kept the instant) and its reference rung's segment durations, which
    is all a live timeline needs to count what it played."""

    version: str
    published_at: float | None
    durations: tuple[float, ...]


@dataclass(frozen=True)
class Download:
    """The package's progressive MP4 for offline viewing (DOWNLOAD): its size on disk
    and its picture."""

    bytes: int
    width: int
    height: int


@dataclass(frozen=True)
class CaptionTrack:
    """A package's subtitles in one language (captions/LANG/, see catalog.captions):
    `digest` names its cues, so captions that did not change are not redone."""

    language: str
    digest: str
    cues: int

    @property
    def uri(self) -> str:
        """Its media playlist, relative to the master."""
        return f"{captions.DIRECTORY}/{self.language}/{captions.PLAYLIST}"


@dataclass(frozen=True)
class Manifest:
    """What a package holds and how it was made (package.json)."""

    duration_s: float
    segment_s: int
    rungs: tuple[Rendition, ...]
    checksum: str
    signed: bool = False
    loudness_lufs: float | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    source: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. a slate's channel name
    format: int = FORMAT
    content: str = ""  # the hash of the package's files (see content_version)
    published_at: float | None = None  # seconds since the epoch; set by publish_package
    history: tuple[Earlier, ...] = ()  # the versions it replaced, oldest first
    download: Download | None = None  # the offline MP4, when the package has one
    captions: tuple[CaptionTrack, ...] = ()  # subtitle renditions, by language

    @property
    def version(self) -> str:
        """A short name of this package's bytes, which names its versioned URLs: a
        re-transcode that changes any file changes it. Packages written before
        files were hashed are named by their sources' checksum."""
        return self.content or self.checksum[:12]

    @property
    def segments(self) -> int:
        """The most segments of a video rung (of any rung when there is no video)."""
        video = [r for r in self.rungs if r.resolution is not None] or list(self.rungs)
        return max((len(r.segments) for r in video), default=0)

    def rung(self, name: str) -> Rendition | None:
        """The rung of that name, if the package has it."""
        return next((r for r in self.rungs if r.name == name), None)

    @property
    def reference(self) -> tuple[Segment, ...]:
        """The segments that time a live timeline for every rung: the top video rung's
        (the first rung's when there is no video)."""
        video = [r for r in self.rungs if rung_height(r.name)]
        rung = max(video, key=lambda r: rung_height(r.name)) if video else self.rungs[0]
        return rung.segments

    def succeeding(self, previous: Manifest, now: float) -> Manifest:
        """This manifest as the one replacing `previous` at `now`: published now, with
        the previous version at the end of its history (unchanged if it is the same
        version again)."""
        if previous.version == self.version:
            return replace(self, published_at=previous.published_at, history=previous.history)
        durations = tuple(s.duration for s in previous.reference)
        past = Earlier(previous.version, previous.published_at, durations)
        return replace(self, published_at=now, history=(*previous.history, past))

    def to_json(self) -> dict[str, Any]:
        """The package.json document."""
        return {
            "format": self.format,
            "version": self.version,
            "duration_s": round(self.duration_s, 3),
            "segment_s": self.segment_s,
            "segments": self.segments,
            "rungs": [_rendition_json(r) for r in self.rungs],
            "signed": self.signed,
            "loudness_lufs": self.loudness_lufs,
            "source": dict(self.source),
            "checksum": self.checksum,
            "options": dict(self.options),
            "published_at": self.published_at,
            "history": [
                {"version": e.version, "published_at": e.published_at, "durations": e.durations}
                for e in self.history
            ],
            "download": (
                {
                    "file": DOWNLOAD,
                    "bytes": self.download.bytes,
                    "width": self.download.width,
                    "height": self.download.height,
                }
                if self.download is not None
                else None
            ),
            "captions": [
                {"language": c.language, "digest": c.digest, "cues": c.cues} for c in self.captions
            ],
            **dict(self.extra),
        }

    @classmethod
    def from_json(cls, data: Any, directory: Path | None = None) -> Manifest:
        """A manifest from package.json; format 1 reads its segments from the playlists
        in `directory`. ManifestError says what is wrong."""
        if not isinstance(data, dict):
            raise ManifestError("package.json: the top level is not an object")
        version = data.get("format", 1)
        if version not in (1, FORMAT):
            raise ManifestError(f"package.json: format {version!r} is not one sabaq reads")
        try:
            rungs = tuple(_rendition(item, directory) for item in data["rungs"])
            known = set(cls.__dataclass_fields__) | {"version", "segments"}
            published = data.get("published_at")
            return cls(
                duration_s=float(data["duration_s"]),
                segment_s=int(data["segment_s"]),
                rungs=rungs,
                checksum=str(data.get("checksum") or ""),
                signed=bool(data.get("signed", False)),
                loudness_lufs=data.get("loudness_lufs"),
                options=dict(data.get("options") or {}),
                source=dict(data.get("source") or {}),
                extra={k: v for k, v in data.items() if k not in known},
                format=FORMAT,
                content=_content(data) if version == FORMAT else "",
                published_at=float(published) if published is not None else None,
                history=tuple(_earlier(item) for item in data.get("history") or ()),
                download=_download(data.get("download")),
                captions=tuple(
                    CaptionTrack(str(c["language"]), str(c["digest"]), int(c["cues"]))
                    for c in data.get("captions") or ()
                ),
            )
        except (KeyError, TypeError, ValueError, OSError) as exc:
            raise ManifestError(f"package.json: malformed ({type(exc).__name__}: {exc})") from None


def _content(data: Mapping[str, Any]) -> str:
    """The content hash a package.json names (none when it names its checksum's)."""
    named = str(data.get("version") or "")
    return "" if named == str(data.get("checksum") or "")[:12] else named


def _download(item: Any) -> Download | None:
    if item is None:
        return None
    return Download(int(item["bytes"]), int(item["width"]), int(item["height"]))


def _earlier(item: Mapping[str, Any]) -> Earlier:
    published = item.get("published_at")
    return Earlier(
        version=str(item["version"]),
        published_at=float(published) if published is not None else None,
        durations=tuple(float(d) for d in item["durations"]),
    )


def _rendition_json(rung: Rendition) -> dict[str, Any]:
    data: dict[str, Any] = {"name": rung.name}
    if rung.width and rung.height:
        data["width"], data["height"] = rung.width, rung.height
    data.update(
        codecs=rung.codecs,
        bandwidth=rung.bandwidth,
        average_bandwidth=rung.average_bandwidth,
        segments=[[s.uri, s.duration] for s in rung.segments],
    )
    if rung.iframe_bandwidth:
        data.update(
            iframe_bandwidth=rung.iframe_bandwidth,
            iframe_average_bandwidth=rung.iframe_average_bandwidth,
        )
    return data


def _rendition(item: Mapping[str, Any], directory: Path | None) -> Rendition:
    name = str(item["name"])
    if "segments" in item:
        segments = tuple(Segment(str(uri), float(duration)) for uri, duration in item["segments"])
    elif directory is not None:  # format 1
        segments = read_segments(directory / name / MEDIA_PLAYLIST)
    else:
        raise ValueError(f"rung {name} lists no segments")
    width, height = item.get("width"), item.get("height")
    return Rendition(
        name=name,
        codecs=str(item.get("codecs", "")),
        bandwidth=int(item.get("bandwidth", 0)),
        average_bandwidth=int(item.get("average_bandwidth", 0)),
        width=int(width) if width else None,
        height=int(height) if height else None,
        segments=segments,
        iframe_bandwidth=int(item.get("iframe_bandwidth", 0)),
        iframe_average_bandwidth=int(item.get("iframe_average_bandwidth", 0)),
    )


def read_manifest(directory: Path) -> Manifest:
    """The manifest of the package in `directory`; ManifestError when it has none."""
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{directory / MANIFEST}: cannot be read ({exc})") from None
    return Manifest.from_json(data, directory)


VERSION_PATTERN = re.compile(r"^[0-9a-f]{12}$")


def content_version(directory: Path) -> str:
    """12 hex digits of the SHA-256 of every file in a package directory (names and
    bytes, package.json aside): the same bytes, the same version."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        hash_file(digest, path)
    return digest.hexdigest()[:12]


def write_manifest(directory: Path, manifest: Manifest) -> None:
    """Write package.json (the package is published by renaming its directory after)."""
    text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=2)
    (directory / MANIFEST).write_text(text, encoding="utf-8")


def read_segments(playlist: Path) -> tuple[Segment, ...]:
    """The segments of a media playlist on disk, in order."""
    parsed = m3u8.loads(playlist.read_text(encoding="utf-8"))
    return tuple(Segment(str(s.uri), float(s.duration or 0.0)) for s in parsed.segments)


# ------------------------------------------------------------ playlists

SUBTITLES_GROUP = "subs"


def master_playlist(
    rungs: Sequence[Rendition],
    frame_rate: float = FRAME_RATE,
    uri: Callable[[Rendition], str] | None = None,
    prefix: str = "",
    subtitles: Mapping[str, str] | None = None,
) -> str:
    """The multivariant playlist: the variant to start on (`start_first`), the other
    video rungs (highest first), audio-only last,
    then the I-frame playlists of the rungs that have one. `uri` names each rung's
    media playlist (default: the package's NAME/index.m3u8, after `prefix`); when it
    is given, no I-frame playlist is listed (a live channel has none). `subtitles`
    maps languages to their captions playlists, listed as one SUBTITLES group
    (for deaf and hard-of-hearing viewers) that every variant names."""
    master = m3u8.M3U8()
    master.version = 3
    master.is_independent_segments = True
    for language, link in (subtitles or {}).items():
        master.add_media(
            m3u8.Media(
                uri=link,
                type="SUBTITLES",
                group_id=SUBTITLES_GROUP,
                language=language,
                name=captions.LANGUAGE_NAMES.get(language, language),
                default="NO",
                autoselect="YES",
                forced="NO",
                characteristics=captions.CHARACTERISTICS,
            )
        )
    for rung in start_first(sorted(rungs, key=lambda r: (r.resolution is None, -r.bandwidth))):
        info: dict[str, Any] = {
            "bandwidth": rung.bandwidth,
            "average_bandwidth": rung.average_bandwidth,
            "codecs": rung.codecs,
        }
        if rung.resolution is not None:
            info["resolution"] = f"{rung.resolution[0]}x{rung.resolution[1]}"
            info["frame_rate"] = frame_rate
        if subtitles:
            info["subtitles"] = SUBTITLES_GROUP
        link = uri(rung) if uri is not None else prefix + rung.uri
        master.add_playlist(m3u8.Playlist(link, info, media=master.media, base_uri=None))
    for rung in sorted(rungs, key=lambda r: -r.bandwidth) if uri is None else []:
        if rung.iframe_uri is None or rung.resolution is None:
            continue
        codecs = ",".join(c for c in rung.codecs.split(",") if not c.startswith("mp4a"))
        stream = {
            "bandwidth": rung.iframe_bandwidth,
            "average_bandwidth": rung.iframe_average_bandwidth,
            "codecs": codecs,
            "resolution": f"{rung.resolution[0]}x{rung.resolution[1]}",
        }
        master.add_iframe_playlist(m3u8.IFramePlaylist(None, prefix + rung.iframe_uri, stream))
    return str(master.dumps())


START_PEAK = 500_000
"""A player with no estimate of its link starts on the best variant of at most this peak."""


def start_first(rungs: Sequence[Rendition]) -> list[Rendition]:
    """`rungs` with the variant a phone should start on moved first: Safari, ffmpeg and
    most IPTV apps start on the first variant listed, before they know the link."""
    video = [r for r in rungs if r.resolution is not None]
    fitting = [r for r in video if r.bandwidth <= START_PEAK]
    start = max(fitting, key=lambda r: r.bandwidth, default=None) or min(
        video, key=lambda r: r.bandwidth, default=None
    )
    return list(rungs) if start is None else [start, *(r for r in rungs if r is not start)]


def package_master(manifest: Manifest, prefix: str = "") -> str:
    """A package's own master playlist: its rungs, I-frame playlists and captions."""
    subtitles = {c.language: prefix + c.uri for c in manifest.captions}
    return master_playlist(manifest.rungs, prefix=prefix, subtitles=subtitles)


def iframe_playlist(iframes: Sequence[IFrame]) -> str:
    """A rung's I-frame playlist (EXT-X-I-FRAMES-ONLY, RFC 8216 4.3.3.6): every keyframe
    as a byte range of its segment file, lasting until the next keyframe."""
    playlist = m3u8.M3U8()
    playlist.version = 4  # EXT-X-BYTERANGE and EXT-X-I-FRAMES-ONLY
    playlist.is_i_frames_only = True
    playlist.playlist_type = "vod"
    playlist.media_sequence = 0
    playlist.is_independent_segments = True
    playlist.is_endlist = True
    playlist.target_duration = max(math.ceil(round(f.duration, 3)) for f in iframes)
    for frame in iframes:
        playlist.segments.append(
            m3u8.Segment(
                uri=frame.uri,
                duration=round(frame.duration, 6),
                byterange=f"{frame.length}@{frame.offset}",
            )
        )
    return str(playlist.dumps())


def iframe_rates(iframes: Sequence[IFrame]) -> tuple[int, int]:
    """(peak, average) bits per second of an I-frame playlist, as its
    EXT-X-I-FRAME-STREAM-INF declares them."""
    peak = max(f.length * 8 / max(f.duration, 0.04) for f in iframes)
    seconds = sum(f.duration for f in iframes) or 1.0
    return math.ceil(peak), math.ceil(sum(f.length for f in iframes) * 8 / seconds)


@dataclass(frozen=True)
class Entry:
    """A segment as a media playlist lists it."""

    uri: str
    duration: float
    discontinuity: bool = False  # a new timeline starts here
    program_date_time: datetime | None = None  # wall-clock instant of its first frame


def media_playlist(
    entries: Sequence[Entry],
    media_sequence: int = 0,
    discontinuity_sequence: int = 0,
    ended: bool = False,
    minimum_target_s: int = 0,
    playlist_type: str | None = None,
    start_offset_s: float | None = None,
) -> str:
    """A media playlist (a live window when not `ended`); the first entry never carries
    a discontinuity tag: count it in `discontinuity_sequence` instead. `playlist_type`
    is "event" or "vod" when the playlist says so; `start_offset_s` is where a player
    should start (EXT-X-START, from the first segment)."""
    playlist = m3u8.M3U8()
    playlist.version = 3
    playlist.playlist_type = playlist_type
    if start_offset_s is not None:
        playlist.start = m3u8.Start(round(start_offset_s, 3), "YES")
    playlist.target_duration = max(
        [minimum_target_s] + [math.ceil(round(e.duration, 3)) for e in entries]
    )
    playlist.media_sequence = media_sequence
    playlist.discontinuity_sequence = discontinuity_sequence
    playlist.is_independent_segments = True
    playlist.is_endlist = ended
    for index, entry in enumerate(entries):
        playlist.segments.append(
            m3u8.Segment(
                uri=entry.uri,
                duration=round(entry.duration, 6),
                discontinuity=entry.discontinuity and index > 0,
                program_date_time=entry.program_date_time,
            )
        )
    return str(playlist.dumps())


# ------------------------------------------------------------ versions on disk
KEEP_OLD_S = 3600.0
"""How long a replaced version stays readable after its own length (an airing that
began with it plays it to the end): longer than any live window (36 s) or playlist
cache (60 s), and than a viewer who paused a lesson is likely to wait."""


def _length(directory: Path) -> float:
    """How long the package version in `directory` plays (0 when it cannot be read): an
    airing that began with it just before it was replaced still plays it that long."""
    manifest = _current_manifest(directory)
    return manifest.duration_s if manifest is not None else 0.0


def _current_manifest(directory: Path) -> Manifest | None:
    """The manifest a package directory serves now (None: no package there)."""
    try:
        return read_manifest(directory)
    except ManifestError:
        return None


def publish_package(
    work: Path, target: Path, manifest: Manifest, now: float, keep_s: float = KEEP_OLD_S
) -> None:
    """Publish the finished package in `work` (whose package.json is `manifest`) as
    version `manifest.version` of `target`.

    Its files go to target/VERSION/, which its versioned URLs name and which never
    changes; the unversioned names (target/package.json, target/360p/, …) are
    symlinks into it, but for target/master.m3u8, which lists the versioned rung
    playlists so that players are led to immutable URLs. Its package.json records
    `now` as its publishing instant and the version it replaces in its history, so a
    live timeline can still count what earlier airings played. The version it
    replaces, and those replaced less than `keep_s` plus their own length ago (by
    the clock `now`, seconds since the epoch), stay readable beside it, so a live
    window or a cached playlist that still names them keeps working; older ones are
    removed. Raises OSError.
    """
    stage = staging_path(target, "next")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    version = manifest.version
    moved: list[str] = []  # versions taken from target into stage, put back on failure
    try:
        previous = _current_manifest(target)
        current = previous.version if previous is not None else None
        work.rename(stage / version)
        published = (
            manifest.succeeding(previous, now)
            if previous is not None
            else replace(manifest, published_at=now)
        )
        write_manifest(stage / version, published)
        for entry in sorted((stage / version).iterdir()):
            if entry.name != MASTER:
                (stage / entry.name).symlink_to(f"{version}/{entry.name}")
        master = package_master(manifest, prefix=f"{version}/")
        (stage / MASTER).write_text(master, encoding="utf-8")
        for child in sorted(target.iterdir()) if target.exists() else []:
            name = child.name
            if child.is_symlink() or not child.is_dir() or not VERSION_PATTERN.match(name):
                continue
            if name != version and (
                name == current or now - child.stat().st_mtime < keep_s + _length(child)
            ):
                child.rename(stage / name)
                moved.append(name)
    except BaseException:
        for name in moved:
            (stage / name).rename(target / name)
        if (stage / version).exists() and not work.exists():
            (stage / version).rename(work)  # the caller cleans up its own work
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if current in moved:
        os.utime(stage / current, (now, now))  # replaced now: kept keep_s from here
    flat_old = current if current not in (None, version, *moved) else None
    try:
        old = swap_directory(stage, target)
    except OSError:
        for name in moved:  # target is the previous package again: give back its versions
            (stage / name).rename(target / name)
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if old is not None and flat_old is not None:  # written before versions were kept
        old.rename(target / flat_old)
        os.utime(target / flat_old, (now, now))
    elif old is not None:
        shutil.rmtree(old, ignore_errors=True)
