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
    episode, title, duration_s, signed, source, captions ('kk=FILE ru=FILE': SRT
    or WebVTT subtitles, read now, packaged with the lesson). JSON: the problem
    format of `sabaq schedule solve` (channels, series, lessons; a lesson's
    "captions" is {"kk": FILE}). Files are named as the data directory finds them.
    """
    from catalog.csv_io import import_csv
    from catalog.layout import Layout
    from catalog.problem_io import import_problem

    resolve = Layout(context.data_dir).resolve
    with user_errors(), context.catalog().session() as session:
        if source.suffix.lower() == ".csv":
            summary = import_csv(session, source, resolve)
        else:
            summary = import_problem(session, source, resolve)
    out.print(
        f"imported {summary.channels} channels, {summary.series} series, "
        f"{summary.lessons} lessons from {source}"
    )


@catalog.command("captions")
@click.argument("lesson")
@click.argument("language", type=click.Choice(["kk", "ru", "en"]))
@click.argument("file", type=click.Path(path_type=Path))
@pass_context
def catalog_captions(context: Context, lesson: str, language: str, file: Path) -> None:
    """Set a lesson's captions in LANGUAGE from FILE (SRT or WebVTT, UTF-8).

    A bad file is refused with its line and changes nothing. A packaged lesson
    gets them at once as a new package version (nothing is encoded again); its
    next transcode keeps them.
    """
    from errors import BadInput
    from service.captions import set_captions

    with user_errors():
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise BadInput(f"{file}: cannot be read ({exc.strerror})") from None
        done = set_captions(context.catalog(), context.data_dir, lesson, language, data, str(file))
    where = f"package version {done.version}" if done.version else "the catalogue (not packaged)"
    out.print(f"{done.cues} {language} captions for {lesson} → {where}")


@catalog.command("draft-captions")
@click.argument("media", type=click.Path(path_type=Path))
@click.option(
    "--model",
    required=True,
    type=click.Path(path_type=Path),
    help="A Vosk model directory for the lesson's language (downloaded once; needs the "
    "speech extra: pip install '.[speech]').",
)
@output_option("WebVTT file to write (default: standard output).")
def catalog_draft_captions(media: Path, model: Path, output: Path | None) -> None:
    """Draft captions from a recording's sound, for a producer to correct.

    The draft is WebVTT (at most two lines of 42 characters, at most 6 s a cue);
    publish it, once read and corrected, with `sabaq catalog captions`.
    """
    from catalog.captions import webvtt
    from transcoder.speech import VoskRecogniser, draft

    with user_errors():
        cues = draft(media, VoskRecogniser(model))
    text = webvtt(cues).replace(
        "WEBVTT\n", "WEBVTT\n\nNOTE a draft by speech recognition: correct it\n", 1
    )
    write_text(output, text)


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
