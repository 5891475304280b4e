"""The demo's re-runs: back to back, on every channel, within the audiences' caps."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from service.reruns import Slot, back_to_back, on_air_everywhere, with_reruns

ZONE = ZoneInfo("Asia/Almaty")
T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)  # 09:00 in Almaty
MINUTE = timedelta(minutes=1)


def _solved() -> list[Slot]:
    """What a solver may give: in order, but with gaps and not from the start."""
    return [
        Slot(T0 + 3 * MINUTE, T0 + 4 * MINUTE, "a", "a-1"),
        Slot(T0 + 10 * MINUTE, T0 + 11 * MINUTE, "a", "a-2"),
        Slot(T0 + 5 * MINUTE, T0 + 6 * MINUTE, "b", "b-1"),
        Slot(T0 + 6 * MINUTE, T0 + 7 * MINUTE, "b", "b-2"),
    ]


def test_back_to_back_keeps_the_order_and_closes_the_gaps():
    laid = back_to_back(_solved(), {"a": T0, "b": T0 + 30 * MINUTE})
    a = [s for s in laid if s.channel == "a"]
    assert [(s.lesson, s.start, s.end) for s in a] == [
        ("a-1", T0, T0 + MINUTE),
        ("a-2", T0 + MINUTE, T0 + 2 * MINUTE),
    ]
    assert min(s.start for s in laid if s.channel == "b") == T0 + 30 * MINUTE


def test_reruns_keep_every_channel_on_air_until_the_end():
    laid = back_to_back(_solved(), {"a": T0, "b": T0})
    until = T0 + timedelta(hours=3)
    slots = with_reruns(laid, until, ZONE, {}, {})
    for second in range(0, 3 * 3600, 7):
        assert on_air_everywhere(slots, ["a", "b"], T0 + timedelta(seconds=second)), second
    for channel in ("a", "b"):
        mine = sorted(s for s in slots if s.channel == channel)
        assert all(x.end == y.start for x, y in itertools.pairwise(mine))  # no overlap
        assert [s.lesson for s in mine[:4]] == [f"{channel}-1", f"{channel}-2"] * 2
    assert not on_air_everywhere(slots, ["a", "b"], until + timedelta(minutes=3))


def test_reruns_stop_at_an_audiences_daily_cap():
    laid = back_to_back(_solved(), {"a": T0, "b": T0})
    audience = {"a-1": "1-kk", "a-2": "1-kk"}
    slots = with_reruns(laid, T0 + timedelta(hours=3), ZONE, audience, {"1-kk": 20 * 60})
    assert sum((s.end - s.start).total_seconds() for s in slots if s.channel == "a") == 20 * 60
    assert max(s.end for s in slots if s.channel == "b") >= T0 + timedelta(hours=3)


def test_a_day_cap_counts_each_local_day():
    late = datetime(2026, 9, 1, 18, 50, tzinfo=UTC)  # 23:50 in Almaty
    run = [Slot(late, late + MINUTE, "a", "a-1")]
    slots = with_reruns(run, late + timedelta(minutes=30), ZONE, {"a-1": "x"}, {"x": 15 * 60})
    days = {}
    for s in slots:
        day = s.start.astimezone(ZONE).date()
        days[day] = days.get(day, 0) + 60
    assert max(days.values()) <= 15 * 60
    assert len(days) == 2  # it goes on after midnight


def test_a_rerun_that_would_air_across_midnight_starts_at_midnight():
    evening = datetime(2026, 12, 7, 23, 58, 30, tzinfo=ZONE)
    run = [Slot(evening, evening + timedelta(minutes=1), "ch", "a-1")]
    slots = with_reruns(run, evening + timedelta(minutes=4), ZONE, {}, {})
    midnight = datetime(2026, 12, 8, tzinfo=ZONE)
    starts = [s.start for s in slots]
    # 23:58:30, 23:59:30 would end at 00:00:30: it starts at midnight, then on from there
    assert starts == [evening, *(midnight + timedelta(minutes=m) for m in range(3))]
    assert all(s.start.date() == (s.end - timedelta(microseconds=1)).date() for s in slots)
