"""Transcode jobs and package records: state lives here so a crash loses nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.models import HlsPackage, JobState, Lesson, LessonStatus, TranscodeJob, utcnow


def queue_job(session: Session, lesson_id: str, options: dict[str, Any]) -> TranscodeJob:
    """The lesson's unfinished job, or a new queued one."""
    job = session.scalars(
        select(TranscodeJob).where(
            TranscodeJob.lesson_id == lesson_id,
            TranscodeJob.state.in_([JobState.queued, JobState.running, JobState.failed]),
        )
    ).first()
    if job is None:
        job = TranscodeJob(lesson_id=lesson_id, options=options, state=JobState.queued)
        session.add(job)
    else:
        job.state, job.options, job.progress = JobState.queued, options, 0.0
    session.flush()
    return job


def claim_job(session: Session) -> TranscodeJob | None:
    """Take the oldest queued job for this worker (running, attempt counted), or None.

    Safe with any number of workers at once: on PostgreSQL the candidate row is
    locked with `FOR UPDATE SKIP LOCKED`, so workers pass over each other's
    claims; on every backend the claim is a compare-and-set (`UPDATE ... WHERE
    state = 'queued'`), so a job another worker took first is never taken twice.
    Commit the session right after, so the claim is visible to the others.
    """
    while True:
        candidate = session.scalars(
            select(TranscodeJob.id)
            .where(TranscodeJob.state == JobState.queued)
            .order_by(TranscodeJob.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if candidate is None:
            return None
        taken = session.execute(
            update(TranscodeJob)
            .where(TranscodeJob.id == candidate, TranscodeJob.state == JobState.queued)
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


def start_job(session: Session, job_id: int) -> TranscodeJob:
    """Mark a job running and count the attempt."""
    job = session.get_one(TranscodeJob, job_id)
    job.state = JobState.running
    job.attempts += 1
    job.error = None
    session.get_one(Lesson, job.lesson_id).status = LessonStatus.transcoding
    return job


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
