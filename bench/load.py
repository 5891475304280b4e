"""Load benchmark: a simulated audience of live players against `sabaq serve` on 127.0.0.1.

Prints one JSON object. Each simulated player keeps its own connection, asks
for the live playlist of one rung every target duration (6 s), and fetches
the newest segment whenever the playlist names one it has not seen, as an
HLS player does. Players start spread over the first target duration and
run for a bounded time. Measured: every request's latency (to the last byte)
and every error.

In the same run the same audience is sent to sabaq behind nginx with the
shipped docs/nginx.conf (segments from disk, playlists cached until the next
segment boundary): the deployment docs/serving.md recommends.

    python bench/load.py [--players 2000] [--seconds 60] [--rung 234p]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
from common import ROOT, build_site, free_port, need, start_nginx, start_sabaq, tear_down, wait_for

TARGET_S = 6.0


async def player(
    base: str,
    playlist: str,
    until: float,
    latencies: list[float],
    errors: list[str],
    counts: dict[str, int],
) -> None:
    """One viewer on one connection, polling the playlist and fetching new segments."""
    await asyncio.sleep(random.uniform(0, TARGET_S))
    connector = aiohttp.TCPConnector(limit=1, force_close=False)
    timeout = aiohttp.ClientTimeout(total=10)
    seen: str | None = None
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:
        while time.monotonic() < until:
            began = time.monotonic()
            newest = await fetch(session, playlist, latencies, errors, counts, text=True)
            if newest and newest != seen:
                seen = newest
                await fetch(session, newest, latencies, errors, counts)
            await asyncio.sleep(max(0.0, TARGET_S - (time.monotonic() - began)))


async def fetch(
    session: aiohttp.ClientSession,
    path: str,
    latencies: list[float],
    errors: list[str],
    counts: dict[str, int],
    text: bool = False,
) -> str | None:
    """GET path to the last byte; the newest segment's URI when it is a playlist."""
    started = time.perf_counter()
    kind = "playlist" if text else "segment"
    try:
        async with session.get(path) as response:
            body = await response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            counts[kind] += 1
            counts["bytes"] += len(body)
            if response.status != 200:
                errors.append(f"{kind} {response.status}")
                return None
    except (TimeoutError, aiohttp.ClientError) as exc:
        errors.append(f"{kind} {type(exc).__name__}")
        return None
    if not text:
        return None
    uris = [x for x in body.decode().splitlines() if x and not x.startswith("#")]
    return uris[-1] if uris else None


async def audience(base: str, playlist: str, players: int, seconds: float) -> dict[str, object]:
    latencies: list[float] = []
    errors: list[str] = []
    counts = {"playlist": 0, "segment": 0, "bytes": 0}
    until = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(
        *(player(base, playlist, until, latencies, errors, counts) for _ in range(players))
    )
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)

    def pct(share: float) -> float:
        return (
            round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1) if ordered else -1
        )

    return {
        "players": players,
        "seconds": round(elapsed, 1),
        "playlist_requests": counts["playlist"],
        "segment_requests": counts["segment"],
        "requests_per_s": round((counts["playlist"] + counts["segment"]) / elapsed, 1),
        "mb_per_s": round(counts["bytes"] / elapsed / 1024**2, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1], 1) if ordered else -1,
        "mean_ms": round(statistics.fmean(ordered), 1) if ordered else -1,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rung", default="234p", help="The rung every player watches.")
    args = parser.parse_args()
    need("nginx")
    work = Path(tempfile.mkdtemp(prefix="sabaq-bench-load-"))
    os.chmod(work, 0o755)
    sabaq = nginx = None
    try:
        data = work / "data"
        data.mkdir()
        live_path, _ = build_site(data)
        playlist = live_path.replace("480p", args.rung)
        sabaq_port, nginx_port = free_port(), free_port()
        sabaq = start_sabaq(data, sabaq_port, workers=2)
        sabaq_url = f"http://127.0.0.1:{sabaq_port}"
        site = (
            (ROOT / "docs" / "nginx.conf")
            .read_text(encoding="utf-8")
            .replace("/srv/sabaq/data", str(data))
            .replace("/var/cache/nginx/sabaq-live", str(work / "cache"))
            .replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{sabaq_port};")
            .replace("listen 80;", f"listen 127.0.0.1:{nginx_port} reuseport;")
        )
        nginx = start_nginx(work, site)
        nginx_url = f"http://127.0.0.1:{nginx_port}"
        wait_for(f"{nginx_url}{playlist}", nginx)
        direct = asyncio.run(audience(sabaq_url, playlist, args.players, args.seconds))
        fronted = asyncio.run(audience(nginx_url, playlist, args.players, args.seconds))
        print(
            json.dumps(
                {
                    "benchmark": "load",
                    "cores": os.cpu_count(),
                    "server_processes": 2,
                    "rung": args.rung,
                    "sabaq": direct,
                    "baseline_sabaq_behind_docs_nginx_conf": fronted,
                    "p99_ratio_direct_vs_nginx": round(
                        float(direct["p99_ms"]) / max(float(fronted["p99_ms"]), 1e-9),
                        2,  # type: ignore[arg-type]
                    ),
                },
                indent=2,
            )
        )
    finally:
        tear_down(sabaq, nginx, work)


if __name__ == "__main__":
    main()
