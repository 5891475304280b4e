"""`sabaq`: the command line of producers and broadcasters.

The face, and only that: each command parses its options, calls one function
of `service/` (or, for `sabaq serve`, the server's entry point), and prints.
Errors users can meet carry their exit code (bad input 2, other failures 1) and
become one line on stderr here, in `user_errors`. Progress shows as bars on a
terminal, and as one line per finished step where output goes to a log.
"""

from __future__ import annotations

import sys
import threading
import time
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

from service import (
    BadInput,
    Infeasible,
    SabaqError,
    Workspace,
    catalogue,
    guides,
    jobs,
    solving,
    tokens,
    transcodes,
)
from service.schedules import DEFAULT_TIMEZONE, check_timezone, publish_file

err = Console(stderr=True)
out = Console()

EXIT_BAD_INPUT = BadInput.exit_code
EXIT_FAILED = SabaqError.exit_code
DEFAULT_LADDER = "720,480,360,234"
PREFIXES: dict[type[SabaqError], str] = {Infeasible: "infeasible: "}


def fail(message: str, code: int = EXIT_FAILED, details: list[str] | None = None) -> NoReturn:
    """Print one line naming what is wrong (then any further problems, indented) and exit."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    for line in details or []:
        err.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    sys.exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn sabaq's errors into one line and the exit code each carries, never a
    traceback; further problems of the same input follow, indented."""
    try:
        yield
    except SabaqError as exc:
        prefix = next((p for k, p in PREFIXES.items() if isinstance(exc, k)), "")
        fail(f"{prefix}{exc}", exc.exit_code, exc.details[1:] if len(exc.details) > 1 else None)


# --- progress: bars on a terminal, one line per finished step elsewhere --------------


class Steps:
    """Progress of long work. On a terminal: rich bars, started only once work has
    begun (so an input error is never preceded by an empty bar). Elsewhere (a log
    file, CI, nohup): no bars, and `done` lines say each finished step."""

    def __init__(self, bars: bool | None = None) -> None:
        self.bars = err.is_terminal if bars is None else bars
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()  # jobs report from their own threads

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *_: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def _bar(self) -> Progress:
        if self._progress is None:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                console=err,
                transient=False,
            )
            self._progress.start()
        return self._progress

    def update(
        self, key: str, done: float, total: float | None = 1.0, label: str | None = None
    ) -> None:
        """Set `key`'s bar to `done` of `total` (on a terminal only)."""
        if not self.bars:
            return
        with self._lock:
            bar = self._bar()
            if key not in self._tasks:
                self._tasks[key] = bar.add_task(label or key, total=total)
        bar.update(self._tasks[key], completed=done, total=total, description=label or key)

    def done(self, text: str) -> None:
        """One finished step, as a line (above the bars on a terminal)."""
        console = self._progress.console if self._progress is not None else err
        console.print(text, highlight=False, markup=False, soft_wrap=True)


# --- option types and shared options ---------------------------------------------------


class Ladder(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click
    """Rung heights such as 720,480,360,234; a bad one is a usage error naming the option."""

    name = "heights"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        try:
            return transcodes.parse_ladder(str(value))
        except BadInput as exc:
            self.fail(str(exc).removeprefix("ladder: "), param, ctx)


class TimeZoneName(click.ParamType):  # type: ignore[type-arg]
    """An IANA time zone name, judged by the problem document's own rule."""

    name = "zone"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            check_timezone(value)
        except BadInput as exc:
            self.fail(str(exc).removeprefix("timezone: "), param, ctx)
        return str(value)


def setting(*names: str, **attributes: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An option whose default --help shows: most of sabaq's options are settings."""
    return click.option(*names, show_default=True, **attributes)


def output_option(
    help_text: str, *, required: bool = False, file: bool = True, directory: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-o/--output: what a command writes (a file, a directory, or either)."""
    kind = click.Path(file_okay=file, dir_okay=directory, path_type=Path)
    return click.option("-o", "--output", type=kind, required=required, help=help_text)


def timezone_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--timezone, checked before the command runs (a usage error, exit 2)."""
    return setting("--timezone", type=TimeZoneName(), default=DEFAULT_TIMEZONE, help=help_text)


def ladder_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return setting("--ladder", type=Ladder(), default=DEFAULT_LADDER, help=help_text)


preset_option = setting("--preset", default="veryfast", help="libx264 preset.")
progress_option = click.option(
    "--progress/--no-progress",
    "show_progress",
    default=None,
    help="Progress bars (default: on a terminal; elsewhere one line per finished step).",
)


class Context:
    """Options shared by every command: the data directory, and its workspace."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._workspace: Workspace | None = None

    @property
    def workspace(self) -> Workspace:
        """The data directory set by --data (global or after the command)."""
        if self._workspace is None or self._workspace.root != self.data_dir:
            self._workspace = Workspace(self.data_dir)
        return self._workspace


_pass_context = click.make_pass_decorator(Context)


def _set_data_dir(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    context = ctx.find_object(Context)
    if value is not None and context is not None:
        context.data_dir = value


def pass_workspace(command: Callable[..., Any]) -> Callable[..., Any]:
    """Pass the data directory's Workspace, and accept --data after the command name too."""

    def with_workspace(context: Context, *args: Any, **kwargs: Any) -> Any:
        return command(context.workspace, *args, **kwargs)

    with_workspace.__name__ = command.__name__
    with_workspace.__doc__ = command.__doc__
    option = click.option(
        "--data",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        expose_value=False,
        callback=_set_data_dir,
        help="Data directory (the same as the global --data).",
    )
    return option(_pass_context(with_workspace))


def echo(text: str | None) -> None:
    """What a workflow returned instead of writing a file: to standard output."""
    if text is not None:
        click.echo(text, nl=False)


def _retrying(reason: str, delay: float) -> None:
    err.print(f"[yellow]{escape(reason)}[/]; trying again in {delay:.1f} s")


# --- sabaq -------------------------------------------------------------------------


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
    Exit codes: 0 done, 2 bad input (a file, a field, an option), 1 any other failure.
    """
    ctx.obj = Context(data_dir)


# --- sabaq catalog -------------------------------------------------------------------


@main.group()
def catalog() -> None:
    """Import, export and list the lesson catalogue."""


@catalog.command("import")
@click.argument("source", type=click.Path(path_type=Path))
@pass_workspace
def catalog_import(workspace: Workspace, source: Path) -> None:
    """Import lessons from a CSV file or a problem JSON file (all or nothing).

    CSV columns: lesson_id, series_id, grade, subject, language, series_title,
    episode, title, duration_s, signed, source, captions ('kk=FILE ru=FILE': SRT
    or WebVTT subtitles, read now, packaged with the lesson). JSON: the problem
    format of `sabaq schedule solve` (channels, series, lessons; a lesson's
    "captions" is {"kk": FILE}). Files are named as the data directory finds them.
    """
    with user_errors():
        summary = catalogue.import_catalogue(workspace, source)
    out.print(
        f"imported {summary.channels} channels, {summary.series} series, "
        f"{summary.lessons} lessons from {source}"
    )


@catalog.command("captions")
@click.argument("lesson")
@click.argument("language", type=click.Choice(["kk", "ru", "en"]))
@click.argument("file", type=click.Path(path_type=Path))
@pass_workspace
def catalog_captions(workspace: Workspace, lesson: str, language: str, file: Path) -> None:
    """Set a lesson's captions in LANGUAGE from FILE (SRT or WebVTT, UTF-8).

    A bad file is refused with its line and changes nothing. A packaged lesson
    gets them at once as a new package version (nothing is encoded again); its
    next transcode keeps them.
    """
    from service.captions import set_captions_file

    with user_errors():
        done = set_captions_file(workspace, lesson, language, file)
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
    from service.captions import draft_captions

    with user_errors():
        echo(draft_captions(media, model, output))


@catalog.command("export")
@setting(
    "--format",
    "fmt",
    type=click.Choice(catalogue.FORMATS),
    default="json",
    help="CSV of lessons, or a problem JSON document.",
)
@output_option("File to write (default: standard output).")
@timezone_option("Time zone written into a problem JSON document.")
@click.option("--start-date", default=None, help="First broadcast date (default: today).")
@pass_workspace
def catalog_export(
    workspace: Workspace, fmt: str, output: Path | None, timezone: str, start_date: str | None
) -> None:
    """Export the catalogue as CSV or as a scheduling problem."""
    with user_errors():
        echo(
            catalogue.export_catalogue(
                workspace, fmt, timezone, start_date, output, datetime.now(UTC)
            )
        )


@catalog.command("list")
@pass_workspace
def catalog_list(workspace: Workspace) -> None:
    """List lessons with their status."""
    with user_errors():
        rows = catalogue.lesson_rows(workspace)
    table = Table("lesson", "series", "ep", "title", "min", "signed", "status")
    for row in rows:
        table.add_row(
            row.id,
            row.series_id,
            str(row.episode),
            row.title,
            str(row.duration_s // 60),
            "yes" if row.signed else "",
            row.status,
        )
    out.print(table)


# --- sabaq schedule ------------------------------------------------------------------


@main.group()
def schedule() -> None:
    """Solve, check and publish broadcast schedules."""


@schedule.command("solve")
@click.argument("problem_file", metavar="PROBLEM.json", type=click.Path(path_type=Path))
@output_option("Schedule JSON to write (only written when a schedule is found).", required=True)
@setting(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=60.0,
    help="Seconds the command may take, reading and writing included.",
)
@setting(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    help="CP-SAT search workers, and processes for the heuristic's variants and the "
    "search's day sweeps.",
)
@click.option(
    "--progress/--no-progress",
    "show_progress",
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
    show_progress: bool | None,
    pins_file: Path | None,
    pinned_until: str | None,
) -> None:
    """Place every lesson into the channels' daily grids in the fewest broadcast days.

    The time limit counts from the command's start: reading, checking and writing
    come out of it (Python's own start-up, a second or two, does not). Above 400
    lessons the list scheduler's variants, compaction and the neighbourhood search
    use the whole limit; the schedule is written only once the independent checker
    has passed it; `schedule explain` says why a problem has no schedule."""
    begun = time.monotonic()
    with user_errors(), Steps(show_progress) as steps:

        def report(days: int, bound: int, _elapsed: float) -> None:
            # The bar fills as the best schedule closes in on the lower bound.
            label = f"best {days} days, lower bound {bound}"
            steps.update("solving", bound / days if days else 1.0, 1.0, label)

        solved = solving.solve_file(
            problem_file, output, time_limit, workers, pins_file, pinned_until, report, begun
        )
    stats = solved.stats
    for turned_down in stats.get("rejected", []):
        # a stage's schedule broke a rule: a bug worth reporting, the output is not affected
        err.print(f"[yellow]warning:[/] checker turned down {escape(turned_down)}", highlight=False)
    out.print(
        f"{stats['status']}: {len(solved.schedule.airings)} airings in {stats['days_used']} "
        f"days (lower bound {stats['lower_bound_days']}), {stats['violations']} violations, "
        f"{stats['solve_s']} s → {output}"
    )


@schedule.command("generate")
@click.option("--lessons", type=click.IntRange(min=1), required=True, help="Lessons in all.")
@setting("--channels", type=click.IntRange(min=1), default=2)
@setting("--seed", type=int, default=0, help="Same seed, same problem.")
@click.option(
    "--shape",
    type=click.Choice(solving.SHAPES),
    default=None,
    help="A network of the shape sweep (its channels, windows, caps, pins; --channels "
    "is ignored) instead of the national one.",
)
@output_option("Problem JSON to write.", required=True)
def schedule_generate(
    lessons: int, channels: int, seed: int, shape: str | None, output: Path
) -> None:
    """Make a realistic synthetic problem (11 grades x kk/ru, 4-12 subjects a grade)."""
    with user_errors():
        problem = solving.generate_problem(lessons, channels, seed, shape, output)
    out.print(
        f"{lessons} lessons in {len(problem['series'])} series on "
        f"{len(problem['channels'])} channels → {output}"
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
    type=click.Choice(guides.FORMATS),
    help="xmltv, csv and json write one file; ics (one calendar per audience) "
    "and ffplayout (one playlist per channel and day) write a directory.",
)
@output_option("File, or directory for ics and ffplayout.", required=True, directory=True)
@timezone_option("Broadcast time zone when the problem comes from the catalogue.")
@setting(
    "--filler", default="slate.mp4", help="ffplayout: the clip that fills gaps between lessons."
)
@pass_workspace
def schedule_export(
    workspace: Workspace,
    schedule_file: Path,
    problem_file: Path | None,
    fmt: str,
    output: Path,
    timezone: str,
    filler: str,
) -> None:
    """Export a schedule for playout (ffplayout), guides (XMLTV), stations (CSV), families (ICS).

    Channels are numbered as the catalogue numbers them (their place in the problem),
    the same numbers the server's /iptv/epg.xml gives."""
    with user_errors():
        count = guides.export_schedule(
            workspace, schedule_file, fmt, output, problem_file, timezone, filler
        )
    out.print(f"wrote {count} file(s) → {output}")


@schedule.command("check")
@click.argument("problem_file", metavar="PROBLEM.json", type=click.Path(path_type=Path))
@click.argument("schedule_file", metavar="SCHEDULE.json", type=click.Path(path_type=Path))
def schedule_check(problem_file: Path, schedule_file: Path) -> None:
    """Check a schedule against every rule; exit 1 when any is broken."""
    import json

    with user_errors():
        report = solving.check_files(problem_file, schedule_file)
    for violation in report.violations[:50]:
        out.print(f"[red]{violation.rule}[/]: {escape(violation.message)}", highlight=False)
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


@schedule.command("explain")
@click.argument("problem_file", metavar="PROBLEM.json", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the reasons as a JSON list.")
@setting(
    "--time-limit",
    type=click.FloatRange(min=0.1),
    default=30.0,
    help="Seconds the CP-SAT explanation may search when the pre-checks find nothing.",
)
def schedule_explain(problem_file: Path, as_json: bool, time_limit: float) -> None:
    """Name what makes a problem impossible to schedule; exit 1 if anything does.

    First the pre-checks: every lesson (a channel that carries it, a window it fits,
    the daily cap), every pin (its channel, both windows, clashes, episode order, a
    day's cap) and the capacity bounds. When they find nothing, a CP-SAT model with
    one assumption per rule group (each pin, channel window and overlap, audience
    window, overlap and cap, series order and per-day limit) names a small set of
    rules that cannot all hold, with their lessons, channels, audiences and numbers.
    Above 400 lessons that model covers the pins and the episodes before them."""
    import json

    with user_errors():
        explained = solving.explain_file(problem_file, time_limit)
    found, verdict = explained.reasons, explained.verdict
    if as_json:
        parts = [reason.partition(":") for reason in found]
        reasons = [{"rules": rule.split(", "), "reason": text.strip()} for rule, _, text in parts]
        out.print(json.dumps(reasons, ensure_ascii=False), highlight=False, soft_wrap=True)
    elif found:
        for reason in found:
            rule, _, text = reason.partition(":")
            out.print(f"[red]{escape(rule)}[/]:{escape(text)}", highlight=False, soft_wrap=True)
    elif verdict is not None:
        sentences = {
            "feasible": f"a schedule exists for {verdict.scope}: nothing rules one out",
            "unknown": f"no conflict found in {time_limit:g} s ({verdict.scope} was modelled)",
            "not modelled": "the pre-checks find nothing that rules out a schedule "
            "(a problem this large without pins is not modelled further)",
        }
        out.print(sentences[verdict.verdict], highlight=False, soft_wrap=True)
    if found:
        sys.exit(EXIT_FAILED)


@schedule.command("publish")
@click.argument("schedule_file", metavar="SCHEDULE.json", type=click.Path(path_type=Path))
@timezone_option("Broadcast time zone of the schedule.")
@pass_workspace
def schedule_publish(workspace: Workspace, schedule_file: Path, timezone: str) -> None:
    """Store a schedule as a new version and make it the live one.

    Airings already aired or on air are kept as they were: the new schedule
    takes effect from the next airing boundary of each channel.
    """
    with user_errors():
        done = publish_file(workspace, schedule_file, timezone, datetime.now(UTC))
    for note in done.notes:
        err.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    out.print(f"published schedule version {done.version} ({done.airings} airings)")


# --- sabaq transcode, slate, jobs, worker -------------------------------------------


@main.command("transcode")
@click.argument("lesson", required=False, type=click.Path(path_type=Path))
@click.option(
    "--signer",
    type=click.Path(path_type=Path),
    help="Recording of the sign-language interpreter to overlay.",
)
@output_option("Package directory (appears only when complete).", file=False, directory=True)
@click.option(
    "--captions",
    "caption_files",
    multiple=True,
    metavar="LANG=FILE",
    help="Subtitles for deaf and hard-of-hearing viewers (SRT or WebVTT, UTF-8), e.g. "
    "kk=lesson.kk.srt; repeat for each language. Catalogue lessons take theirs from "
    "the catalogue (`sabaq catalog captions`, the CSV's captions column).",
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
    "--force",
    is_flag=True,
    help="With --all or --queue: transcode even lessons whose package is current "
    "(a new version with new segment URLs; the old one stays readable for an hour).",
)
@click.option(
    "--queued",
    is_flag=True,
    help="Run the jobs queued in the catalogue (e.g. through the server's API), "
    "each with the options it was queued with; several runners may share the queue, "
    "and a job whose runner died is taken again after a minute without heartbeat.",
)
@setting(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    help="Lessons transcoded at once with --all or --queued.",
)
@setting(
    "--signer-position",
    default="bottom-right",
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
@setting(
    "--signer-offset", type=float, default=0.0, help="Seconds the signer starts after the lesson."
)
@click.option(
    "--allow-short-signer",
    is_flag=True,
    help="Accept a signer clip shorter than the lesson (the signer then leaves the picture).",
)
@click.option("--signer-loop", is_flag=True, help="Repeat a signer clip shorter than the lesson.")
@ladder_option("Rung heights; never above the source's height.")
@setting("--segment", type=int, default=6, help="Segment seconds.")
@preset_option
@progress_option
@pass_workspace
def transcode(
    workspace: Workspace,
    lesson: Path | None,
    signer: Path | None,
    output: Path | None,
    caption_files: tuple[str, ...],
    all_lessons: bool,
    queue_only: bool,
    force: bool,
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
    show_progress: bool | None,
) -> None:
    """Package a lesson as an adaptive HLS ladder with an audio-only rung.

    One ffmpeg pass: deinterlace, scale and pad to 16:9, overlay the signer,
    normalise loudness to -23 LUFS, encode every rung with aligned 2 s GOPs.
    """
    with user_errors():
        options = transcodes.transcode_options(
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
    if queue_only and not all_lessons:
        fail("--queue goes with --all", EXIT_BAD_INPUT)
    if caption_files and (all_lessons or queued):
        fail(
            "--captions goes with one LESSON; catalogue lessons have theirs in the catalogue",
            EXIT_BAD_INPUT,
        )
    if force and not all_lessons:
        fail("--force goes with --all (and --queue)", EXIT_BAD_INPUT)
    if queue_only:
        _queue_all(workspace, options, force)
        return
    if all_lessons or queued:
        _transcode_all(workspace, options, jobs, queued, force, show_progress)
        return
    if lesson is None or output is None:
        fail("give LESSON and -o DIR, or --all, or --queued", EXIT_BAD_INPUT)
    with user_errors(), Steps(show_progress) as steps:
        result = transcodes.package_file(
            lesson,
            output,
            options,
            signer,
            " ".join(caption_files),
            progress=lambda share: steps.update(lesson.name, share),
        )
    out.print(
        f"packaged {lesson} → {result.directory} ({', '.join(result.rungs)}; "
        f"{result.segments} segments of {result.segment_s} s)"
    )


def _queue_all(workspace: Workspace, options: Any, force: bool) -> None:
    with user_errors():
        queued = transcodes.ring_workers(transcodes.queue_lessons(workspace, options, force=force))
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


def said(outcome: jobs.JobOutcome) -> str:
    """One line for a finished job: what it made, in how long, at what speed."""
    if not outcome.ok:
        return f"failed {outcome.lesson_id}: {outcome.error}"
    if outcome.skipped:
        why = outcome.error or "package current, kept"
        return f"{outcome.lesson_id}: {why}"
    speed = f", {outcome.realtime:.1f}x realtime" if outcome.realtime else ""
    return f"packaged {outcome.lesson_id} in {outcome.seconds:.1f} s{speed}"


def _transcode_all(
    workspace: Workspace,
    options: Any,
    count: int,
    queued: bool,
    force: bool,
    bars: bool | None,  # None: on a terminal
) -> None:
    with user_errors(), Steps(bars) as steps:

        def advance(lesson_id: str, share: float) -> None:
            steps.update(lesson_id, share)

        def finished(outcome: jobs.JobOutcome) -> None:
            if outcome.ok and not outcome.skipped:
                steps.update(outcome.lesson_id, 1.0)
            if outcome.ok:
                steps.done(said(outcome))

        if queued:
            outcomes = jobs.run_queue(workspace, count, advance, finished=finished)
        else:
            ids = transcodes.all_lesson_ids(workspace)
            outcomes = jobs.run_lessons(workspace, ids, options, count, advance, force, finished)
    if queued and not outcomes:
        out.print("no queued jobs")
        return
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        err.print(f"[red]failed[/] {outcome.lesson_id}: {escape(outcome.error or '')}")
    done = sum(1 for o in outcomes if o.ok and not o.skipped)
    elsewhere = sum(1 for o in outcomes if o.skipped and o.error)
    current = sum(1 for o in outcomes if o.skipped and not o.error)
    running = f", {elsewhere} running elsewhere" if elsewhere else ""
    out.print(f"{done} packaged, {current} already current{running}, {len(failed)} failed")
    if failed:
        sys.exit(EXIT_FAILED)


@main.group()
def slate() -> None:
    """Off-air slates that live channels loop between airings."""


@slate.command("render")
@setting(
    "--hours",
    type=click.FloatRange(min=0),
    default=48,
    help="Make the 'next lesson' slates of airings starting within this many hours.",
)
@setting("--jobs", type=click.IntRange(min=1), default=1)
@ladder_option("Rung heights; use the lessons' ladder so live channels keep every rung.")
@preset_option
@click.option("--force", is_flag=True, help="Make them again even if they exist.")
@progress_option
@pass_workspace
def slate_render(
    workspace: Workspace,
    hours: float,
    jobs: int,
    ladder: tuple[int, ...],
    preset: str,
    force: bool,
    show_progress: bool | None,
) -> None:
    """Make each channel's slate, and one per coming airing naming that lesson and its time.

    Run it after publishing a schedule (and daily, e.g. from cron): the server
    never runs ffmpeg, it only loops the slates made here. Slates of airings
    more than a day old are removed.
    """
    from service.slates import make_slates

    with user_errors(), Steps(show_progress) as steps:
        made = make_slates(
            workspace,
            datetime.now(UTC),
            hours,
            ladder,
            preset,
            jobs,
            force,
            done=lambda n, total: steps.update("slates", n, total),
        )
    if not made.published:
        err.print("no published schedule: only the channels' own slates were made")
    out.print(
        f"{made.made} slates made, {made.planned - made.made} already there, "
        f"{made.removed} old ones removed"
    )


@main.command("jobs")
@click.option("--follow", is_flag=True, help="Show live progress until no job is left to run.")
@setting("--every", type=click.FloatRange(0.2, 60), default=1.0)
@pass_workspace
def jobs_command(workspace: Workspace, follow: bool, every: float) -> None:
    """Transcode jobs as the catalogue records them, from every runner and worker."""
    if follow:
        with user_errors(), Steps() as steps:
            reported: set[int] = set()
            while True:
                rows = transcodes.job_rows(workspace)
                for job in rows:
                    label = f"{job.lesson_id} [{job.state}]"
                    steps.update(str(job.id), job.progress, 1.0, label)
                    if not job.open and job.id not in reported and not steps.bars:
                        steps.done(f"job {job.id} {job.lesson_id}: {job.state}")
                    if not job.open:
                        reported.add(job.id)
                if not any(job.open for job in rows):
                    break
                time.sleep(every)
    with user_errors():
        rows = transcodes.job_rows(workspace)
    table = Table("job", "lesson", "state", "progress", "attempts", "error")
    for job in rows:
        table.add_row(
            str(job.id),
            job.lesson_id,
            job.state,
            f"{job.progress:.0%}",
            str(job.attempts),
            escape(job.error or ""),
        )
    out.print(table)


@main.command()
@setting(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    help="Jobs this worker runs at once (each ffmpeg uses every core it is given).",
)
@click.option("--name", default=None, help="Worker name (default: the host name).")
@pass_workspace
def worker(workspace: Workspace, concurrency: int, name: str | None) -> None:
    """Run a transcoding worker of the farm (Celery, broker at SABAQ_BROKER_URL).

    It takes the jobs queued with `sabaq transcode --all --queue` or over the
    server's API. Several workers on several machines share the work; a job whose
    worker is killed is run again by another one.
    """
    from service.farm import run_worker

    with user_errors():
        run_worker(workspace, concurrency, name)


# --- sabaq token ---------------------------------------------------------------------


@main.group()
def token() -> None:
    """Bearer tokens for producer actions on the server (upload, transcode, publish)."""


@token.command("create")
@click.argument("name")
@pass_workspace
def token_create(workspace: Workspace, name: str) -> None:
    """Make a token called NAME and print it once (only its digest is stored)."""
    with user_errors():
        secret = tokens.create_token(workspace, name)
    err.print(f"token {escape(name)} created; keep it now, it cannot be shown again:")
    click.echo(secret)


@token.command("list")
@pass_workspace
def token_list(workspace: Workspace) -> None:
    """Token names with when they were made and revoked (never the tokens)."""
    with user_errors():
        infos = tokens.list_tokens(workspace)
    table = Table("name", "created", "revoked")
    for info in infos:
        revoked = info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else ""
        table.add_row(info.name, info.created_at.isoformat(timespec="seconds"), revoked)
    out.print(table)


@token.command("revoke")
@click.argument("name")
@pass_workspace
def token_revoke(workspace: Workspace, name: str) -> None:
    """Stop the token called NAME from working."""
    with user_errors():
        tokens.revoke_token(workspace, name)
    out.print(f"token {escape(name)} revoked")


# --- sabaq serve, demo ---------------------------------------------------------------

from streaming.serve import CATCHUP_DAYS, PER_ADDRESS  # noqa: E402  # the server's entry point

host_option = setting("--host", default="127.0.0.1", help="Address to listen on.")
port_option = setting("--port", type=click.IntRange(1, 65535), default=8080)


@main.command()
@host_option
@port_option
@setting(
    "--max-upload-mb",
    type=click.IntRange(min=1),
    default=2048,
    help="Largest lesson upload accepted by the producer API.",
)
@setting(
    "--max-connections-per-address",
    "per_address",
    type=click.IntRange(min=0),
    default=PER_ADDRESS,
    envvar="SABAQ_MAX_CONNECTIONS_PER_ADDRESS",
    help="Connections one client address may hold at once (0: no cap); trusted proxies "
    "are exempt. Further ones get 503 (env SABAQ_MAX_CONNECTIONS_PER_ADDRESS).",
)
@setting(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    help="Server processes sharing the port (one per core is a good start).",
)
@setting("--access-log/--no-access-log", default=True, help="Log each request.")
@setting(
    "--db-wait",
    type=click.FloatRange(min=0),
    default=60,
    help="Seconds to keep trying a database that does not answer at start.",
)
@setting(
    "--catchup-days",
    type=click.IntRange(0, 90),
    default=CATCHUP_DAYS,
    envvar="SABAQ_CATCHUP_DAYS",
    help="Days back a channel can be replayed (?utc= catch-up and start-over); the M3U "
    "list says so to IPTV players (env SABAQ_CATCHUP_DAYS).",
)
@click.option(
    "--public-url",
    envvar="SABAQ_PUBLIC_URL",
    default=None,
    help="Base of every absolute link in the M3U list, guide and calendars, e.g. "
    "https://tv.example.kz behind a TLS proxy (env SABAQ_PUBLIC_URL).",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    envvar="SABAQ_TRUSTED_PROXIES",
    help="Address or network whose X-Forwarded-Proto/-Host are believed when there is "
    "no --public-url; repeat it (env SABAQ_TRUSTED_PROXIES, space-separated).",
)
@pass_workspace
def serve(
    workspace: Workspace,
    host: str,
    port: int,
    max_upload_mb: int,
    workers: int,
    access_log: bool,
    db_wait: float,
    public_url: str | None,
    trusted_proxies: tuple[str, ...],
    per_address: int,
    catchup_days: int,
) -> None:
    """Serve pages, the API, VOD, live channels, the M3U list and the XMLTV guide.

    Reading is public; producer actions (upload, queue transcoding, publish)
    need a bearer token from `sabaq token create`.
    """
    from streaming.serve import serve as run

    processes = f", {workers} processes" if workers > 1 else ""
    with user_errors():
        run(
            workspace,
            host,
            port,
            workers=workers,
            max_upload_bytes=max_upload_mb * 1024**2,
            access_log=access_log,
            db_wait_s=db_wait,
            on_retry=_retrying,
            public=public_url,
            trusted_proxies=trusted_proxies,
            per_address=per_address,
            catchup_days=catchup_days,
            announce=lambda _: out.print(
                f"serving on http://{host}:{port}{processes} (Ctrl+C to stop)"
            ),
        )


@main.command()
@setting("--lessons", type=click.IntRange(1, 200), default=8, help="Sample lessons to make.")
@setting("--duration", type=click.IntRange(10, 3600), default=60, help="Seconds per sample lesson.")
@click.option("--serve/--no-serve", "serve_after", default=True, help="Serve when done.")
@host_option
@port_option
@timezone_option("Broadcast time zone of the sample channels.")
@progress_option
@pass_workspace
def demo(
    workspace: Workspace,
    lessons: int,
    duration: int,
    serve_after: bool,
    host: str,
    port: int,
    timezone: str,
    show_progress: bool | None,
) -> None:
    """Build sample lessons, transcode them with a signer, schedule them from now, serve.

    Lessons are generated with ffmpeg (no downloads): a picture with the
    title in Kazakh or Russian and a tone; odd-numbered ones are signed.
    """
    from service.demo import build
    from streaming.serve import check_port
    from streaming.serve import serve as run

    with user_errors():
        if serve_after:
            check_port(host, port)  # before any work: a busy port is said at once
        with Steps(show_progress) as steps:
            built = build(
                workspace,
                lessons,
                duration,
                ZoneInfo(timezone),
                _DemoReporter(steps),
                on_step=steps.done,
            )
    summary = (
        f"{built.lessons} lessons, {built.transcoded} transcoded now; schedule "
        f"{built.status}, version {built.version} published, on air until "
        f"{built.on_air_until.astimezone(ZoneInfo(timezone)):%H:%M}"
    )
    base = f"http://{host}:{port}"
    out.print(
        f"\n[bold]sabaq demo[/] ({summary})\n"
        f"  pages     {base}/\n"
        f"  lesson    {base}/lessons/{built.first_lesson}\n"
        f"  live      {base}/channels/al-farabi\n"
        f"  TV guide  {base}/guide\n"
        f"  IPTV      {base}/iptv/playlist.m3u\n"
        f"  XMLTV     {base}/iptv/epg.xml\n"
        f"  API       {base}/api/lessons\n"
        f"  OpenAPI   {base}/api/openapi.json\n"
    )
    if serve_after:
        with user_errors():
            run(
                workspace,
                host,
                port,
                announce=lambda _: out.print(f"serving on {base} (Ctrl+C to stop)"),
            )


class _DemoReporter:
    """The demo's progress (service.demo.Reporter) as bars or lines."""

    def __init__(self, steps: Steps) -> None:
        self.steps = steps

    def say(self, text: str) -> None:
        self.steps.done(text)

    def task(self, label: str, total: float) -> Callable[[str, float], None]:
        shares: dict[str, float] = {}

        def update(item: str, done: float) -> None:
            if total == 1.0:  # shares of several items: the bar shows their mean
                shares[item] = done
                done = sum(shares.values()) / max(len(shares), 1)
            self.steps.update(label, done, total)

        return update


if __name__ == "__main__":
    main()
