"""Publishing a finished package on disk, version by version (see `publish_package`):
versioned URLs name bytes that never change, and a replaced version stays readable
while an airing or a cached playlist may still name it."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

from catalog.files import staging_path, swap_directory
from catalog.hls import (
    MASTER,
    VERSION_PATTERN,
    Manifest,
    ManifestError,
    read_manifest,
    write_manifest,
)
from catalog.playlists import package_master

KEEP_OLD_S = 3600.0
"""How long a replaced version stays readable after its own length (an airing that
began with it plays it to the end): longer than any live window (36 s) or playlist
cache (60 s), and than a viewer who paused a lesson is likely to wait."""

SETTLE_S = 15.0
"""How long before an airing begins a package version must have been published to play
it (`streaming.snapshot.decided_at`). Server replicas reload their snapshots every few
seconds (5 by default): a version published just before an airing could be known to one
replica and not yet to another, and one segment URL of the live timeline would then name
other bytes on each (and in a cache in front of them). With this margin every replica
whose snapshot is never older than `SETTLE_S` decides alike; a package published later
plays from the lesson's next airing."""


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
