"""Exporting a schedule for playout (ffplayout), guides (XMLTV), stations (CSV) and
families (ICS): `sabaq schedule export`.

The guides are written by scheduler.guide, the mapping the server's /iptv/epg.xml
and /calendar routes use too, with the same channel numbers (a channel's place in
the problem, which is what the catalogue stores on import).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from catalog.files import write_directory
from catalog.problem_io import load_json
from scheduler import parse_problem, parse_schedule
from scheduler.exports import FORMATS, SINGLE_FILE, export
from service.outputs import deliver
from service.schedules import check_lessons_known, problem_from_catalogue
from service.workspace import Workspace

__all__ = ["FORMATS", "export_schedule"]

ALL_WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)


def export_schedule(
    workspace: Workspace,
    schedule_file: Path,
    fmt: str,
    output: Path,
    problem_file: Path | None = None,
    timezone: str = "Asia/Almaty",
    filler: str = "slate.mp4",
) -> int:
    """Write the schedule in `fmt` to `output` (a file, or a directory for ics and
    ffplayout) and return how many files; the problem comes from `problem_file`, else
    from the catalogue (every day a broadcast day, in `timezone`)."""
    document = load_json(schedule_file)
    parsed = parse_schedule(document)
    if problem_file is not None:
        data = load_json(problem_file)
    else:
        first = min((a.start for a in parsed.airings), default=datetime.now(UTC))
        start = first.astimezone(ZoneInfo(timezone)).date()
        data = problem_from_catalogue(workspace, timezone, start, ALL_WEEKDAYS)
    problem = parse_problem(data)
    check_lessons_known(data, document, str(schedule_file))
    sources = {
        lesson["id"]: lesson["source"]
        for lesson in data.get("lessons", [])
        if isinstance(lesson, dict) and lesson.get("source")
    }
    files = export(problem, parsed, fmt, sources, filler)
    if fmt in SINGLE_FILE:
        (content,) = files.values()
        deliver(content if isinstance(content, str) else content.decode("utf-8"), output)
    else:
        write_directory(output, files)
    return len(files)
