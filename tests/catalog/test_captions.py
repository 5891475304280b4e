"""Producers' SRT and WebVTT files read strictly, and cut into HLS WebVTT segments."""

from __future__ import annotations

import pytest

from catalog.captions import (
    CaptionError,
    Cue,
    check_fits,
    parse_assignments,
    parse_captions,
    prefix_ids,
    segment_files,
    webvtt,
)
from errors import BadInput

SRT = """1
00:00:01,000 --> 00:00:04,500
Сәлеметсіздер ме, <i>балалар</i>!

2
00:00:05,000 --> 00:00:07,250
<font color="#ffff00">Бүгін</font> бөлшектер {\\an8}& <теңдеулер>

"""
VTT = """WEBVTT - lesson 1

NOTE written by the producer

STYLE
::cue { color: yellow }

intro
00:01.000 --> 00:04.500 align:start line:0
Здравствуйте!

00:00:05.000 --> 00:00:07.250
[музыка]
"""


def test_srt_is_read_with_safe_text():
    cues = parse_captions(SRT.encode(), "a.srt")
    assert [(c.start, c.end) for c in cues] == [(1.0, 4.5), (5.0, 7.25)]
    assert cues[0].text == "Сәлеметсіздер ме, <i>балалар</i>!"
    assert cues[1].text == "Бүгін бөлшектер &amp; &lt;теңдеулер&gt;"  # no <font>, no {\an8}
    assert [c.line for c in cues] == [2, 6]


def test_webvtt_is_read_with_its_settings_and_without_notes_or_styles():
    cues = parse_captions(("\ufeff" + VTT).replace("\n", "\r\n").encode(), "a.vtt")
    assert [c.text for c in cues] == ["Здравствуйте!", "[музыка]"]
    assert cues[0].settings == "align:start line:0"
    assert cues[0].start == 1.0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1\n00:00:01,000 -> 00:00:02,000\nx\n", "a.srt line 2: expected a cue timing"),
        ("1\n00:00:0x,000 --> 00:00:02,000\nx\n", "a.srt line 2: malformed timing"),
        ("1\n00:00:03,000 --> 00:00:02,000\nx\n", "line 2: the cue ends (00:00:02.000) before"),
        ("1\n00:61:00,000 --> 00:62:00,000\nx\n", "line 2: minutes and seconds go up to 59"),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 --> 00:00:04,000\nb\x07\n",
            "line 7: control character U+0007",
        ),
        ("hello\n00:00:01,000 --> 00:00:02,000\nx\n", "line 1: expected a cue number"),
        ("", "no cues found"),
        ("WEBVTTX\n\n00:01.000 --> 00:02.000\nx\n", "line 1: a WebVTT file starts"),
    ],
)
def test_bad_files_are_refused_with_the_line(text, says):
    with pytest.raises(CaptionError) as caught:
        parse_captions(text.encode(), "a.srt")
    assert says in str(caught.value)


def test_not_utf8_and_too_big_are_refused():
    with pytest.raises(CaptionError, match=r"not UTF-8 text \(byte 0\)"):
        parse_captions("Сәлем".encode("utf-16"), "a.srt")
    with pytest.raises(CaptionError, match="at most 5 MB"):
        parse_captions(b"x" * (6 * 1024**2), "a.srt")


def test_a_cue_after_the_lessons_end_is_refused():
    cues = parse_captions(SRT.encode(), "a.srt")
    check_fits(cues, 7.0, "a.srt")
    with pytest.raises(CaptionError, match=r"a.srt line 6: the cue starts at 00:00:05.000"):
        check_fits(cues, 3.0, "a.srt")


def test_segments_repeat_a_cue_across_a_boundary_and_map_time_zero():
    cues = (Cue(1.0, 4.5, "a"), Cue(5.0, 7.25, "b"), Cue(13.0, 13.5, "c"))
    files = segment_files(cues, [6.0, 6.0, 2.0], mpegts=126000)
    assert len(files) == 3
    for text in files:
        assert text.startswith("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n")
    assert "1\n00:00:01.000 --> 00:00:04.500\na\n" in files[0]
    assert "2\n00:00:05.000 --> 00:00:07.250\nb\n" in files[0]
    assert "2\n00:00:05.000 --> 00:00:07.250\nb\n" in files[1]  # the same cue, the same id
    assert "-->" not in files[1].replace("00:00:05.000 --> 00:00:07.250", "")
    assert "3\n00:00:13.000 --> 00:00:13.500\nc\n" in files[2]


def test_live_ids_are_prefixed_per_airing():
    text = segment_files((Cue(1.0, 2.0, "12"), Cue(2.0, 3.0, "b")), [6.0], 126000)[0]
    prefixed = prefix_ids(text, "20260901T040000Z-a")
    assert "20260901T040000Z-a-1\n00:00:01.000 --> 00:00:02.000\n12\n" in prefixed
    assert "20260901T040000Z-a-2\n" in prefixed


def test_stored_form_reads_back_the_same():
    cues = parse_captions(SRT.encode(), "a.srt")
    again = parse_captions(webvtt(cues).encode(), "a.vtt")
    assert [(c.start, c.end, c.text) for c in again] == [(c.start, c.end, c.text) for c in cues]


def test_assignments():
    assert parse_assignments("kk=a.srt; ru=b.vtt", "captions") == {"kk": "a.srt", "ru": "b.vtt"}
    assert parse_assignments("", "captions") == {}
    for bad, says in (
        ("kk", "not LANGUAGE=FILE"),
        ("fr=a.srt", "'fr' is not one of"),
        ("kk=a kk=b", "twice"),
    ):
        with pytest.raises(BadInput, match=says):
            parse_assignments(bad, "captions")
