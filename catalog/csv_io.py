"""Lesson catalogue as CSV: one row per lesson, its series' fields repeated.

The format producers keep in spreadsheets; UTF-8 (a BOM is accepted), comma
separated, with this header in any order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Lesson, Series
from catalog.records import LessonRecord, SeriesRecord
from catalog.store import ImportBatch, ImportSummary, apply, check_caption_files
from errors import BadInput
from scheduler.fields import FieldError
from scheduler.problem import parse_series

COLUMNS = (
    "lesson_id",
    "series_id",
    "grade",
    "subject",
    "language",
    "series_title",
    "episode",
    "title",
    "duration_s",
    "signed",
    "source",
    "captions",
)
REQUIRED = ("lesson_id", "series_id", "grade", "subject", "language", "episode", "duration_s")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (CSV injection, OWASP)."""


def escape_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, quoted with a leading `'`
    (which `read_csv` takes off again); numbers and other text as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _unescape_cell(value: str | None) -> str | None:
    if value is not None and value.startswith("'") and value[1:2] in FORMULA_START:
        return value[1:]
    return value


def read_csv(text: str, source: str) -> ImportBatch:
    """Parse CSV text into checked records; problems are collected with line numbers."""
    batch = ImportBatch()
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = reader.fieldnames or []
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise BadInput(f"{source} line 1: header lacks column(s) {', '.join(missing)}")
    series_seen: dict[str, tuple[str, SeriesRecord]] = {}
    for raw in reader:
        where = f"line {reader.line_num}"
        if None in raw:
            batch.errors.append(f"{where}: has more fields than the header")
            continue
        row = {key: _unescape_cell(value) for key, value in raw.items()}
        try:
            series = parse_series(
                {
                    "id": row.get("series_id"),
                    "grade": row.get("grade"),
                    "subject": row.get("subject"),
                    "language": row.get("language"),
                    "title": row.get("series_title"),
                }
            )
            lesson = LessonRecord.parse(
                {
                    "id": row.get("lesson_id"),
                    "series": row.get("series_id"),
                    "episode": row.get("episode"),
                    "title": row.get("title"),
                    "duration_s": row.get("duration_s"),
                    "signed": row.get("signed"),
                    "source": row.get("source"),
                    "captions": row.get("captions"),
                }
            )
        except FieldError as exc:
            batch.errors.append(f"{where}: {exc}")
            continue
        first = series_seen.get(series.id)
        if first is None:
            series_seen[series.id] = (where, series)
            batch.series.append((where, series))
        elif first[1] != series:
            batch.errors.append(
                f"{where}: series_id: series {series.id!r} differs from its {first[0]}"
            )
            continue
        batch.lessons.append((where, lesson))
    return batch


def import_csv(
    session: Session, path: Path, resolve: Callable[[str], Path] | None = None
) -> ImportSummary:
    """Import a lesson CSV file; on any bad row nothing is imported. With `resolve`
    (how the catalogue finds a stored path), the rows' subtitle files are read and
    a bad one is the error of its row."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text (byte {exc.start})") from None
    batch = read_csv(text, str(path))
    if resolve is not None:
        check_caption_files(batch, resolve)
    return apply(session, batch, str(path))


def export_csv(session: Session) -> str:
    """The whole lesson catalogue as CSV text, ordered by series and episode."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    lessons = session.scalars(
        select(Lesson)
        .join(Series)
        .options(selectinload(Lesson.series))
        .order_by(Series.id, Lesson.episode)
    )
    for lesson in lessons:
        series = lesson.series
        writer.writerow(
            escape_cell(cell)
            for cell in (
                lesson.id,
                series.id,
                series.grade,
                series.subject,
                series.language,
                series.title,
                lesson.episode,
                lesson.title,
                lesson.duration_s,
                "true" if lesson.signed else "false",
                lesson.source or "",
                " ".join(f"{k}={v}" for k, v in sorted(lesson.captions.items())),
            )
        )
    return out.getvalue()
