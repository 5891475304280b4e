"""The demo: sample lessons made by ffmpeg, packaged, scheduled from the moment they are
ready and repeated as re-runs for hours, published through the checked path."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from catalog import Catalog
from catalog.files import write_atomic
from catalog.hls import read_manifest
from catalog.models import Lesson
from catalog.problem_io import import_problem
from catalog.publishing import SETTLE_S
from catalog.schedules import published_version
from errors import MediaError
from scheduler import SolveOptions, parse_problem
from scheduler.samples import demo_problem
from service import jobs, schedules, slates
from service.jobs import JobOutcome
from service.reruns import Slot, back_to_back, with_reruns
from service.solving import solve_checked
from service.workspace import Workspace
from transcoder import TranscodeOptions, probe
from transcoder.samples import make_lesson, make_signer, sample_captions
from transcoder.slate import slate_options

DEMO_LADDER = (480, 360, 234)
# ultrafast: the sample pictures are synthetic, and the demo should answer in a minute
# or two on a laptop (about 3-4x faster than veryfast here; bench/ measures presets).
DEMO_PRESET = "ultrafast"
DEMO_OPTIONS = TranscodeOptions(ladder=DEMO_LADDER, preset=DEMO_PRESET)
SIGNER = "signer.mp4"
ON_AIR_FOR = timedelta(hours=3)
"""How long the re-runs keep every channel on air from when the packages are ready."""
JOBS = 2  # sample clips and packages made at a time


class Reporter(Protocol):
    """Where the demo tells how it is going (the CLI draws bars)."""

    def say(self, text: str) -> None:
        """One line of what happens next."""

    def task(self, label: str, total: float) -> Callable[[str, float], None]:
        """A bar of `total` steps; the function returned sets (item, steps done)."""


StepFn = Callable[[str], None]
"""Hears one line per finished step (a lesson packaged, the schedule, the slates):
what a log file, CI or `nohup` shows where no bar is drawn."""


@dataclass(frozen=True)
class Demo:
    """What the demo built."""

    lessons: int
    first_lesson: str
    status: str
    days: int
    version: int
    on_air_until: datetime  # every channel airs a lesson from when it was built till then
    transcoded: int  # packages made by this run (the others were current)


def _quiet(_: str) -> None:
    """A step nobody listens to."""


def build(
    workspace: Workspace,
    count: int,
    duration: int,
    zone: ZoneInfo,
    report: Reporter,
    on_step: StepFn = _quiet,
) -> Demo:
    """Sample media and catalogue, packages and slates, a schedule from the moment the
    packages are ready, repeated for ON_AIR_FOR, published.

    Media and packages already current are kept, so a second run only re-schedules
    (continuing each channel after the lesson it is airing)."""
    layout = workspace.layout
    problem = demo_problem(datetime.now(zone), count, duration)
    # The catalogue's channels air around the clock, so the re-runs may go on past
    # midnight; the solver's first run still opens at `ready` (below).
    for channel in problem["channels"]:
        channel["window"] = ["00:00", "24:00"]
    signer = layout.media / SIGNER
    if not _lasts(signer, duration):
        make_signer(signer, duration)
    languages = {s["id"]: s["language"] for s in problem["series"]}
    for index, lesson in enumerate(problem["lessons"]):
        lesson["source"] = layout.stored(layout.media / f"{lesson['id']}.mp4")
        if index % 2 == 0:  # every other lesson has captions, so the filter has both kinds
            language = languages[lesson["series"]]
            captions = layout.media / f"{lesson['id']}.{language}.srt"
            write_atomic(captions, sample_captions(lesson["title"], language, duration))
            lesson["captions"] = {language: layout.stored(captions)}
    problem_path = layout.root / "demo-problem.json"
    write_atomic(problem_path, json.dumps(problem, ensure_ascii=False, indent=2))
    catalog = workspace.catalog()
    with catalog.session() as session:
        import_problem(session, problem_path)
        for lesson in problem["lessons"]:
            row = session.get_one(Lesson, lesson["id"])
            row.signer_source = layout.stored(signer) if lesson["signed"] else None
    outcomes = _package(workspace, problem, duration, report, on_step)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise MediaError(f"lesson {failed[0].lesson_id} could not be transcoded: {failed[0].error}")
    made = sum(1 for o in outcomes if not o.skipped)
    if not made:
        on_step(f"{len(outcomes)} packages current, none to transcode")
    _fit_to_packages(catalog, problem)
    # The windows open when the packages are ready, so the first lessons air at once: now,
    # or as soon as the newest package may play an airing (catalog.publishing.SETTLE_S).
    ready = max(datetime.now(zone), _playable_from(workspace, problem, zone))
    ready = ready.replace(microsecond=0) + timedelta(seconds=1 if ready.microsecond else 0)
    problem = {**demo_problem(ready, count, duration), "lessons": problem["lessons"]}
    problem["break_s"] = 0  # back to back: a channel is never off air between lessons
    write_atomic(problem_path, json.dumps(problem, ensure_ascii=False, indent=2))
    report.say("scheduling from now with CP-SAT, then re-runs")
    result, _ = solve_checked(parse_problem(problem), SolveOptions(time_limit_s=10))
    airings = _with_reruns(catalog, problem, result.to_json()["airings"], ready, zone)
    published = schedules.publish_schedule(
        workspace, {"airings": airings, "stats": result.stats}, problem["timezone"], ready
    )
    stats = result.stats
    until = max(datetime.fromisoformat(a["end"]) for a in airings)
    on_step(
        f"schedule: {stats['status']}, {stats['days_used']} day(s) "
        f"(lower bound {stats.get('lower_bound_days', '?')}) in {stats.get('solve_s', 0)} s; "
        f"{len(result.airings)} lessons, then re-runs back to back until "
        f"{until.astimezone(zone):%H:%M} ({len(airings)} airings, version {published.version})"
    )
    report.say("making the channels' off-air slates")
    began = time.monotonic()
    # Airings follow one another, so only the channels' own slates ever show (after the
    # re-runs); slates naming each next lesson are for grids with gaps (`sabaq slate`).
    slate_made = slates.render(
        workspace, ready, 0, slate_options(DEMO_LADDER, DEMO_PRESET), jobs=JOBS
    )
    on_step(
        f"slates: {slate_made.made} made, {slate_made.planned - slate_made.made} current "
        f"in {time.monotonic() - began:.1f} s"
    )
    wait = (ready - datetime.now(zone)).total_seconds()
    if wait > 0:  # a package made a moment ago plays from `ready`: on air when we return
        on_step(f"on air at {ready:%H:%M:%S}, when the newest package may play")
        time.sleep(wait)
    ids = [x["id"] for x in problem["lessons"]]
    return Demo(
        len(outcomes),
        ids[0],
        str(stats["status"]),
        int(str(stats["days_used"])),
        published.version,
        until,
        made,
    )


def _package(
    workspace: Workspace,
    problem: dict[str, Any],
    duration: int,
    report: Reporter,
    on_step: StepFn,
) -> list[JobOutcome]:
    """Each lesson's sample clip (unless made) then its package (unless current), JOBS
    lessons at a time, one step line per lesson packaged."""
    layout = workspace.layout
    lessons = problem["lessons"]
    report.say(
        f"making {len(lessons)} sample lessons of {duration} s and packaging them with the "
        "sign-language overlay (current ones are kept)"
    )
    bar = report.task("lessons", 1.0)

    def one(index: int) -> JobOutcome:
        lesson = lessons[index]
        path = layout.media / f"{lesson['id']}.mp4"
        began = time.monotonic()
        if not _lasts(path, duration):  # a re-run with another --duration makes them anew
            make_lesson(path, lesson["title"], duration, tone_hz=330 + 55 * (index % 8))
        sampled = time.monotonic() - began
        began = time.monotonic()
        outcome = jobs.run_lessons(workspace, [lesson["id"]], DEMO_OPTIONS, 1, bar)[0]
        seconds = time.monotonic() - began
        bar(lesson["id"], 1.0)
        if outcome.ok and not outcome.skipped:
            on_step(
                f"packaged {lesson['id']} in {seconds:.1f} s "
                f"({duration / max(seconds, 1e-3):.1f}x realtime"
                + (f"; sample made in {sampled:.1f} s)" if sampled > 0.05 else ")")
            )
        return outcome

    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        return list(pool.map(one, range(len(lessons))))


def _playable_from(workspace: Workspace, problem: dict[str, Any], zone: ZoneInfo) -> datetime:
    """The first instant at which an airing may begin and play every lesson's package
    (published at least `SETTLE_S` before)."""
    newest = 0.0
    for lesson in problem["lessons"]:
        published = read_manifest(workspace.layout.package(lesson["id"])).published_at
        newest = max(newest, published or 0.0)
    return datetime.fromtimestamp(newest + SETTLE_S, zone)


def _with_reruns(
    catalog: Catalog,
    problem: dict[str, Any],
    first_run: list[dict[str, str]],
    ready: datetime,
    zone: ZoneInfo,
) -> list[dict[str, str]]:
    """The solver's airings laid back to back from `ready` on each channel (or from the
    end of the lesson it airs now, on a re-run of the demo), then re-runs until
    ON_AIR_FOR has passed, within the audiences' daily caps."""
    starts = {c["id"]: ready for c in problem["channels"]}
    with catalog.session() as session:
        version = published_version(session)
        for airing in version.airings if version else []:
            start, end = _aware(airing.start), _aware(airing.end)
            if start <= ready < end and airing.channel_id in starts:
                starts[airing.channel_id] = max(starts[airing.channel_id], end)
    slots = [
        Slot(
            datetime.fromisoformat(a["start"]),
            datetime.fromisoformat(a["end"]),
            a["channel"],
            a["lesson"],
        )
        for a in first_run
    ]
    series = {s["id"]: s for s in problem["series"]}
    audience_of = {
        x["id"]: f"{series[x['series']]['grade']}-{series[x['series']]['language']}"
        for x in problem["lessons"]
    }
    caps = {
        f"{a['grade']}-{a['language']}": a["max_daily_s"]
        for a in problem.get("audiences", [])
        if "max_daily_s" in a
    }
    laid = with_reruns(back_to_back(slots, starts), ready + ON_AIR_FOR, zone, audience_of, caps)
    return [
        {
            "lesson": s.lesson,
            "channel": s.channel,
            "start": s.start.astimezone(zone).isoformat(),
            "end": s.end.astimezone(zone).isoformat(),
        }
        for s in laid
    ]


def _fit_to_packages(catalog: Catalog, problem: dict[str, Any]) -> None:
    """Give each lesson, in the problem and the catalogue, the whole seconds its package
    plays (a package lasts whole 0.32 s tiles, so a 60 s sample plays a little longer).
    The demo's airings follow one another with no break: a slot shorter than what airs
    in it would put the live channel further behind the guide at every lesson."""
    with catalog.session() as session:
        for lesson in problem["lessons"]:
            row = session.get_one(Lesson, lesson["id"])
            if row.package is not None:
                plays = math.ceil(row.package.duration_s - 0.001)
                row.duration_s = lesson["duration_s"] = max(lesson["duration_s"], plays)


def _lasts(path: Path, duration: int) -> bool:
    """Whether a sample made before is there and lasts `duration` seconds: the catalogue
    says so, and a package of another length would not be published."""
    try:
        return abs(probe(path).duration_s - duration) < 1.0
    except MediaError:
        return False


def _aware(instant: datetime) -> datetime:
    """A stored instant as aware UTC (SQLite hands them back naive)."""
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
