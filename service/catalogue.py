"""The catalogue's import, export and listing, for the CLI and the demo."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from catalog.csv_io import export_csv, import_csv
from catalog.jobs import lessons_in_order
from catalog.problem_io import export_problem, import_problem
from catalog.store import ImportSummary
from errors import BadInput
from service.outputs import deliver
from service.workspace import Workspace

FORMATS = ("csv", "json")


@dataclass(frozen=True)
class LessonRow:
    """A lesson as a listing shows it."""

    id: str
    series_id: str
    episode: int
    title: str
    duration_s: int
    signed: bool
    status: str


def import_catalogue(workspace: Workspace, source: Path) -> ImportSummary:
    """Import lessons from a CSV file, or channels, series and lessons from a problem
    JSON file: all rows or none. Files the rows name (media, captions) are found as
    the data directory finds them."""
    if not source.is_file():
        raise BadInput(f"{source}: no such file")
    resolve = workspace.layout.resolve
    with workspace.catalog().session() as session:
        if source.suffix.lower() == ".csv":
            return import_csv(session, source, resolve)
        return import_problem(session, source, resolve)


def export_catalogue(
    workspace: Workspace,
    fmt: str,
    timezone: str,
    start_date: str | None,
    output: Path | None,
    now: datetime,
) -> str | None:
    """The catalogue as lesson CSV or as a problem JSON document starting on
    `start_date` (default: the date of `now` in `timezone`), written to `output`
    (else returned)."""
    if fmt not in FORMATS:
        raise BadInput(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    with workspace.catalog().session() as session:
        if fmt == "csv":
            text = export_csv(session)
        else:
            start = start_date or now.astimezone(ZoneInfo(timezone)).date().isoformat()
            problem = export_problem(session, {"timezone": timezone, "start_date": start})
            text = json.dumps(problem, ensure_ascii=False, indent=2) + "\n"
    return deliver(text, output)


def lesson_rows(workspace: Workspace) -> list[LessonRow]:
    """Every lesson in series and episode order, with its status."""
    with workspace.catalog().session() as session:
        return [
            LessonRow(
                x.id,
                x.series_id,
                x.episode,
                x.title,
                x.duration_s,
                bool(x.signed),
                str(x.status),
            )
            for x in session.scalars(lessons_in_order())
        ]
