"""Page details a reader (or a screen reader) meets: titles, headings, tables, times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from streaming.i18n import LANGUAGES, t
from streaming.pages import catalogue, channel_page, duration, home, lesson_page, utc_offset
from streaming.snapshot import AiringView, ChannelView, LessonView

NOW = datetime(2026, 9, 1, 4, 10, tzinfo=UTC)  # 09:10 in Almaty
CHANNEL = ChannelView("al-farabi", "Әл-Фараби", 1, ("kk",), (1, 5))
LESSON = LessonView(
    "kk-05-math-001", "kk-05-math", "Математика 5", 5, "math", "kk", 1, "Бөлшектер", 40, True,
    "ready", True,
)  # fmt: skip
AIRING = AiringView(LESSON.id, CHANNEL.id, NOW - timedelta(minutes=5), NOW + timedelta(minutes=20))


@pytest.mark.parametrize(
    ("seconds", "en", "ru", "kk"),
    [
        (40, "40 s", "40 сек", "40 сек"),
        (59, "59 s", "59 сек", "59 сек"),
        (60, "1 min", "1 мин", "1 мин"),
        (89, "1 min", "1 мин", "1 мин"),
        (90, "2 min", "2 мин", "2 мин"),
        (1799, "30 min", "30 мин", "30 мин"),
        (1500, "25 min", "25 мин", "25 мин"),
    ],
)
def test_durations_read_as_people_say_them(seconds, en, ru, kk):
    assert duration(seconds, "en") == en
    assert duration(seconds, "ru") == ru
    assert duration(seconds, "kk") == kk


def test_catalogue_rounds_a_lesson_of_29_59_to_30_minutes():
    long = LessonView(**{**LESSON.__dict__, "duration_s": 1799})
    assert "30 min" in catalogue("en", [long], [5], ["math"], {})
    assert "40 s" in catalogue("en", [LESSON], [5], ["math"], {})


def _headings(page: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])[ >]", page)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home_headings_go_down_one_level_at_a_time_and_the_title_says_the_site_once(lang):
    page = home(
        lang, [CHANNEL], {CHANNEL.id: (AIRING, None)}, {LESSON.id: LESSON}, "Asia/Almaty",
        catalogue(lang, [LESSON], [5], ["math"], {}), now=NOW,
    )  # fmt: skip
    levels = _headings(page)
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in pairwise(levels)), levels
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    site = t("site", lang).replace('"', "&quot;")
    assert title == site


@pytest.mark.parametrize("lang", LANGUAGES)
def test_channel_grid_has_no_empty_header_and_says_its_zone(lang):
    page = channel_page(lang, CHANNEL, [AIRING], {LESSON.id: LESSON}, "Asia/Almaty", NOW)
    headers = re.findall(r"<th>(.*?)</th>", page)
    assert len(headers) == 4
    assert all(re.sub(r"<[^>]+>", "", h).strip() for h in headers), headers
    assert "UTC+5" in headers[0]


def test_lesson_airings_carry_the_time_zone():
    page = lesson_page("en", LESSON, [AIRING], {CHANNEL.id: CHANNEL}, "Asia/Almaty", now=NOW)
    assert '<time datetime="2026-09-01T09:05:00+05:00">2026-09-01 09:05 UTC+5</time>' in page
    assert "<title>Бөлшектер · Sabaq — TV lessons</title>" in page


def test_utc_offsets_as_written():
    from zoneinfo import ZoneInfo

    assert utc_offset(NOW, ZoneInfo("Asia/Almaty")) == "UTC+5"
    assert utc_offset(NOW, ZoneInfo("Asia/Kolkata")) == "UTC+5:30"
    assert utc_offset(NOW, ZoneInfo("America/St_Johns")) == "UTC−2:30"
    assert utc_offset(NOW, ZoneInfo("UTC")) == "UTC+0"
