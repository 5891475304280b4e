"""Live segment throughput: segments retimed onto a channel's clock against the same file
served untouched, by the same `sabaq serve` in the same run.

Prints one JSON object. A channel airs a 24 s 480p lesson every 30 s for the past six
hours (its package stamped a day earlier, so every airing plays it). An asyncio
client (aiohttp, `--connections` at once, `--duration` s each) asks for:

- untouched: the lesson's 480p seg_00001.ts from /vod/ (a file, sent with sendfile);
- retimed, live audience: /live/{channel}/480p/{sequence}.ts of one airing of that same
  file, asked for by every client, as viewers of a live channel do (rewritten once,
  then served from memory);
- retimed, cold: the same file in every airing of the six hours, in turn: each
  request a segment no one asked for yet (more than the server keeps in memory), so
  every request locates the segment in the schedule and rewrites its clocks (the
  file's analysis, `catalog.retime.Retimer`, is made once per worker and reused by
  every airing of it, as re-runs and the slate's passes reuse it).

In process, on the same file: `retime_ms_in_process` is a file never seen (analysis
and rewrite), `moved_ms_in_process` one more airing of a file already analysed.

Ratios are of requests per second against untouched. The client shares the 2 cores
with the server, so compare the ratios, not the absolute figures.

    python bench/live_segments.py [--duration 10] [--connections 16] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from common import ROOT, free_port, one_channel, packaged, start_sabaq, tear_down

# The project first: bench/ (this script's folder) holds a scheduler.py of its own.
if str(ROOT) in sys.path:
    sys.path.remove(str(ROOT))
sys.path.insert(0, str(ROOT))

from catalog.retime import located
from catalog.schedules import publish, save_schedule
from streaming import live
from streaming.snapshot import load_snapshot
from transcoder import TranscodeOptions
from transcoder.slate import plan_slates, render_slates, slate_options

LESSON, CHANNEL, RUNG = "kk-05-math-001", "al-farabi", "480p"
LADDER = (480, 234)
HOURS = 6


def build(data: Path) -> tuple[str, list[str]]:
    """The site; (the untouched segment's path, the retimed paths of that segment)."""
    lesson = {"id": LESSON, "series": "kk-05-math", "episode": 1, "duration_s": 24}
    catalog = one_channel(data, [{**lesson, "title": "Т"}], CHANNEL)
    packaged(data, catalog, LESSON, 24, TranscodeOptions(ladder=LADDER, preset="veryfast"))
    # Stamped a day earlier, so the past hours' airings play it (not the slate).
    manifest = (data / "packages" / LESSON / "package.json").resolve()
    meta = json.loads(manifest.read_text(encoding="utf-8"))
    meta["published_at"] -= 86400
    manifest.write_text(json.dumps(meta), encoding="utf-8")
    now = datetime.now(UTC).replace(microsecond=0)
    airings = []
    for n in range(-HOURS * 120, 20):
        start = now + timedelta(seconds=30 * n)
        end = start + timedelta(seconds=24)
        airings.append(
            {
                "lesson": LESSON,
                "channel": CHANNEL,
                "start": start.isoformat(),
                "end": end.isoformat(),
            }
        )
    with catalog.session() as session:
        publish(session, save_schedule(session, {"airings": airings}, "Asia/Almaty"), now)
        plan = plan_slates({CHANNEL: "Әл-Фараби"}, [], {}, "Asia/Almaty", now, 0)
    render_slates(data, plan, slate_options(LADDER))
    snapshot = load_snapshot(catalog, data)
    catalog.dispose()
    window = live.live_window(
        snapshot.airings_of(CHANNEL),
        snapshot.packages,
        snapshot.slates[CHANNEL],
        RUNG,
        now,
        window_s=HOURS * 3600 - 60,
    )
    package = snapshot.packages[LESSON]
    wanted = f"{package.base_url}/{RUNG}/seg_00001.ts"
    retimed = [f"/live/{CHANNEL}/{s.url}" for s in window.segments if s.source == wanted]
    return wanted, retimed


async def load(base: str, paths: list[str], connections: int, duration: float) -> dict[str, float]:
    """Requests per second and MB/s over `duration`, `connections` clients taking the
    paths in turn (each path once before any repeats, when there are many)."""
    done = 0
    received = 0
    turn = 0
    stop = time.monotonic() + duration

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal done, received, turn
        while time.monotonic() < stop:
            path = paths[turn % len(paths)]
            turn += 1
            async with session.get(base + path) as response:
                body = await response.read()
                if response.status != 200:
                    raise SystemExit(f"{path}: {response.status} {body[:200]!r}")
            done += 1
            received += len(body)

    limit = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=limit) as session:
        began = time.monotonic()
        await asyncio.gather(*(client(session) for _ in range(connections)))
        spent = time.monotonic() - began
    return {"requests_per_s": round(done / spent, 1), "mb_per_s": round(received / spent / 1e6, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sabaq-bench-live-"))
    sabaq = None
    try:
        untouched, retimed = build(work)
        if len(retimed) < 500:
            raise SystemExit(
                f"only {len(retimed)} airings of the segment: the cache would hold them"
            )
        data = (work / "packages" / LESSON / RUNG / "seg_00001.ts").read_bytes()
        began = time.perf_counter()
        for ticks in range(50):
            located(data).moved(ticks * 90_000)
        rewrite_ms = (time.perf_counter() - began) / 50 * 1000
        prepared = located(data)
        began = time.perf_counter()
        for ticks in range(50):
            prepared.moved(ticks * 90_000)
        moved_ms = (time.perf_counter() - began) / 50 * 1000
        port = free_port()
        sabaq = start_sabaq(work, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        run = asyncio.run
        results = {
            "untouched": run(load(base, [untouched], args.connections, args.duration)),
            "retimed_live_audience": run(
                load(base, [retimed[-1]], args.connections, args.duration)
            ),
            "retimed_cold": run(load(base, retimed, args.connections, args.duration)),
        }
        plain = results["untouched"]["requests_per_s"]
        print(
            json.dumps(
                {
                    "segment_bytes": len(data),
                    "retime_ms_in_process": round(rewrite_ms, 2),
                    "moved_ms_in_process": round(moved_ms, 3),
                    "distinct_cold_segments": len(retimed),
                    "connections": args.connections,
                    "workers": args.workers,
                    "duration_s": args.duration,
                    **results,
                    "ratio_live_audience": round(
                        results["retimed_live_audience"]["requests_per_s"] / plain, 3
                    ),
                    "ratio_cold": round(results["retimed_cold"]["requests_per_s"] / plain, 3),
                }
            )
        )
    finally:
        tear_down(sabaq, None, work)


if __name__ == "__main__":
    main()
