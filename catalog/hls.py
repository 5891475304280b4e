"""The HLS package contract: the typed manifest (`package.json`) and its file names.

The transcoder writes a package's manifest through this module and the server
reads it through this module, so the format is defined once. The manifest lists
every rung's segments with their exact durations, so a reader never has to parse
media playlists; a manifest of format 1 (without them) is still read, from its
playlists. The playlists are written by catalog.playlists; a finished package is
published on disk, version by version, by catalog.publishing.

The types are pure; `read_manifest`, `write_manifest`, `content_version` and
`read_segments` read or write one package directory.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import m3u8

from catalog import captions
from catalog.files import hash_file
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
LINE_UP_S = 0.1
"""How far a rung's segment may begin from where the reference rung's does and still
line up with it (`Manifest.lined_up`): the audio rung's cuts fall on AAC frames, up to
one (21-23 ms) from the video's, so its segments begin a little off."""
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
    completed: bool = False
    """Its segments' continuity counters run on through it and come back to where they
    began (`catalog.retime.complete_run`): live channels serve its files as they are,
    bar the clocks, and its declared bit rates hold there."""

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

    def lined_up(self, name: str) -> bool:
        """Whether the rung's segments begin where the reference rung's do: as many,
        each starting within LINE_UP_S of the reference's. A live timeline plays a
        rung's i-th segment where it lists the reference's, which only a rung cut at
        the same instants can do."""
        rung = self.rung(name)
        if rung is None or len(rung.segments) != len(self.reference):
            return False
        own = reference = 0.0
        for segment, listed in zip(rung.segments, self.reference, strict=True):
            if abs(own - reference) > LINE_UP_S:
                return False
            own += segment.duration
            reference += listed.duration
        return True

    @property
    def plays_s(self) -> float:
        """How long the package plays, as its reference segments add up (whole tiles: a
        little more than the recording's `duration_s`): what an airing of it takes."""
        return round(sum(s.duration for s in self.reference), 3)

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
            "completed": self.completed,
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
                completed=data.get("completed") is True,
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
