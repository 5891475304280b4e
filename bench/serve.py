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
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from common import build_site, free_port, need, start_nginx, start_sabaq, tear_down, wait_for

STATIC_SITE = """
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; }}
    server {{
        listen 127.0.0.1:{port} reuseport;
        root {root};
        location ~ \\.m3u8$ {{ add_header Cache-Control "public, max-age=1"; }}
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
    need("wrk", "nginx")
    work = Path(tempfile.mkdtemp(prefix="sabaq-bench-serve-"))
    os.chmod(work, 0o755)
    sabaq = nginx = None
    minimal: list[subprocess.Popen[bytes]] = []
    try:
        data = work / "data"
        data.mkdir()
        live_path, segment_path = build_site(data)
        sabaq_port, nginx_port, minimal_port = free_port(), free_port(), free_port()
        sabaq = start_sabaq(data, sabaq_port)
        sabaq_url = f"http://127.0.0.1:{sabaq_port}"
        # nginx serves the same bytes: the segment file, and a file as big as the playlist.
        static = work / "static"
        (static / "vod").mkdir(parents=True)
        with urllib.request.urlopen(sabaq_url + live_path) as response:
            playlist = response.read()
        (static / "live.m3u8").write_bytes(playlist)
        segment = data / segment_path.replace("/vod/", "packages/", 1)
        shutil.copy(segment, static / "vod" / "segment.ts")
        nginx = start_nginx(work, STATIC_SITE.format(port=nginx_port, root=static))
        nginx_url = f"http://127.0.0.1:{nginx_port}"
        wait_for(f"{nginx_url}/live.m3u8", nginx)
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
        tear_down(sabaq, nginx, work)


if __name__ == "__main__":
    main()
