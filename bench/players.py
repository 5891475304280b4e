"""Independent players on a live channel and a catch-up replay: what each one says.

Not a speed benchmark: a real-client check recorded in bench/RESULTS.md. Builds a
channel whose lessons (8 s each) and gaps make a boundary every 8 s on average
(slate -> lesson, lesson -> lesson, lesson -> slate), serves it with `sabaq
serve`, and lets every player found on this machine (ffmpeg, mpv, VLC's cvlc,
streamlink) play `--seconds` of it live from before the first airing, then the
same stretch as a catch-up replay (?utc=&utcend=). Prints one JSON object: per
player and mode, its exit status, how many lines it printed at warning level,
which of those name a timestamp or stream problem, and the first such lines.

    python bench/players.py [--seconds 90]
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
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import ROOT, free_port, one_channel, packaged, start_sabaq, tear_down

# The project first: bench/ (this script's folder) holds a scheduler.py of its own.
if str(ROOT) in sys.path:
    sys.path.remove(str(ROOT))
sys.path.insert(0, str(ROOT))

from catalog.schedules import publish, save_schedule
from transcoder import TranscodeOptions
from transcoder.slate import plan_slates, render_slates, slate_options

CHANNEL = "al-farabi"
LADDER = (360, 234)
# (lesson, seconds after the cycle's start) in a 48 s cycle: a lesson follows a lesson
# at 10 s, a 13 s gap ends mid-pass of the slate's loop, an 11 s gap after the third:
# 5 boundaries a cycle.
CYCLE = (("a", 2), ("b", 10), ("c", 31))
CYCLE_S = 48
PROBLEMS = re.compile(
    r"timestamp|pts|dts|discontinu|corrupt|clock|out of order|reset|non.monoton|gap|jump",
    re.IGNORECASE,
)


def build(data: Path, seconds: float) -> datetime:
    """The site; returns when its first cycle starts (soon after now)."""
    lessons = [
        {"id": f"kk-05-math-00{i}", "series": "kk-05-math", "episode": i, "duration_s": 8}
        for i in (1, 2, 3)
    ]
    catalog = one_channel(data, lessons, CHANNEL)
    options = TranscodeOptions(ladder=LADDER, preset="veryfast")
    ids = {"a": "kk-05-math-001", "b": "kk-05-math-002", "c": "kk-05-math-003"}
    for tone, lesson in zip((330, 440, 550), ids.values(), strict=True):
        packaged(data, catalog, lesson, 8, options, "640x360", tone)
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=15)
    airings = []
    for cycle in range(int(seconds * 2 // CYCLE_S) + 2):
        for key, offset in CYCLE:
            start = first + timedelta(seconds=cycle * CYCLE_S + offset)
            end = start + timedelta(seconds=8)
            airing = {"lesson": ids[key], "channel": CHANNEL}
            airings.append({**airing, "start": start.isoformat(), "end": end.isoformat()})
    with catalog.session() as session:
        publish(session, save_schedule(session, {"airings": airings}, "Asia/Almaty"), first)
        plan = plan_slates({CHANNEL: "Әл-Фараби"}, [], {}, "Asia/Almaty", first, 0)
    render_slates(data, plan, slate_options(LADDER))
    catalog.dispose()
    return first


def commands(url: str, seconds: float, live: bool) -> dict[str, list[str]]:
    """How each installed player plays `url` for `seconds` with no picture or sound out."""
    found = {}
    if shutil.which("ffmpeg"):
        start = ["-live_start_index", "0"] if live else []
        found["ffmpeg"] = [
            *("ffmpeg", "-hide_banner", "-nostdin", "-v", "warning", *start, "-i", url),
            *("-t", str(seconds), "-f", "null", "-"),
        ]
    if shutil.which("mpv"):
        found["mpv"] = [
            *("mpv", "--no-config", "--vo=null", "--ao=null", "--really-quiet=no"),
            *("--msg-level=all=warn", f"--length={seconds}", url),
        ]
    if shutil.which("cvlc"):
        # VLC refuses to run as root: as root, it runs as nobody.
        nobody = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        found["vlc"] = [
            *nobody,
            *("cvlc", "--intf", "dummy", "--vout", "dummy", "--aout", "dummy"),
            *("--play-and-exit", f"--run-time={int(seconds)}", "--verbose=1", url),
        ]
    streamlink = Path(sys.executable).with_name("streamlink")
    if streamlink.exists():
        found["streamlink"] = [
            *(str(streamlink), "--loglevel", "warning", "--hls-duration", str(int(seconds))),
            *("--hls-live-edge", "10", "-o", "/dev/null", "-f", f"hlsvariant://{url}", "best"),
        ]
    return found


def run_all(programs: dict[str, list[str]], limit: float) -> dict[str, dict[str, object]]:
    """Run the players side by side; what each said."""
    running = {
        name: subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        for name, command in programs.items()
    }
    said: dict[str, dict[str, object]] = {}
    for name, process in running.items():
        try:
            output, _ = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        lines = [line for line in output.decode(errors="replace").splitlines() if line.strip()]
        problems = [line for line in lines if PROBLEMS.search(line)]
        said[name] = {
            "exit": process.returncode,
            "lines": len(lines),
            "timestamp_or_stream_problems": len(problems),
            "first_problems": problems[:5],
            # VLC prefixes its object's address: left out, so repeats show as one
            "distinct_lines": sorted({re.sub(r"^\[[0-9a-f]+\] ", "", line) for line in lines})[:25],
        }
    return said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sabaq-players-"))
    sabaq = None
    try:
        first = build(work, args.seconds)
        port = free_port()
        sabaq = start_sabaq(work, port, 1)
        base = f"http://127.0.0.1:{port}/live/{CHANNEL}/master.m3u8"
        time.sleep(max(0.0, (first - datetime.now(UTC)).total_seconds() - 5))
        began = datetime.now(UTC)
        live = run_all(commands(base, args.seconds, True), args.seconds * 2 + 60)
        end = datetime.now(UTC)
        replay = f"{base}?utc={int(began.timestamp())}&utcend={int(end.timestamp())}"
        catchup = run_all(commands(replay, args.seconds, False), args.seconds * 2 + 60)
        instants = {
            first + timedelta(seconds=cycle * CYCLE_S + offset + length)
            for cycle in range(100)
            for _, offset in CYCLE
            for length in (0, 8)
        }
        boundaries = sum(1 for instant in instants if began <= instant <= end)
        print(
            json.dumps(
                {
                    "seconds": args.seconds,
                    "boundaries_about": boundaries,
                    "live": live,
                    "catchup": catchup,
                },
                ensure_ascii=False,
            )
        )
    finally:
        tear_down(sabaq, None, work)


if __name__ == "__main__":
    main()
