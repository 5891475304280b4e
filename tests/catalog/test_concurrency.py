"""Two real processes at once: a job is claimed once, and one schedule is live at the end."""

from __future__ import annotations

import json
import multiprocessing
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from catalog import open_catalog
from catalog.models import JobState, Lesson, ScheduleVersion, TranscodeJob
from catalog.problem_io import import_problem
from catalog.schedules import publish, save_schedule
from errors import Busy

JOBS = 60
NOW = datetime(2026, 9, 1, tzinfo=UTC)


def _claimer(url: str, schema: str | None, out: multiprocessing.Queue) -> None:
    from service.jobs import claim

    catalog = open_catalog(url, migrate=False, schema=schema)
    mine = []
    while (job_id := claim(catalog)) is not None:
        mine.append(job_id)
    catalog.dispose()
    out.put(mine)


def _publisher(url: str, schema: str | None, out: multiprocessing.Queue) -> None:
    catalog = open_catalog(url, migrate=False, schema=schema)
    published, locked = 0, 0
    for _ in range(15):
        try:
            with catalog.session() as session:
                publish(session, save_schedule(session, {"airings": []}, "Asia/Almaty"), NOW)
            published += 1
        except OperationalError as exc:  # SQLite's single writer: refused, nothing changed
            if "locked" not in str(exc):
                raise
            locked += 1
    catalog.dispose()
    out.put((published, locked))


def _in_two_processes(target, database, watch=None) -> list:
    """Run `target` in two processes; `watch()` is called until both are done."""
    fork = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = fork.Queue()
    workers = [fork.Process(target=target, args=(*database, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    while watch is not None and any(w.is_alive() for w in workers) and results.qsize() < 2:
        watch()
    gathered = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    return gathered


def _load(catalog, tmp_path, problem_data) -> list[str]:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_data), encoding="utf-8")
    with catalog.session() as session:
        import_problem(session, path)
        return list(session.scalars(select(Lesson.id)))


def test_two_workers_never_claim_the_same_job(catalog, database, tmp_path, problem_data):
    lessons = _load(catalog, tmp_path, problem_data)
    with catalog.session() as session:
        for n in range(JOBS):
            session.add(TranscodeJob(lesson_id=lessons[n % len(lessons)], options={}))
    claimed = _in_two_processes(_claimer, database)
    every = [job for mine in claimed for job in mine]
    assert len(every) == len(set(every)) == JOBS
    with catalog.session() as session:
        states = session.execute(select(TranscodeJob.state, TranscodeJob.attempts)).all()
    assert {(state, attempts) for state, attempts in states} == {(JobState.running, 1)}


def test_two_publishers_leave_one_live_schedule(catalog, database, tmp_path, problem_data):
    _load(catalog, tmp_path, problem_data)
    seen: set[int] = set()

    def count_live() -> None:
        with catalog.session() as session:
            seen.add(
                session.scalar(
                    select(func.count())
                    .select_from(ScheduleVersion)
                    .where(ScheduleVersion.published)
                )
                or 0
            )

    outcomes = _in_two_processes(_publisher, database, watch=count_live)
    assert sum(published for published, _ in outcomes) >= 15
    count_live()
    assert max(seen) == 1  # never two live schedules, at any moment the watcher looked


def test_a_statement_that_runs_too_long_is_cancelled_by_postgresql(database):
    url, schema = database
    if not url.startswith("postgresql"):
        pytest.skip("statement timeouts are PostgreSQL's (SQLite has its busy timeout)")
    catalog = open_catalog(url, schema=schema, statement_timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(Busy, match="try again"), catalog.session() as session:
        session.execute(text("SELECT pg_sleep(5)"))
    assert time.monotonic() - started < 2
    catalog.dispose()
