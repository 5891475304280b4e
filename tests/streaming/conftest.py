"""A real data directory: catalogue, packaged lessons, slates, a published schedule."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog import open_catalog
from catalog.problem_io import import_problem
from catalog.schedules import publish, save_schedule
from service.jobs import record_package
from service.workspace import Workspace
from streaming import create_app
from transcoder import TranscodeOptions, transcode
from transcoder.samples import make_lesson, make_signer
from transcoder.slate import plan_slates, render_slates, slate_options

NOW = datetime(2026, 9, 1, 4, 0, 20, tzinfo=UTC)  # 09:00:20 in Almaty
CAPTIONS = """1
00:00:00,500 --> 00:00:03,000
Теңдеу деген не?

2
00:00:03,500 --> 00:00:07,500
<i>Теңдік белгісі</i> бар өрнек & айнымалы
"""
OPTIONS = TranscodeOptions(preset="ultrafast", ladder=(360, 234))
TITLE = '</title><script>alert(1)</script> & "Бөлшектер" ә ғ қ ң ө ұ ү һ і'


@dataclass
class Site:
    data_dir: Path
    url: str
    now: datetime


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    data = tmp_path_factory.mktemp("site")
    media = data / "media"
    problem = {
        "timezone": "Asia/Almaty",
        "start_date": "2026-09-01",
        "channels": [
            {
                "id": "al-farabi",
                "name": "Әл-Фараби",
                "window": ["09:00", "18:00"],
                "languages": ["kk"],
            }
        ],
        "series": [
            {
                "id": "kk-05-math",
                "grade": 5,
                "subject": "math",
                "language": "kk",
                "title": "Математика 5",
            },
            {
                "id": "ru-01-math",
                "grade": 1,
                "subject": "math",
                "language": "ru",
                "title": "Математика 1",
            },
        ],
        "lessons": [
            {
                "id": "kk-05-math-001",
                "series": "kk-05-math",
                "episode": 1,
                "duration_s": 8,
                "title": TITLE,
                "signed": True,
            },
            {
                "id": "kk-05-math-002",
                "series": "kk-05-math",
                "episode": 2,
                "duration_s": 8,
                "title": "Теңдеулер",
            },
            {
                "id": "ru-01-math-001",
                "series": "ru-01-math",
                "episode": 1,
                "duration_s": 8,
                "title": "Числа",
            },
        ],
    }
    (data / "problem.json").write_text(json.dumps(problem, ensure_ascii=False), encoding="utf-8")
    url = f"sqlite:///{data / 'sabaq.sqlite3'}"
    catalog = open_catalog(url)
    with catalog.session() as session:
        import_problem(session, data / "problem.json")
    signer = make_signer(media / "signer.mp4", 8, size="320x240")
    (media / "kk-05-math-002.kk.srt").write_text(CAPTIONS, encoding="utf-8")
    for lesson in problem["lessons"][:2]:
        source = make_lesson(media / f"{lesson['id']}.mp4", "Сабақ", 8, size="640x360")
        result = transcode(
            source,
            data / "packages" / lesson["id"],
            OPTIONS,
            signer if lesson.get("signed") else None,
            # The second lesson has captions in Kazakh (as the catalogue would give them).
            captions={"kk": media / "kk-05-math-002.kk.srt"} if lesson["episode"] == 2 else None,
        )
        record_package(Workspace.over(data, catalog), lesson["id"], OPTIONS, result)
    start = NOW - timedelta(seconds=20)
    slates = plan_slates(
        {"al-farabi": "Әл-Фараби"},
        [("kk-05-math-002", "al-farabi", start + timedelta(seconds=30))],
        {"kk-05-math-002": "Теңдеулер"},
        "Asia/Almaty",
        start,
        1,
    )
    render_slates(data, slates, slate_options((360, 234), "ultrafast"), workers=2)
    airings = [
        {
            "lesson": "kk-05-math-001",
            "channel": "al-farabi",
            "start": start.isoformat(),
            "end": (start + timedelta(seconds=8)).isoformat(),
        },
        {
            "lesson": "kk-05-math-002",
            "channel": "al-farabi",
            "start": (start + timedelta(seconds=30)).isoformat(),
            "end": (start + timedelta(seconds=38)).isoformat(),
        },
    ]
    with catalog.session() as session:
        publish(session, save_schedule(session, {"airings": airings}, "Asia/Almaty"), start)
    catalog.dispose()
    return Site(data, url, NOW)


@pytest.fixture
async def client(site, aiohttp_client):
    """The application over the site, with a clock the test moves (client.clock)."""
    catalog = open_catalog(site.url)
    clock = {"now": site.now}
    app = create_app(catalog, site.data_dir, clock=lambda: clock["now"], refresh_s=0)
    test_client = await aiohttp_client(app)
    test_client.clock = clock
    yield test_client
    catalog.dispose()


def answers(url: str, tries: int = 150) -> bool:
    """Whether `url` answers within `tries` tenths of a second (a server starting up)."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(url, timeout=1)
            return True
        except OSError:
            time.sleep(0.1)
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data: Path, port: int, *options: str) -> subprocess.Popen[bytes]:
    """`sabaq serve` on `port` over `data` (its SQLite catalogue), started, maybe not up."""
    env = {k: v for k, v in os.environ.items() if k != "SABAQ_DATABASE_URL"}
    command = [sys.executable, "-m", "cli", "--data", str(data), "serve", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--no-access-log", *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[2],
    )


@contextmanager
def running_server(data: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`sabaq serve` on a free port over `data`, answering: (base URL, process)."""
    port = free_port()
    process = start_server(data, port, *options)
    base = f"http://127.0.0.1:{port}"
    if not answers(f"{base}/healthz"):
        process.kill()
        output = process.stdout.read().decode() if process.stdout else ""
        pytest.fail(f"server did not start: {output[-2000:]}")
    try:
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=10)
