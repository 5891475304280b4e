"""`sabaq`: the command line of producers and broadcasters.

Thin by design: it parses options, calls the packages, prints, and turns
the errors users can meet into one line on stderr and an exit code.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from catalog import Catalog, open_catalog
from catalog.errors import BadInput, Infeasible, SabaqError
from scheduler.exports import FORMATS, SINGLE_FILE
from service import Workspace

ALL_WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)

err = Console(stderr=True)
out = Console()

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


def fail(message: str, code: int = EXIT_FAILED, details: list[str] | None = None) -> NoReturn:
    """Print one line naming what is wrong (then any further problems, indented) and exit."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    for line in details or []:
        err.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    sys.exit(code)


EXIT_CODES: dict[type[SabaqError], int] = {BadInput: EXIT_BAD_INPUT}
"""The one place where errors become exit codes: bad input 2, everything else 1."""
PREFIXES: dict[type[SabaqError], str] = {Infeasible: "infeasible: "}


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn sabaq's errors (catalog.errors) into one line and an exit code, never a
    traceback; further problems of the same input follow, indented."""
    try:
        yield
    except SabaqError as exc:
        code = next((c for k, c in EXIT_CODES.items() if isinstance(exc, k)), EXIT_FAILED)
        prefix = next((p for k, p in PREFIXES.items() if isinstance(exc, k)), "")
        fail(f"{prefix}{exc}", code, exc.details[1:] if len(exc.details) > 1 else None)


class Ladder(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """Rung heights such as 720,480,360,234; a bad one is a usage error naming the option."""

    name = "heights"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from transcoder.ladder import parse_ladder

        if isinstance(value, tuple):
            return value
        try:
            return parse_ladder(str(value))
        except BadInput as exc:
            self.fail(str(exc).removeprefix("ladder: "), param, ctx)


class Context:
    """Options shared by every command: the workspace (data directory and catalogue)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._workspace: Workspace | None = None

    @property
    def workspace(self) -> Workspace:
        """The data directory set by --data (global or after the command)."""
        if self._workspace is None or self._workspace.root != self.data_dir:
            self._workspace = Workspace(self.data_dir)
        return self._workspace

    def catalog(self, wait_s: float = 0.0) -> Catalog:
        """The catalogue, opened (and migrated) on first use; a database that does not
        answer is tried again for up to `wait_s` seconds."""

        def retrying(reason: str, delay: float) -> None:
            err.print(f"[yellow]{escape(reason)}[/]; trying again in {delay:.1f} s")

        with user_errors():
            return self.workspace.catalog(wait_s, retrying)


_pass_context = click.make_pass_decorator(Context)


def _set_data_dir(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    context = ctx.find_object(Context)
    if value is not None and context is not None:
        context.data_dir = value


def pass_context(command: Callable[..., Any]) -> Callable[..., Any]:
    """Pass the shared Context, and accept --data after the command name too."""
    option = click.option(
        "--data",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        expose_value=False,
        callback=_set_data_dir,
        help="Data directory (the same as the global --data).",
    )
    return option(_pass_context(command))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SABAQ_DATA_DIR",
    default=Path("sabaq-data"),
    show_default=True,
    help="Data directory: database, media and HLS packages (env SABAQ_DATA_DIR).",
)
@click.version_option(package_name="sabaq")
@click.pass_context
def main(ctx: click.Context, data_dir: Path) -> None:
    """sabaq — school lessons on television and online.

    Import a lesson catalogue, schedule it into channel grids, transcode the
    lessons with a sign-language interpreter into adaptive HLS, and serve
    them on demand, live, to IPTV players and as web pages.

    The database is a SQLite file in the data directory unless
    SABAQ_DATABASE_URL names another (e.g. postgresql+psycopg://...).
    """
    ctx.obj = Context(data_dir)


# ----------------------------------------------------------------- catalog
@main.group()
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
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="json",
    show_default=True,
    help="CSV of lessons, or a problem JSON document.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@click.option(
    "--timezone",
    default="Asia/Almaty",
    show_default=True,
    help="Time zone written into a problem JSON document.",
)
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


def write_text(output: Path | None, text: str) -> None:
    """Write to a file atomically (temp file, then rename), or to stdout."""
    from catalog.files import write_atomic

    if output is None:
        click.echo(text, nl=False)
        return
    with user_errors():
        write_atomic(output, text)


def read_json(path: Path) -> Any:
    """A JSON file, or a one-line error (exit 2) naming what is wrong."""
    from catalog.problem_io import load_json

    with user_errors():
        return load_json(path)


# ---------------------------------------------------------------- schedule
@main.group()
def schedule() -> None:
    """Solve, check and publish broadcast schedules."""


@schedule.command("solve")
@click.argument("problem_file", metavar="PROBLEM.json", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Schedule JSON to write (only written when a schedule is found).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds the solver may search.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="CP-SAT search workers.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show best days found vs lower bound (default: on a terminal).",
)
@click.option(
    "--pins",
    "pins_file",
    type=click.Path(path_type=Path),
    help="A schedule whose airings are kept as they are (what has already aired).",
)
@click.option(
    "--pinned-until",
    default=None,
    help="With --pins: keep only airings starting before this ISO instant.",
)
def schedule_solve(
    problem_file: Path,
    output: Path,
    time_limit: float,
    workers: int,
    progress: bool | None,
    pins_file: Path | None,
    pinned_until: str | None,
) -> None:
    """Place every lesson into the channels' daily grids in the fewest broadcast days."""
    from scheduler import SolveOptions, check, parse_problem, solve
    from service.schedules import with_pins

    data = read_json(problem_file)
    with user_errors():
        if pins_file is not None:
            data = with_pins(data, read_json(pins_file), pinned_until)
        problem = parse_problem(data)
        show = sys.stderr.isatty() if progress is None else progress
        options = SolveOptions(time_limit_s=time_limit, workers=workers)
        if show:
            with _progress() as bar:
                task = bar.add_task("solving", total=None)

                def report(days: int, bound: int, elapsed: float) -> None:
                    # The bar fills as the best schedule closes in on the lower bound.
                    bar.update(
                        task,
                        description=f"best {days} days, lower bound {bound}",
                        total=1.0,
                        completed=bound / days if days else 1.0,
                    )

                result = solve(problem, options, report)
        else:
            result = solve(problem, options)
        report_ = check(problem, result)
        result.stats["violations"] = len(report_.violations)
        result.stats["slot_consistency"] = report_.slot_consistency
    write_text(output, json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    stats = result.stats
    out.print(
        f"{stats['status']}: {len(result.airings)} airings in {stats['days_used']} days "
        f"(lower bound {stats['lower_bound_days']}), {stats['violations']} violations, "
        f"{stats['solve_s']} s → {output}"
    )


@schedule.command("generate")
@click.option("--lessons", type=click.IntRange(min=1), required=True, help="Lessons in all.")
@click.option("--channels", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same problem.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def schedule_generate(lessons: int, channels: int, seed: int, output: Path) -> None:
    """Make a realistic synthetic problem (11 grades x kk/ru, 4-12 subjects a grade)."""
    from scheduler.generate import generate

    problem = generate(lessons, channels, seed)
    write_text(output, json.dumps(problem, ensure_ascii=False, indent=1) + "\n")
    out.print(
        f"{lessons} lessons in {len(problem['series'])} series on {channels} channels → {output}"
    )


@schedule.command("export")
@click.argument("schedule_file", metavar="SCHEDULE.json", type=click.Path(path_type=Path))
@click.option(
    "--problem",
    "problem_file",
    type=click.Path(path_type=Path),
    help="The problem the schedule solves (default: built from the catalogue).",
)
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(FORMATS),
    help="xmltv, csv and json write one file; ics (one calendar per audience) "
    "and ffplayout (one playlist per channel and day) write a directory.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
@click.option(
    "--timezone",
    default="Asia/Almaty",
    show_default=True,
    help="Broadcast time zone when the problem comes from the catalogue.",
)
@click.option(
    "--filler",
    default="slate.mp4",
    show_default=True,
    help="ffplayout: the clip that fills gaps between lessons.",
)
@pass_context
def schedule_export(
    context: Context,
    schedule_file: Path,
    problem_file: Path | None,
    fmt: str,
    output: Path,
    timezone: str,
    filler: str,
) -> None:
    """Export a schedule for playout (ffplayout), guides (XMLTV), stations (CSV), families (ICS)."""
    from catalog.files import write_directory
    from scheduler import parse_problem, parse_schedule
    from scheduler.exports import export
    from service.schedules import check_lessons_known, problem_from_catalogue

    document = read_json(schedule_file)
    with user_errors():
        schedule = parse_schedule(document)
        if problem_file is not None:
            data = read_json(problem_file)
        else:
            first = min((a.start for a in schedule.airings), default=datetime.now(UTC))
            start = first.astimezone(ZoneInfo(timezone)).date()
            data = problem_from_catalogue(context.catalog(), timezone, start, ALL_WEEKDAYS)
        problem = parse_problem(data)
        check_lessons_known(data, document, str(schedule_file))
        sources = {
            lesson["id"]: lesson["source"]
            for lesson in data.get("lessons", [])
            if isinstance(lesson, dict) and lesson.get("source")
        }
        files = export(problem, schedule, fmt, sources, filler)
        if fmt in SINGLE_FILE:
            (content,) = files.values()
            write_text(output, content if isinstance(content, str) else content.decode("utf-8"))
        else:
            write_directory(output, files)
    out.print(f"wrote {len(files)} file(s) → {output}")


@schedule.command("check")
@click.argument("problem_file", metavar="PROBLEM.json", type=click.Path(path_type=Path))
@click.argument("schedule_file", metavar="SCHEDULE.json", type=click.Path(path_type=Path))
def schedule_check(problem_file: Path, schedule_file: Path) -> None:
    """Check a schedule against every rule; exit 1 when any is broken."""
    from scheduler import check, parse_problem, parse_schedule

    problem_data, schedule_data = read_json(problem_file), read_json(schedule_file)
    with user_errors():
        report = check(parse_problem(problem_data), parse_schedule(schedule_data))
    for violation in report.violations[:50]:
        out.print(f"[red]{violation.rule}[/]: {violation.message}", highlight=False)
    if len(report.violations) > 50:
        out.print(f"... and {len(report.violations) - 50} more")
    out.print(
        json.dumps(
            {
                "violations": len(report.violations),
                "by_rule": report.by_rule(),
                "days_used": report.days_used,
                "lower_bound_days": report.lower_bound_days,
                "dead_air_share": report.dead_air_share,
                "slot_consistency": report.slot_consistency,
            }
        )
    )
    if report.violations:
        sys.exit(EXIT_FAILED)


@schedule.command("publish")
@click.argument("schedule_file", metavar="SCHEDULE.json", type=click.Path(path_type=Path))
@click.option(
    "--timezone",
    default="Asia/Almaty",
    show_default=True,
    help="Broadcast time zone of the schedule.",
)
@pass_context
def schedule_publish(context: Context, schedule_file: Path, timezone: str) -> None:
    """Store a schedule as a new version and make it the live one.

    Airings already aired or on air are kept as they were: the new schedule
    takes effect from the next airing boundary of each channel.
    """
    from catalog.models import utcnow
    from service.schedules import publish_document

    data = read_json(schedule_file)
    with user_errors():
        done = publish_document(context.catalog(), data, timezone, utcnow())
    for note in done.notes:
        err.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    out.print(f"published schedule version {done.version} ({done.airings} airings)")


# --------------------------------------------------------------- transcode
@main.command("transcode")
@click.argument("lesson", required=False, type=click.Path(path_type=Path))
@click.option(
    "--signer",
    type=click.Path(path_type=Path),
    help="Recording of the sign-language interpreter to overlay.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Package directory (appears only when complete).",
)
@click.option(
    "--all",
    "all_lessons",
    is_flag=True,
    help="Transcode every catalogue lesson that is not packaged yet.",
)
@click.option(
    "--queue",
    "queue_only",
    is_flag=True,
    help="With --all: only queue a job per lesson with media, and ring the workers "
    "(`sabaq worker`) when SABAQ_BROKER_URL is set; else run them with --queued.",
)
@click.option(
    "--queued",
    is_flag=True,
    help="Run the jobs queued in the catalogue (e.g. through the server's API), "
    "each with the options it was queued with; several runners may share the queue, "
    "and a job whose runner died is taken again after a minute without heartbeat.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Lessons transcoded at once with --all or --queued.",
)
@click.option(
    "--signer-position",
    default="bottom-right",
    show_default=True,
    type=click.Choice(["bottom-right", "bottom-left", "top-right", "top-left"]),
)
@click.option(
    "--signer-scale",
    type=click.FloatRange(0.05, 1.0),
    default=None,
    help="Signer height as a share of the picture (default: covers 1/6 of it).",
)
@click.option(
    "--chroma-key", default=None, help="Key out this colour behind the signer (e.g. 0x00b140)."
)
@click.option(
    "--signer-offset",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds the signer starts after the lesson.",
)
@click.option(
    "--allow-short-signer",
    is_flag=True,
    help="Accept a signer clip shorter than the lesson (the signer then leaves the picture).",
)
@click.option("--signer-loop", is_flag=True, help="Repeat a signer clip shorter than the lesson.")
@click.option(
    "--ladder",
    type=Ladder(),
    default="720,480,360,234",
    show_default=True,
    help="Rung heights; never above the source's height.",
)
@click.option("--segment", type=int, default=6, show_default=True, help="Segment seconds.")
@click.option("--preset", default="veryfast", show_default=True, help="libx264 preset.")
@pass_context
def transcode_cmd(
    context: Context,
    lesson: Path | None,
    signer: Path | None,
    output: Path | None,
    all_lessons: bool,
    queue_only: bool,
    queued: bool,
    jobs: int,
    signer_position: str,
    signer_scale: float | None,
    chroma_key: str | None,
    signer_offset: float,
    allow_short_signer: bool,
    signer_loop: bool,
    ladder: tuple[int, ...],
    segment: int,
    preset: str,
) -> None:
    """Package a lesson as an adaptive HLS ladder with an audio-only rung.

    One ffmpeg pass: deinterlace, scale and pad to 16:9, overlay the signer,
    normalise loudness to -23 LUFS, encode every rung with aligned 2 s GOPs.
    """
    from transcoder import TranscodeOptions, transcode

    try:
        options = TranscodeOptions(
            ladder=ladder,
            segment_s=segment,
            preset=preset,
            signer_position=signer_position,
            signer_scale=signer_scale,
            chroma_key=chroma_key,
            signer_offset_s=signer_offset,
            allow_short_signer=allow_short_signer,
            loop_signer=signer_loop,
        )
    except BadInput as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    if queue_only:
        if not all_lessons:
            fail("--queue goes with --all", EXIT_BAD_INPUT)
        _queue_all(context, options)
        return
    if all_lessons or queued:
        _transcode_all(context, options, jobs, queued)
        return
    if lesson is None or output is None:
        fail("give LESSON and -o DIR, or --all, or --queued", EXIT_BAD_INPUT)
    with user_errors(), _progress() as bar:
        task = bar.add_task(lesson.name, total=1.0)
        result = transcode(
            lesson,
            output,
            options,
            signer,
            progress=lambda share: bar.update(task, completed=share),
        )
    out.print(
        f"packaged {lesson} → {result.directory} ({', '.join(result.rungs)}; "
        f"{result.segments} segments of {result.segment_s} s)"
    )


def _queue_all(context: Context, options: Any) -> None:
    from service.transcodes import queue_lessons, ring_workers

    with user_errors():
        queued = ring_workers(queue_lessons(context.catalog(), options))
    missing = len(queued.without_media)
    left_out = f", {missing} lessons without media left out" if missing else ""
    if queued.broker is None:
        out.print(
            f"{len(queued.job_ids)} jobs queued{left_out}; run them with `sabaq transcode --queued`"
        )
        return
    out.print(
        f"{len(queued.job_ids)} jobs queued{left_out} and sent to the workers at {queued.broker}"
    )


def _transcode_all(context: Context, options: Any, jobs: int, queued: bool = False) -> None:
    from service.transcodes import all_lesson_ids, run_queue

    workspace = context.workspace
    context.catalog()
    if queued:
        with _progress() as bar:
            tasks: dict[str, TaskID] = {}
            outcomes = run_queue(
                workspace,
                jobs,
                progress=lambda lid, share: bar.update(tasks[lid], completed=share),
                started=lambda lid: tasks.update({lid: bar.add_task(lid, total=1.0)}),
            )
        if not outcomes:
            out.print("no queued jobs")
            return
    else:
        with user_errors():
            ids = all_lesson_ids(workspace.catalog())
        outcomes = _run_jobs(context, ids, options, jobs)
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        err.print(f"[red]failed[/] {outcome.lesson_id}: {outcome.error}", highlight=False)
    done = sum(1 for o in outcomes if o.ok and not o.skipped)
    elsewhere = sum(1 for o in outcomes if o.skipped and o.error)
    current = sum(1 for o in outcomes if o.skipped and not o.error)
    running = f", {elsewhere} running elsewhere" if elsewhere else ""
    out.print(f"{done} packaged, {current} already current{running}, {len(failed)} failed")
    if failed:
        sys.exit(EXIT_FAILED)


def _run_jobs(context: Context, ids: list[str], options: Any, jobs: int) -> list[Any]:
    from service.transcodes import run_lessons

    with _progress() as bar:
        tasks: dict[str, TaskID] = {i: bar.add_task(i, total=1.0) for i in ids}
        return run_lessons(
            context.workspace,
            ids,
            options,
            jobs,
            progress=lambda lid, share: bar.update(tasks[lid], completed=share),
        )


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


# ------------------------------------------------------------------- slate
@main.group()
def slate() -> None:
    """Off-air slates that live channels loop between airings."""


@slate.command("render")
@click.option(
    "--hours",
    type=click.FloatRange(min=0),
    default=48,
    show_default=True,
    help="Make the 'next lesson' slates of airings starting within this many hours.",
)
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--ladder",
    type=Ladder(),
    default="720,480,360,234",
    show_default=True,
    help="Rung heights; use the lessons' ladder so live channels keep every rung.",
)
@click.option("--preset", default="veryfast", show_default=True, help="libx264 preset.")
@click.option("--force", is_flag=True, help="Make them again even if they exist.")
@pass_context
def slate_render(
    context: Context,
    hours: float,
    jobs: int,
    ladder: tuple[int, ...],
    preset: str,
    force: bool,
) -> None:
    """Make each channel's slate, and one per coming airing naming that lesson and its time.

    Run it after publishing a schedule (and daily, e.g. from cron): the server
    never runs ffmpeg, it only loops the slates made here. Slates of airings
    more than a day old are removed.
    """
    from catalog.models import utcnow
    from service.slates import render
    from transcoder.slate import slate_options

    with user_errors():
        options = slate_options(ladder, preset)
        with _progress() as bar:
            task = bar.add_task("slates", total=None)
            made = render(
                context.workspace,
                utcnow(),
                hours,
                options,
                jobs,
                force,
                planned=lambda total: bar.update(task, total=total),
                done=lambda _: bar.advance(task),
            )
    if not made.published:
        err.print("no published schedule: only the channels' own slates were made")
    out.print(
        f"{made.made} slates made, {made.planned - made.made} already there, "
        f"{made.removed} old ones removed"
    )


# -------------------------------------------------------------------- jobs
@main.command()
@click.option("--follow", is_flag=True, help="Show live progress until no job is left to run.")
@click.option("--every", type=click.FloatRange(0.2, 60), default=1.0, show_default=True)
@pass_context
def jobs(context: Context, follow: bool, every: float) -> None:
    """Transcode jobs as the catalogue records them, from every runner and worker."""
    import time

    from sqlalchemy import select

    from catalog.models import JobState, TranscodeJob

    catalog_ = context.catalog()

    def read() -> list[TranscodeJob]:
        with catalog_.session() as session:
            rows = list(session.scalars(select(TranscodeJob).order_by(TranscodeJob.id)))
            session.expunge_all()
            return rows

    open_states = (JobState.queued, JobState.running)
    if follow:
        with _progress() as bar:
            tasks: dict[int, TaskID] = {}
            while True:
                rows = read()
                for job in rows:
                    label = f"{job.lesson_id} [{job.state}]"
                    if job.id not in tasks:
                        tasks[job.id] = bar.add_task(label, total=1.0)
                    bar.update(tasks[job.id], completed=job.progress, description=label)
                if not any(job.state in open_states for job in rows):
                    break
                time.sleep(every)
    rows = read()
    table = Table("job", "lesson", "state", "progress", "attempts", "error")
    for job in rows:
        table.add_row(
            str(job.id),
            job.lesson_id,
            str(job.state),
            f"{job.progress:.0%}",
            str(job.attempts),
            escape(job.error or ""),
        )
    out.print(table)


# ------------------------------------------------------------------ worker
@main.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Jobs this worker runs at once (each ffmpeg uses every core it is given).",
)
@click.option("--name", default=None, help="Worker name (default: the host name).")
@pass_context
def worker(context: Context, concurrency: int, name: str | None) -> None:
    """Run a transcoding worker of the farm (Celery, broker at SABAQ_BROKER_URL).

    It takes the jobs queued with `sabaq transcode --all --queue` or over the
    server's API. Several workers on several machines share the work; a job whose
    worker is killed is run again by another one.
    """
    import os

    from transcoder.farm import broker_url, run_worker

    broker = broker_url()
    if broker is None:
        fail(
            "SABAQ_BROKER_URL is not set (e.g. redis://127.0.0.1:6379/0); without a broker "
            "run the queue locally with `sabaq transcode --queued`",
            EXIT_BAD_INPUT,
        )
    context.catalog()  # migrated once, before the worker forks
    os.environ["SABAQ_DATA_DIR"] = str(context.data_dir.resolve())
    run_worker(broker, concurrency, name)


# ------------------------------------------------------------------- token
@main.group()
def token() -> None:
    """Bearer tokens for producer actions on the server (upload, transcode, publish)."""


@token.command("create")
@click.argument("name")
@pass_context
def token_create(context: Context, name: str) -> None:
    """Make a token called NAME and print it once (only its digest is stored)."""
    from catalog.tokens import create_token

    with user_errors(), context.catalog().session() as session:
        secret = create_token(session, name)
    err.print(f"token {escape(name)} created; keep it now, it cannot be shown again:")
    click.echo(secret)


@token.command("list")
@pass_context
def token_list(context: Context) -> None:
    """Token names with when they were made and revoked (never the tokens)."""
    from catalog.tokens import list_tokens

    with context.catalog().session() as session:
        infos = list_tokens(session)
    table = Table("name", "created", "revoked")
    for info in infos:
        revoked = info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else ""
        table.add_row(info.name, info.created_at.isoformat(timespec="seconds"), revoked)
    out.print(table)


@token.command("revoke")
@click.argument("name")
@pass_context
def token_revoke(context: Context, name: str) -> None:
    """Stop the token called NAME from working."""
    from catalog.tokens import revoke_token

    with user_errors(), context.catalog().session() as session:
        revoke_token(session, name)
    out.print(f"token {escape(name)} revoked")


# ------------------------------------------------------------------- serve
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option(
    "--max-upload-mb",
    type=click.IntRange(min=1),
    default=2048,
    show_default=True,
    help="Largest lesson upload accepted by the producer API.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes sharing the port (one per core is a good start).",
)
@click.option(
    "--access-log/--no-access-log", default=True, show_default=True, help="Log each request."
)
@click.option(
    "--db-wait",
    type=click.FloatRange(min=0),
    default=60,
    show_default=True,
    help="Seconds to keep trying a database that does not answer at start.",
)
@pass_context
def serve(
    context: Context,
    host: str,
    port: int,
    max_upload_mb: int,
    workers: int,
    access_log: bool,
    db_wait: float,
) -> None:
    """Serve pages, the API, VOD, live channels, the M3U list and the XMLTV guide.

    Reading is public; producer actions (upload, queue transcoding, publish)
    need a bearer token from `sabaq token create`.
    """
    _serve(
        context,
        host,
        port,
        max_upload_bytes=max_upload_mb * 1024**2,
        workers=workers,
        access_log=access_log,
        db_wait_s=db_wait,
    )


def _serve(
    context: Context,
    host: str,
    port: int,
    banner: Callable[[], None] | None = None,
    max_upload_bytes: int = 2 * 1024**3,
    workers: int = 1,
    access_log: bool = True,
    db_wait_s: float = 0.0,
) -> None:
    from streaming.serve import run_server

    context.catalog(db_wait_s)  # opened and migrated once, before any worker starts
    url = context.workspace.database_url
    if banner:
        banner()
    processes = f", {workers} processes" if workers > 1 else ""
    try:
        run_server(
            lambda: open_catalog(url, migrate=False),
            context.data_dir,
            host,
            port,
            workers,
            max_upload_bytes,
            announce=lambda _: out.print(
                f"serving on http://{host}:{port}{processes} (Ctrl+C to stop)"
            ),
            access_log=access_log,
        )
    except OSError as exc:
        fail(f"cannot listen on {host}:{port} ({exc.strerror})")


# -------------------------------------------------------------------- demo
@main.command()
@click.option(
    "--lessons",
    type=click.IntRange(1, 200),
    default=8,
    show_default=True,
    help="Sample lessons to make.",
)
@click.option(
    "--duration",
    type=click.IntRange(10, 3600),
    default=60,
    show_default=True,
    help="Seconds per sample lesson.",
)
@click.option("--serve/--no-serve", "serve_after", default=True, help="Serve when done.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option(
    "--timezone",
    default="Asia/Almaty",
    show_default=True,
    help="Broadcast time zone of the sample channels.",
)
@pass_context
def demo(
    context: Context,
    lessons: int,
    duration: int,
    serve_after: bool,
    host: str,
    port: int,
    timezone: str,
) -> None:
    """Build sample lessons, transcode them with a signer, schedule them from now, serve.

    Lessons are generated with ffmpeg (no downloads): a picture with the
    title in Kazakh or Russian and a tone; odd-numbered ones are signed.
    """
    try:
        zone = ZoneInfo(timezone)
    except (ValueError, KeyError):
        fail(f"--timezone: unknown time zone {timezone!r}", EXIT_BAD_INPUT)
    from service.demo import build

    context.catalog()
    with user_errors(), _progress() as bar:
        built = build(context.workspace, lessons, duration, zone, _BarReporter(bar))
    summary = (
        f"{built.lessons} lessons, schedule {built.status} in {built.days} day(s), "
        f"version {built.version} published"
    )
    first = built.first_lesson
    base = f"http://{host}:{port}"

    def banner() -> None:
        out.print(
            f"\n[bold]sabaq demo[/] ({summary})\n"
            f"  pages     {base}/\n"
            f"  lesson    {base}/lessons/{first}\n"
            f"  live      {base}/channels/al-farabi\n"
            f"  IPTV      {base}/iptv/playlist.m3u   guide {base}/iptv/epg.xml\n"
            f"  API       {base}/api/lessons   {base}/api/openapi.json\n"
        )

    if serve_after:
        _serve(context, host, port, banner)
    else:
        banner()


class _BarReporter:
    """The demo's progress as rich bars and lines (service.demo.Reporter)."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar

    def say(self, text: str) -> None:
        self.bar.console.print(text, highlight=False, markup=False)

    def task(self, label: str, total: float) -> Callable[[str, float], None]:
        task = self.bar.add_task(label, total=total)
        shares: dict[str, float] = {}

        def update(item: str, done: float) -> None:
            if total == 1.0:  # shares of several items: the bar shows their mean
                shares[item] = done
                done = sum(shares.values()) / max(len(shares), 1)
            self.bar.update(task, completed=done)

        return update


if __name__ == "__main__":  # pragma: no cover
    main()
