"""Setting a lesson's captions: one way for the CLI and the producer API.

The producer's file is read strictly (a bad one is refused with its line and
nothing changes), kept as normalised WebVTT in the data directory, recorded in
the catalogue, and, when the lesson is packaged, put into its package at once as
a new version (nothing is encoded again: see transcoder.captions.recaption).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from catalog.captions import LANGUAGES, check_fits, digest, parse_captions, webvtt
from catalog.files import write_atomic
from catalog.models import Lesson
from errors import BadInput, NotFound, SabaqError
from service.outputs import deliver
from service.uploads import without_paths
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
    workspace: Workspace, lesson_id: str, language: str, data: bytes, name: str
) -> CaptionsSet:
    """Make `data` (an SRT or WebVTT file called `name` in messages) the lesson's
    captions in `language`. BadInput names the file's bad line; NotFound the lesson.

    All or nothing: the file is checked whole, written under a new name, put into
    the package (when there is one) and recorded in one transaction; a refusal at
    any step leaves the stored captions, the package and the catalogue as they were,
    and no file behind."""
    if language not in LANGUAGES:
        raise BadInput(f"captions language {language!r} is not one of {', '.join(LANGUAGES)}")
    catalog, layout, data_dir = workspace.catalog(), workspace.layout, workspace.root
    written: Path | None = None
    committed = False
    try:
        cues = parse_captions(data, name)
        with catalog.session() as session:
            lesson = session.get(Lesson, lesson_id)
            if lesson is None:
                raise NotFound(f"lesson {lesson_id!r} not found")
            check_fits(cues, float(lesson.duration_s), name)
            stored_before = dict(lesson.captions or {})
            others = {k: layout.resolve(v) for k, v in stored_before.items() if k != language}
            tracks = {**read_tracks(others), language: cues}
            usual = layout.captions(lesson_id, language)
            target = usual.with_name(f"{usual.stem}.{digest(cues)}{usual.suffix}")
            if not target.exists():  # else these very cues are stored already
                target.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(target, webvtt(cues))
                written = target
            stored = layout.stored(target)
            lesson.captions = {**stored_before, language: stored}
            # Where the catalogue says the package is (where its job published it).
            package = layout.resolve(lesson.package.directory) if lesson.package else None
            spoken = lesson.series.language  # tags the offline MP4's picture and sound
            made = recaption(package, tracks, language=spoken) if package is not None else None
            version = made.version if made is not None else None
        committed = True
    except SabaqError as exc:
        raise without_paths(exc, data_dir) from None
    finally:
        if written is not None and not committed:
            written.unlink(missing_ok=True)
    replaced = stored_before.get(language)
    old = layout.resolve(replaced) if replaced else None
    if old is not None and replaced != stored and old.parent == target.parent:
        with contextlib.suppress(OSError):  # sabaq's own copy, no longer used
            old.unlink()
    return CaptionsSet(lesson_id, language, len(cues), stored, version)


def set_captions_file(
    workspace: Workspace, lesson_id: str, language: str, path: Path
) -> CaptionsSet:
    """`set_captions` from a file (BadInput when it cannot be read)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror})") from None
    return set_captions(workspace, lesson_id, language, data, str(path))


def draft_captions(media: Path, model: Path, output: Path | None) -> str | None:
    """Draft WebVTT captions from a recording's sound by offline speech recognition
    (a Vosk model directory), marked as a draft to correct; written to `output`, else
    returned."""
    from transcoder.speech import VoskRecogniser, draft

    text = webvtt(draft(media, VoskRecogniser(model))).replace(
        "WEBVTT\n", "WEBVTT\n\nNOTE a draft by speech recognition: correct it\n", 1
    )
    return deliver(text, output)
