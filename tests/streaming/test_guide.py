"""XMLTV guide valid against the official DTD, read by the XMLTV tools; M3U for IPTV players."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from streaming.guide import m3u, xmltv
from streaming.snapshot import AiringView, ChannelView, LessonView, Snapshot

DTD = "/usr/share/xmltv/xmltv.dtd"
# Markup, quotes, a line break and control characters (which XML 1.0 cannot carry at all)
# in the titles of a catalogue written before they were refused at import.
EVIL = '</title><programme>ә ғ қ ң ө ұ ү һ і & "x"\x1b\x00\x0b\x0c\x85\n#EXTINF:-1,hijack'
SHOWN = EVIL.translate({c: None for c in (0x1B, 0x00, 0x0B, 0x0C, 0x85, 0x0A)})
CHANNELS = [
    ChannelView("al-farabi", EVIL, 1, ("kk",), (1, 5)),
    ChannelView("el-arna", "Ел Арна", 2, ("ru",), (5,)),
]
LESSONS = {
    "a": LessonView(
        "a",
        "s",
        "Математика 5",
        5,
        "math",
        "kk",
        3,
        EVIL,
        1500,
        True,
        "ready",
        True,
        captions=("kk", "ru"),
    ),
    "b": LessonView(
        "b", "t", "История", 5, "history", "ru", 1, "Саки", 1500, False, "ready", False
    ),
}
T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
AIRINGS = [
    AiringView("a", "al-farabi", T0, T0 + timedelta(minutes=25)),
    AiringView("b", "el-arna", T0, T0 + timedelta(minutes=25)),
]


@pytest.fixture
def guide_file(tmp_path):
    path = tmp_path / "epg.xml"
    snapshot = Snapshot(channels=CHANNELS, lessons=LESSONS, airings=AIRINGS, timezone="Asia/Almaty")
    path.write_bytes(xmltv(snapshot, "http://tv.example"))
    return path


def test_guide_is_valid_against_the_xmltv_dtd(guide_file):
    if not shutil.which("xmllint"):
        pytest.fail("xmllint missing: `make test` installs libxml2-utils")
    result = subprocess.run(
        ["xmllint", "--noout", "--dtdvalid", DTD, str(guide_file)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_xmltv_tools_read_it(guide_file):
    if not shutil.which("tv_cat"):
        pytest.fail("tv_cat missing: `make test` installs xmltv-util")
    result = subprocess.run(["tv_cat", str(guide_file)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("<programme ") == 2


def test_titles_are_escaped_and_signing_is_marked(guide_file):
    tree = ET.parse(guide_file)
    programmes = tree.findall("programme")
    first = programmes[0]
    assert first.get("start") == "20260901090000 +0500"
    assert first.findtext("title") == SHOWN
    assert first.find("title").get("lang") == "kk"
    subtitles = first.findall("subtitles")
    assert [x.get("type") for x in subtitles] == ["deaf-signed", "teletext", "teletext"]
    assert [x.findtext("language") for x in subtitles[1:]] == ["kk", "ru"]  # captioned
    assert first.findtext("episode-num") == "Сабақ 3"
    assert programmes[1].find("subtitles") is None
    assert [c.text for c in first.findall("category")] == ["math", "Education"]


def test_m3u_lines_cannot_be_hijacked_by_names():
    text = m3u(CHANNELS, "http://tv.example", catchup_days=3)
    lines = text.splitlines()
    assert lines[0].startswith('#EXTM3U url-tvg="http://tv.example/iptv/epg.xml"')
    assert len(lines) == 5  # header + 2 x (EXTINF, URL): the newline in a name is folded
    assert lines[1].startswith('#EXTINF:-1 tvg-id="al-farabi.sabaq"')
    assert 'tvg-chno="1"' in lines[1]
    assert 'group-title="Sabaq kk"' in lines[1]
    assert lines[2] == "http://tv.example/live/al-farabi/master.m3u8"
    assert 'catchup="shift" catchup-days="3"' in lines[1]
    assert "catchup" not in m3u(CHANNELS, "http://tv.example", catchup_days=0)
    assert '"x"' not in lines[1]


def test_ics_lines_cannot_be_hijacked_by_titles():
    from datetime import UTC, datetime, timedelta

    from scheduler.ics import CalendarEvent, write_ics

    start = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)
    evil = 'Бөлшектер\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected; <&">'
    body = write_ics(
        "sabaq kk grade 5",
        "Asia/Almaty",
        [CalendarEvent("l-1", start, start + timedelta(minutes=25), evil, "S", 1, True, "C", "m")],
    ).decode("utf-8")
    lines = body.replace("\r\n ", "").split("\r\n")  # unfolded content lines
    assert lines.count("BEGIN:VEVENT") == 1
    assert lines.count("END:VEVENT") == 1
    assert not any(line.startswith("SUMMARY:injected") for line in lines)
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert summary == 'SUMMARY:БөлшектерEND:VEVENTBEGIN:VEVENTSUMMARY:injected\\; <&">'
    assert all(line.isprintable() for line in lines)  # RFC 5545: no control characters


def test_pages_escape_markup_and_leave_control_characters_out():
    import html

    from streaming.pages import escape

    assert escape(EVIL) == html.escape(SHOWN)
    assert "<" not in escape(EVIL)
    assert escape(EVIL).isprintable()
