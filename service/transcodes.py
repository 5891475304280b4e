"""Transcoding: one way for the CLI, the API and the workers.

Jobs live in the catalogue. Whoever queues them (`queue_lessons`), a local run
(`service.jobs.run_lessons`, `run_queue`) or a worker of the farm (service.farm)
then *claims* each job before running it, so a job is never run twice at once.
A file outside the catalogue is packaged by `package_file`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog.captions import parse_assignments
from catalog.jobs import jobs_in_order, lessons_in_order, queue_job
from catalog.models import JobState, Lesson
from errors import Conflict, NotFound, Unavailable
from service.jobs import job_options
from service.workspace import Workspace
from transcoder import PackageResult, ladder, transcode
from transcoder.options import TranscodeOptions


@dataclass(frozen=True)
class Queued:
    """What a queueing did."""

    job_ids: list[int]
    lessons: list[str]
    without_media: list[str]  # left out: nothing to transcode yet
    broker: str | None = None  # the farm rung, shown without its password


def options_from(data: Any) -> TranscodeOptions:
    """Transcode options from their JSON form (an API body, a stored job)."""
    return TranscodeOptions.from_json(data if data is not None else {})


def queue_lessons(
    workspace: Workspace,
    options: TranscodeOptions,
    lesson_ids: Sequence[str] | None = None,
    strict: bool = False,
    force: bool = False,
) -> Queued:
    """Queue a job for each lesson named (every lesson when None) that has media; with
    `force` the job transcodes even a lesson whose package is current.

    With `strict`, an unknown lesson is NotFound and one without media Conflict, and
    nothing is queued."""
    with workspace.catalog().session() as session:
        query = lessons_in_order()
        if lesson_ids is not None:
            query = query.where(Lesson.id.in_(list(lesson_ids)))
        lessons: list[Lesson] = list(session.scalars(query))
        if strict:
            missing = sorted(set(lesson_ids or []) - {x.id for x in lessons})
            if missing:
                raise NotFound(f"lesson {missing[0]!r} not found")
            bare = [x.id for x in lessons if not x.source]
            if bare:
                raise Conflict(f"lesson {bare[0]!r} has no source media; upload it first")
        with_media = [x for x in lessons if x.source]
        stored = job_options(options, force)
        jobs = [queue_job(session, x.id, stored).id for x in with_media]
    return Queued(jobs, [x.id for x in with_media], [x.id for x in lessons if not x.source])


def ring_workers(queued: Queued) -> Queued:
    """Tell the farm's workers (SABAQ_BROKER_URL) about the queued jobs; without a broker
    the jobs wait for `sabaq transcode --queued`. Unavailable when the broker is down
    (the jobs stay queued in the catalogue)."""
    from service.farm import broker_url, enqueue, shown

    broker = broker_url()
    if broker is None or not queued.job_ids:
        return queued
    try:
        enqueue(queued.job_ids, broker)
    except Exception as exc:  # kombu and redis raise many kinds; the jobs are safe
        raise Unavailable(
            f"broker {shown(broker)}: {exc}; the {len(queued.job_ids)} jobs stay queued "
            "in the catalogue"
        ) from None
    return Queued(queued.job_ids, queued.lessons, queued.without_media, shown(broker))


def all_lesson_ids(workspace: Workspace) -> list[str]:
    """Every lesson, in series and episode order; Conflict when there is none."""
    with workspace.catalog().session() as session:
        ids = [lesson.id for lesson in session.scalars(lessons_in_order())]
    if not ids:
        raise Conflict("the catalogue has no lessons; import some with `sabaq catalog import`")
    return ids


def transcode_options(**settings: Any) -> TranscodeOptions:
    """Transcode options from the CLI's settings; BadInput names a bad one."""
    return TranscodeOptions(**settings)


def parse_ladder(text: str) -> tuple[int, ...]:
    """'720,480,360' as rung heights; BadInput names a height sabaq does not make."""
    return ladder.parse_ladder(text)


def package_file(
    lesson: Path,
    output: Path,
    options: TranscodeOptions,
    signer: Path | None = None,
    captions: str = "",
    progress: Callable[[float], None] | None = None,
) -> PackageResult:
    """Package one recording outside the catalogue into `output` (which appears only
    when complete); `captions` assigns subtitle files as 'kk=FILE ru=FILE'."""
    subtitles = {k: Path(v) for k, v in parse_assignments(captions, "--captions").items()}
    return transcode(lesson, output, options, signer, progress=progress, captions=subtitles)


@dataclass(frozen=True)
class JobRow:
    """A transcode job as the catalogue records it."""

    id: int
    lesson_id: str
    state: str
    progress: float
    attempts: int
    error: str | None

    @property
    def open(self) -> bool:
        """Queued or running: not ended yet."""
        return self.state in (JobState.queued, JobState.running)


def job_rows(workspace: Workspace) -> list[JobRow]:
    """Every transcode job, from every runner and worker, oldest first."""
    with workspace.catalog().session() as session:
        return [
            JobRow(j.id, j.lesson_id, str(j.state), j.progress, j.attempts, j.error)
            for j in session.scalars(jobs_in_order())
        ]
