"""Producers' uploads: a recording staged, checked whole, then made current, or nothing.

The HTTP route only streams the body into `staging_file` (bounded in size as it
arrives) and hands the file here. `accept_upload` probes it (a container sabaq
reads, a sane picture, every stream no longer than the lesson allows), names it
by its content, moves it into media/uploads/ and records it in one transaction:
when any step refuses, the staged file is removed, the catalogue is unchanged and
the lesson's previous recording stays where it was. Messages never name a path of
the server (`without_paths`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from catalog.files import hash_file
from catalog.layout import Layout
from catalog.models import Lesson, LessonStatus
from errors import NotFound, SabaqError
from service.workspace import Workspace
from transcoder.probe import check_length, probe

KINDS = {"source": "source", "signer": "signer_source"}  # upload kind -> lesson column
STAGED_PREFIX = ".part-"


@dataclass(frozen=True)
class Uploaded:
    """What an accepted upload became."""

    lesson: str
    kind: str
    path: str  # as the catalogue records it (relative to the data directory)
    bytes: int
    duration_s: float
    width: int
    height: int
    has_audio: bool


def staging_file(data_dir: Path) -> Path:
    """A new hidden file beside the uploads' folder for an upload to stream into."""
    folder = Layout(data_dir).uploads
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{STAGED_PREFIX}{uuid.uuid4().hex}"


def without_paths(error: SabaqError, data_dir: Path, *staged: Path) -> SabaqError:
    """`error` with every mention of the data directory or a staged file taken out of its
    message (a user is told what was wrong, never where the server keeps things)."""

    def scrub(text: str) -> str:
        for path in staged:
            text = text.replace(str(path), "upload")
        for root in {str(data_dir.resolve()), str(data_dir)}:
            text = text.replace(root + os.sep, "").replace(root, "data directory")
        return text

    error.args = (scrub(str(error)),)
    error.details = [scrub(d) for d in error.details]
    return error


def _extension(format_name: str) -> str:
    names = format_name.split(",")
    for name, ext in (("mp4", ".mp4"), ("matroska", ".mkv"), ("mpegts", ".ts"), ("avi", ".avi")):
        if name in names:
            return ext
    return ".media"


def accept_upload(workspace: Workspace, lesson_id: str, kind: str, staged: Path) -> Uploaded:
    """Make the staged file the lesson's `kind` ("source" or "signer") when every check
    passes; the staged file is gone afterwards either way. NotFound for an unknown
    lesson, MediaError (415) for a file sabaq will not package, in messages without
    server paths."""
    column = KINDS[kind]
    catalog, layout = workspace.catalog(), workspace.layout
    final: Path | None = None
    try:
        with catalog.session() as session:
            lesson = session.get(Lesson, lesson_id)
            if lesson is None:
                raise NotFound(f"lesson {lesson_id!r} not found")
            declared = float(lesson.duration_s or 0)
        info = probe(staged)
        check_length(info, declared)
        digest = hashlib.sha256()
        hash_file(digest, staged)
        final = layout.uploads / f"{lesson_id}-{kind}-{digest.hexdigest()[:16]}"
        final = final.with_suffix(_extension(info.format_name))
        size = staged.stat().st_size
        os.replace(staged, final)  # a new name: the current recording is not touched
        relative = layout.stored(final)
        with catalog.session() as session:
            lesson = session.get_one(Lesson, lesson_id)
            previous = getattr(lesson, column)
            setattr(lesson, column, relative)
            if kind == "signer":
                lesson.signed = True
            lesson.status = LessonStatus.imported
        if previous and previous != relative:
            _remove_if_upload(layout, previous)
    except SabaqError as exc:
        if final is not None:
            final.unlink(missing_ok=True)
        raise without_paths(exc, workspace.root, staged) from None
    except BaseException:
        if final is not None:
            final.unlink(missing_ok=True)
        raise
    finally:
        staged.unlink(missing_ok=True)
    width, height = info.display_size
    return Uploaded(lesson_id, kind, relative, size, info.duration_s, width, height, info.has_audio)


def _remove_if_upload(layout: Layout, stored: str) -> None:
    """Remove a replaced recording when it was an upload (files imported from elsewhere
    are the producer's own and stay)."""
    path = layout.resolve(stored)
    if path.parent == layout.uploads:
        with contextlib.suppress(OSError):
            path.unlink()
