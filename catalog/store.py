"""Writing checked records into the catalogue, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.captions import check_fits, parse_captions
from catalog.models import Channel, Lesson, Series
from catalog.records import ChannelRecord, LessonRecord, SeriesRecord
from errors import BadInput


@dataclass
class ImportBatch:
    """Records read from one file, with where each came from (for error messages)."""

    channels: list[tuple[str, ChannelRecord]] = field(default_factory=list)
    series: list[tuple[str, SeriesRecord]] = field(default_factory=list)
    lessons: list[tuple[str, LessonRecord]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportSummary:
    """How many rows an import added or changed."""

    channels: int
    series: int
    lessons: int


def raise_errors(errors: Sequence[str], source: str) -> None:
    """Raise one BadInput for all the errors found in `source`, if any."""
    if not errors:
        return
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    raise BadInput(f"{source}: {errors[0]}{more}; nothing imported", list(errors))


def check_caption_files(batch: ImportBatch, resolve: Callable[[str], Path]) -> None:
    """Read every lesson's subtitle files (each path as `resolve` finds it): a file that
    is missing or bad is an error of the lesson's row, with the file's own line."""
    for where, lesson in batch.lessons:
        for language, stored in lesson.captions:
            path = resolve(stored)
            try:
                data = path.read_bytes()
            except OSError as exc:
                batch.errors.append(f"{where}: captions: {language}: {stored}: {exc.strerror}")
                continue
            try:
                cues = parse_captions(data, stored)
                check_fits(cues, lesson.duration_s, stored)
            except BadInput as exc:
                batch.errors.append(f"{where}: captions: {language}: {exc}")


def _check_duplicates(batch: ImportBatch) -> None:
    for kind, items in (
        ("channel", batch.channels),
        ("series", batch.series),
        ("lesson", batch.lessons),
    ):
        seen: dict[str, str] = {}
        for where, record in items:
            if record.id in seen:
                batch.errors.append(f"{where}: id: duplicate {kind} id {record.id!r}")
            seen[record.id] = where


def apply(session: Session, batch: ImportBatch, source: str) -> ImportSummary:
    """Insert or update every record of `batch`; on any error, change nothing."""
    _check_duplicates(batch)
    raise_errors(batch.errors, source)
    for _where, channel in batch.channels:
        session.merge(
            Channel(
                id=channel.id,
                name=channel.name,
                number=channel.number,
                window_start=channel.window[0],
                window_end=channel.window[1],
                languages=list(channel.languages),
                grades=list(channel.grades),
            )
        )
    known_series = {sid for (sid,) in session.execute(select(Series.id))}
    for _where, series in batch.series:
        known_series.add(series.id)
        session.merge(
            Series(
                id=series.id,
                grade=series.grade,
                subject=series.subject,
                language=series.language,
                title=series.title,
                max_per_day=series.max_per_day,
            )
        )
    episodes: dict[tuple[str, int], str] = {
        (row.series_id, row.episode): row.id for row in session.scalars(select(Lesson)).all()
    }
    errors: list[str] = []
    for where, lesson in batch.lessons:
        if lesson.series not in known_series:
            errors.append(f"{where}: series: unknown series {lesson.series!r}")
            continue
        holder = episodes.get((lesson.series, lesson.episode))
        if holder is not None and holder != lesson.id:
            errors.append(
                f"{where}: episode: {lesson.series} episode {lesson.episode} is already "
                f"lesson {holder!r}"
            )
            continue
        episodes[(lesson.series, lesson.episode)] = lesson.id
        existing = session.get(Lesson, lesson.id)
        if existing is None:
            session.add(
                Lesson(
                    id=lesson.id,
                    series_id=lesson.series,
                    episode=lesson.episode,
                    title=lesson.title,
                    duration_s=lesson.duration_s,
                    signed=lesson.signed,
                    source=lesson.source,
                    captions=dict(lesson.captions),
                )
            )
        else:
            existing.series_id = lesson.series
            existing.episode = lesson.episode
            existing.title = lesson.title
            existing.duration_s = lesson.duration_s
            existing.signed = lesson.signed
            if lesson.source is not None:
                existing.source = lesson.source
            if lesson.captions:
                existing.captions = {**existing.captions, **dict(lesson.captions)}
    if errors:
        session.rollback()
        raise_errors(errors, source)
    session.flush()
    return ImportSummary(len(batch.channels), len(batch.series), len(batch.lessons))
