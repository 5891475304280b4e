"""Hostile parameters and files are 4xx, never 500; what the server writes (CSV, logs,
caption segments) carries nothing an attacker chose to run."""

from __future__ import annotations

import io
import logging

import m3u8
import pytest

from catalog.captions import CaptionError, parse_captions, webvtt
from catalog.csv_io import export_csv, read_csv
from catalog.problem_io import import_problem
from streaming.access_log import RedactingAccessLogger
from tests.conftest import PROBLEM

pytestmark = pytest.mark.slow
SUPERSCRIPT_TWO, ARABIC_ONE, ARABIC_FIVE = "\u00b2", "\u0661", "\u0665"


@pytest.mark.parametrize(
    ("path", "statuses"),
    [
        (f"/calendar/{ARABIC_ONE}-kk.ics", {404}),
        (f"/guide?grade={ARABIC_FIVE}", {400}),
        ("/guide?grade=+5", {400}),
        (f"/api/lessons?limit={ARABIC_FIVE}", {400}),
        ("/api/lessons?offset=1_0", {400}),
        ("/api/lessons?grade=" + "9" * 5000, {400}),
        (f"/channels/al-farabi?utc={SUPERSCRIPT_TWO}", {400}),
        (f"/live/al-farabi/360p.m3u8?utc={SUPERSCRIPT_TWO}", {400}),
    ],
)
async def test_numbers_are_ascii_digits_of_bounded_length(served, path, statuses):
    assert (await served.client.get(path)).status in statuses


@pytest.mark.parametrize("number", [ARABIC_ONE, "9" * 5000, f"1{SUPERSCRIPT_TWO}"])
async def test_a_slate_pass_number_is_ascii_digits(served, number):
    client = served.client
    master = m3u8.loads(await (await client.get("/slate/al-farabi/master.m3u8")).text())
    version = master.playlists[0].uri.split("/")[0]
    answer = await client.get(f"/slate/al-farabi/{version}/loop/{number}/360p/seg_00000.ts")
    assert answer.status == 404


def test_caption_hours_are_bounded():
    srt = ("1\n" + "9" * 400 + ":00:00,000 --> 00:00:02,000\nx\n").encode()
    with pytest.raises(CaptionError, match="line 2"):
        parse_captions(srt, "a.srt")
    with pytest.raises(CaptionError):
        parse_captions(f"1\n0{ARABIC_ONE}:00:00,000 --> 00:00:02,000\nx\n".encode(), "a.srt")


def test_only_valid_webvtt_cue_settings_are_kept():
    vtt = (
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000 align:start </style><script>x</script> "
        b"line:10% position:50%,center size:200% vertical:up \x01\nhi\n"
    )
    (cue,) = parse_captions(vtt, "a.vtt")
    assert cue.settings == "align:start line:10% position:50%,center"
    assert "<" not in webvtt([cue]).split("\n", 3)[3].split("\n")[0]


def test_too_many_cues_are_refused_early():
    cues = "".join(
        f"{i // 600:02d}:{i // 10 % 60:02d}.{i % 10 * 100:03d} --> 59:59.000\nx\n\n"
        for i in range(20_002)
    )
    with pytest.raises(CaptionError, match="cues"):
        parse_captions(("WEBVTT\n\n" + cues).encode(), "a.vtt")


def test_csv_cells_that_spreadsheets_run_are_escaped(sqlite_catalog, tmp_path):
    problem = {**PROBLEM, "pins": []}
    problem["lessons"] = [
        {**lesson, "title": '=HYPERLINK("http://x","y")'} if lesson["id"] == "a1" else lesson
        for lesson in PROBLEM["lessons"]
    ]
    (tmp_path / "p.json").write_text(__import__("json").dumps(problem), encoding="utf-8")
    with sqlite_catalog.session() as session:
        import_problem(session, tmp_path / "p.json")
        text = export_csv(session)
    assert "'=HYPERLINK" in text
    assert ",=" not in text
    batch = read_csv(text, "export.csv")
    assert not batch.errors
    assert any(r.title.startswith("=HYPERLINK") for _, r in batch.lessons)


def test_query_string_tokens_never_reach_the_access_log():
    from aiohttp.test_utils import make_mocked_request
    from aiohttp.web import Response

    stream = io.StringIO()
    logger = logging.getLogger("test-access")
    logger.addHandler(logging.StreamHandler(stream))
    logger.setLevel(logging.INFO)
    request = make_mocked_request(
        "GET",
        "/api/lessons?access_token=sabaq_s3cret&lang=kk&api_key=abc",
        headers={"Referer": "https://x.example/?token=t0ps3cret"},
    )
    RedactingAccessLogger(logger, '%a "%r" %s "%{Referer}i"').log(request, Response(), 0.1)
    line = stream.getvalue()
    assert "lang=kk" in line
    for secret in ("s3cret", "abc", "t0ps3cret"):
        assert secret not in line
