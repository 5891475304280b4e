"""Running transcode jobs for catalogue lessons, with their state kept in the catalogue.

The one job runner of sabaq: `sabaq transcode --all/--queued`, the demo, the
producer API and the farm's Celery task (service.farm) all run jobs here. The
transcoder below knows nothing of jobs or of the database: it gets paths and
options, and returns a package.

Jobs run in a local pool of threads, each driving its own ffmpeg process
(ffmpeg does the work, so threads are enough); a failed job records its
reason and the others go on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from catalog import Catalog
from catalog.jobs import (
    HEARTBEAT_S,
    beat,
    claim_job,
    fail_job,
    finish_job,
    queue_job,
    set_progress,
)
from catalog.layout import package_record
from catalog.models import Lesson, TranscodeJob
from errors import BadInput, Busy, MediaError, SabaqError
from service.workspace import Workspace
from transcoder.captions import read_tracks, recaption
from transcoder.options import TranscodeOptions
from transcoder.package import PackageResult, is_current, source_checksum, transcode
from transcoder.probe import probe

PROGRESS_EVERY_S = 2.0  # how often a running job writes its progress to the catalogue
JobProgress = Callable[[str, float], None]
"""Called with (lesson id, share done)."""
JobFinished = Callable[["JobOutcome"], None]
"""Called with each job's outcome as it ends."""


@dataclass(frozen=True)
class JobOutcome:
    """How one lesson's job ended."""

    lesson_id: str
    ok: bool
    skipped: bool = False
    error: str | None = None
    seconds: float = 0.0  # what the transcode took
    media_s: float = 0.0  # the length of the lesson it packaged

    @property
    def realtime(self) -> float:
        """Seconds of lesson packaged per second of work (0 when nothing was encoded)."""
        return self.media_s / self.seconds if self.seconds > 0 and self.media_s > 0 else 0.0


FORCE = "force"
"""A job option that is a run instruction: transcode even when the package is current."""


def job_options(options: TranscodeOptions, force: bool = False) -> dict[str, Any]:
    """What a job stores: its transcode options, and `force` when asked."""
    return {**options.to_json(), FORCE: True} if force else options.to_json()


def run_lesson(
    workspace: Workspace,
    lesson_id: str,
    options: TranscodeOptions,
    progress: JobProgress | None = None,
    force: bool = False,
) -> JobOutcome:
    """Queue, claim, run and record one lesson's job; a current package is not redone
    unless `force`.

    There is one way to start a job: claiming it (catalog.jobs.claim_job). A job that
    another runner or worker is running is left to it, and reported as skipped."""
    catalog = workspace.catalog()
    with catalog.session() as session:
        job_id = queue_job(session, lesson_id, job_options(options, force)).id
    if claim(catalog, job_id) is None:  # the attempt counts from the claim on
        return JobOutcome(lesson_id, ok=True, skipped=True, error="running elsewhere")
    return run_job(workspace, job_id, progress)


def run_job(
    workspace: Workspace,
    job_id: int,
    progress: JobProgress | None = None,
    heartbeat_s: float = HEARTBEAT_S,
) -> JobOutcome:
    """Run a started (or claimed) job with its stored options and record how it ended;
    the job's heartbeat is written every `heartbeat_s` while it runs."""
    catalog = workspace.catalog()
    with catalog.session() as session:
        job = session.get_one(TranscodeJob, job_id)
        lesson_id = job.lesson_id
        lesson = session.get_one(Lesson, lesson_id)
        source, signer = lesson.source, lesson.signer_source
        subtitles = dict(lesson.captions or {})
        declared_s = float(lesson.duration_s) if lesson.duration_s else None
        language = lesson.series.language
        stored = dict(job.options)
    force = stored.pop(FORCE, False) is True
    try:
        options = TranscodeOptions.from_json(stored)
    except BadInput as exc:
        with catalog.session() as session:
            fail_job(session, job_id, f"job {job_id}: {exc}")
        return JobOutcome(lesson_id, ok=False, error=str(exc))
    with _heartbeat(catalog, job_id, heartbeat_s):
        return _work(
            workspace,
            job_id,
            lesson_id,
            source,
            signer,
            options,
            progress,
            force,
            declared_s,
            subtitles,
            language,
        )


@contextmanager
def _heartbeat(catalog: Catalog, job_id: int, every_s: float) -> Iterator[None]:
    """Beat for the job every `every_s` while it runs, so that only a runner that
    died lets its job be claimed again (see catalog.jobs.claim_job)."""
    stop = threading.Event()

    def beating() -> None:
        while not stop.wait(every_s):
            try:
                with catalog.session() as session:
                    beat(session, job_id)
            except (SQLAlchemyError, SabaqError):
                continue  # the next beat tries again; a long outage lets the lease lapse

    thread = threading.Thread(target=beating, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _work(
    workspace: Workspace,
    job_id: int,
    lesson_id: str,
    source: str | None,
    signer: str | None,
    options: TranscodeOptions,
    progress: JobProgress | None,
    force: bool = False,
    declared_s: float | None = None,  # the catalogue's length of the lesson
    subtitles: dict[str, str] | None = None,  # its captions files by language, as stored
    language: str | None = None,  # the lesson's: tags the offline MP4
) -> JobOutcome:
    catalog, layout = workspace.catalog(), workspace.layout
    out_dir = layout.package(lesson_id)
    try:
        if not source:
            raise MediaError(f"lesson {lesson_id}: has no source media")
        lesson_path = layout.resolve(source)
        signer_path = layout.resolve(signer) if signer else None
        caption_paths = {k: layout.resolve(v) for k, v in (subtitles or {}).items()}
        checksum: str | None = None  # a missing source fails in transcode, with its name
        if lesson_path.exists() and (signer_path is None or signer_path.exists()):
            paths = [lesson_path] + ([signer_path] if signer_path else [])
            checksum = source_checksum(paths, options, probe(lesson_path).display_size[1])
            if not force and is_current(out_dir, checksum):
                # The picture and sound are current; captions are redone on their own.
                tracks = read_tracks(caption_paths, declared_s)
                manifest = recaption(out_dir, tracks, language=language)
                with catalog.session() as session:
                    finish_job(
                        session,
                        job_id,
                        directory=package_record(lesson_id),
                        rungs=[r.name for r in manifest.rungs],
                        duration_s=manifest.plays_s,
                        segment_s=manifest.segment_s,
                        checksum=checksum,
                    )
                return JobOutcome(lesson_id, ok=True, skipped=True)
        recorded = [time.monotonic()]
        began = list(recorded)

        def report(share: float) -> None:
            if progress is not None:
                progress(lesson_id, share)
            if time.monotonic() - recorded[0] >= PROGRESS_EVERY_S:
                recorded[0] = time.monotonic()
                with catalog.session() as session:
                    set_progress(session, job_id, share)

        result = transcode(
            lesson_path,
            out_dir,
            options,
            signer_path,
            progress=report,
            checksum=checksum,
            declared_s=declared_s,
            captions=caption_paths,
            language=language,
        )
    except SabaqError as exc:  # bad media, a full disk: the job fails, the others go on
        with catalog.session() as session:
            fail_job(session, job_id, str(exc))
        return JobOutcome(lesson_id, ok=False, error=str(exc))
    with catalog.session() as session:
        _finish(session, job_id, lesson_id, result)
    return JobOutcome(
        lesson_id, ok=True, seconds=time.monotonic() - began[0], media_s=result.duration_s
    )


def _finish(session: Session, job_id: int, lesson_id: str, result: PackageResult) -> None:
    finish_job(
        session,
        job_id,
        directory=package_record(lesson_id),
        rungs=result.rungs,
        duration_s=result.duration_s,
        segment_s=result.segment_s,
        checksum=result.checksum,
    )


def record_package(
    workspace: Workspace, lesson_id: str, options: TranscodeOptions, result: PackageResult
) -> None:
    """Record a package made outside the job runner (in DATA/packages/LESSON) as a done job."""
    catalog = workspace.catalog()
    with catalog.session() as session:
        job_id = queue_job(session, lesson_id, options.to_json()).id
    claimed = claim(catalog, job_id)
    if claimed is None:
        raise Busy(f"lesson {lesson_id}: its job is running elsewhere")
    with catalog.session() as session:
        _finish(session, claimed, lesson_id, result)


def claim(
    catalog: Catalog, job_id: int | None = None, lease: float | None = None, tries: int = 50
) -> int | None:
    """Claim the next claimable job, or job `job_id` (see catalog.jobs.claim_job);
    None when there is none.

    SQLite lets one writer in at a time: a claim that meets another writer's lock
    is tried again a little later.
    """
    for attempt in range(tries):
        try:
            with catalog.session() as session:
                job = claim_job(session, job_id, lease)
                return job.id if job is not None else None
        except Busy:
            if attempt == tries - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    return None


def run_queue(
    workspace: Workspace,
    jobs: int = 1,
    progress: JobProgress | None = None,
    started: Callable[[str], None] | None = None,
    finished: JobFinished | None = None,
) -> list[JobOutcome]:
    """Work through the queued jobs, `jobs` at a time, until none is left.

    Any number of such runners (processes, machines) may share one catalogue:
    every job is claimed by exactly one of them. `started` hears each lesson
    as its job is claimed.
    """
    catalog = workspace.catalog()

    def worker() -> list[JobOutcome]:
        done = []
        while (job_id := claim(catalog)) is not None:
            if started is not None:
                with catalog.session() as session:
                    started(session.get_one(TranscodeJob, job_id).lesson_id)
            done.append(run_job(workspace, job_id, progress))
            if finished is not None:
                finished(done[-1])
        return done

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(worker) for _ in range(max(1, jobs))]
        return [outcome for future in futures for outcome in future.result()]


def run_lessons(
    workspace: Workspace,
    lesson_ids: Sequence[str],
    options: TranscodeOptions,
    jobs: int = 1,
    progress: JobProgress | None = None,
    force: bool = False,
    finished: JobFinished | None = None,
) -> list[JobOutcome]:
    """Queue, claim and run the lessons' jobs here, `jobs` at a time; a current package
    is kept (unless `force`), a job running elsewhere is left to its runner. Outcomes
    come in the order given."""
    outcomes: dict[str, JobOutcome] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {
            pool.submit(run_lesson, workspace, lesson_id, options, progress, force): lesson_id
            for lesson_id in lesson_ids
        }
        for future in as_completed(futures):
            outcome = future.result()
            outcomes[outcome.lesson_id] = outcome
            if finished is not None:
                finished(outcome)
    return [outcomes[lesson_id] for lesson_id in lesson_ids]
