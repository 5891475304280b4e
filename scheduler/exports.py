"""Exporting a schedule for playout, guides, local stations and families (pure).

Each format takes the problem and the schedule and returns file names with
their contents; the CLI writes them. Formats: xmltv, csv, ics (one calendar
per audience), ffplayout (one playlist per channel and day), json.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from errors import BadInput
from scheduler.guide import calendars, guide_of, xmltv
from scheduler.problem import Problem
from scheduler.schedule import Schedule

FORMATS = ("xmltv", "csv", "ics", "ffplayout", "json")
SINGLE_FILE = ("xmltv", "csv", "json")  # the others write a directory of files
Files = dict[str, str | bytes]


def export(
    problem: Problem,
    schedule: Schedule,
    fmt: str,
    sources: dict[str, str] | None = None,
    filler: str = "slate.mp4",
) -> Files:
    """Files of the schedule in `fmt` (a name of FORMATS), by relative file name."""
    writers: dict[str, Callable[[], Files]] = {
        "xmltv": lambda: {"epg.xml": to_xmltv(problem, schedule)},
        "csv": lambda: {"schedule.csv": to_csv(problem, schedule)},
        "ics": lambda: to_ics(problem, schedule),
        "ffplayout": lambda: to_ffplayout(problem, schedule, sources or {}, filler),
        "json": lambda: {
            "schedule.json": json.dumps(schedule.to_json(), ensure_ascii=False, indent=2) + "\n"
        },
    }
    if fmt not in writers:
        raise BadInput(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    return writers[fmt]()


def to_xmltv(problem: Problem, schedule: Schedule) -> bytes:
    """The XMLTV guide of the schedule."""
    return xmltv(guide_of(problem, schedule))


def to_csv(problem: Problem, schedule: Schedule) -> str:
    """One row per airing in local time, the way local stations re-broadcast a grid."""
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        (
            "date",
            "start",
            "end",
            "channel",
            "lesson_id",
            "series_id",
            "grade",
            "language",
            "subject",
            "episode",
            "title",
            "signed",
            "duration_s",
        )
    )
    for airing in sorted(schedule.airings):
        lesson = lessons[airing.lesson]
        series = problem.series[lesson.series]
        start, end = airing.start.astimezone(problem.tz), airing.end.astimezone(problem.tz)
        writer.writerow(
            (
                start.date().isoformat(),
                start.strftime("%H:%M:%S"),
                end.strftime("%H:%M:%S"),
                airing.channel,
                lesson.id,
                series.id,
                series.grade,
                series.language,
                series.subject,
                lesson.episode,
                lesson.title,
                "true" if lesson.signed else "false",
                lesson.duration_s,
            )
        )
    return out.getvalue()


def to_ics(problem: Problem, schedule: Schedule) -> Files:
    """One iCalendar per audience (grade x language): `{grade}-{language}.ics`."""
    made = calendars(guide_of(problem, schedule))
    return {f"{grade}-{language}.ics": body for (grade, language), body in made.items()}


def to_ffplayout(
    problem: Problem, schedule: Schedule, sources: dict[str, str], filler: str
) -> Files:
    """ffplayout playlists, `{channel}/{date}.json`: a `program` list that plays back to
    back from the channel's window start, with `filler` clips for the gaps."""
    lessons = {lesson.id: lesson for lesson in problem.lessons}
    by_day: dict[tuple[str, str], list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for airing in schedule.airings:
        local = airing.start.astimezone(problem.tz)
        by_day[(airing.channel, local.date().isoformat())].append(
            (airing.start, airing.end, airing.lesson)
        )
    channels = {c.id: c for c in problem.channels}
    files: Files = {}
    for (channel_id, day), items in sorted(by_day.items()):
        channel = channels[channel_id]
        first = items[0][0].astimezone(problem.tz)
        cursor = first.replace(hour=0, minute=0, second=0) + timedelta(seconds=channel.window[0])
        start_of_day = cursor
        program = []
        for start, end, lesson_id in sorted(items):
            gap = (start - cursor).total_seconds()
            if gap > 0:
                program.append(
                    {"in": 0, "out": gap, "duration": gap, "source": filler, "category": "filler"}
                )
            duration = float(lessons[lesson_id].duration_s)
            program.append(
                {
                    "in": 0,
                    "out": duration,
                    "duration": duration,
                    "source": sources.get(lesson_id, f"{lesson_id}.mp4"),
                    "title": lessons[lesson_id].title,
                }
            )
            cursor = end
        files[f"{channel_id}/{day}.json"] = (
            json.dumps(
                {
                    "channel": channel.name,
                    "date": day,
                    "begin": start_of_day.strftime("%H:%M:%S"),
                    "program": program,
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    return files
