"""What the serving benchmarks share: a site with a busy live channel, servers to start.

Not a benchmark itself. Imported by bench/serve.py and bench/load.py (run them,
not this).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The project first: bench/ (this script's folder) holds a scheduler.py of its own.
if str(ROOT) in sys.path:
    sys.path.remove(str(ROOT))
sys.path.insert(0, str(ROOT))

from catalog import Catalog, open_catalog  # noqa: E402
from catalog.problem_io import import_problem  # noqa: E402
from catalog.schedules import publish, save_schedule  # noqa: E402
from service.jobs import record_package  # noqa: E402
from service.workspace import Workspace  # noqa: E402
from transcoder import TranscodeOptions, transcode  # noqa: E402
from transcoder.samples import make_lesson  # noqa: E402
from transcoder.slate import plan_slates, render_slates, slate_options  # noqa: E402

LADDER = (480, 360, 234)
UNCAPPED = ("--max-connections-per-address", "0")


def start_sabaq(data: Path, port: int, workers: int = 2) -> subprocess.Popen[bytes]:
    """`sabaq serve --workers N` over `data`, answering on 127.0.0.1:port. The load
    comes from one address standing for many viewers (as from a proxy), so the
    per-address connection cap is off."""
    env = {k: v for k, v in os.environ.items() if k != "SABAQ_DATABASE_URL"}
    command = [sys.executable, "-m", "cli", "--data", str(data), "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers), "--no-access-log", *UNCAPPED],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for(f"http://127.0.0.1:{port}/healthz", process)
    return process


def start_nginx(work: Path, http_block: str) -> subprocess.Popen[bytes]:
    """nginx in the foreground with 2 workers and `http_block` as its http {} body."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"):
        (work / name).mkdir(exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = work / "nginx.conf"
    conf.write_text(
        f"worker_processes 2;\ndaemon off;\npid {work}/nginx.pid;\n"
        f"error_log {work}/nginx-error.log warn;\n{user}\n"
        "events { worker_connections 8192; }\n"
        f"http {{\n    access_log off;\n    client_body_temp_path {work}/body;\n"
        f"    proxy_temp_path {work}/proxy;\n    fastcgi_temp_path {work}/fastcgi;\n"
        f"    uwsgi_temp_path {work}/uwsgi;\n    scgi_temp_path {work}/scgi;\n"
        f"{http_block}\n}}\n",
        encoding="utf-8",
    )
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
    return subprocess.Popen(
        [nginx_bin, "-p", str(work), "-c", str(conf)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a server started here (a sabaq server with its worker processes)."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except (PermissionError, ProcessLookupError):
        process.terminate()
    process.wait(timeout=15)


def tear_down(
    sabaq: subprocess.Popen[bytes] | None, nginx: subprocess.Popen[bytes] | None, work: Path
) -> None:
    """Stop the servers a benchmark started and remove its working directory."""
    stop(sabaq)
    if nginx is not None and nginx.poll() is None:
        nginx.terminate()
        nginx.wait(timeout=10)
    shutil.rmtree(work, ignore_errors=True)


def need(*tools: str) -> None:
    """Exit with a clear line when a tool the benchmark drives is missing."""
    for tool in tools:
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing: apt-get install {tool} (make bench-serve does)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_channel(
    data: Path, lessons: list[dict[str, object]], channel: str = "al-farabi"
) -> Catalog:
    """A SQLite catalogue in `data` of one round-the-clock Kazakh channel and `lessons`
    (of the series kk-05-math)."""
    problem = {
        "timezone": "Asia/Almaty",
        "start_date": "2026-01-01",
        "channels": [
            {"id": channel, "name": "Әл-Фараби", "window": ["00:00", "24:00"], "languages": ["kk"]}
        ],
        "series": [{"id": "kk-05-math", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": lessons,
    }
    (data / "problem.json").write_text(json.dumps(problem, ensure_ascii=False), encoding="utf-8")
    catalog = open_catalog(f"sqlite:///{data / 'sabaq.sqlite3'}")
    with catalog.session() as session:
        import_problem(session, data / "problem.json")
    return catalog


def packaged(
    data: Path,
    catalog: Catalog,
    lesson_id: str,
    seconds: int,
    options: TranscodeOptions,
    size: str = "854x480",
    tone_hz: int = 440,
) -> None:
    """A sample recording of `seconds`, packaged and recorded as the lesson's package."""
    media = data / "media" / f"{lesson_id}.mp4"
    source = make_lesson(media, "Теңдеулер", seconds, size=size, tone_hz=tone_hz)
    result = transcode(source, data / "packages" / lesson_id, options)
    record_package(Workspace.over(data, catalog), lesson_id, options, result)


def build_site(data: Path) -> tuple[str, str]:
    """A channel airing a 24 s lesson every 30 s around now: (live path, segment path)."""
    lesson_id, channel = "kk-05-math-001", "al-farabi"
    lesson = {"id": lesson_id, "series": "kk-05-math", "episode": 1, "duration_s": 24}
    catalog = one_channel(data, [{**lesson, "title": "Т"}], channel)
    options = TranscodeOptions(ladder=LADDER, preset="veryfast")
    packaged(data, catalog, lesson_id, 24, options)
    now = datetime.now(UTC).replace(microsecond=0)
    airings = []
    for n in range(-20, 200):  # the lesson repeats every 30 s: boundaries all the time
        start = now + timedelta(seconds=30 * n)
        airings.append(
            {
                "lesson": lesson_id,
                "channel": channel,
                "start": start.isoformat(),
                "end": (start + timedelta(seconds=24)).isoformat(),
            }
        )
    with catalog.session() as session:
        publish(session, save_schedule(session, {"airings": airings}, "Asia/Almaty"), now)
        plan = plan_slates({channel: "Әл-Фараби"}, [], {}, "Asia/Almaty", now, 0)
    render_slates(data, plan, slate_options(LADDER))
    catalog.dispose()
    return f"/live/{channel}/480p.m3u8", f"/vod/{lesson_id}/480p/seg_00001.ts"


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise SystemExit(
                f"server exited: {process.stdout.read().decode()[-2000:] if process.stdout else ''}"
            )
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")
