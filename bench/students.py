"""Students' features benchmark: what the download, captions and catch-up cost.

Prints one JSON object; every figure is set against a baseline measured in the same
run on the same input (the machine is shared and noisy: read the ratios).

- transcode: a lecture clip packaged with the offline MP4 and captions, against the
  same package without them (runs alternated, medians);
- captions: cutting a 30-minute lesson's cues into per-segment WebVTT, against
  writing the same cues as one file;
- catchup: building a 3-hour replay playlist (about 2,400 segments: lessons and the
  slate between them) of a channel that aired 9 hours a day for 11 months,
  against building its 36-second live window at the same instant.

    python bench/students.py [--seconds 60] [--repeat 3] [--preset veryfast]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The project first: bench/ (this script's folder) holds a scheduler.py of its own.
if str(ROOT) in sys.path:
    sys.path.remove(str(ROOT))
sys.path.insert(0, str(ROOT))

from bench.transcode import lecture_clip  # noqa: E402
from catalog.captions import Cue, segment_files, webvtt  # noqa: E402
from catalog.hls import Manifest, Rendition, Segment  # noqa: E402
from streaming.blocks import Timeline  # noqa: E402
from streaming.catchup import Replay, replay_window  # noqa: E402
from streaming.live import live_window, media_playlist  # noqa: E402
from streaming.snapshot import AiringView, Package  # noqa: E402
from transcoder import TranscodeOptions, transcode  # noqa: E402
from transcoder.samples import sample_captions  # noqa: E402


def _median_s(work: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_transcode(root: Path, seconds: int, repeat: int, preset: str) -> dict[str, object]:
    lesson = lecture_clip(root / "lesson.mp4", seconds)
    srt = root / "kk.srt"
    srt.write_text(sample_captions("Теңдеулер", "kk", seconds), encoding="utf-8")
    plain = TranscodeOptions(preset=preset, download=False)
    full = TranscodeOptions(preset=preset)
    runs: dict[str, list[float]] = {"plain": [], "download_and_captions": []}
    for index in range(repeat):  # alternated, so drift on the machine hits both alike
        for name in ("plain", "download_and_captions") if index % 2 == 0 else reversed(runs):
            out = root / f"out-{name}"
            shutil.rmtree(out, ignore_errors=True)
            started = time.perf_counter()
            if name == "plain":
                transcode(lesson, out, plain)
            else:
                transcode(lesson, out, full, captions={"kk": srt})
            runs[name].append(time.perf_counter() - started)
    made = root / "out-download_and_captions"
    download = (made / "download.mp4").stat().st_size
    package = sum(p.stat().st_size for p in (made / "360p").glob("*.ts"))
    medians = {k: statistics.median(v) for k, v in runs.items()}
    return {
        "clip_s": seconds,
        "preset": preset,
        "plain_s": round(medians["plain"], 2),
        "with_download_and_captions_s": round(medians["download_and_captions"], 2),
        "ratio": round(medians["download_and_captions"] / medians["plain"], 3),
        "download_bytes": download,
        "download_vs_360p_rung": round(download / package, 3),
    }


def bench_captions(repeat: int) -> dict[str, object]:
    cues = tuple(Cue(i * 2.0, i * 2.0 + 1.8, f"Сөйлем {i}: теңдеу & шешім") for i in range(900))
    durations = [6.0] * 300  # 30 minutes
    segmented = _median_s(lambda: segment_files(cues, durations, 126_000), repeat)
    single = _median_s(lambda: webvtt(cues), repeat)
    return {
        "cues": len(cues),
        "segments": len(durations),
        "segmented_ms": round(segmented * 1000, 2),
        "one_file_ms": round(single * 1000, 2),
        "ratio": round(segmented / single, 2),
    }


def _package(base: str, durations: list[float]) -> Package:
    segments = tuple(Segment(f"seg_{i:05d}.ts", d) for i, d in enumerate(durations))
    rungs = tuple(Rendition(r, "", 0, 0, segments=segments) for r in ("480p", "360p", "audio"))
    manifest = Manifest(sum(durations), 6, rungs, "bench")
    return Package(base, Path(base), manifest)


def bench_catchup(repeat: int) -> dict[str, object]:
    """A channel airing 25-minute lessons back to back for a year before `now`."""
    start = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
    lessons = {f"l{i}": _package(f"/vod/l{i}/v", [6.0] * 250) for i in range(40)}
    airings = []
    for day in range(330):
        begin = start + timedelta(days=day)
        for slot in range(18):  # 9 hours a day
            at = begin + timedelta(minutes=30 * slot)
            lesson = f"l{(day * 18 + slot) % 40}"
            airings.append(AiringView(lesson, "c", at, at + timedelta(minutes=25)))
    slate = _package("/slate/c/v", [2.0] * 5)
    now = start + timedelta(days=329, hours=8)
    replay = Replay(now - timedelta(hours=3))

    def catch_up() -> str:
        made = replay_window(replay, Timeline(airings, lessons, slate), "360p", now)
        window = made.window
        return media_playlist(
            window.segments, window.sequence, window.discontinuity, made.offset_s, made.ended
        )

    def live() -> str:
        window = live_window(airings, lessons, slate, "360p", now)
        return media_playlist(window.segments, window.sequence, window.discontinuity)

    replayed = _median_s(catch_up, repeat)
    window = _median_s(live, repeat)
    return {
        "airings": len(airings),
        "replay_segments": catch_up().count("#EXTINF"),
        "replay_ms": round(replayed * 1000, 1),
        "replay_bytes": len(catch_up().encode()),
        "live_window_ms": round(window * 1000, 2),
        "ratio": round(replayed / window, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60, help="length of the lecture clip")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--preset", default="veryfast")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="sabaq-bench-students-"))
    try:
        result = {
            "benchmark": "students",
            "transcode": bench_transcode(root, args.seconds, args.repeat, args.preset),
            "captions": bench_captions(max(args.repeat, 5)),
            "catchup": bench_catchup(max(args.repeat, 5)),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
