"""Schedule versions: stored, published one at a time, instants kept aware."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from catalog import CatalogError
from catalog.models import ScheduleVersion
from catalog.problem_io import import_problem
from catalog.schedules import publish, published_version, save_schedule

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
        publish(session, first)
        second = save_schedule(session, DOC, "Asia/Almaty")
        publish(session, second)
    with loaded.session() as session:
        live = session.scalars(select(ScheduleVersion).where(ScheduleVersion.published)).all()
        assert [v.id for v in live] == [second]
        airing = published_version(session).airings[0]
        assert airing.start == datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
        assert airing.start.tzinfo is not None


def test_schedule_naming_unknown_lesson_is_refused(loaded):
    bad = {"airings": [{**DOC["airings"][0], "lesson": "ghost"}]}
    with loaded.session() as session, pytest.raises(CatalogError, match=r"airings\[0\]\.lesson"):
        save_schedule(session, bad, "Asia/Almaty")
    with loaded.session() as session:
        assert published_version(session) is None
