"""What the server shows, read from the catalogue and the packages on disk.

Viewers are served from this immutable snapshot only (loaded in the background);
the pure functions (live playlists, guide, pages) work on it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from catalog.hls import (
    DOWNLOAD,
    MANIFEST,
    Earlier,
    Manifest,
    ManifestError,
    Segment,
    read_manifest,
    rung_height,
)
from catalog.layout import Layout, next_slate_url, slate_url, vod_url
from catalog.publishing import SETTLE_S
from service import Catalog, Workspace
from service.published import AiringView, ChannelView, LessonView, read_published

log = logging.getLogger("sabaq")

__all__ = ["AiringView", "ChannelView", "LessonView", "Package", "Snapshot", "load_snapshot"]


def decided_at(start: datetime) -> datetime:
    """The instant whose published versions decide what an airing beginning at `start`
    plays."""
    return start - timedelta(seconds=SETTLE_S)


@dataclass(frozen=True)
class Package:
    """An HLS package on disk (a lesson's or a slate), as the server serves and stitches it."""

    base_url: str  # e.g. /vod/kk-05-math-001/3f9a0c1b2d4e (its version)
    directory: Path  # where its files are served from
    manifest: Manifest
    earlier: tuple[Package, ...] = ()  # the versions this one replaced, oldest first

    @property
    def duration_s(self) -> float:
        """The recording's length."""
        return self.manifest.duration_s

    @cached_property
    def rungs(self) -> dict[str, tuple[Segment, ...]]:
        """Rung name -> its segments."""
        return {r.name: r.segments for r in self.manifest.rungs}

    @cached_property
    def reference(self) -> tuple[Segment, ...]:
        """The rung whose segment durations time the live timeline for every rung."""
        return self.manifest.reference

    @cached_property
    def live_ladder(self) -> tuple[str, ...]:
        """The rungs a live channel may play, in the manifest's order: those cut at the
        reference rung's instants (`Manifest.lined_up`), the reference among them."""
        return tuple(r.name for r in self.manifest.rungs if self.manifest.lined_up(r.name))

    @cached_property
    def span(self) -> timedelta:
        """How long the package plays, added up exactly as the live timeline adds it."""
        total = timedelta()
        for segment in self.reference:
            total += timedelta(seconds=segment.duration)
        return total

    def at(self, instant: datetime) -> Package:
        """The version that was current at `instant`, so that a re-transcode never
        changes what an airing that had begun played (nor the live count after it).
        The first version stands for all time before its successor came."""
        for version in (self, *reversed(self.earlier)):
            published = version.manifest.published_at
            if published is None or published <= instant.timestamp():
                return version
        return self.earlier[0] if self.earlier else self

    def aired(self, start: datetime, now: datetime) -> Package | None:
        """The version an airing that began at `start` plays, seen at `now`: the one
        current `SETTLE_S` before its start; None when the first version came only
        after that (it aired as the slate, and a late package must not rewrite that
        past). A first version stamped after `now` (a clock behind the packager's, as in
        replays of old schedules) stands for all time before it."""
        first = self.earlier[0] if self.earlier else self
        published = first.manifest.published_at
        decided = decided_at(start)
        if published is not None and now.timestamp() >= published > decided.timestamp():
            return None
        return self.at(decided)


@dataclass
class Snapshot:
    """Everything the server reads, loaded once."""

    channels: list[ChannelView] = field(default_factory=list)
    lessons: dict[str, LessonView] = field(default_factory=dict)
    airings: list[AiringView] = field(default_factory=list)
    packages: dict[str, Package] = field(default_factory=dict)
    slates: dict[str, Package] = field(default_factory=dict)
    # Slates made for the airing after a gap: channel id -> slate key of that airing -> package.
    next_slates: dict[str, dict[str, Package]] = field(default_factory=dict)
    timezone: str = "Asia/Almaty"
    version: int = 0  # the published schedule version (0: none)
    published_at: datetime | None = None  # when that version was stored

    def airings_on(self, channel_id: str, day: date) -> list[AiringView]:
        """A channel's airings starting on a local date of the broadcast's time zone."""
        zone = ZoneInfo(self.timezone)
        begin = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        return [a for a in self.airings_of(channel_id) if begin <= a.start < end]

    def airings_of(self, channel_id: str) -> list[AiringView]:
        """A channel's airings in time order."""
        return self._by_channel.get(channel_id, [])

    @cached_property
    def _by_channel(self) -> dict[str, list[AiringView]]:
        # Built on first use, after loading; a snapshot is never changed once served.
        channels: dict[str, list[AiringView]] = {}
        for airing in self.airings:
            channels.setdefault(airing.channel_id, []).append(airing)
        return channels


PackageCache = dict[Path, tuple[float, Package]]
"""Packages already read, by directory, with their package.json's modification time."""


def read_package(
    directory: Path, base_url: str, cache: PackageCache | None = None
) -> Package | None:
    """A package from its manifest (None when it has none or a broken one); unchanged
    packages come from `cache` (a package is only ever replaced whole)."""
    try:
        mtime = (directory / MANIFEST).stat().st_mtime
    except OSError:
        return None
    if cache is not None and directory in cache and cache[directory][0] == mtime:
        return cache[directory][1]
    try:
        manifest = read_manifest(directory)
    except ManifestError:
        return None
    # Live windows name segments by version, so their URLs never change meaning.
    earlier = tuple(_earlier(directory, base_url, manifest, past) for past in manifest.history)
    package = Package(f"{base_url}/{manifest.version}", directory, manifest, earlier)
    if cut_elsewhere := [r.name for r in manifest.rungs if r.name not in package.live_ladder]:
        log.warning(
            "%s: rung %s is not cut where its top rung is; live channels play another rung "
            "in its place (transcode the lesson again to mend it)",
            directory,
            ", ".join(cut_elsewhere),
        )
    if cache is not None:
        cache[directory] = (mtime, package)
    return package


def _earlier(directory: Path, base_url: str, current: Manifest, past: Earlier) -> Package:
    """A version the package replaced: its own manifest while its files are kept; once
    they are gone, the current version where that one is timed exactly alike (captions
    changed, say: a replay of an old airing still plays, and numbers, the same), else
    what the history says of it (enough to count it; its files are gone)."""
    try:
        manifest = read_manifest(directory / past.version)
    except ManifestError:
        if tuple(s.duration for s in current.reference) == past.durations:
            alike = replace(current, published_at=past.published_at, history=())
            return Package(f"{base_url}/{current.version}", directory, alike)
        top = max(current.rungs, key=lambda r: rung_height(r.name))
        segments = tuple(Segment(f"seg_{i:05d}.ts", d) for i, d in enumerate(past.durations))
        manifest = Manifest(
            duration_s=sum(past.durations),
            segment_s=current.segment_s,
            rungs=(replace(top, segments=segments),),
            checksum="",
            content=past.version,
        )
    manifest = replace(manifest, published_at=past.published_at)
    return Package(f"{base_url}/{past.version}", directory, manifest)


def _with_package(lesson: LessonView, package: Package) -> LessonView:
    """The lesson with what its package offers beyond HLS: the download, the captions."""
    download = package.manifest.download
    return replace(
        lesson,
        download_url=f"{package.base_url}/{DOWNLOAD}" if download is not None else None,
        download_bytes=download.bytes if download is not None else None,
        captions=tuple(c.language for c in package.manifest.captions),
    )


def load_snapshot(catalog: Catalog, data_dir: Path, cache: PackageCache | None = None) -> Snapshot:
    """Read channels, lessons and the published schedule (through the service layer),
    then the packages on disk."""
    published = read_published(Workspace.over(data_dir, catalog))
    snapshot = Snapshot(
        channels=published.channels,
        lessons=published.lessons,
        airings=published.airings,
        timezone=published.timezone,
        version=published.version,
        published_at=published.published_at,
    )
    layout = Layout(data_dir)
    for lesson_id, directory in published.packages.items():
        # The directory the catalogue records, which is where the job published it.
        package = read_package(layout.resolve(directory), vod_url(lesson_id), cache)
        if package is not None:
            snapshot.packages[lesson_id] = package
            snapshot.lessons[lesson_id] = _with_package(snapshot.lessons[lesson_id], package)
    for view in snapshot.channels:
        slate = read_package(layout.slate(view.id), slate_url(view.id), cache)
        if slate is not None:
            snapshot.slates[view.id] = slate
        folder = layout.next_slates(view.id)
        try:
            keys = {entry.name for entry in os.scandir(folder) if not entry.name.startswith(".")}
        except OSError:
            keys = set()
        for key in sorted(keys):  # render_slates prunes those of long-gone airings
            made = read_package(folder / key, next_slate_url(view.id, key), cache)
            if made is not None:
                snapshot.next_slates.setdefault(view.id, {})[key] = made
    return snapshot
