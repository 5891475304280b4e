"""Schedule versions: stored, published one at a time, instants kept aware."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from catalog.models import ScheduleVersion
from catalog.problem_io import import_problem
from catalog.schedules import publish, published_version, save_schedule
from errors import BadInput

DOC = {
    "airings": [
        {
            "lesson": "a1",
            "channel": "al-farabi",
            "start": "2026-09-01T09:00:00+05:00",
            "end": "2026-09-01T09:25:00+05:00",
        },
    ],
    "stats": {"status": "OPTIMAL"},
}


BEFORE = datetime(2026, 8, 31, tzinfo=UTC)


def _airing(lesson: str, start: str, minutes: int = 25) -> dict[str, str]:
    begin = datetime.fromisoformat(start)
    return {
        "lesson": lesson,
        "channel": "al-farabi",
        "start": begin.isoformat(),
        "end": (begin + timedelta(minutes=minutes)).isoformat(),
    }


@pytest.fixture
def loaded(catalog, tmp_path, problem_data):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_data), encoding="utf-8")
    with catalog.session() as session:
        import_problem(session, path)
    return catalog


def test_publish_keeps_exactly_one_live_version(loaded):
    with loaded.session() as session:
        first = save_schedule(session, DOC, "Asia/Almaty")
        publish(session, first, BEFORE)
        second = save_schedule(session, DOC, "Asia/Almaty")
        publish(session, second, BEFORE)
    with loaded.session() as session:
        live = session.scalars(select(ScheduleVersion).where(ScheduleVersion.published)).all()
        assert [v.id for v in live] == [second]
        airing = published_version(session).airings[0]
        assert airing.start == datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
        assert airing.start.tzinfo is not None


def test_schedule_naming_unknown_lesson_is_refused(loaded):
    bad = {"airings": [{**DOC["airings"][0], "lesson": "ghost"}]}
    with loaded.session() as session, pytest.raises(BadInput, match=r"airings\[0\]\.lesson"):
        save_schedule(session, bad, "Asia/Almaty")
    with loaded.session() as session:
        assert published_version(session) is None


def test_publishing_never_changes_the_past_nor_cuts_a_lesson(loaded, problem_data):
    lessons = [x["id"] for x in problem_data["lessons"] if x["series"].startswith("kk")][:3]
    old = {
        "airings": [
            _airing(lessons[0], "2026-09-01T09:00:00+05:00"),
            _airing(lessons[1], "2026-09-01T09:30:00+05:00"),
        ]
    }
    # The new plan moves everything; it is published at 09:40, mid-way through lessons[1].
    new = {
        "airings": [
            _airing(lessons[1], "2026-09-01T09:01:00+05:00"),
            _airing(lessons[0], "2026-09-01T09:45:00+05:00"),
            _airing(lessons[2], "2026-09-01T10:30:00+05:00"),
        ]
    }
    at = datetime.fromisoformat("2026-09-01T09:40:00+05:00")
    with loaded.session() as session:
        publish(session, save_schedule(session, old, "Asia/Almaty"), BEFORE)
        notes = publish(session, save_schedule(session, new, "Asia/Almaty"), at)
    assert len(notes) == 2
    assert notes[0].startswith("1 airing(s) of this version before 2026-09-01T09:40:00+05:00")
    assert f"the earliest: {lessons[1]} at 2026-09-01T09:01:00+05:00" in notes[0]
    assert "replaced by the 2 that aired" in notes[0]
    assert notes[1].startswith(f"{lessons[0]} at 2026-09-01T09:45:00+05:00 on al-farabi dropped")
    with loaded.session() as session:
        live = sorted((a.start, a.lesson_id) for a in published_version(session).airings)
    utc = [
        (datetime.fromisoformat(x["start"]).astimezone(UTC), x["lesson"]) for x in old["airings"]
    ]
    assert live == [*utc, (datetime(2026, 9, 1, 5, 30, tzinfo=UTC), lessons[2])]


def test_unknown_timezone_is_refused(loaded):
    with loaded.session() as session, pytest.raises(BadInput, match="timezone: unknown"):
        save_schedule(session, DOC, "Mars/Olympus")


def test_publish_needs_an_aware_instant(loaded):
    with loaded.session() as session:
        version = save_schedule(session, DOC, "Asia/Almaty")
        with pytest.raises(ValueError, match="aware"):
            publish(session, version, datetime(2026, 9, 1))
