"""The Celery farm with the real Redis: two worker processes, one killed mid-job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import open_catalog
from catalog.models import JobState, Lesson, TranscodeJob
from catalog.problem_io import import_problem
from tests.conftest import sabaq_command, service_url
from transcoder.samples import make_lesson

pytestmark = pytest.mark.slow
LOCAL_REDIS = "redis://127.0.0.1:6379/15"
"""The broker when SABAQ_TEST_REDIS_URL is not set (each test has a queue of its own)."""
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def farm(tmp_path):
    broker = service_url("SABAQ_TEST_REDIS_URL", LOCAL_REDIS, "Redis (the transcoding farm)")
    data = tmp_path / "data"
    env = {
        **{k: v for k, v in os.environ.items() if k != "SABAQ_DATABASE_URL"},
        "SABAQ_BROKER_URL": broker,
        "SABAQ_QUEUE": f"sabaq-test-{uuid.uuid4().hex[:8]}",
        "SABAQ_BROKER_VISIBILITY_S": "10",
        "SABAQ_JOB_LEASE_S": "6",
    }
    problem = {
        "channels": [],
        "series": [{"id": "s", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [
            {"id": "l-1", "series": "s", "episode": 1, "duration_s": 16, "source": "media/l-1.mp4"}
        ],
    }
    make_lesson(data / "media" / "l-1.mp4", "Сабақ", 16, size="854x480")
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    catalog = open_catalog(f"sqlite:///{data / 'sabaq.sqlite3'}")
    with catalog.session() as session:
        import_problem(session, path)
    workers: list[subprocess.Popen[bytes]] = []

    def start_worker(name: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [*sabaq_command(), "--data", str(data), "worker", "--name", name],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its pool children die with it
        )
        workers.append(process)
        return process

    def sabaq(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*sabaq_command(), "--data", str(data), *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    yield catalog, data, start_worker, sabaq
    for process in workers:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
    catalog.dispose()


def _job(catalog) -> TranscodeJob:
    with catalog.session() as session:
        job = session.scalars(select(TranscodeJob)).one()
        session.expunge(job)
        return job


def _wait(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def test_a_killed_workers_job_is_run_by_another(farm):
    catalog, data, start_worker, sabaq = farm
    first = start_worker("first")
    queued = sabaq("transcode", "--all", "--queue", "--ladder", "480,360,234", "--preset", "medium")
    assert queued.returncode == 0, queued.stderr
    assert "sent to the workers" in queued.stdout
    _wait(lambda: _job(catalog).progress > 0.05, 120, "the first worker to make progress")
    assert _job(catalog).state == JobState.running
    second = start_worker("second")
    os.killpg(first.pid, signal.SIGKILL)  # mid-job, no goodbye
    first.wait(timeout=10)
    assert not (data / "packages" / "l-1").exists()  # nothing half-published
    _wait(lambda: _job(catalog).state == JobState.done, 180, "the second worker to finish it")
    job = _job(catalog)
    assert job.attempts == 2
    assert (data / "packages" / "l-1" / "master.m3u8").exists()
    with catalog.session() as session:
        assert session.get_one(Lesson, "l-1").status == "ready"
    assert second.poll() is None
    shown = sabaq("jobs", "--follow")
    assert shown.returncode == 0
    assert "done" in shown.stdout
    assert "100%" in shown.stdout


def test_worker_needs_a_broker(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SABAQ_BROKER_URL"}
    done = subprocess.run(
        [*sabaq_command(), "--data", str(tmp_path), "worker"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "SABAQ_BROKER_URL is not set" in done.stderr


def test_broker_down_keeps_the_jobs_queued(tmp_path, problem_data):
    data = dict(problem_data)
    data["lessons"] = [{**problem_data["lessons"][0], "source": "media/x.mp4"}]
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if k != "SABAQ_DATABASE_URL"},
        "SABAQ_BROKER_URL": "redis://:secret@127.0.0.1:1/0",  # nothing listens on port 1
    }

    def sabaq(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*sabaq_command(), "--data", str(tmp_path / "d"), *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert sabaq("catalog", "import", str(path)).returncode == 0
    done = sabaq("transcode", "--all", "--queue")
    assert done.returncode == 1
    assert "stay queued in the catalogue" in done.stderr
    assert "secret" not in done.stderr + done.stdout
    listed = sabaq("jobs")
    assert "queued" in listed.stdout
