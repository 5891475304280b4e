"""A real data directory: catalogue, packaged lessons, slates, a published schedule."""

from __future__ import annotations

import json
import os
import socket
import subprocess
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
from tests.conftest import sabaq_command
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


READY_S = float(os.environ.get("SABAQ_TEST_READY_S", "180"))
"""How long a server started by a test may take to answer: generous, because a busy
CI machine may take a minute just to import the server (its log says why it fails)."""


def answers(
    url: str, within_s: float = READY_S, process: subprocess.Popen[bytes] | None = None
) -> bool:
    """Whether `url` answers within `within_s` seconds (a server starting up); gives up
    at once when `process`, the server, has exited."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)
            return True
        except OSError:
            if process is not None and process.poll() is not None:
                return False
            time.sleep(0.1)
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    data: Path, port: int, *options: str, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """`sabaq serve` on `port` over `data` (its SQLite catalogue), started, maybe not up;
    its output goes to `log` (a file: a pipe nobody reads could stall it), else is piped."""
    env = {k: v for k, v in os.environ.items() if k != "SABAQ_DATABASE_URL"}
    command = [*sabaq_command(), "--data", str(data), "serve", "--port", str(port)]
    output = log.open("wb") if log is not None else subprocess.PIPE
    try:
        return subprocess.Popen(
            [*command, "--no-access-log", *options],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )
    finally:
        if log is not None:
            output.close()  # type: ignore[union-attr]


@contextmanager
def running_server(data: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`sabaq serve` on a free port over `data`, answering: (base URL, process). When it
    does not answer within READY_S, the test fails with the server's own log."""
    port = free_port()
    log = data.parent / f"serve-{port}.log"
    began = time.monotonic()
    process = start_server(data, port, *options, log=log)
    base = f"http://127.0.0.1:{port}"
    if not answers(f"{base}/healthz", READY_S, process):
        process.kill()
        process.wait(timeout=30)
        output = log.read_text(encoding="utf-8", errors="replace")
        pytest.fail(
            f"sabaq serve on port {port} did not answer /healthz within "
            f"{time.monotonic() - began:.0f} s (exit code {process.returncode}); its log:\n"
            f"{output[-4000:] or '(empty)'}",
            pytrace=False,
        )
    try:
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
