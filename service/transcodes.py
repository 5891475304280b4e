"""Queueing and running transcode jobs: one way for the CLI, the API and the workers.

Jobs live in the catalogue. Whoever queues them (`queue_lessons`), a local run
(`run_lessons`, `run_queue`) or a worker of the farm then *claims* each job
before running it, so a job is never run twice at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from catalog import Catalog
from catalog.jobs import lessons_in_order, queue_job
from catalog.models import Lesson
from errors import Conflict, NotFound, Unavailable
from service.workspace import Workspace
from transcoder.jobs import JobOutcome, JobProgress, job_options, run_all, run_queued
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
    catalog: Catalog,
    options: TranscodeOptions,
    lesson_ids: Sequence[str] | None = None,
    strict: bool = False,
    force: bool = False,
) -> Queued:
    """Queue a job for each lesson named (every lesson when None) that has media; with
    `force` the job transcodes even a lesson whose package is current.

    With `strict`, an unknown lesson is NotFound and one without media Conflict, and
    nothing is queued."""
    with catalog.session() as session:
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
    from transcoder.farm import broker_url, enqueue, shown

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


def all_lesson_ids(catalog: Catalog) -> list[str]:
    """Every lesson, in series and episode order; Conflict when there is none."""
    with catalog.session() as session:
        ids = [lesson.id for lesson in session.scalars(lessons_in_order())]
    if not ids:
        raise Conflict("the catalogue has no lessons; import some with `sabaq catalog import`")
    return ids


def run_lessons(
    workspace: Workspace,
    lesson_ids: Sequence[str],
    options: TranscodeOptions,
    jobs: int = 1,
    progress: JobProgress | None = None,
    force: bool = False,
) -> list[JobOutcome]:
    """Queue, claim and run the lessons' jobs here, `jobs` at a time; a current package
    is kept (unless `force`), a job running elsewhere is left to its runner."""
    catalog, root = workspace.catalog(), workspace.root
    return run_all(catalog, root, list(lesson_ids), options, jobs, progress, force)


def run_queue(
    workspace: Workspace,
    jobs: int = 1,
    progress: JobProgress | None = None,
    started: Callable[[str], None] | None = None,
) -> list[JobOutcome]:
    """Claim and run queued jobs here until none is left (several runners may share it)."""
    return run_queued(workspace.catalog(), workspace.root, jobs, progress, started)
