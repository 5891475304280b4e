"""The demo: sample lessons made by ffmpeg, packaged, scheduled from now, published."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from catalog.files import write_atomic
from catalog.models import Lesson
from catalog.problem_io import import_problem
from errors import MediaError
from scheduler import SolveOptions, parse_problem, solve
from scheduler.samples import demo_problem
from service import jobs, schedules, slates
from service.workspace import Workspace
from transcoder import TranscodeOptions
from transcoder.samples import make_lesson, make_signer, sample_captions
from transcoder.slate import slate_options

DEMO_LADDER = (480, 360, 234)
SIGNER = "signer.mp4"


class Reporter(Protocol):
    """Where the demo tells how it is going (the CLI draws bars)."""

    def say(self, text: str) -> None:
        """One line of what happens next."""

    def task(self, label: str, total: float) -> Callable[[str, float], None]:
        """A bar of `total` steps; the function returned sets (item, steps done)."""


@dataclass(frozen=True)
class Demo:
    """What the demo built."""

    lessons: int
    first_lesson: str
    status: str
    days: int
    version: int


def build(
    workspace: Workspace, count: int, duration: int, zone: ZoneInfo, report: Reporter
) -> Demo:
    """Sample media and catalogue, packages and slates, a schedule from now, published.

    Media and packages already made are kept, so a second run only re-schedules."""
    layout = workspace.layout
    problem = demo_problem(datetime.now(zone), count, duration)
    report.say(f"making {count} sample lessons of {duration} s and a signer in {layout.media}")
    step = report.task("sample media", count + 1)
    signer = layout.media / SIGNER
    if not signer.exists():
        make_signer(signer, duration)
    step(SIGNER, 1)
    languages = {s["id"]: s["language"] for s in problem["series"]}
    for index, lesson in enumerate(problem["lessons"]):
        path = layout.media / f"{lesson['id']}.mp4"
        lesson["source"] = layout.stored(path)
        if not path.exists():
            make_lesson(path, lesson["title"], duration, tone_hz=330 + 55 * (index % 8))
        if index % 2 == 0:  # every other lesson has captions, so the filter has both kinds
            language = languages[lesson["series"]]
            captions = layout.media / f"{lesson['id']}.{language}.srt"
            write_atomic(captions, sample_captions(lesson["title"], language, duration))
            lesson["captions"] = {language: layout.stored(captions)}
        step(lesson["id"], index + 2)
    problem_path = layout.root / "demo-problem.json"
    write_atomic(problem_path, json.dumps(problem, ensure_ascii=False, indent=2))
    catalog = workspace.catalog()
    with catalog.session() as session:
        import_problem(session, problem_path)
        for lesson in problem["lessons"]:
            row = session.get_one(Lesson, lesson["id"])
            row.signer_source = layout.stored(signer) if lesson["signed"] else None
    report.say("transcoding with the sign-language overlay (already current packages are kept)")
    ids = [x["id"] for x in problem["lessons"]]
    bar = report.task("transcoding", 1.0)
    outcomes = jobs.run_lessons(
        workspace, ids, TranscodeOptions(ladder=DEMO_LADDER), 2, progress=bar
    )
    failed = [o for o in outcomes if not o.ok]
    if failed:
        raise MediaError(f"lesson {failed[0].lesson_id} could not be transcoded: {failed[0].error}")
    # The windows open now (not when the demo started), so the first lessons air at once.
    problem = {**demo_problem(datetime.now(zone), count, duration), "lessons": problem["lessons"]}
    write_atomic(problem_path, json.dumps(problem, ensure_ascii=False, indent=2))
    report.say("scheduling from now with CP-SAT")
    result = solve(parse_problem(problem), SolveOptions(time_limit_s=20))
    published = schedules.publish_document(
        catalog, result.to_json(), problem["timezone"], datetime.now(zone)
    )
    report.say("making the off-air slates (channel name, next lesson and its time)")
    slates.render(workspace, datetime.now(zone), 48, slate_options(DEMO_LADDER), jobs=2)
    return Demo(
        len(outcomes),
        ids[0],
        str(result.stats["status"]),
        int(str(result.stats["days_used"])),
        published.version,
    )
