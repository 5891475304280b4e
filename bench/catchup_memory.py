"""Memory under the catch-up attack: distinct starts a week back, each a 6-hour playlist.

Prints one JSON object: the server's resident memory (one process) before and at its
peak through `--requests` catch-up requests for distinct start times, the CPU seconds
it spent on them, and the live playlist's worst and median latency meanwhile, with
the playlist cache bounded by its byte budget (SABAQ_CACHE_MB, default 32) and, as
the baseline in the same run, with a budget so large that only the count bound
(4,096 playlists) holds, as before.

    python bench/catchup_memory.py [--requests 294]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import build_site, free_port, start_sabaq, stop


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    """User and system CPU seconds the process has used."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fetch(url: str) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=300) as answer:
        answer.read()
    return time.monotonic() - started


def attack(data: Path, live: str, requests: int, cache_mb: str) -> dict[str, float]:
    os.environ["SABAQ_CACHE_MB"] = cache_mb
    port = free_port()
    server = start_sabaq(data, port, workers=1)
    base = f"http://127.0.0.1:{port}"
    try:
        before = rss_mb(server.pid)
        cpu_before = cpu_s(server.pid)
        peak, done = before, threading.Event()

        def watch() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss_mb(server.pid))
                time.sleep(0.1)

        live_worst, live_times = 0.0, list[float]()

        def viewer() -> None:
            nonlocal live_worst
            while not done.is_set():
                took = fetch(base + live)
                live_times.append(took)
                live_worst = max(live_worst, took)
                time.sleep(0.5)

        threads = [threading.Thread(target=watch), threading.Thread(target=viewer)]
        for thread in threads:
            thread.start()
        week = int(time.time()) - 7 * 86400 + 600
        urls = [f"{base}{live}?utc={week + 7 * n}" for n in range(requests)]
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(fetch, urls))
        elapsed = time.monotonic() - started
        cpu = cpu_s(server.pid) - cpu_before
        done.set()
        for thread in threads:
            thread.join()
        return {
            "rss_before_mb": round(before, 1),
            "rss_peak_mb": round(peak, 1),
            "attack_s": round(elapsed, 1),
            "server_cpu_s": round(cpu, 1),
            "live_playlist_worst_s": round(live_worst, 2),
            "live_playlist_median_s": round(statistics.median(live_times or [0.0]), 3),
        }
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=294)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        data = Path(work)
        live, _ = build_site(data)
        bounded = attack(data, live, args.requests, os.environ.get("SABAQ_CACHE_MB", "32"))
        count_only = attack(data, live, args.requests, "100000")
    print(
        json.dumps(
            {
                "requests": args.requests,
                "bytes_bounded": bounded,
                "count_bounded_baseline": count_only,
                "peak_ratio": round(bounded["rss_peak_mb"] / count_only["rss_peak_mb"], 3),
            }
        )
    )


if __name__ == "__main__":
    main()
