"""The demo, built for real (ffmpeg, CP-SAT): on air when it returns and for hours after,
a line per finished step, true figures on a re-run."""

from __future__ import annotations

import itertools
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from catalog.models import HlsPackage
from catalog.schedules import published_version
from service.demo import build
from service.workspace import Workspace

pytestmark = pytest.mark.slow
ZONE = ZoneInfo("Asia/Almaty")


class Quiet:
    def say(self, text: str) -> None:
        pass

    def task(self, label, total):
        return lambda item, done: None


def _airings(workspace: Workspace) -> list[tuple[str, str, datetime, datetime]]:
    with workspace.catalog().session() as session:
        version = published_version(session)
        assert version is not None
        return sorted(
            ((a.channel_id, a.lesson_id, a.start.replace(tzinfo=UTC), a.end.replace(tzinfo=UTC))
             for a in version.airings),
            key=lambda x: (x[0], x[2]),
        )  # fmt: skip


def _on_air(airings, channel: str, at: datetime) -> bool:
    """On air at `at`, or in the less-than-a-lesson (10 s here) before local midnight
    that re-runs leave off air: a lesson airs within one broadcast day."""
    local = at.astimezone(ZONE)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), ZONE)
    if midnight - local <= timedelta(seconds=11):
        return True
    return any(c == channel and s <= at < e for c, _, s, e in airings)


def test_the_demo_is_on_air_when_it_returns_and_for_two_hours(tmp_path, monkeypatch):
    monkeypatch.delenv("SABAQ_DATABASE_URL", raising=False)
    workspace = Workspace(tmp_path / "data")
    steps: list[str] = []
    built = build(workspace, 4, 10, ZONE, Quiet(), on_step=steps.append)
    returned = datetime.now(UTC)
    airings = _airings(workspace)
    for channel in ("al-farabi", "el-arna"):
        for second in range(0, 2 * 3600 + 60, 5):
            assert _on_air(airings, channel, returned + timedelta(seconds=second)), second
    assert built.on_air_until >= returned + timedelta(hours=2)
    # Every slot holds what airs in it: back to back, a package longer than its slot
    # would put the live channel further behind the guide at every lesson.
    with workspace.catalog().session() as session:
        plays = {p.lesson_id: p.duration_s for p in session.scalars(select(HlsPackage))}
    assert all((e - s).total_seconds() >= plays[lesson] for _, lesson, s, e in airings)
    packaged = [s for s in steps if s.startswith("packaged ")]
    assert len(packaged) == 4
    assert all("x realtime" in s for s in packaged), packaged
    assert any(s.startswith("schedule: OPTIMAL, 1 day(s) (lower bound 1)") for s in steps), steps
    assert any(s.startswith("slates: ") for s in steps), steps
    # A second run keeps the packages, says so, and continues each channel after the
    # lesson it is airing (nothing cut mid-lesson, no gap).
    steps.clear()
    again = build(workspace, 4, 10, ZONE, Quiet(), on_step=steps.append)
    assert again.transcoded == 0
    assert "4 packages current, none to transcode" in steps
    after = _airings(workspace)
    now = datetime.now(UTC)
    for channel in ("al-farabi", "el-arna"):
        mine = [(s, e) for c, _, s, e in after if c == channel and e > now]
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(mine)), mine
        for second in range(0, 2 * 3600, 5):
            assert _on_air(after, channel, now + timedelta(seconds=second)), second


@pytest.mark.slow
def test_the_demo_built_late_in_the_evening_goes_on_past_midnight(tmp_path, monkeypatch):
    # A zone where it is now 22:xx: the two hours on air cross local midnight, where a
    # lesson may not straddle two broadcast days.
    monkeypatch.delenv("SABAQ_DATABASE_URL", raising=False)
    offset = next(o for o in range(-12, 15) if (datetime.now(UTC).hour + o) % 24 == 22)
    zone = ZoneInfo(f"Etc/GMT{-offset:+d}")  # Etc/GMT-6 is six hours ahead of UTC
    monkeypatch.setattr(sys.modules[__name__], "ZONE", zone)
    workspace = Workspace(tmp_path / "data")
    build(workspace, 4, 10, zone, Quiet(), on_step=lambda _: None)
    returned = datetime.now(UTC)
    airings = _airings(workspace)
    assert any(s.astimezone(zone).date() > returned.astimezone(zone).date() for *_, s, _ in airings)
    for channel in ("al-farabi", "el-arna"):
        for second in range(0, 2 * 3600, 5):
            assert _on_air(airings, channel, returned + timedelta(seconds=second)), second
