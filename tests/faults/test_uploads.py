"""Uploads and captions: staged, checked whole, current only when every check passed;
a refusal changes nothing, leaves no file, and names no server path."""

from __future__ import annotations

import asyncio
import logging
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.models import HlsPackage, Lesson
from catalog.problem_io import import_problem
from errors import SabaqError
from service.captions import set_captions
from service.workspace import Workspace
from tests.conftest import PROBLEM

pytestmark = pytest.mark.slow
GOOD_SRT = b"1\n00:00:01,000 --> 00:00:03,000\nok\n"


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def test_captions_refused_by_the_package_change_nothing(sqlite_catalog, tmp_path):
    (tmp_path / "p.json").write_text(__import__("json").dumps(PROBLEM), encoding="utf-8")
    with sqlite_catalog.session() as session:
        import_problem(session, tmp_path / "p.json")
    data = tmp_path / "data"
    first = set_captions(Workspace.over(data, sqlite_catalog), "a1", "kk", GOOD_SRT, "a.srt")
    with sqlite_catalog.session() as session:  # the catalogue says a package is there; it is not
        session.add(
            HlsPackage(
                lesson_id="a1",
                directory="packages/a1",
                rungs=["360p"],
                duration_s=1500.0,
                segment_s=6.0,
                checksum="x",
            )
        )
    before = _files(data)
    workspace = Workspace.over(data, sqlite_catalog)
    with pytest.raises(SabaqError) as refused:
        set_captions(workspace, "a1", "kk", GOOD_SRT.replace(b"ok", b"new"), "b.srt")
    assert str(tmp_path) not in str(refused.value)
    assert _files(data) == before  # nothing left behind
    with sqlite_catalog.session() as session:
        assert session.get_one(Lesson, "a1").captions == {"kk": first.path}


def _clip(path: Path, video_s: int, audio_s: int) -> Path:
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc=d={video_s}:s=320x240:r=25",
            "-f", "lavfi", "-i", f"sine=d={audio_s}",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "16k",
            str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


async def test_a_short_picture_with_hours_of_sound_is_refused(served, site, tmp_path):
    clip = _clip(tmp_path / "long-audio.mp4", 8, 400)  # an 8 s lesson takes at most 132 s
    answer = await served.client.put(
        "/api/lessons/ru-01-math-001/source", data=clip.read_bytes(), headers=served.auth
    )
    assert answer.status == 415
    text = await answer.text()
    assert "400 s" in text
    assert str(site.data_dir) not in text
    assert str(tmp_path) not in text
    uploads = site.data_dir / "media" / "uploads"
    assert not any(p.name.startswith("ru-01-math-001") for p in uploads.glob("*"))
    assert not list(uploads.glob(".part-*"))
    with served.catalog.session() as session:
        assert session.scalar(select(Lesson.source).where(Lesson.id == "ru-01-math-001")) is None


async def test_an_aborted_upload_is_one_line_in_the_log(served, site, caplog):
    caplog.set_level(logging.INFO)
    server = served.client.server
    _reader, writer = await asyncio.open_connection(server.host, server.port)
    head = (
        "PUT /api/lessons/ru-01-math-001/source HTTP/1.1\r\n"
        f"Host: x\r\nAuthorization: {served.auth['Authorization']}\r\n"
        "Content-Length: 1000000\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    writer.write(head.encode() + b"\0" * 50_000)
    await writer.drain()
    await asyncio.sleep(0.3)
    writer.transport.abort()  # the client goes away mid-body
    await asyncio.sleep(2)
    aborted = [r for r in caplog.records if "aborted" in r.getMessage()]
    assert len(aborted) == 1
    assert all(r.exc_info is None for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not list((site.data_dir / "media" / "uploads").glob(".part-*"))
