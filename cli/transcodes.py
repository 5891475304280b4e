"""`sabaq transcode`, `slate`, `jobs` and `worker`: making the HLS packages and slates."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.progress import TaskID
from rich.table import Table

from cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    Context,
    err,
    fail,
    ladder_option,
    out,
    output_option,
    pass_context,
    preset_option,
    progress,
    setting,
    user_errors,
)
from errors import BadInput


@click.command("transcode")
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
@pass_context
def transcode(
    context: Context,
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
) -> None:
    """Package a lesson as an adaptive HLS ladder with an audio-only rung.

    One ffmpeg pass: deinterlace, scale and pad to 16:9, overlay the signer,
    normalise loudness to -23 LUFS, encode every rung with aligned 2 s GOPs.
    """
    from transcoder import TranscodeOptions
    from transcoder import transcode as package

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
        _queue_all(context, options, force)
        return
    if caption_files and (all_lessons or queued or queue_only):
        fail(
            "--captions goes with one LESSON; catalogue lessons have theirs in the catalogue",
            EXIT_BAD_INPUT,
        )
    if force and not all_lessons:
        fail("--force goes with --all (and --queue)", EXIT_BAD_INPUT)
    if all_lessons or queued:
        _transcode_all(context, options, jobs, queued, force)
        return
    if lesson is None or output is None:
        fail("give LESSON and -o DIR, or --all, or --queued", EXIT_BAD_INPUT)
    from catalog.captions import parse_assignments

    with user_errors():
        subtitles = {
            language: Path(path)
            for language, path in parse_assignments(" ".join(caption_files), "--captions").items()
        }
    with user_errors(), progress() as bar:
        task = bar.add_task(lesson.name, total=1.0)
        result = package(
            lesson,
            output,
            options,
            signer,
            progress=lambda share: bar.update(task, completed=share),
            captions=subtitles,
        )
    out.print(
        f"packaged {lesson} → {result.directory} ({', '.join(result.rungs)}; "
        f"{result.segments} segments of {result.segment_s} s)"
    )


def _queue_all(context: Context, options: Any, force: bool) -> None:
    from service.transcodes import queue_lessons, ring_workers

    with user_errors():
        queued = ring_workers(queue_lessons(context.catalog(), options, force=force))
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


def _transcode_all(
    context: Context, options: Any, jobs: int, queued: bool = False, force: bool = False
) -> None:
    from service.transcodes import all_lesson_ids, run_lessons, run_queue

    workspace = context.workspace
    context.catalog()
    with progress() as bar:
        tasks: dict[str, TaskID] = {}

        def advance(lesson_id: str, share: float) -> None:
            bar.update(tasks[lesson_id], completed=share)

        def started(lesson_id: str) -> None:
            tasks[lesson_id] = bar.add_task(lesson_id, total=1.0)

        if queued:
            outcomes = run_queue(workspace, jobs, progress=advance, started=started)
        else:
            with user_errors():
                ids = all_lesson_ids(workspace.catalog())
            for lesson_id in ids:
                started(lesson_id)
            outcomes = run_lessons(workspace, ids, options, jobs, advance, force)
    if queued and not outcomes:
        out.print("no queued jobs")
        return
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


@click.group()
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
        with progress() as bar:
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


@click.command()
@click.option("--follow", is_flag=True, help="Show live progress until no job is left to run.")
@setting("--every", type=click.FloatRange(0.2, 60), default=1.0)
@pass_context
def jobs(context: Context, follow: bool, every: float) -> None:
    """Transcode jobs as the catalogue records them, from every runner and worker."""
    import time

    from catalog.jobs import jobs_in_order
    from catalog.models import JobState, TranscodeJob

    catalog = context.catalog()

    def read() -> list[TranscodeJob]:
        with user_errors(), catalog.session() as session:
            rows = list(session.scalars(jobs_in_order()))
            session.expunge_all()
            return rows

    open_states = (JobState.queued, JobState.running)
    if follow:
        with progress() as bar:
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


@click.command()
@setting(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
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
