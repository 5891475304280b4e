"""Off-air slates: a still picture with the channel's name and what airs next, packaged once.

Live channels loop a slate through every gap between airings. Every slate
has the same shape (SLATE_SEGMENTS segments of SLATE_GOP_FRAMES frames, 1.92 s:
whole tiles of picture and sound, see `transcoder.ladder.TILE_S`, so a gap
cut after any segment joins the next lesson without a gap or overlap), so
the live timeline counts slate segments alike whichever slate fills a gap:
the generic one of the channel, or the one made for the airing that follows
the gap ("Next: <title>, <date> <time>"). Text is handed to drawtext through
files, so titles with quotes, colons, `<&">` or Kazakh letters need no escaping.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from catalog.files import write_failure
from catalog.hls import ManifestError, read_manifest
from catalog.layout import Layout, slate_key, slate_key_start
from errors import BadInput, MediaError
from transcoder.graph import GOP_FRAMES
from transcoder.ladder import FPS
from transcoder.logo import channel_colour, render_logo
from transcoder.options import TranscodeOptions
from transcoder.package import PackageResult, transcode
from transcoder.samples import render

KEEP_PAST = timedelta(days=1)  # slates of airings older than this are removed by render_slates
SLATE_SEGMENT_S = 2  # as options name it; the segments last SLATE_GOP_FRAMES frames
SLATE_GOP_FRAMES = 48  # 1.92 s: 6 tiles
SLATE_SEGMENTS = 5  # a slate loops every 9.6 s
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
OFF_AIR = "Эфир жақында · Скоро в эфире · Back soon"
NEXT = "Келесі · Далее · Next"
MAX_TITLE = 44  # characters that fit a line at the title's size on a 1280 px picture


@dataclass(frozen=True)
class SlateText:
    """What a slate says: the channel, then either 'back soon' or the next airing."""

    channel_name: str
    next_title: str | None = None
    next_time: str | None = None  # local date and time, already formatted

    def lines(self) -> list[tuple[str, int, str]]:
        """(text, font size, colour) from the top of the picture down."""
        if self.next_title is None:
            return [(self.channel_name, 72, "white"), (OFF_AIR, 38, "0xf1faee")]
        title = self.next_title.replace("\n", " ").replace("\r", " ").strip()
        if len(title) > MAX_TITLE:
            title = title[: MAX_TITLE - 1].rstrip() + "…"
        return [
            (self.channel_name, 64, "white"),
            (NEXT, 34, "0xa8dadc"),
            (title, 46, "white"),
            (self.next_time or "", 40, "0xf1faee"),
        ]


def slate_options(ladder: tuple[int, ...], preset: str = "veryfast") -> TranscodeOptions:
    """How every slate is packaged: the channel's rungs, 1.92 s segments, and the same
    encoder preset as the lessons (so a boundary needs no discontinuity)."""
    return TranscodeOptions(
        ladder=ladder,
        segment_s=SLATE_SEGMENT_S,
        preset=preset,
        download=False,
        extra={GOP_FRAMES: SLATE_GOP_FRAMES},
    )


def _picture(target: Path, text: SlateText, work: Path) -> Path:
    """A silent 1280x720 still clip of one loop."""
    duration = SLATE_SEGMENTS * SLATE_GOP_FRAMES / FPS
    lines = text.lines()
    filters = []
    top = 720 // 2 - sum(size + 24 for _, size, _ in lines) // 2
    for index, (line, size, colour) in enumerate(lines):
        path = work / f"line{index}.txt"
        path.write_text(line, encoding="utf-8")
        font = BOLD if index == 0 else FONT
        filters.append(
            f"drawtext=fontfile={font}:textfile={path}:expansion=none"
            f":fontsize={size}:fontcolor={colour}"
            f":x=(w-tw)/2:y={top}"
        )
        top += size + 24
    args = [
        *("-f", "lavfi", "-i", f"color=c=0x1d3557:size=1280x720:rate=25:duration={duration}"),
        *("-vf", ",".join(filters)),
        *("-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-pix_fmt", "yuv420p"),
        *("-t", str(duration)),
    ]
    return render(args, target, "slate picture")


def render_slate(out_dir: Path, text: SlateText, options: TranscodeOptions) -> PackageResult:
    """Draw and package a slate into out_dir (which appears only when complete)."""
    if options.segment_s != SLATE_SEGMENT_S:
        raise BadInput(f"slates use {SLATE_SEGMENT_S} s segments, not {options.segment_s}")
    work = Path(tempfile.mkdtemp(prefix=".slate-", dir=_existing_parent(out_dir)))
    try:
        source = _picture(work / "slate.mp4", text, work)
        metadata = {"slate": text.lines()[0][0]}
        return transcode(source, out_dir, options, metadata=metadata, loops=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _existing_parent(path: Path) -> Path:
    parent = path.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_failure(path, exc, otherwise=MediaError) from None
    return parent


@dataclass(frozen=True)
class SlateJob:
    """One slate to make: a channel's own (key None) or the one before an airing."""

    channel_id: str
    key: str | None
    text: SlateText

    def directory(self, data_dir: Path) -> Path:
        """Where the slate's package lives in the data directory."""
        layout = Layout(data_dir)
        if self.key is None:
            return layout.slate(self.channel_id)
        return layout.next_slate(self.channel_id, self.key)


def plan_slates(
    channels: Mapping[str, str],
    airings: Sequence[tuple[str, str, datetime]],
    titles: Mapping[str, str],
    timezone: str,
    now: datetime,
    hours: float,
) -> list[SlateJob]:
    """The channels' own slates, and one per airing (lesson, channel, start) that starts
    within `hours` of `now`, saying what comes next in the broadcast's local time."""
    zone = ZoneInfo(timezone)
    jobs = [SlateJob(channel, None, SlateText(name)) for channel, name in channels.items()]
    until = now + timedelta(hours=hours)
    for lesson_id, channel_id, start in airings:
        if channel_id in channels and now <= start <= until:
            local = start.astimezone(zone).strftime("%d.%m.%Y %H:%M")
            text = SlateText(channels[channel_id], titles.get(lesson_id, lesson_id), local)
            jobs.append(SlateJob(channel_id, slate_key(lesson_id, start), text))
    return jobs


def render_slates(
    data_dir: Path,
    jobs: Sequence[SlateJob],
    options: TranscodeOptions,
    workers: int = 1,
    force: bool = False,
    done: Callable[[SlateJob], None] | None = None,
) -> int:
    """Make the slates not made yet, or made with other options (all with `force`),
    `workers` at a time; how many made. A slate of other options (say, before slates
    lasted whole tiles) would not join the lessons on a channel's clock."""
    wanted: dict[str, object] = json.loads(json.dumps(options.to_json()))  # as stored

    def current(job: SlateJob) -> bool:
        try:
            return dict(read_manifest(job.directory(data_dir)).options) == wanted
        except ManifestError:
            return False

    todo = [j for j in jobs if force or not current(j)]

    def make(job: SlateJob) -> None:
        render_slate(job.directory(data_dir), job.text, options)
        if done is not None:
            done(job)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(make, todo))
    layout = Layout(data_dir)
    for job in jobs:  # a channel's logo is made with its own slate (IPTV apps show it)
        logo = layout.logo(job.channel_id)
        if job.key is None and (force or not logo.exists()):
            render_logo(logo, job.text.channel_name, channel_colour(job.channel_id))
    for job in jobs:
        if job not in todo and done is not None:
            done(job)
    return len(todo)


def prune_slates(data_dir: Path, now: datetime) -> int:
    """Remove slates of airings that started more than KEEP_PAST ago; how many removed."""
    removed = 0
    for folder in Layout(data_dir).all_next_slates():
        start = slate_key_start(folder.name)
        if start is not None and start < now - KEEP_PAST:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
