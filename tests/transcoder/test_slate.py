"""Slates: planned from the schedule (pure), drawn with any title, always the same shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from catalog.layout import slate_key
from errors import BadInput
from transcoder.slate import (
    MAX_TITLE,
    SLATE_SEGMENTS,
    SlateJob,
    SlateText,
    plan_slates,
    prune_slates,
    render_slate,
    render_slates,
    slate_options,
)

NOW = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)  # 08:00 in Almaty
NASTY = '</title> & "Бөлшектер": 100% ә ғ қ ң ө ұ ү һ і %{localtime} \\ \' ;,'


def test_plan_names_the_next_lesson_in_local_time():
    airings = [
        ("a-1", "al-farabi", NOW + timedelta(hours=1)),
        ("a-2", "al-farabi", NOW + timedelta(hours=30)),  # beyond 24 h: not yet
        ("a-0", "al-farabi", NOW - timedelta(hours=1)),  # started: no longer needed
        ("x-1", "ghost", NOW + timedelta(hours=1)),  # a channel not in the catalogue
    ]
    plan = plan_slates({"al-farabi": "Әл-Фараби"}, airings, {"a-1": NASTY}, "Asia/Almaty", NOW, 24)
    assert plan[0] == SlateJob("al-farabi", None, SlateText("Әл-Фараби"))
    assert len(plan) == 2
    job = plan[1]
    assert job.key == slate_key("a-1", NOW + timedelta(hours=1)) == "20260901T040000Z-a-1"
    assert job.text.next_time == "01.09.2026 09:00"
    assert job.text.next_title == NASTY


def test_long_titles_are_shortened_and_newlines_flattened():
    lines = SlateText("C", "word " * 40 + "\nend", "01.09.2026 09:00").lines()
    title = lines[2][0]
    assert len(title) == MAX_TITLE
    assert title.endswith("…")
    assert "\n" not in title


@pytest.mark.slow
def test_any_title_renders_to_a_slate_of_the_fixed_shape(tmp_path):
    text = SlateText("Әл-Фараби", NASTY, "01.09.2026 09:00")
    result = render_slate(tmp_path / "s", text, slate_options((234,), "ultrafast"))
    assert result.segments == SLATE_SEGMENTS
    meta = json.loads((tmp_path / "s" / "package.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in meta["rungs"]] == ["234p", "audio"]
    playlist = (tmp_path / "s" / "234p" / "index.m3u8").read_text(encoding="utf-8")
    assert playlist.count("#EXTINF:1.920000,") == SLATE_SEGMENTS  # whole tiles
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]  # no work files left


def test_slates_need_two_second_segments(tmp_path):
    from transcoder import TranscodeOptions

    with pytest.raises(BadInput, match="2 s segments"):
        render_slate(tmp_path / "s", SlateText("C"), TranscodeOptions(segment_s=6))


@pytest.mark.slow
def test_render_skips_made_slates_and_prune_removes_old_ones(tmp_path):
    plan = plan_slates({"c": "C"}, [("l-1", "c", NOW + timedelta(minutes=5))], {}, "UTC", NOW, 1)
    options = slate_options((234,), "ultrafast")
    assert render_slates(tmp_path, plan, options, workers=2) == 2
    seen: list[SlateJob] = []
    assert render_slates(tmp_path, plan, options, done=seen.append) == 0
    assert seen == plan
    assert (tmp_path / "slates" / "c" / "package.json").exists()
    assert prune_slates(tmp_path, NOW) == 0
    assert prune_slates(tmp_path, NOW + timedelta(days=2)) == 1
    assert not (tmp_path / "slates-next" / "c" / plan[1].key).exists()
    assert (tmp_path / "slates" / "c" / "package.json").exists()  # the channel's own stays
    assert (tmp_path / "logos" / "c.png").exists()  # made with the channel's own slate
    # Made with other options (before slates lasted whole tiles, say): made again.
    other = slate_options((234,), "superfast")
    assert render_slates(tmp_path, plan[:1], other) == 1
    assert render_slates(tmp_path, plan[:1], other) == 0
