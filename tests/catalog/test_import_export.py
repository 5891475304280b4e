"""Import and export of the catalogue: CSV and problem JSON, on every backend."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from catalog.csv_io import export_csv, import_csv
from catalog.models import Channel, Lesson, Series
from catalog.problem_io import export_problem, import_problem
from errors import BadInput

KAZAKH = "Бөлшектер: ә ғ қ ң ө ұ ү һ і"
HEADER = (
    "lesson_id,series_id,grade,subject,language,series_title,episode,title,duration_s,"
    "signed,source\n"
)


def _csv(tmp_path, body: str, name: str = "lessons.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def _count(catalog, model) -> int:
    with catalog.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_csv_round_trip_keeps_kazakh_and_russian_titles(catalog, tmp_path):
    path = _csv(
        tmp_path,
        f'kk-05-math-001,kk-05-math,5,math,kk,Математика 5,1,"{KAZAKH}",1500,true,media/a.mp4\n'
        'kk-05-math-002,kk-05-math,5,math,kk,Математика 5,2,"<Теңдеу> & ""шешім""",1500,false,\n'
        "ru-05-math-001,ru-05-math,5,math,ru,Математика 5 (рус),1,Дроби,1800,yes,\n",
    )
    with catalog.session() as session:
        summary = import_csv(session, path)
    assert (summary.series, summary.lessons) == (2, 3)
    with catalog.session() as session:
        assert session.get_one(Lesson, "kk-05-math-001").title == KAZAKH
        assert session.get_one(Lesson, "kk-05-math-002").title == '<Теңдеу> & "шешім"'
        assert session.get_one(Lesson, "ru-05-math-001").signed is True
        exported = export_csv(session)
    again = tmp_path / "again.csv"  # the export's own header: it names the captions too
    again.write_text(exported, encoding="utf-8")
    with catalog.session() as session:
        import_csv(session, again)  # re-import is an update, not a duplicate
        assert export_csv(session) == exported
    assert _count(catalog, Lesson) == 3


def test_bad_csv_rows_are_reported_with_line_numbers_and_nothing_imported(catalog, tmp_path):
    path = _csv(
        tmp_path,
        "ok-1,s-1,5,math,kk,S,1,Good,1500,false,\n"
        "bad-1,s-1,5,math,kk,S,2,Bad,abc,false,\n"
        "bad-2,s-1,5,math,xx,S,3,Bad,1500,false,\n"
        "bad 3,s-1,5,math,kk,S,4,Bad,1500,false,\n",
    )
    with catalog.session() as session, pytest.raises(BadInput) as caught:
        import_csv(session, path)
    message = str(caught.value)
    assert "line 3: duration_s: 'abc' is not a whole number" in message
    assert "(and 2 more)" in message
    assert "nothing imported" in message
    assert any("line 4: language" in line for line in caught.value.details)
    assert any("line 5: id" in line for line in caught.value.details)
    assert _count(catalog, Lesson) == 0
    assert _count(catalog, Series) == 0


def test_csv_missing_columns_and_duplicates(catalog, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("lesson_id,title\nx,y\n", encoding="utf-8")
    with catalog.session() as session, pytest.raises(BadInput, match="line 1: header lacks"):
        import_csv(session, path)
    dup = _csv(tmp_path, "a,s,5,math,kk,S,1,A,10,false,\na,s,5,math,kk,S,2,A,10,false,\n")
    with catalog.session() as session, pytest.raises(BadInput, match="duplicate lesson id"):
        import_csv(session, dup)
    clash = _csv(
        tmp_path, "a,s,5,math,kk,S,1,A,10,false,\nb,s,5,math,kk,S,1,B,10,false,\n", "clash.csv"
    )
    with catalog.session() as session, pytest.raises(BadInput, match="episode 1 is already"):
        import_csv(session, clash)
    assert _count(catalog, Lesson) == 0


def test_csv_that_is_not_utf8_is_refused(catalog, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(HEADER.encode() + "a,s,5,math,kk,S,1,Caf\xe9,10,false,\n".encode("latin-1"))
    with catalog.session() as session, pytest.raises(BadInput, match="not UTF-8"):
        import_csv(session, path)


def test_problem_json_round_trip(catalog, tmp_path, problem_data):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_data, ensure_ascii=False), encoding="utf-8")
    with catalog.session() as session:
        summary = import_problem(session, path)
    assert (summary.channels, summary.series, summary.lessons) == (2, 3, 7)
    with catalog.session() as session:
        assert session.get_one(Channel, "al-farabi").name == "Әл-Фараби"
        exported = export_problem(session, {"timezone": "Asia/Almaty", "start_date": "2026-09-01"})
    lessons = {x["id"]: x for x in exported["lessons"]}
    assert lessons["a1"]["title"] == problem_data["lessons"][0]["title"]
    assert lessons["c1"]["signed"] is True
    assert [c["id"] for c in exported["channels"]] == ["al-farabi", "el-arna"]
    assert exported["series"][1]["max_per_day"] == 2


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: p["lessons"].append(dict(p["lessons"][0])), "duplicate lesson id 'a1'"),
        (lambda p: p["lessons"][0].update(series="nope"), "unknown series 'nope'"),
        (lambda p: p["lessons"][0].update(duration_s=-5), "lessons[0].duration_s: -5 must be"),
        (lambda p: p["channels"][0].update(window=["18:00", "09:00"]), "channels[0].window: ends"),
        (lambda p: p.update(series={}), "series: is not a list"),
        (lambda p: p["lessons"][0].update(title="a\ud800"), "lessons[0].title: holds control"),
        (lambda p: p["channels"][0].update(name="x" * 201), "channels[0].name: is 201 char"),
    ],
)
def test_bad_problem_json_imports_nothing(catalog, tmp_path, problem_data, change, expected):
    change(problem_data)
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_data), encoding="utf-8")
    with catalog.session() as session, pytest.raises(BadInput) as caught:
        import_problem(session, path)
    assert expected in str(caught.value)
    assert _count(catalog, Lesson) == 0
    assert _count(catalog, Channel) == 0


def test_malformed_json_names_line_and_column(catalog, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"channels": [\n  {"id": }\n]}', encoding="utf-8")
    with catalog.session() as session, pytest.raises(BadInput, match="line 2 column"):
        import_problem(session, path)


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("Теңдеу\x00", "title: holds control character U+0000 at character 7"),
        ("a\x0bb", "title: holds control character U+000B at character 2"),
        ("a\x0cb", "title: holds control character U+000C at character 2"),
        ("\x1b[31mred", "title: holds control character U+001B at character 1"),
        ("ә" * 301, "title: is 301 characters long; at most 300 are kept"),
    ],
    ids=["nul", "vertical-tab", "form-feed", "escape", "too-long"],
)
def test_text_the_database_or_a_guide_cannot_hold_is_refused_alike(
    catalog, tmp_path, title, reason
):
    """The same one-line answer on SQLite and PostgreSQL (which refuses NUL and long
    text itself, with a traceback), naming the line; nothing is imported."""
    path = tmp_path / "lessons.csv"
    path.write_bytes(
        (
            HEADER
            + "kk-05-math-001,kk-05-math,5,math,kk,Математика,1,Жай,1500,false,\n"
            + f'kk-05-math-002,kk-05-math,5,math,kk,Математика,2,"{title}",1500,false,\n'
        ).encode("utf-8")
    )
    with catalog.session() as session, pytest.raises(BadInput) as caught:
        import_csv(session, path)
    assert f"line 3: {reason}" in str(caught.value)
    assert _count(catalog, Lesson) == 0
    exactly = _csv(tmp_path, f"kk-05-math-003,kk-05-math,5,math,kk,М,3,{'ә' * 300},1500,no,\n")
    with catalog.session() as session:
        import_csv(session, exactly)  # 300 characters fit, on every backend
    assert _count(catalog, Lesson) == 1
