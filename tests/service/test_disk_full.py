"""A disk that fills up while a package is written: the job fails cleanly, nothing is published."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
from sqlalchemy import select

from catalog import open_catalog
from catalog.models import JobState, Lesson, LessonStatus, TranscodeJob
from catalog.problem_io import import_problem
from service.jobs import run_lesson
from service.workspace import Workspace
from transcoder import TranscodeOptions

pytestmark = pytest.mark.slow
OPTIONS = TranscodeOptions(preset="ultrafast", ladder=(360, 234))


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KB tmpfs: far too small for a package of an 8 s lesson."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_fails_the_job_and_publishes_nothing(small_disk, tmp_path, media):
    catalog = open_catalog(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    problem = {
        "channels": [],
        "series": [{"id": "s", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [
            {
                "id": "big",
                "series": "s",
                "episode": 1,
                "duration_s": 8,
                "source": str(media["lesson"]),
            },
        ],
    }
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    with catalog.session() as session:
        import_problem(session, path)
    outcome = run_lesson(Workspace.over(small_disk, catalog), "big", OPTIONS)
    assert not outcome.ok
    assert "No space left on device" in (outcome.error or "")
    assert list(small_disk.rglob("*")) in ([], [small_disk / "packages"])  # no partial files
    with catalog.session() as session:
        job = session.scalars(select(TranscodeJob)).one()
        assert job.state == JobState.failed
        assert "No space left on device" in (job.error or "")
        assert session.get_one(Lesson, "big").status == LessonStatus.failed
    catalog.dispose()


def test_a_full_file_system_is_told_apart(small_disk, tmp_path):
    from catalog.files import out_of_space

    spare = 64 * 1024  # of the 256 KB
    assert not out_of_space(tmp_path)
    assert not out_of_space(small_disk / "not" / "made" / "yet", spare)  # its nearest parent
    with pytest.raises(OSError, match="No space left"):  # fill it, as a stopped ffmpeg does
        (small_disk / "filler").write_bytes(b"\0" * (1 << 20))
    assert out_of_space(small_disk / "packages", spare)
