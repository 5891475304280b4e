"""`sabaq schedule`: solve, generate, check, export and publish broadcast schedules."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from rich.markup import escape

from cli.common import (
    EXIT_FAILED,
    Context,
    err,
    out,
    output_option,
    pass_context,
    progress,
    read_json,
    setting,
    timezone_option,
    user_errors,
    write_text,
)
from scheduler.exports import FORMATS, SINGLE_FILE
from scheduler.networks import SWEEP

ALL_WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)


@click.group()
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
    use the whole limit; `schedule explain` says why a problem has no schedule."""
    begun = time.monotonic()
    from scheduler import SolveOptions, check, parse_problem, solve
    from service.schedules import with_pins

    data = read_json(problem_file)
    with user_errors():
        if pins_file is not None:
            data = with_pins(data, read_json(pins_file), pinned_until)
        problem = parse_problem(data)
        show = sys.stderr.isatty() if show_progress is None else show_progress
        # What the independent check and the writing take: about 1 s per 50,000 lessons.
        after = 0.5 + len(problem.lessons) / 50_000
        left = time_limit - (time.monotonic() - begun) - after
        options = SolveOptions(time_limit_s=max(0.1, left), workers=workers)
        if show:
            with progress() as bar:
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
        checked = check(problem, result)
        result.stats["violations"] = len(checked.violations)
        result.stats["slot_consistency"] = checked.slot_consistency
    write_text(output, json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n")
    stats = result.stats
    for turned_down in stats.get("rejected", []):
        # a stage's schedule broke a rule: a bug worth reporting, the output is not affected
        err.print(f"[yellow]warning:[/] checker turned down {escape(turned_down)}", highlight=False)
    out.print(
        f"{stats['status']}: {len(result.airings)} airings in {stats['days_used']} days "
        f"(lower bound {stats['lower_bound_days']}), {stats['violations']} violations, "
        f"{stats['solve_s']} s → {output}"
    )


@schedule.command("generate")
@click.option("--lessons", type=click.IntRange(min=1), required=True, help="Lessons in all.")
@setting("--channels", type=click.IntRange(min=1), default=2)
@setting("--seed", type=int, default=0, help="Same seed, same problem.")
@click.option(
    "--shape",
    type=click.Choice(sorted({shape.name for shape in SWEEP})),
    default=None,
    help="A network of the shape sweep (its channels, windows, caps, pins; --channels "
    "is ignored) instead of the national one.",
)
@output_option("Problem JSON to write.", required=True)
def schedule_generate(
    lessons: int, channels: int, seed: int, shape: str | None, output: Path
) -> None:
    """Make a realistic synthetic problem (11 grades x kk/ru, 4-12 subjects a grade)."""
    from dataclasses import replace

    from scheduler.generate import generate
    from scheduler.networks import network

    if shape is None:
        problem = generate(lessons, channels, seed)
    else:
        chosen = next(s for s in SWEEP if s.name == shape)
        problem = network(replace(chosen, lessons=lessons, seed=seed))
    write_text(output, json.dumps(problem, ensure_ascii=False, indent=1) + "\n")
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
    type=click.Choice(FORMATS),
    help="xmltv, csv and json write one file; ics (one calendar per audience) "
    "and ffplayout (one playlist per channel and day) write a directory.",
)
@output_option("File, or directory for ics and ffplayout.", required=True, directory=True)
@timezone_option("Broadcast time zone when the problem comes from the catalogue.")
@setting(
    "--filler", default="slate.mp4", help="ffplayout: the clip that fills gaps between lessons."
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
        parsed = parse_schedule(document)
        if problem_file is not None:
            data = read_json(problem_file)
        else:
            first = min((a.start for a in parsed.airings), default=datetime.now(UTC))
            start = first.astimezone(ZoneInfo(timezone)).date()
            data = problem_from_catalogue(context.catalog(), timezone, start, ALL_WEEKDAYS)
        problem = parse_problem(data)
        check_lessons_known(data, document, str(schedule_file))
        sources = {
            lesson["id"]: lesson["source"]
            for lesson in data.get("lessons", [])
            if isinstance(lesson, dict) and lesson.get("source")
        }
        files = export(problem, parsed, fmt, sources, filler)
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
    from scheduler import parse_problem
    from scheduler.diagnose import conflicts
    from scheduler.explain import explain

    with user_errors():
        problem = parse_problem(read_json(problem_file))
        found = conflicts(problem)
        verdict = None
        if not found:
            explanation = explain(problem, time_limit)
            found, verdict = list(explanation.reasons), explanation
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
