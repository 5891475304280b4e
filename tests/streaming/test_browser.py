"""A real browser (Debian's chromium via Playwright) plays a lesson and a live channel."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog import open_catalog
from catalog.schedules import publish, save_schedule

from .conftest import running_server

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def server(site, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium missing: `make test` installs Debian's chromium")
    data = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(site.data_dir, data, symlinks=True)
    catalog = open_catalog(f"sqlite:///{data / 'sabaq.sqlite3'}")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=2)
    airings = [
        {
            "lesson": "kk-05-math-001",
            "channel": "al-farabi",
            "start": start.isoformat(),
            "end": (start + timedelta(seconds=8)).isoformat(),
        }
    ]
    with catalog.session() as session:
        publish(session, save_schedule(session, {"airings": airings}, "Asia/Almaty"), start)
    catalog.dispose()
    with running_server(data) as (base, _process):
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield launched
        launched.close()


def _plays(page, seconds: float = 3.0) -> float:
    page.wait_for_selector("#player")
    page.evaluate("document.getElementById('player').muted = true")
    page.click("#player")  # a press on the video, then play as the control bar would
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function("document.getElementById('player').currentTime > 0", timeout=20000)
    first = page.evaluate("document.getElementById('player').currentTime")
    time.sleep(seconds)
    return float(page.evaluate("document.getElementById('player').currentTime")) - first


def test_lesson_page_plays(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{server}/lessons/kk-05-math-001?lang=kk")
    assert "ә ғ қ ң ө ұ ү һ і" in page.inner_text("h1")
    assert _plays(page) > 1.0
    page.screenshot(path=str(tmp_path / "lesson.png"))
    page.close()


def test_live_channel_plays(server, browser):
    page = browser.new_page()
    page.goto(f"{server}/channels/al-farabi?lang=ru")
    assert "Әл-Фараби" in page.inner_text("h1")
    assert _plays(page) > 1.0
    page.close()


def test_phone_width_has_no_horizontal_scroll(server, browser):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{server}/?lang=kk")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused  # the first link is reachable by keyboard
    page.close()
