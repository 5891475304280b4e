"""Transcode jobs keep their state in the catalogue, on every backend."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from sqlalchemy import select

from catalog.models import HlsPackage, JobState, Lesson, LessonStatus, TranscodeJob
from catalog.problem_io import import_problem
from service.jobs import run_lessons
from service.workspace import Workspace
from transcoder import TranscodeOptions, package

pytestmark = pytest.mark.slow
OPTIONS = TranscodeOptions(preset="ultrafast", ladder=(234,))


@pytest.fixture
def loaded(catalog, tmp_path, media):
    data = tmp_path / "data"
    (data / "media").mkdir(parents=True)
    shutil.copy(media["silent"], data / "media" / "good.mp4")
    shutil.copy(media["corrupt"], data / "media" / "bad.mp4")
    problem = {
        "channels": [],
        "series": [{"id": "s", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [
            {
                "id": "good",
                "series": "s",
                "episode": 1,
                "duration_s": 4,
                "source": "media/good.mp4",
            },
            {"id": "bad", "series": "s", "episode": 2, "duration_s": 4, "source": "media/bad.mp4"},
        ],
    }
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem), encoding="utf-8")
    with catalog.session() as session:
        import_problem(session, path)
    return catalog, data


def _jobs(catalog):
    with catalog.session() as session:
        return {
            j.lesson_id: (j.state, j.attempts, j.error, j.progress)
            for j in session.scalars(select(TranscodeJob))
        }


def test_jobs_record_success_failure_and_resume(loaded):
    catalog, data = loaded
    outcomes = run_lessons(Workspace.over(data, catalog), ["good", "bad"], OPTIONS, jobs=2)
    assert [(o.lesson_id, o.ok) for o in outcomes] == [("good", True), ("bad", False)]
    jobs = _jobs(catalog)
    assert jobs["good"][:2] == (JobState.done, 1)
    assert jobs["good"][3] == 1.0
    assert jobs["bad"][:2] == (JobState.failed, 1)
    assert "bad.mp4: not a readable video in an accepted container" in jobs["bad"][2]
    with catalog.session() as session:
        assert session.get_one(Lesson, "good").status == LessonStatus.ready
        assert session.get_one(Lesson, "bad").status == LessonStatus.failed
        package = session.get_one(HlsPackage, "good")
        assert package.directory == "packages/good"
        assert "234p" in package.rungs
        assert session.get(HlsPackage, "bad") is None
    assert not (data / "packages" / "bad").exists()
    # The offline MP4's picture and sound carry the lesson's language (its series').
    probed = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type:stream_tags=language",
         "-of", "json", str(data / "packages" / "good" / "download.mp4")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    tagged = {
        (x["codec_type"], x.get("tags", {}).get("language"))
        for x in json.loads(probed.stdout)["streams"]
    }
    assert {("video", "kaz"), ("audio", "kaz")} <= tagged, tagged  # ISO 639-2 in MP4

    # A re-run skips the current package and retries the failed job, counting attempts.
    again = run_lessons(Workspace.over(data, catalog), ["good", "bad"], OPTIONS)
    assert again[0].skipped
    assert not again[1].ok
    jobs = _jobs(catalog)
    assert jobs["bad"][:2] == (JobState.failed, 2)
    with catalog.session() as session:
        assert len(session.scalars(select(TranscodeJob)).all()) == 3  # good: 2 done, bad: 1


def test_a_package_made_the_older_way_is_made_again(loaded, monkeypatch):
    catalog, data = loaded
    workspace = Workspace.over(data, catalog)
    (first,) = run_lessons(workspace, ["good"], OPTIONS)
    assert first.ok
    assert not first.skipped
    (again,) = run_lessons(workspace, ["good"], OPTIONS)
    assert again.skipped  # same recording, options and media revision: nothing to redo
    # A new way of making the media (as when packages became whole tiles): stale.
    monkeypatch.setattr(package, "MEDIA_REVISION", package.MEDIA_REVISION + 1)
    (redone,) = run_lessons(workspace, ["good"], OPTIONS)
    assert redone.ok
    assert not redone.skipped
