"""Metrics stay small: viewers are counted for a minute and then forgotten."""

from __future__ import annotations

import streaming.metrics
from streaming.metrics import VIEWER_TTL_S, Metrics


def test_viewers_are_forgotten_after_the_minute_they_count_for(monkeypatch):
    clock = [1_000.0]
    monkeypatch.setattr(streaming.metrics.time, "monotonic", lambda: clock[0])
    metrics = Metrics()
    for address in range(10_000):  # a crowd, or one client cycling through addresses
        metrics.saw_viewer("al-farabi", f"10.0.{address // 256}.{address % 256}")
    assert 'sabaq_live_viewers{channel="al-farabi"} 10000' in metrics.render()
    clock[0] += VIEWER_TTL_S + 1
    metrics.saw_viewer("el-arna", "10.9.9.9")  # the next request prunes
    assert sum(len(seen) for seen in metrics.viewers.values()) == 1
    assert "al-farabi" not in metrics.render()
