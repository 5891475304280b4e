"""Transcode jobs and package records: state lives here so a crash loses nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import HlsPackage, JobState, Lesson, LessonStatus, TranscodeJob


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
