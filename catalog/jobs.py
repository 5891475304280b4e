"""Transcode jobs and package records: state lives here so a crash loses nothing."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.orm import Session

from catalog.models import HlsPackage, JobState, Lesson, LessonStatus, TranscodeJob, utcnow


def lessons_in_order() -> Select[Any]:
    """Lessons by series and episode: the order of every listing and of queueing."""
    return select(Lesson).order_by(Lesson.series_id, Lesson.episode)


def jobs_in_order() -> Select[Any]:
    """Every transcode job, oldest first: what `sabaq jobs` shows."""
    return select(TranscodeJob).order_by(TranscodeJob.id)


def queue_job(session: Session, lesson_id: str, options: dict[str, Any]) -> TranscodeJob:
    """The lesson's unfinished job (queued again with these options), or a new queued
    one. A running job is left as it is: only its runner ends it, or its lease lapses."""
    job = session.scalars(
        select(TranscodeJob).where(
            TranscodeJob.lesson_id == lesson_id,
            TranscodeJob.state.in_([JobState.queued, JobState.running, JobState.failed]),
        )
    ).first()
    if job is None:
        job = TranscodeJob(lesson_id=lesson_id, options=options, state=JobState.queued)
        session.add(job)
    elif job.state != JobState.running:
        job.state, job.options, job.progress = JobState.queued, options, 0.0
    session.flush()
    return job


LEASE_S = 60.0
"""A running job whose heartbeat is older than this is taken to be abandoned (its
runner was killed) and may be claimed again. Runners beat every HEARTBEAT_S."""
HEARTBEAT_S = 5.0


def lease_s() -> float:
    """The lease in force: SABAQ_JOB_LEASE_S, else LEASE_S."""
    return float(os.environ.get("SABAQ_JOB_LEASE_S", str(LEASE_S)))


def claimable(lease: float | None = None) -> ColumnElement[bool]:
    """Queued jobs, and running ones whose runner stopped beating `lease_s` ago."""
    stale = utcnow() - timedelta(seconds=lease_s() if lease is None else lease)
    return or_(
        TranscodeJob.state == JobState.queued,
        and_(TranscodeJob.state == JobState.running, TranscodeJob.updated_at < stale),
    )


def claim_job(
    session: Session, job_id: int | None = None, lease: float | None = None
) -> TranscodeJob | None:
    """Take the oldest claimable job (or job `job_id` if it is claimable) for this
    runner: running, attempt counted. None when there is nothing to take.

    Safe with any number of runners at once: on PostgreSQL the candidate row is
    locked with `FOR UPDATE SKIP LOCKED`, so runners pass over each other's
    claims; on every backend the claim is a compare-and-set (`UPDATE ... WHERE`
    still claimable), so a job another runner took first is never taken twice.
    Commit the session right after, so the claim is visible to the others.
    """
    while True:
        query = select(TranscodeJob.id).where(claimable(lease))
        if job_id is not None:
            query = query.where(TranscodeJob.id == job_id)
        candidate = session.scalars(
            query.order_by(TranscodeJob.id).limit(1).with_for_update(skip_locked=True)
        ).first()
        if candidate is None:
            return None
        taken = session.execute(
            update(TranscodeJob)
            .where(TranscodeJob.id == candidate, claimable(lease))
            .values(
                state=JobState.running,
                attempts=TranscodeJob.attempts + 1,
                error=None,
                progress=0.0,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) == 1:
            job = session.get_one(TranscodeJob, candidate, populate_existing=True)
            session.get_one(Lesson, job.lesson_id).status = LessonStatus.transcoding
            session.flush()
            return job
        if job_id is not None:
            return None


def beat(session: Session, job_id: int) -> None:
    """A running job's heartbeat: its runner is alive."""
    session.execute(
        update(TranscodeJob)
        .where(TranscodeJob.id == job_id, TranscodeJob.state == JobState.running)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def set_progress(session: Session, job_id: int, share: float) -> None:
    """Record how far a running job is (0 to 1)."""
    session.get_one(TranscodeJob, job_id).progress = max(0.0, min(1.0, share))


def finish_job(
    session: Session,
    job_id: int,
    *,
    directory: str,
    rungs: list[str],
    duration_s: float,
    segment_s: float,
    checksum: str,
) -> None:
    """Record a published package and close its job."""
    job = session.get_one(TranscodeJob, job_id)
    job.state, job.progress = JobState.done, 1.0
    lesson = session.get_one(Lesson, job.lesson_id)
    lesson.status = LessonStatus.ready
    package = session.get(HlsPackage, lesson.id)
    if package is None:
        package = HlsPackage(lesson_id=lesson.id)
        session.add(package)
    package.directory, package.rungs = directory, rungs
    package.duration_s, package.segment_s, package.checksum = duration_s, segment_s, checksum


def fail_job(session: Session, job_id: int, error: str) -> None:
    """Record why a job failed; the lesson stays unpublished."""
    job = session.get_one(TranscodeJob, job_id)
    job.state, job.error = JobState.failed, error
    session.get_one(Lesson, job.lesson_id).status = LessonStatus.failed
