"""Memory by the attacker's choice: distinct catch-up starts each make a 6-hour playlist;
the server keeps them within its byte budget (SABAQ_CACHE_MB), not by count."""

from __future__ import annotations

import os
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from streaming.recent import ENTRY_OVERHEAD, Recent
from tests.streaming.conftest import running_server

pytestmark = pytest.mark.slow
BUDGET_MB = 8
REQUESTS = 60


def test_recent_is_bounded_by_bytes():
    cache: Recent[int, bytes] = Recent(4096, 10_000, len)
    for key in range(100):
        cache[key] = b"x" * 1000
    assert cache.bytes <= 10_000
    assert len(cache) == 10_000 // (1000 + ENTRY_OVERHEAD)
    assert cache.get(99) is not None
    assert cache.get(0) is None
    cache[1000] = b"y" * 20_000  # over the whole budget: not kept, nothing else lost
    assert cache.get(1000) is None
    assert cache.get(99) is not None


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=120) as answer:
        answer.read()
        return int(answer.status)


def test_distinct_catch_up_starts_stay_within_the_cache_budget(site, monkeypatch):
    monkeypatch.setenv("SABAQ_CACHE_MB", str(BUDGET_MB))
    with running_server(site.data_dir) as (base, process):
        now = int(time.time())
        week = now - 7 * 86400 + 3600
        assert _get(f"{base}/live/al-farabi/360p.m3u8?utc={week}") == 200
        before = _rss_mb(process.pid)
        urls = [f"{base}/live/al-farabi/360p.m3u8?utc={week + 7 * i}" for i in range(REQUESTS)]
        with ThreadPoolExecutor(4) as pool:
            assert set(pool.map(_get, urls)) == {200}
        grown = _rss_mb(process.pid) - before
    # Each playlist is about 0.8 MB: kept by count, 60 would add some 100 MB.
    assert grown < BUDGET_MB * 2 + 30, f"RSS grew {grown:.0f} MB"
    assert os.environ["SABAQ_CACHE_MB"] == str(BUDGET_MB)
