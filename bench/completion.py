"""What completing continuity counters costs: per package when written (now) against per
segment when served (before), on the same segments in one run.

Live channels need every PID's continuity counters to run on across a boundary, so
each unit that may be followed by any other must hold whole sixteens of packets per
PID. Before, the origin completed every segment when serving it; now the packager
completes each rung as one run (`catalog.retime.complete_run`). This packages
lessons of LESSONS seconds (the bench ladder, preset veryfast) with the packager's
completion switched off, so the rungs hold ffmpeg's own segments, then completes each
rung both ways and prints one JSON object: per lesson and rung, the bytes each way
adds and the peak segment bit rate (as the manifest declares it: bits over a
segment's duration, at least 0.1 s) of ffmpeg's segments, of the per-segment
completion and of the per-package completion.

    python bench/completion.py [--lessons 87 600]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import LADDER  # first: it puts the project first on sys.path

import transcoder.package as package
from catalog.hls import read_manifest
from catalog.retime import complete_run, retimer
from transcoder import TranscodeOptions
from transcoder.samples import make_lesson


def _peak_kbps(sizes: list[int], durations: list[float]) -> float:
    return round(max(b * 8 / max(d, 0.1) for b, d in zip(sizes, durations, strict=True)) / 1e3, 1)


def measure(seconds: int, work: Path) -> dict[str, dict[str, float]]:
    source = make_lesson(work / "lesson.mp4", "Сабақ", seconds, size="854x480")
    options = TranscodeOptions(ladder=LADDER, preset="veryfast")
    written = package.complete_run
    package.complete_run = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        package.transcode(source, work / "package", options)
    finally:
        package.complete_run = written
    figures = {}
    for rung in read_manifest(work / "package").rungs:
        raw = [(work / "package" / rung.name / s.uri).read_bytes() for s in rung.segments]
        durations = [s.duration for s in rung.segments]
        per_segment = [len(retimer(data).template) for data in raw]
        done: dict[int, bytes] = {}
        complete_run(lambda i, raw=raw: raw[i], durations, done.__setitem__)
        per_package = [len(done[i]) for i in range(len(raw))]
        plain = [len(data) for data in raw]
        figures[rung.name] = {
            "segments": len(raw),
            "bytes": sum(plain),
            "added_per_segment_served": sum(per_segment) - sum(plain),
            "added_per_package_written": sum(per_package) - sum(plain),
            "peak_kbps_ffmpeg": _peak_kbps(plain, durations),
            "peak_kbps_per_segment_served": _peak_kbps(per_segment, durations),
            "peak_kbps_per_package_written": _peak_kbps(per_package, durations),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, nargs="+", default=[87, 600])
    args = parser.parse_args()
    results = {}
    for seconds in args.lessons:
        with tempfile.TemporaryDirectory(prefix="sabaq-bench-completion-") as work:
            results[f"{seconds}s"] = measure(seconds, Path(work))
    print(json.dumps({"ladder": LADDER, "lessons": results}))


if __name__ == "__main__":
    main()
