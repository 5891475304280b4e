"""Exports read back by their consumers' parsers: XMLTV (DTD, tv_cat), CSV, ICS, ffplayout."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import timedelta

import icalendar
import pytest

from errors import BadInput
from scheduler import SolveOptions, parse_problem, solve
from scheduler.exports import export
from scheduler.schedule import pins_from

DTD = "/usr/share/xmltv/xmltv.dtd"


@pytest.fixture(scope="module")
def solved():
    from tests.conftest import PROBLEM

    problem = parse_problem(PROBLEM)
    return problem, solve(problem, SolveOptions(time_limit_s=10))


def test_xmltv_export_is_valid_and_marks_signed_lessons(solved, tmp_path):
    problem, schedule = solved
    path = tmp_path / "epg.xml"
    path.write_bytes(export(problem, schedule, "xmltv")["epg.xml"])
    lint = subprocess.run(
        ["xmllint", "--noout", "--dtdvalid", DTD, str(path)], capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stderr
    text = path.read_text(encoding="utf-8")
    assert text.count("<programme ") == len(schedule.airings)
    assert text.count('type="deaf-signed"') == 1
    assert (
        '&lt;Теңдеу&gt; &amp; "шешім"' in text or "&lt;Теңдеу&gt; &amp; &quot;шешім&quot;" in text
    )
    assert subprocess.run(["tv_cat", str(path)], capture_output=True).returncode == 0


def test_csv_export_has_local_times(solved):
    problem, schedule = solved
    rows = list(csv.DictReader(io.StringIO(export(problem, schedule, "csv")["schedule.csv"])))
    assert len(rows) == 7
    pinned = next(r for r in rows if r["lesson_id"] == "c1")
    assert (pinned["date"], pinned["start"], pinned["channel"]) == (
        "2026-09-01",
        "10:00:00",
        "el-arna",
    )
    assert next(r for r in rows if r["lesson_id"] == "a1")["title"].startswith("Бөлшектер")


def test_ics_one_calendar_per_audience_with_timezones(solved):
    problem, schedule = solved
    files = export(problem, schedule, "ics")
    assert sorted(files) == ["1-kk.ics", "5-kk.ics", "5-ru.ics"]
    calendar = icalendar.Calendar.from_ical(files["1-kk.ics"])
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events][:1] == ["Бөлшектер: ә ғ қ ң ө ұ ү һ і"]
    assert calendar.walk("VTIMEZONE")
    first = events[0].decoded("dtstart")
    assert first.utcoffset() == timedelta(hours=5)
    raw = files["5-kk.ics"].decode()
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))


def test_ffplayout_playlists_fill_gaps_and_add_up(solved):
    problem, schedule = solved
    files = export(problem, schedule, "ffplayout", {"a1": "/media/a1.mp4"}, "/media/slate.mp4")
    day = json.loads(files["al-farabi/2026-09-01.json"])
    assert day["begin"] == "09:00:00"
    assert day["channel"] == "Әл-Фараби"
    sources = [item["source"] for item in day["program"]]
    assert sources[0] == "/media/a1.mp4"
    assert "/media/slate.mp4" in sources
    for item in day["program"]:
        assert item["in"] == 0
        assert item["out"] == item["duration"] > 0
    # Playing back to back from `begin` reaches each lesson at its scheduled start.
    clock = 9 * 3600
    starts = {}
    for item in day["program"]:
        if item.get("category") != "filler":
            starts[item["source"]] = clock
        clock += item["duration"]
    b1 = next(a for a in schedule.airings if a.lesson == "b1")
    local = b1.start.astimezone(problem.tz)
    assert starts["b1.mp4"] == local.hour * 3600 + local.minute * 60


def test_unknown_format_is_refused(solved):
    problem, schedule = solved
    with pytest.raises(BadInput, match=r"format: .pdf."):
        export(problem, schedule, "pdf")


def test_pins_freeze_what_has_aired(solved, problem_data):
    _problem, schedule = solved
    until = schedule.airings[3].start
    pins = pins_from(schedule, until)
    assert len(pins) == 3
    problem_data["pins"] = pins
    replanned = solve(parse_problem(problem_data), SolveOptions(time_limit_s=10))
    kept = {(a.lesson, a.channel, a.start) for a in replanned.airings}
    assert {(a.lesson, a.channel, a.start) for a in schedule.airings[:3]} <= kept


def test_ics_repeats_of_a_lesson_are_separate_events():
    from datetime import UTC, datetime, timedelta

    from scheduler.ics import CalendarEvent, write_ics

    first = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
    again = first + timedelta(days=7)
    stored = datetime(2026, 8, 30, 12, 0, tzinfo=UTC)
    events = [
        CalendarEvent(
            "kk-05-math-001",
            t,
            t + timedelta(minutes=25),
            "Бөлшектер",
            "Математика 5",
            1,
            False,
            "Әл-Фараби",
            "math",
            sequence=3,
            modified=stored,
        )
        for t in (first, again)
    ]
    calendar = icalendar.Calendar.from_ical(write_ics("c", "Asia/Almaty", events, "tv.example.kz"))
    uids = [str(e["uid"]) for e in calendar.walk("VEVENT")]
    assert uids == [
        "kk-05-math-001-20260901T040000Z@tv.example.kz",
        "kk-05-math-001-20260908T040000Z@tv.example.kz",
    ]
    for event in calendar.walk("VEVENT"):
        assert int(event["sequence"]) == 3
        assert event.decoded("last-modified") == stored
