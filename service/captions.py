"""Setting a lesson's captions: one way for the CLI and the producer API.

The producer's file is read strictly (a bad one is refused with its line and
nothing changes), kept as normalised WebVTT in the data directory, recorded in
the catalogue, and, when the lesson is packaged, put into its package at once as
a new version (nothing is encoded again: see transcoder.captions.recaption).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from catalog import Catalog
from catalog.captions import LANGUAGES, check_fits, parse_captions, webvtt
from catalog.files import staging_path
from catalog.layout import Layout
from catalog.models import Lesson
from errors import BadInput, NotFound
from service.outputs import deliver
from service.workspace import Workspace
from transcoder.captions import read_tracks, recaption


@dataclass(frozen=True)
class CaptionsSet:
    """What setting captions did."""

    lesson: str
    language: str
    cues: int
    path: str  # where the catalogue keeps them (relative to the data directory)
    version: str | None  # the package version now carrying them (None: not packaged)


def set_captions(
    catalog: Catalog, data_dir: Path, lesson_id: str, language: str, data: bytes, name: str
) -> CaptionsSet:
    """Make `data` (an SRT or WebVTT file called `name` in messages) the lesson's
    captions in `language`. BadInput names the file's bad line; NotFound the lesson."""
    if language not in LANGUAGES:
        raise BadInput(f"captions language {language!r} is not one of {', '.join(LANGUAGES)}")
    cues = parse_captions(data, name)
    with catalog.session() as session:
        lesson = session.get(Lesson, lesson_id)
        if lesson is None:
            raise NotFound(f"lesson {lesson_id!r} not found")
        check_fits(cues, float(lesson.duration_s), name)
    layout = Layout(data_dir)
    target = layout.captions(lesson_id, language)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = staging_path(target)
    part.write_text(webvtt(cues), encoding="utf-8")
    os.replace(part, target)
    stored = layout.stored(target)
    with catalog.session() as session:
        lesson = session.get_one(Lesson, lesson_id)
        lesson.captions = {**(lesson.captions or {}), language: stored}
        files = {k: layout.resolve(v) for k, v in lesson.captions.items()}
        # Where the catalogue says the package is (where its job published it).
        package = layout.resolve(lesson.package.directory) if lesson.package else None
    version = None
    if package is not None:
        version = recaption(package, read_tracks(files)).version
    return CaptionsSet(lesson_id, language, len(cues), stored, version)


def set_captions_file(
    workspace: Workspace, lesson_id: str, language: str, path: Path
) -> CaptionsSet:
    """`set_captions` from a file (BadInput when it cannot be read)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror})") from None
    return set_captions(workspace.catalog(), workspace.root, lesson_id, language, data, str(path))


def draft_captions(media: Path, model: Path, output: Path | None) -> str | None:
    """Draft WebVTT captions from a recording's sound by offline speech recognition
    (a Vosk model directory), marked as a draft to correct; written to `output`, else
    returned."""
    from transcoder.speech import VoskRecogniser, draft

    text = webvtt(draft(media, VoskRecogniser(model))).replace(
        "WEBVTT\n", "WEBVTT\n\nNOTE a draft by speech recognition: correct it\n", 1
    )
    return deliver(text, output)
