"""Transcode benchmark: sabaq's one-pass pipeline against hand-written ffmpeg commands.

Prints one JSON object. All figures come from the same run on the same input,
so compare the ratios, not the seconds (the machine is shared and noisy).

    python bench/transcode.py [--seconds 60] [--preset veryfast] [--repeat 1]
    python bench/transcode.py --seconds 30 --quality superfast,veryfast,faster,medium [--grain 8]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from transcoder import TranscodeOptions, transcode
from transcoder.ladder import rungs_for
from transcoder.samples import FONT, make_signer, render

# The signer's height in the hand-written commands: a 4:3 signer 352 px high covers
# one sixth of a 720p picture, the transcoder issue's minimum and sabaq's default.
SIGNER_H = 352


def lecture_clip(path: Path, seconds: int, grain: int = 0) -> Path:
    """720p lecture-like content: a still board with text, a moving presenter, speech-like tone.

    `grain` adds a camera's temporal noise of that strength (0: none): flat synthetic
    colours are too easy to tell encoder settings apart, a real camera is not."""
    graph = (
        f"drawbox=x=80:y=80:w=760:h=440:color=0x2f4f4f:t=fill,"
        f"drawtext=fontfile={FONT}:text='x² + 2x + 1 = 0':fontsize=56:fontcolor=white:x=120:y=160,"
        f"drawtext=fontfile={FONT}:text='Теңдеулер · Уравнения':fontsize=40:fontcolor=white"
        f":x=120:y=300,"
        f"drawbox=x=930+60*sin(t/2):y=200:w=180:h=460:color=0x6b4f3a:t=fill,"
        f"drawbox=x=975+60*sin(t/2):y=120:w=90:h=90:color=0xe0b090:t=fill"
        + (f",noise=alls={grain}:allf=t" if grain else "")
    )
    return render(
        [
            *("-f", "lavfi", "-i", f"color=c=0xdcdcd2:size=1280x720:rate=25:duration={seconds}"),
            *("-f", "lavfi", "-i", f"sine=frequency=220:beep_factor=4:duration={seconds}"),
            *("-ac", "2"),  # lessons are recorded in stereo
            *("-vf", graph),
            *("-c:v", "libx264", "-preset", "ultrafast", "-crf", "16", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-b:a", "128k"),
        ],
        path,
        "lecture clip",
    )


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def x264(rung_kbps: int, level: str, preset: str) -> list[str]:
    return [
        "-c:v",
        "libx264",
        "-profile:v",
        "high",
        "-level:v",
        level,
        "-preset",
        preset,
        "-b:v",
        f"{rung_kbps}k",
        "-maxrate",
        f"{int(rung_kbps * 1.2)}k",
        "-bufsize",
        f"{rung_kbps * 2}k",
        "-g",
        "50",
        "-keyint_min",
        "50",
        "-sc_threshold",
        "0",
    ]


def hls(out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    return [
        "-f",
        "hls",
        "-hls_time",
        "6",
        "-hls_playlist_type",
        "vod",
        "-hls_segment_filename",
        str(out / "seg_%05d.ts"),
        str(out / "index.m3u8"),
    ]


def with_graph(lesson: Path, signer: Path, graph: str) -> list[str]:
    """ffmpeg reading the lesson and the signer through a filter graph."""
    return [
        "ffmpeg",
        "-hide_banner",
        "-y",
        "-i",
        str(lesson),
        "-i",
        str(signer),
        "-filter_complex",
        graph,
    ]


def hand_one_pass(lesson: Path, signer: Path, out: Path, preset: str) -> list[str]:
    """The single ffmpeg command a broadcast engineer would write for the same ladder."""
    rungs = rungs_for(720)
    n = len(rungs)
    graph = (
        "[0:v]scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:"
        "(oh-ih)/2,setsar=1,fps=25[base];"
        f"[1:v]scale=-2:{SIGNER_H},fps=25,format=yuva420p[sig];"
        "[base][sig]overlay=main_w-overlay_w-26:main_h-overlay_h-26,format=yuv420p,"
        f"split={n}"
        + "".join(f"[v{i}]" for i in range(n))
        + ";"
        + "".join(f"[v{i}]scale={r.width}:{r.height}[o{i}];" for i, r in enumerate(rungs))
        + f"[0:a]loudnorm=I=-23:TP=-1.5:LRA=11,aresample=48000,asplit={n + 1}"
        + "".join(f"[a{i}]" for i in range(n + 1))
    )
    args = with_graph(lesson, signer, graph)
    for i, rung in enumerate(rungs):
        args += [
            "-map",
            f"[o{i}]",
            "-map",
            f"[a{i}]",
            *x264(rung.video_kbps, rung.level, preset),
            "-c:a",
            "aac",
            "-b:a",
            f"{rung.audio_kbps}k",
            *hls(out / rung.name),
        ]
    args += ["-map", f"[a{n}]", "-c:a", "aac", "-b:a", "64k", *hls(out / "audio")]
    return args


def per_rung_runs(lesson: Path, signer: Path, out: Path, preset: str) -> list[list[str]]:
    """The naive alternative: one ffmpeg run (decode + overlay + encode) per rung."""
    runs = []
    for rung in rungs_for(720):
        graph = (
            f"[0:v]scale=1280:720,setsar=1,fps=25[base];[1:v]scale=-2:{SIGNER_H},fps=25[sig];"
            f"[base][sig]overlay=main_w-overlay_w-26:main_h-overlay_h-26,"
            f"scale={rung.width}:{rung.height},format=yuv420p[v];"
            "[0:a]loudnorm=I=-23:TP=-1.5:LRA=11,aresample=48000[a]"
        )
        runs.append(
            [
                *with_graph(lesson, signer, graph),
                "-map",
                "[v]",
                "-map",
                "[a]",
                *x264(rung.video_kbps, rung.level, preset),
                "-c:a",
                "aac",
                "-b:a",
                f"{rung.audio_kbps}k",
                *hls(out / rung.name),
            ]
        )
    runs.append(
        [
            "ffmpeg",
            "-hide_banner",
            "-y",
            "-i",
            str(lesson),
            "-vn",
            "-af",
            "loudnorm=I=-23:TP=-1.5:LRA=11",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            *hls(out / "audio"),
        ]
    )
    return runs


def ssim_per_rung(package: Path, source: Path) -> dict[str, float]:
    """SSIM of each video rung against the source scaled to the rung's size, in dB
    (-10 log10(1 - SSIM), all planes): near 1 the plain index hides the differences."""
    scores = {}
    for rung in rungs_for(720):
        playlist = package / rung.name / "index.m3u8"
        result = subprocess.run(
            [
                "ffmpeg",
                "-hide_banner",
                "-i",
                str(playlist),
                "-i",
                str(source),
                "-lavfi",
                f"[1:v]scale={rung.width}:{rung.height},fps=25,setsar=1[ref];"
                "[0:v]setsar=1[enc];[enc][ref]ssim",
                "-f",
                "null",
                "-",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        match = re.search(r"All:[\d.]+ \(([\d.]+|inf)\)", result.stderr)
        if match is None:
            raise RuntimeError(f"ssim gave no score for {rung.name}: {result.stderr[-300:]}")
        scores[rung.name] = round(float(match.group(1)), 2)
    return scores


def quality(work: Path, lesson: Path, presets: list[str]) -> dict[str, object]:
    """Per preset: wall time and SSIM per rung of the ladder (no signer: the encode only)."""
    table: dict[str, object] = {}
    for preset in presets:
        out = work / f"quality-{preset}"
        started = time.perf_counter()
        transcode(lesson, out, TranscodeOptions(preset=preset))
        seconds = time.perf_counter() - started
        table[preset] = {"seconds": round(seconds, 2), "ssim": ssim_per_rung(out, lesson)}
        shutil.rmtree(out)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--quality",
        default="",
        help="Comma-separated presets to compare by time and SSIM per rung "
        "(e.g. superfast,veryfast,faster); skips the speed comparison.",
    )
    parser.add_argument(
        "--grain",
        type=int,
        default=8,
        help="With --quality: camera noise strength added to the clip (0 for none).",
    )
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sabaq-bench-"))
    if options.quality:
        try:
            lesson = lecture_clip(work / "lesson.mp4", options.seconds, grain=options.grain)
            presets = [x.strip() for x in options.quality.split(",") if x.strip()]
            print(
                json.dumps(
                    {
                        "benchmark": "transcode-quality",
                        "input": {
                            "seconds": options.seconds,
                            "size": "1280x720",
                            "grain": options.grain,
                        },
                        "metric": "SSIM in dB against the source scaled to the rung",
                        "rung_bitrates_kbps": {r.name: r.video_kbps for r in rungs_for(720)},
                        "presets": quality(work, lesson, presets),
                    }
                )
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    try:
        lesson = lecture_clip(work / "lesson.mp4", options.seconds)
        signer = make_signer(work / "signer.mp4", options.seconds, size="640x480")
        figures: dict[str, list[float]] = {"sabaq": [], "hand_one_pass": [], "per_rung": []}
        for attempt in range(options.repeat):
            out = work / f"run{attempt}"
            started = time.perf_counter()
            transcode(lesson, out / "sabaq", TranscodeOptions(preset=options.preset), signer)
            figures["sabaq"].append(time.perf_counter() - started)
            figures["hand_one_pass"].append(
                timed(hand_one_pass(lesson, signer, out / "hand", options.preset))
            )
            figures["per_rung"].append(
                sum(
                    timed(run)
                    for run in per_rung_runs(lesson, signer, out / "rungs", options.preset)
                )
            )
            shutil.rmtree(out)
        sabaq = statistics.median(figures["sabaq"])
        hand = statistics.median(figures["hand_one_pass"])
        naive = statistics.median(figures["per_rung"])
        print(
            json.dumps(
                {
                    "benchmark": "transcode",
                    "input": {
                        "seconds": options.seconds,
                        "size": "1280x720",
                        "content": "lecture-like",
                        "signer": "640x480",
                        "rungs": [r.name for r in rungs_for(720)] + ["audio"],
                    },
                    "preset": options.preset,
                    "repeat": options.repeat,
                    "sabaq_s": round(sabaq, 2),
                    "baseline_hand_one_pass_s": round(hand, 2),
                    "baseline_per_rung_runs_s": round(naive, 2),
                    "sabaq_vs_hand_one_pass": round(sabaq / hand, 3),
                    "per_rung_vs_sabaq_speedup": round(naive / sabaq, 3),
                    "realtime_factor": round(options.seconds / sabaq, 2),
                    "note": "sabaq includes ffprobe, the loudness measuring pass of its two-pass "
                    "EBU R128 normalisation (the hand-written command normalises in one pass) "
                    "and the poster",
                }
            )
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
