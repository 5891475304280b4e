"""Atomic publishing of files and directories: readers see the old or the new, never half.

Everything sabaq writes for others to read (exported files, packages, slates,
playout directories) is written beside its place under a hidden name and
renamed into place when complete.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from errors import NoSpace, SabaqError, Unavailable

if TYPE_CHECKING:
    from hashlib import _Hash as Hash


def write_failure(
    path: Path, exc: OSError, what: str = "", otherwise: type[SabaqError] = Unavailable
) -> SabaqError:
    """The error for a write that failed, naming `path` (and `what` of it could not be
    written): NoSpace, the one disk-full error (HTTP 507), when the disk is full; else
    `otherwise` (a path that cannot be made where a user pointed is MediaError)."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        return disk_full(path, exc, what)
    return otherwise(f"{path}: {what}cannot be written ({reason})")


def out_of_space(path: Path, spare: int = 1 << 20) -> bool:
    """Whether the file system holding `path` (or its nearest existing parent) has less
    than `spare` bytes left for sabaq to write."""
    for place in (path, *path.parents):
        try:
            stats = os.statvfs(place)
        except OSError:
            continue
        return stats.f_bavail * stats.f_frsize < spare
    return False


def disk_full(path: Path, exc: OSError, what: str = "") -> NoSpace:
    """The one disk-full error (507): names the file, never the directory it is in."""
    reason = exc.strerror or "No space left on device"
    return NoSpace(f"{path.name}: {what}cannot be written ({reason}: the disk is full)")


def staging_path(target: Path, tag: str = "partial") -> Path:
    """A hidden sibling of `target` for work in progress, unique to this process (on
    this machine: a data directory may be shared by a transcoding farm)."""
    return target.with_name(f".{target.name}.{tag}-{socket.gethostname()}-{os.getpid()}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process: alive
        return True
    return True


def remove_stale(target: Path, tag: str = "partial") -> list[Path]:
    """Remove the work in progress beside `target` left by processes of this machine
    that are gone (killed mid-way); return what was removed. Work of live processes,
    and of other machines, is left alone."""
    prefix = f".{target.name}.{tag}-{socket.gethostname()}-"
    removed = []
    try:
        siblings = list(target.parent.iterdir())
    except OSError:
        return []
    for sibling in siblings:
        pid = sibling.name.removeprefix(prefix)
        if sibling.name.startswith(prefix) and pid.isdigit() and not _alive(int(pid)):
            if sibling.is_dir() and not sibling.is_symlink():
                shutil.rmtree(sibling, ignore_errors=True)
            else:
                sibling.unlink(missing_ok=True)
            removed.append(sibling)
    return removed


def hash_file(digest: Hash, path: Path) -> None:
    """Feed a file's bytes to `digest`, a megabyte at a time."""
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write a file whole: to a hidden sibling, then renamed over `path`."""
    partial = staging_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            partial.write_bytes(content)
        else:
            partial.write_text(content, encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise write_failure(path, exc) from None


def swap_directory(work: Path, target: Path) -> Path | None:
    """Rename a finished directory into place and return where the previous one went
    (None when there was none), for the caller to remove or keep; the previous one
    stays published if the swap fails. Raises OSError."""
    old = staging_path(target, "old")
    had_old = target.exists()
    if had_old:
        target.rename(old)
    try:
        work.rename(target)
    except OSError:
        if had_old:
            old.rename(target)
        raise
    return old if had_old else None


def publish_directory(work: Path, target: Path) -> None:
    """Swap a finished directory into place; the previous one goes only after, and stays
    published if the swap fails. Raises OSError (callers name what failed)."""
    old = swap_directory(work, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_directory(target: Path, files: Mapping[str, str | bytes]) -> None:
    """Write a directory of files (names may hold '/') that appears whole."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise write_failure(target, exc) from None
    try:
        for name, content in files.items():
            path = work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        publish_directory(work, target)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise write_failure(target, exc) from None
