"""Bad problem documents give one-line errors naming the field."""

from __future__ import annotations

import re

import pytest

from scheduler import ProblemError, parse_problem


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: p.update(timezone="Mars/Olympus"), "timezone: unknown time zone"),
        (lambda p: p.pop("timezone"), "timezone: is missing"),
        (lambda p: p.update(start_date="2026-13-01"), "start_date: '2026-13-01' is not a date"),
        (lambda p: p.update(end_date="2026-08-01"), "end_date: 2026-08-01 is before"),
        (lambda p: p.update(end_date="2032-09-01"), "end_date: the horizon is longer than"),
        (lambda p: p["lessons"][1].update(id="a1"), "lessons[1].id: duplicate lesson id 'a1'"),
        (lambda p: p["lessons"][0].update(series="x"), "lessons[0].series: unknown series 'x'"),
        (lambda p: p["lessons"][0].update(duration_s=0), "lessons[0].duration_s: 0 must be"),
        (lambda p: p["lessons"][0].update(duration_s=-60), "lessons[0].duration_s: -60 must be"),
        (lambda p: p["lessons"][0].update(duration_s="25m"), "lessons[0].duration_s: '25m'"),
        (
            lambda p: p["channels"][0].update(window=["18:00", "09:00"]),
            "channels[0].window: ends at 09:00",
        ),
        (lambda p: p["channels"][0].update(window=["9am", "18:00"]), "channels[0].window[0]"),
        (lambda p: p["channels"][1].update(id="al-farabi"), "channels[1].id: duplicate channel"),
        (lambda p: p["series"][1].update(id="kk-01-math"), "series[1].id: duplicate series"),
        (
            lambda p: p["pins"][0].update(start="2026-09-05T10:00:00+05:00"),
            "pins[0].start: 2026-09-05T10:00:00+05:00 is not on a broadcast day",
        ),
        (lambda p: p["pins"][0].update(start="2027-09-01T10:00:00+05:00"), "pins[0].start"),
        (lambda p: p["pins"][0].update(start="2026-09-01T10:00:00"), "has no UTC offset"),
        (lambda p: p["pins"][0].update(channel="tv"), "pins[0].channel: unknown channel 'tv'"),
        (lambda p: p["pins"][0].update(lesson="zz"), "pins[0].lesson: unknown lesson 'zz'"),
        (lambda p: p.update(weekdays=[8]), "weekdays[0]: 8 must be from 1 to 7"),
        (lambda p: p.update(lessons="many"), "lessons: is not a list"),
        (lambda p: p["lessons"].__setitem__(0, 5), "lessons[0]: is not an object"),
    ],
)
def test_bad_input_names_the_field(problem_data, change, expected):
    change(problem_data)
    with pytest.raises(ProblemError) as caught:
        parse_problem(problem_data)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_calendar_skips_weekends_and_holidays(problem_data):
    problem = parse_problem(problem_data)
    assert problem.days[0].isoformat() == "2026-09-01"
    assert "2026-09-02" not in {d.isoformat() for d in problem.days}  # holiday
    assert all(d.isoweekday() <= 5 for d in problem.days)


def test_optional_keys_take_their_defaults(problem_data):
    for key in ("end_date", "holidays", "audiences", "pins"):
        problem_data.pop(key)
    for channel in problem_data["channels"]:
        channel.pop("grades", None)
    problem = parse_problem(problem_data)
    assert problem.series["kk-01-math"].max_per_day == 1
    assert 11 in problem.channels[0].grades
    assert problem.pins == ()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: p["channels"][0].update(languages=["xx"]), "channels[0].languages: 'xx'"),
        (lambda p: p["series"][0].update(id="bad id"), "series[0].id: 'bad id' is not an id"),
        (lambda p: p["lessons"][0].update(signed="maybe"), "lessons[0].signed: 'maybe'"),
    ],
)
def test_the_catalogue_and_the_scheduler_judge_a_document_alike(
    problem_data, change, expected, tmp_path
):
    """One parser: what the scheduler refuses, `catalog import` refuses with the same words."""
    import json

    from catalog import open_catalog
    from catalog.problem_io import import_problem
    from errors import BadInput

    change(problem_data)
    with pytest.raises(ProblemError, match=re.escape(expected)):
        parse_problem(problem_data)
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_data), encoding="utf-8")
    catalog = open_catalog(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    with pytest.raises(BadInput, match=re.escape(expected)), catalog.session() as session:
        import_problem(session, path)
