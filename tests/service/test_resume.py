"""A local `sabaq transcode --all` killed mid-job: nothing half-made is published, and
the next run redoes only what was not finished."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog import open_catalog
from catalog.models import JobState, TranscodeJob
from catalog.problem_io import import_problem
from transcoder.samples import make_lesson

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _jobs(catalog) -> dict[str, tuple[JobState, int]]:
    with catalog.session() as session:
        return {j.lesson_id: (j.state, j.attempts) for j in session.scalars(select(TranscodeJob))}


def test_killed_run_publishes_nothing_partial_and_the_rerun_resumes(tmp_path):
    data = tmp_path / "data"
    make_lesson(data / "media" / "l-1.mp4", "Бірінші", 4, size="426x240")
    make_lesson(data / "media" / "l-2.mp4", "Екінші", 30, size="854x480")
    problem = {
        "channels": [],
        "series": [{"id": "s", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [
            {
                "id": f"l-{n}",
                "series": "s",
                "episode": n,
                "duration_s": 30,
                "source": f"media/l-{n}.mp4",
            }
            for n in (1, 2)
        ],
    }
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    catalog = open_catalog(f"sqlite:///{data / 'sabaq.sqlite3'}")
    with catalog.session() as session:
        import_problem(session, path)
    env = {
        k: v for k, v in os.environ.items() if k not in ("SABAQ_DATABASE_URL", "SABAQ_BROKER_URL")
    }
    command = [
        sys.executable,
        "-m",
        "cli",
        "--data",
        str(data),
        "transcode",
        "--all",
        "--jobs",
        "1",
    ]
    packages = data / "packages"
    run = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # ffmpeg dies with it
    )
    try:
        deadline = time.monotonic() + 120
        while not (
            (packages / "l-1" / "master.m3u8").exists() and list(packages.glob(".l-2.partial-*"))
        ):
            assert run.poll() is None, "the run ended before it could be killed mid-job"
            assert time.monotonic() < deadline, "l-2 never started"
            time.sleep(0.05)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=20)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert not (packages / "l-2").exists()  # only the hidden partial directory
    assert _jobs(catalog)["l-2"] == (JobState.running, 1)
    finished = (packages / "l-1" / "package.json").stat().st_mtime_ns

    # A running job is never taken from its runner: the re-run waits for the killed
    # runner's lease to lapse (shortened here) before it takes the job again.
    env["SABAQ_JOB_LEASE_S"] = "2"
    time.sleep(2.5)
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert (packages / "l-2" / "master.m3u8").exists()
    assert (packages / "l-1" / "package.json").stat().st_mtime_ns == finished  # not redone
    jobs = _jobs(catalog)
    assert jobs["l-2"] == (JobState.done, 2)  # the killed job, resumed: a second attempt
    assert jobs["l-1"][0] == JobState.done
    catalog.dispose()
