"""Serving benchmark: `sabaq serve` against nginx serving the same bytes, measured with wrk.

Prints one JSON object. Both servers run on this machine in the same run, each
with 2 processes, on 127.0.0.1 only, and wrk drives them for a bounded time:

- live playlist: sabaq's /live/{channel}/{rung}.m3u8 (computed from the schedule and
  the clock, cached per segment boundary) against nginx serving a static file of
  the same size;
- segment: a 480p lesson segment from sabaq's /vod/ against the same file from
  nginx (both with sendfile);
- p99 latency of the live playlist at 500 concurrent connections;
- for scale, a minimal aiohttp server (2 processes) answering the playlist's bytes
  from memory: the ceiling of any aiohttp handler on this machine.

Compare the ratios, not the absolute figures: wrk shares the 2 cores with the
servers, and the machine is shared.

    python bench/serve.py [--duration 10] [--connections 100] [--many 500]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from catalog import open_catalog  # noqa: E402
from catalog.problem_io import import_problem  # noqa: E402
from catalog.schedules import publish, save_schedule  # noqa: E402
from transcoder import TranscodeOptions, transcode  # noqa: E402
from transcoder.jobs import record_package  # noqa: E402
from transcoder.samples import make_lesson  # noqa: E402
from transcoder.slate import plan_slates, render_slates, slate_options  # noqa: E402

LADDER = (480, 360, 234)
NGINX_CONF = """
worker_processes 2;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; }}
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port} reuseport;
        root {root};
        location ~ \\.m3u8$ {{ add_header Cache-Control "public, max-age=1"; }}
    }}
}}
"""


# The least an aiohttp server can do per request: the same bytes from memory, no routing
# logic, no middleware. Shows how much of the gap to nginx is aiohttp itself.
MINIMAL = """
import sys
from aiohttp import web
body = open(sys.argv[2], "rb").read()
async def handle(request):
    return web.Response(body=body, content_type="application/vnd.apple.mpegurl")
app = web.Application()
app.router.add_get("/live.m3u8", handle)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), reuse_port=True, access_log=None,
            print=None, backlog=4096)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_site(data: Path) -> tuple[str, str]:
    """A channel airing a 24 s lesson every 30 s around now: (live path, segment path)."""
    lesson_id, channel = "kk-05-math-001", "al-farabi"
    problem = {
        "timezone": "Asia/Almaty",
        "start_date": "2026-09-01",
        "channels": [
            {"id": channel, "name": "Әл-Фараби", "window": ["00:00", "24:00"], "languages": ["kk"]}
        ],
        "series": [{"id": "kk-05-math", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [
            {"id": lesson_id, "series": "kk-05-math", "episode": 1, "duration_s": 24, "title": "Т"}
        ],
    }
    (data / "problem.json").write_text(json.dumps(problem, ensure_ascii=False), encoding="utf-8")
    catalog = open_catalog(f"sqlite:///{data / 'sabaq.sqlite3'}")
    with catalog.session() as session:
        import_problem(session, data / "problem.json")
    source = make_lesson(data / "media" / "lesson.mp4", "Теңдеулер", 24, size="854x480")
    options = TranscodeOptions(ladder=LADDER, preset="veryfast")
    result = transcode(source, data / "packages" / lesson_id, options)
    record_package(catalog, lesson_id, options, result)
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


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}
_SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def wrk(url: str, connections: int, duration: int) -> dict[str, float]:
    """Requests/s, MB/s, p50/p99 latency (ms) and errors of one bounded wrk run."""
    threads = min(2, connections)
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "5s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    text = result.stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        return round(float(match.group(1)) * _UNITS[match.group(2)], 2) if match else -1.0

    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", text)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = sum(int(x) for x in socket_errors.groups()) if socket_errors else 0
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return {
        "requests_per_s": float(rate.group(1)) if rate else 0.0,
        "mb_per_s": round(float(transfer.group(1)) * _SIZES[transfer.group(2)] / 1024**2, 1)
        if transfer
        else 0.0,
        "p50_ms": latency("50%"),
        "p99_ms": latency("99%"),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="Seconds per wrk run.")
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--many", type=int, default=500, help="Connections of the p99 run.")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing: apt-get install wrk nginx (make bench does)")
    work = Path(tempfile.mkdtemp(prefix="sabaq-bench-serve-"))
    os.chmod(work, 0o755)
    sabaq = nginx = None
    minimal: list[subprocess.Popen[bytes]] = []
    try:
        data = work / "data"
        data.mkdir()
        live_path, segment_path = build_site(data)
        sabaq_port, nginx_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if k != "SABAQ_DATABASE_URL"}
        sabaq = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli",
                "--data",
                str(data),
                "serve",
                "--port",
                str(sabaq_port),
                "--workers",
                "2",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        sabaq_url = f"http://127.0.0.1:{sabaq_port}"
        wait_for(f"{sabaq_url}/healthz", sabaq)
        # nginx serves the same bytes: the segment file, and a file as big as the playlist.
        static = work / "static"
        (static / "vod").mkdir(parents=True)
        with urllib.request.urlopen(sabaq_url + live_path) as response:
            playlist = response.read()
        (static / "live.m3u8").write_bytes(playlist)
        segment = data / segment_path.replace("/vod/", "packages/", 1)
        shutil.copy(segment, static / "vod" / "segment.ts")
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (work / name).mkdir()
        conf = work / "nginx.conf"
        user = "user root;" if os.geteuid() == 0 else ""
        conf.write_text(
            NGINX_CONF.format(work=work, port=nginx_port, root=static, user=user),
            encoding="utf-8",
        )
        nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"
        nginx = subprocess.Popen(
            [nginx_bin, "-p", str(work), "-c", str(conf)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        nginx_url = f"http://127.0.0.1:{nginx_port}"
        wait_for(f"{nginx_url}/live.m3u8", nginx)
        minimal_port = free_port()
        (work / "minimal.py").write_text(MINIMAL, encoding="utf-8")
        minimal = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(work / "minimal.py"),
                    str(minimal_port),
                    str(static / "live.m3u8"),
                ]
            )
            for _ in range(2)
        ]
        minimal_url = f"http://127.0.0.1:{minimal_port}"
        wait_for(f"{minimal_url}/live.m3u8", minimal[0])

        d, c, many = args.duration, args.connections, args.many
        for url in (sabaq_url + live_path, f"{nginx_url}/live.m3u8"):  # steady state only
            wrk(url, many, 2)
        figures = {
            "live_playlist": {
                "sabaq": wrk(sabaq_url + live_path, c, d),
                "nginx_static_same_size": wrk(f"{nginx_url}/live.m3u8", c, d),
                "aiohttp_minimal_same_bytes": wrk(f"{minimal_url}/live.m3u8", c, d),
            },
            "segment": {
                "sabaq": wrk(sabaq_url + segment_path, c, d),
                "nginx": wrk(f"{nginx_url}/vod/segment.ts", c, d),
            },
            f"live_playlist_{many}_connections": {
                "sabaq": wrk(sabaq_url + live_path, many, d),
                "nginx_static_same_size": wrk(f"{nginx_url}/live.m3u8", many, d),
            },
        }
        live, seg = figures["live_playlist"], figures["segment"]
        crowd = figures[f"live_playlist_{many}_connections"]
        report = {
            "benchmark": "serve",
            "cores": os.cpu_count(),
            "server_processes": 2,
            "wrk": {"threads": 2, "connections": c, "duration_s": d},
            "playlist_bytes": len(playlist),
            "segment_bytes": segment.stat().st_size,
            "figures": figures,
            "ratios": {
                "live_playlist_rate_vs_nginx": round(
                    live["sabaq"]["requests_per_s"]
                    / max(live["nginx_static_same_size"]["requests_per_s"], 1e-9),
                    3,
                ),
                "live_playlist_rate_vs_minimal_aiohttp": round(
                    live["sabaq"]["requests_per_s"]
                    / max(live["aiohttp_minimal_same_bytes"]["requests_per_s"], 1e-9),
                    3,
                ),
                "segment_throughput_vs_nginx": round(
                    seg["sabaq"]["mb_per_s"] / max(seg["nginx"]["mb_per_s"], 1e-9), 3
                ),
            },
            f"sabaq_live_p99_ms_at_{many}": crowd["sabaq"]["p99_ms"],
            "sabaq_errors": sum(f["sabaq"]["errors"] for f in figures.values()),
        }
        print(json.dumps(report, indent=2))
    finally:
        for process in minimal:
            process.terminate()
            process.wait(timeout=10)
        for process in (sabaq, nginx):
            if process is not None and process.poll() is None:
                if process is sabaq:
                    os.killpg(process.pid, signal.SIGTERM)
                else:
                    process.terminate()
                process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
