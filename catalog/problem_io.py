"""The catalogue to and from the scheduling problem JSON of DESIGN.md."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.jobs import lessons_in_order
from catalog.models import Channel, Series
from catalog.records import ChannelRecord, LessonRecord
from catalog.store import ImportBatch, ImportSummary, apply, check_caption_files
from errors import BadInput
from scheduler.fields import FieldError
from scheduler.problem import parse_series


def load_json(path: Path) -> dict[str, Any]:
    """Read a JSON object from a file, with a one-line error for every way it can fail."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise BadInput(f"{path}: the top level is not a JSON object")
    return data


def read_problem(data: Mapping[str, Any]) -> ImportBatch:
    """Channels, series and lessons of a problem document as checked records."""
    batch = ImportBatch()
    for key in ("channels", "series", "lessons"):
        if not isinstance(data.get(key, []), list):
            batch.errors.append(f"{key}: is not a list")
    if batch.errors:
        return batch
    for index, item in enumerate(data.get("channels", [])):
        where = f"channels[{index}]"
        try:
            if not isinstance(item, dict):
                raise FieldError("", "is not an object")
            batch.channels.append((where, ChannelRecord.parse(item, number=index + 1)))
        except FieldError as exc:
            batch.errors.append(f"{where}.{exc}")
    for index, item in enumerate(data.get("series", [])):
        where = f"series[{index}]"
        try:
            if not isinstance(item, dict):
                raise FieldError("", "is not an object")
            batch.series.append((where, parse_series(item)))
        except FieldError as exc:
            batch.errors.append(f"{where}.{exc}")
    for index, item in enumerate(data.get("lessons", [])):
        where = f"lessons[{index}]"
        try:
            if not isinstance(item, dict):
                raise FieldError("", "is not an object")
            batch.lessons.append((where, LessonRecord.parse(item)))
        except FieldError as exc:
            batch.errors.append(f"{where}.{exc}")
    return batch


def import_problem(
    session: Session, path: Path, resolve: Callable[[str], Path] | None = None
) -> ImportSummary:
    """Import the channels, series and lessons of a problem JSON file, all or nothing;
    with `resolve`, the lessons' subtitle files are checked (see import_csv)."""
    batch = read_problem(load_json(path))
    if resolve is not None:
        check_caption_files(batch, resolve)
    return apply(session, batch, str(path))


def export_problem(session: Session, settings: Mapping[str, Any]) -> dict[str, Any]:
    """A problem document of the whole catalogue; `settings` gives the calendar keys
    (timezone, start_date, weekdays, ...), which the catalogue does not hold."""
    channels = session.scalars(select(Channel).order_by(Channel.number, Channel.id)).all()
    series = session.scalars(select(Series).order_by(Series.id)).all()
    lessons = session.scalars(lessons_in_order()).all()
    problem: dict[str, Any] = dict(settings)
    problem["channels"] = [
        {
            "id": c.id,
            "name": c.name,
            "window": [c.window_start, c.window_end],
            "languages": list(c.languages),
            "grades": list(c.grades),
        }
        for c in channels
    ]
    problem["series"] = [
        {
            "id": s.id,
            "grade": s.grade,
            "subject": s.subject,
            "language": s.language,
            "title": s.title,
            "max_per_day": s.max_per_day,
        }
        for s in series
    ]
    problem["lessons"] = [
        {
            "id": lesson.id,
            "series": lesson.series_id,
            "episode": lesson.episode,
            "duration_s": lesson.duration_s,
            "title": lesson.title,
            "signed": lesson.signed,
            **({"source": lesson.source} if lesson.source else {}),
            **({"captions": dict(lesson.captions)} if lesson.captions else {}),
        }
        for lesson in lessons
    ]
    return problem
