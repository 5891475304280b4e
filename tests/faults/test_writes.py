"""Producer writes: one checked path, strict parameters, retries that cannot apply twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog.models import ScheduleVersion, TranscodeJob

pytestmark = pytest.mark.slow


def _airing(lesson: str, channel: str, start, seconds: float) -> dict[str, str]:
    return {
        "lesson": lesson,
        "channel": channel,
        "start": start.isoformat(),
        "end": (start + timedelta(seconds=seconds)).isoformat(),
    }


def _count(served, model) -> int:
    with served.catalog.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    ("airings", "rule"),
    [
        (  # two lessons at once on one channel
            lambda t: [
                _airing("kk-05-math-001", "al-farabi", t, 8),
                _airing("kk-05-math-002", "al-farabi", t + timedelta(seconds=4), 8),
            ],
            "channel-overlap",
        ),
        (  # a Russian lesson on the Kazakh-only channel
            lambda t: [_airing("ru-01-math-001", "al-farabi", t, 8)],
            "eligible",
        ),
        (  # 5 s on air for an 8 s lesson
            lambda t: [_airing("kk-05-math-001", "al-farabi", t, 5)],
            "window",
        ),
    ],
)
async def test_a_schedule_that_breaks_a_rule_is_refused(served, airings, rule):
    start = served.clock["now"] + timedelta(hours=1)
    before = _count(served, ScheduleVersion)
    answer = await served.client.post(
        "/api/schedules", json={"airings": airings(start)}, headers=served.auth
    )
    assert answer.status == 422
    assert rule in (await answer.json())["error"]
    assert _count(served, ScheduleVersion) == before


@pytest.mark.parametrize("value", ["False", "0", "no", "", "true "])
async def test_publish_is_true_or_false_only(served, value):
    start = served.clock["now"] + timedelta(hours=1)
    document = {"airings": [_airing("kk-05-math-001", "al-farabi", start, 8)]}
    before = _count(served, ScheduleVersion)
    answer = await served.client.post(
        "/api/schedules", params={"publish": value}, json=document, headers=served.auth
    )
    assert answer.status == 400
    assert _count(served, ScheduleVersion) == before


async def test_a_retry_with_the_same_key_stores_one_version(served):
    start = served.clock["now"] + timedelta(hours=1)
    document = {"airings": [_airing("kk-05-math-001", "al-farabi", start, 8)]}
    headers = {**served.auth, "Idempotency-Key": "studio-1:2026-09-01:a"}
    before = _count(served, ScheduleVersion)
    first = await served.client.post("/api/schedules?publish=false", json=document, headers=headers)
    again = await served.client.post("/api/schedules?publish=false", json=document, headers=headers)
    assert (first.status, again.status) == (201, 200)
    assert (await first.json())["version"] == (await again.json())["version"]
    assert (await again.json())["replayed"] is True
    assert _count(served, ScheduleVersion) == before + 1


async def test_infinite_stats_are_refused(served):
    document = '{"airings": [], "stats": {"solve_s": 1e999}}'
    answer = await served.client.post(
        "/api/schedules",
        data=document,
        headers={**served.auth, "Content-Type": "application/json"},
    )
    assert answer.status == 400


async def test_null_options_queue_nothing(served):
    before = _count(served, TranscodeJob)
    answer = await served.client.post(
        "/api/transcode", json={"all": True, "options": None}, headers=served.auth
    )
    assert answer.status == 400
    assert _count(served, TranscodeJob) == before


def test_non_finite_stats_are_refused_on_every_database(catalog):
    from datetime import UTC, datetime

    from errors import BadInput
    from service.schedules import publish_schedule
    from service.workspace import Workspace

    now = datetime(2026, 9, 1, tzinfo=UTC)
    document = {"airings": [], "stats": {"solve_s": float("inf")}}
    with pytest.raises(BadInput, match="finite"):
        publish_schedule(Workspace.over(Path("unused"), catalog), document, "UTC", now)
    with catalog.session() as session:
        assert session.scalar(select(func.count()).select_from(ScheduleVersion)) == 0


async def test_a_schedule_is_not_published_from_a_duration_the_package_lacks(served):
    from catalog.models import Lesson

    with served.catalog.session() as session:  # re-imported longer; the package is 8 s
        session.get_one(Lesson, "kk-05-math-001").duration_s = 30
    start = served.clock["now"] + timedelta(hours=1)
    document = {"airings": [_airing("kk-05-math-001", "al-farabi", start, 30)]}
    before = _count(served, ScheduleVersion)
    answer = await served.client.post("/api/schedules", json=document, headers=served.auth)
    assert answer.status == 409
    assert "transcode it again" in (await answer.json())["error"]
    assert _count(served, ScheduleVersion) == before


def test_non_finite_floats_and_json_are_refused_on_every_database(catalog):
    from catalog.models import TranscodeJob
    from errors import BadInput

    with catalog.session() as session:
        session.add(
            ScheduleVersion(timezone="UTC", stats={})
        )  # a version to hang nothing on: only the refusals below matter
    for bad in (
        lambda s: s.add(TranscodeJob(lesson_id="none", progress=float("nan"))),
        lambda s: s.add(ScheduleVersion(timezone="UTC", stats={"x": float("inf")})),
    ):
        with pytest.raises(BadInput, match="refused a value"), catalog.session() as session:
            bad(session)
    with catalog.session() as session:
        assert session.scalar(select(func.count()).select_from(ScheduleVersion)) == 1
