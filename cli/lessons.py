"""`sabaq catalog`: import, export and list the lesson catalogue."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from rich.table import Table

from cli.common import (
    Context,
    out,
    output_option,
    pass_context,
    setting,
    timezone_option,
    user_errors,
    write_text,
)


@click.group()
def catalog() -> None:
    """Import, export and list the lesson catalogue."""


@catalog.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@pass_context
def catalog_import(context: Context, source: Path) -> None:
    """Import lessons from a CSV file or a problem JSON file (all or nothing).

    CSV columns: lesson_id, series_id, grade, subject, language, series_title,
    episode, title, duration_s, signed, source. JSON: the problem format of
    `sabaq schedule solve` (channels, series, lessons).
    """
    from catalog.csv_io import import_csv
    from catalog.problem_io import import_problem

    with user_errors(), context.catalog().session() as session:
        if source.suffix.lower() == ".csv":
            summary = import_csv(session, source)
        else:
            summary = import_problem(session, source)
    out.print(
        f"imported {summary.channels} channels, {summary.series} series, "
        f"{summary.lessons} lessons from {source}"
    )


@catalog.command("export")
@setting(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="json",
    help="CSV of lessons, or a problem JSON document.",
)
@output_option("File to write (default: standard output).")
@timezone_option("Time zone written into a problem JSON document.")
@click.option("--start-date", default=None, help="First broadcast date (default: today).")
@pass_context
def catalog_export(
    context: Context, fmt: str, output: Path | None, timezone: str, start_date: str | None
) -> None:
    """Export the catalogue as CSV or as a scheduling problem."""
    from catalog.csv_io import export_csv
    from catalog.problem_io import export_problem

    with user_errors(), context.catalog().session() as session:
        if fmt == "csv":
            text = export_csv(session)
        else:
            start = start_date or datetime.now(ZoneInfo(timezone)).date().isoformat()
            problem = export_problem(session, {"timezone": timezone, "start_date": start})
            text = json.dumps(problem, ensure_ascii=False, indent=2) + "\n"
    write_text(output, text)


@catalog.command("list")
@pass_context
def catalog_list(context: Context) -> None:
    """List lessons with their status."""
    from catalog.jobs import lessons_in_order

    table = Table("lesson", "series", "ep", "title", "min", "signed", "status")
    with user_errors(), context.catalog().session() as session:
        for lesson in session.scalars(lessons_in_order()):
            table.add_row(
                lesson.id,
                lesson.series_id,
                str(lesson.episode),
                lesson.title,
                str(lesson.duration_s // 60),
                "yes" if lesson.signed else "",
                str(lesson.status),
            )
    out.print(table)
