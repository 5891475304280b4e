"""The live timeline's cost on a channel with a year of airings: indexed against walked.

Prints one JSON object. A channel airs 25-minute lessons every 30 minutes, 9 hours a
day, for a year (6,570 airings; some lessons packaged only after their first airing
began). At the year's last day it times, as medians over `--repeat` calls:

- the server's path: one `Timeline` per snapshot and channel (built once, timed
  apart), then a 36 s live window, a 6-hour catch-up playlist from a week back,
  and `find` for a segment of a week back and one of now; and the 6-hour catch-up
  again on the same year where one lesson got its first package only three days
  ago (aired as the slate until then): a replay from before that instant has an
  index of its own (built by its first call, then kept);
- the baseline, in the same run: the walk from the epoch that every call made
  before the index (the reference kept in tests/streaming/test_live_index.py), for
  the same answers, which must be equal.

    python bench/live_index.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) in sys.path:
    sys.path.remove(str(ROOT))
sys.path.insert(0, str(ROOT))

from catalog.hls import Manifest, Rendition, Segment  # noqa: E402
from streaming import live  # noqa: E402
from streaming.blocks import Timeline  # noqa: E402
from streaming.snapshot import AiringView, Package  # noqa: E402
from tests.streaming.test_live_index import reference_locate, reference_window  # noqa: E402

START = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)


def _package(base: str, durations: list[float], published: float | None) -> Package:
    segments = tuple(Segment(f"seg_{i:05d}.ts", d) for i, d in enumerate(durations))
    rungs = (Rendition("480p", "avc1", 0, 0, 854, 480, segments),)
    manifest = Manifest(sum(durations), 6, rungs, base, published_at=published)
    return Package(base, Path(base), manifest)


def channel() -> tuple[list[AiringView], dict[str, Package], Package]:
    lessons = {}
    for number in range(200):
        late = number % 7 == 3  # packaged a month into the year: its first airings were slate
        published = (START + timedelta(days=30 if late else -1)).timestamp()
        lessons[f"l{number}"] = _package(f"/vod/l{number}/v", [6.0] * 250, published)
    airings = []
    for day in range(365):
        begin = START + timedelta(days=day)
        for slot in range(18):
            at = begin + timedelta(minutes=30 * slot)
            lesson = f"l{(day * 18 + slot) % 200}"
            airings.append(AiringView(lesson, "c", at, at + timedelta(minutes=25)))
    return airings, lessons, _package("/slate/c/v", [2.0] * 5, None)


def _median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    airings, lessons, slate = channel()
    now = START + timedelta(days=364, hours=6, seconds=17)
    week = now - timedelta(days=7)
    began = time.perf_counter()
    timeline = Timeline(airings, lessons, slate)
    made_ms = (time.perf_counter() - began) * 1000
    began = time.perf_counter()
    live.window(timeline, "480p", now)
    first_ms = (time.perf_counter() - began) * 1000
    old = live.window(timeline, "480p", week).sequence
    newest = live.window(timeline, "480p", now).sequence
    span = 6 * 3600.0

    def shaped(window: live.LiveWindow) -> tuple[object, ...]:
        return (window.segments, window.sequence, window.discontinuity, window.until)

    asked: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "live_window": (
            lambda: shaped(live.window(timeline, "480p", now)),
            lambda: reference_window(airings, lessons, slate, "480p", now, live.WINDOW_S, None),
        ),
        "catchup_6h_week_back": (
            lambda: shaped(live.window(timeline, "480p", week + timedelta(seconds=span), span)),
            lambda: reference_window(
                airings, lessons, slate, "480p", week + timedelta(seconds=span), span, None
            ),
        ),
        "find_week_back": (
            lambda: live.find(timeline, "480p", old, now),
            lambda: reference_locate(airings, lessons, slate, "480p", old, now, None),
        ),
        "find_now": (
            lambda: live.find(timeline, "480p", newest, now),
            lambda: reference_locate(airings, lessons, slate, "480p", newest, now, None),
        ),
    }
    # One lesson first packaged three days ago though it aired all year (as the slate
    # until then): a replay from before that instant sees another timeline.
    late = dict(lessons)
    first = lessons["l3"]
    late["l3"] = _package("/vod/l3/late", [6.0] * 250, (now - timedelta(days=3)).timestamp())
    assert first is not late["l3"]
    late_timeline = Timeline(airings, late, slate)
    end = week + timedelta(seconds=span)
    asked["catchup_6h_week_back_package_3_days_old"] = (
        lambda: shaped(live.window(late_timeline, "480p", end, span)),
        lambda: reference_window(airings, late, slate, "480p", end, span, None),
    )
    figures: dict[str, object] = {
        "airings": len(airings),
        "timeline_built_ms": round(made_ms, 2),
        "first_window_ms": round(first_ms, 2),
    }
    for name, (indexed, walked) in asked.items():
        if indexed() != walked():
            raise SystemExit(f"{name}: the index and the walk disagree")
        fast, slow = _median_ms(indexed, args.repeat), _median_ms(walked, args.repeat)
        figures[name] = {"indexed_ms": fast, "walked_ms": slow, "speedup": round(slow / fast, 1)}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
