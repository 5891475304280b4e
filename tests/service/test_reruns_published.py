"""Re-runs through the checked publishing path: a lesson may air again, and every rule
still holds across all airings, judged run by run for episode order and per day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog.problem_io import import_problem
from service.schedules import RuleBroken, publish_schedule
from service.workspace import Workspace

NOW = datetime(2026, 8, 31, tzinfo=UTC)


def _airing(lesson: str, channel: str, start: str, minutes: int) -> dict[str, str]:
    begin = datetime.fromisoformat(f"2026-09-01T{start}:00+05:00")
    end = begin + timedelta(minutes=minutes)
    return {
        "lesson": lesson,
        "channel": channel,
        "start": begin.isoformat(),
        "end": end.isoformat(),
    }


@pytest.fixture
def loaded(sqlite_catalog, tmp_path, problem_data):
    problem_data["pins"] = []
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_data, ensure_ascii=False), encoding="utf-8")
    with sqlite_catalog.session() as session:
        import_problem(session, path)
    return sqlite_catalog


def test_a_lesson_may_air_again(loaded):
    airings = [
        _airing("b1", "al-farabi", "09:00", 30),
        _airing("b2", "al-farabi", "09:30", 30),
        _airing("b1", "al-farabi", "10:00", 30),  # re-runs, in episode order again
        _airing("b2", "al-farabi", "10:30", 30),
    ]
    done = publish_schedule(
        Workspace.over(Path("data"), loaded), {"airings": airings}, "Asia/Almaty", NOW
    )
    assert done.airings == 4


@pytest.mark.parametrize(
    ("second", "rule"),
    [
        (_airing("b1", "al-farabi", "09:20", 30), "channel-overlap"),  # over its first run
        (_airing("b1", "el-arna", "12:00", 30), "eligible"),  # a channel that does not carry it
        (_airing("b1", "al-farabi", "17:45", 30), "window"),  # past the channel's window
    ],
)
def test_a_rerun_breaking_a_rule_is_refused_and_named(loaded, second, rule):
    airings = [_airing("b1", "al-farabi", "09:00", 30), second]
    with pytest.raises(RuleBroken) as refused:
        publish_schedule(
            Workspace.over(Path("data"), loaded), {"airings": airings}, "Asia/Almaty", NOW
        )
    assert refused.value.rule == rule
    assert "--rerun-" not in str(refused.value)
    with loaded.session() as session:
        from catalog.schedules import published_version

        assert published_version(session) is None  # nothing was stored


def test_episode_order_is_judged_within_each_run(loaded):
    airings = [
        _airing("b1", "al-farabi", "09:00", 30),
        _airing("b2", "al-farabi", "09:30", 30),
        _airing("b2", "al-farabi", "10:00", 30),  # b2's re-run before b1's
        _airing("b1", "al-farabi", "10:30", 30),
    ]
    with pytest.raises(RuleBroken) as refused:
        publish_schedule(
            Workspace.over(Path("data"), loaded), {"airings": airings}, "Asia/Almaty", NOW
        )
    assert refused.value.rule == "order"
    assert "(re-run 2)" in str(refused.value)
