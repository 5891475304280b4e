"""The `sabaq` command line: help, exit codes, one-line errors, nothing half-written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main


def write_problem(tmp_path: Path, data: object) -> Path:
    """The problem document as a file, the way a broadcaster hands it over."""
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.delenv("SABAQ_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, ["--data", str(tmp_path / "data"), *args])

    return invoke


def test_help_lists_the_groups(run):
    result = run("--help")
    assert result.exit_code == 0
    for group in ("catalog", "schedule", "transcode", "serve", "demo", "token", "slate"):
        assert group in result.output
    for args in (
        ["catalog", "--help"],
        ["schedule", "solve", "--help"],
        ["transcode", "--help"],
        ["serve", "--help"],
        ["demo", "--help"],
    ):
        assert run(*args).exit_code == 0


def solved(run, tmp_path: Path, data: object, seconds: int) -> tuple[Path, Path, str]:
    """`schedule solve` of the problem without a progress bar, which must succeed: the
    problem's file, the schedule's and what the command printed."""
    problem = write_problem(tmp_path, data)
    out = tmp_path / "schedule.json"
    result = run(
        "schedule",
        "solve",
        str(problem),
        "-o",
        str(out),
        "--time-limit",
        str(seconds),
        "--no-progress",
    )
    assert result.exit_code == 0, result.output
    return problem, out, result.output


def test_solve_writes_a_checked_schedule(run, tmp_path, problem_data):
    problem, out, _ = solved(run, tmp_path, problem_data, 10)
    schedule = json.loads(out.read_text(encoding="utf-8"))
    assert schedule["stats"]["violations"] == 0
    assert schedule["stats"]["status"] == "OPTIMAL"
    check = run("schedule", "check", str(problem), str(out))
    assert check.exit_code == 0
    assert '"violations": 0' in check.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "malformed JSON at line 1 column 2"),
        ('{"timezone": "Asia/Nowhere"}', "timezone: unknown time zone 'Asia/Nowhere'"),
        ("[1, 2]", "the top level is not a JSON object"),
    ],
)
def test_bad_problem_exits_2_and_writes_nothing(run, tmp_path, content, expected):
    problem = tmp_path / "problem.json"
    problem.write_text(content, encoding="utf-8")
    out = tmp_path / "schedule.json"
    result = run("schedule", "solve", str(problem), "-o", str(out))
    assert result.exit_code == 2
    assert expected in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_infeasible_problem_exits_1_naming_the_conflict(run, tmp_path, problem_data):
    problem_data["end_date"] = "2026-09-01"
    problem = write_problem(tmp_path, problem_data)
    out = tmp_path / "schedule.json"
    result = run("schedule", "solve", str(problem), "-o", str(out))
    assert result.exit_code == 1
    assert "infeasible" in result.output
    assert "audience kk grade 1" in result.output
    assert not out.exists()


def test_explain_names_the_pin_rule_lesson_and_window(run, tmp_path, problem_data):
    problem_data["audiences"][0]["window"] = ["08:00", "13:00"]
    problem_data["pins"] = [
        {"lesson": "a1", "channel": "al-farabi", "start": "2026-09-03T16:00:00+05:00"}
    ]
    problem = write_problem(tmp_path, problem_data)
    result = run("schedule", "explain", str(problem))
    assert result.exit_code == 1
    assert "pin, audience-window: lesson a1 (kk grade 1) pinned at 16:00" in result.output
    assert "outside its audience's window 08:00-13:00" in result.output
    as_data = run("schedule", "explain", str(problem), "--json")
    assert as_data.exit_code == 1
    reasons = json.loads(as_data.output)
    assert {"pin", "audience-window"} <= {rule for r in reasons for rule in r["rules"]}
    problem_data.pop("pins")
    assert run("schedule", "explain", str(write_problem(tmp_path, problem_data))).exit_code == 0


def _pin_after_its_episodes_problem() -> dict[str, object]:
    """Episode 3 pinned on the second broadcast day, one episode a day: episodes 1 and
    2 cannot both air before it. Every pre-check passes (one pin, inside both windows)."""
    return {
        "timezone": "Asia/Almaty",
        "start_date": "2026-09-07",
        "end_date": "2026-09-25",
        "break_s": 60,
        "channels": [{"id": "c", "name": "C", "window": ["09:00", "11:00"], "languages": ["kk"]}],
        "series": [{"id": "s", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [
            {"id": f"s{i}", "series": "s", "episode": i, "duration_s": 1800} for i in (1, 2, 3)
        ],
        "pins": [{"lesson": "s3", "channel": "c", "start": "2026-09-08T09:00:00+05:00"}],
    }


def test_explain_and_solve_name_a_conflict_the_pre_checks_miss(run, tmp_path):
    problem = write_problem(tmp_path, _pin_after_its_episodes_problem())
    result = run("schedule", "explain", str(problem))
    assert result.exit_code == 1
    assert "pin, order, per-day: these rules cannot all hold" in result.output
    assert "lesson s3 is pinned on channel c at 09:00-09:30 on 2026-09-08" in result.output
    assert "series s airs at most 1 episode a day" in result.output
    as_data = json.loads(run("schedule", "explain", str(problem), "--json").output)
    assert as_data[0]["rules"] == ["pin", "order", "per-day"]
    out = tmp_path / "schedule.json"
    solved = run("schedule", "solve", str(problem), "-o", str(out), "--time-limit", "5")
    assert solved.exit_code == 1
    assert "pin, order, per-day: these rules cannot all hold" in solved.output
    assert not out.exists()


def test_explain_says_when_a_schedule_exists(run, tmp_path):
    data = _pin_after_its_episodes_problem()
    data["pins"][0]["start"] = "2026-09-09T09:00:00+05:00"
    result = run("schedule", "explain", str(write_problem(tmp_path, data)))
    assert result.exit_code == 0
    assert "a schedule exists for the whole problem" in result.output


def test_generate_a_network_of_another_shape(run, tmp_path):
    out = tmp_path / "regional.json"
    result = run(
        "schedule", "generate", "--lessons", "300", "--shape", "staggered-4-shared", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["lessons"]) == 300
    assert all(c["languages"] == ["kk", "ru"] for c in data["channels"])
    bad = run("schedule", "generate", "--lessons", "3", "--shape", "nowhere", "-o", str(out))
    assert bad.exit_code == 2
    assert "nowhere" in bad.output


def test_malformed_schedule_is_refused_by_check(run, tmp_path, problem_data):
    problem = write_problem(tmp_path, problem_data)
    schedule = tmp_path / "schedule.json"
    schedule.write_text('{"airings": [{"lesson": "a1"}]}', encoding="utf-8")
    result = run("schedule", "check", str(problem), str(schedule))
    assert result.exit_code == 2
    assert "airings[0].channel: is missing" in result.output


def test_catalog_import_bad_csv_names_lines_and_imports_nothing(run, tmp_path):
    csv = tmp_path / "lessons.csv"
    csv.write_text(
        "lesson_id,series_id,grade,subject,language,series_title,episode,title,duration_s\n"
        "a,s,5,math,kk,S,1,Әліппе,1500\n"
        "b,s,5,math,kk,S,two,Bad,1500\n"
        "c,s,5,math,kk,S,3,Bad\x1b[2J,1500\n",
        encoding="utf-8",
    )
    result = run("catalog", "import", str(csv))
    assert result.exit_code == 2
    assert "line 3: episode: 'two' is not a whole number" in result.output
    assert "line 4: title: holds control character U+001B at character 4" in result.output
    assert "\x1b" not in result.output  # an error never replays the terminal escape
    listed = run("catalog", "export", "--format", "csv")
    assert listed.exit_code == 0
    assert "Әліппе" not in listed.output


def test_catalog_import_then_export_problem(run, tmp_path, problem_data):
    problem = write_problem(tmp_path, problem_data)
    assert run("catalog", "import", str(problem)).exit_code == 0
    out = tmp_path / "exported.json"
    result = run("catalog", "export", "-o", str(out), "--start-date", "2026-09-01")
    assert result.exit_code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert len(exported["lessons"]) == 7
    assert exported["start_date"] == "2026-09-01"


def test_transcode_of_missing_file_is_one_line(run, tmp_path):
    result = run("transcode", str(tmp_path / "nope.mp4"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2  # bad input
    assert "nope.mp4: no such file" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--ladder", "1080,999"], "'--ladder': 999 is not a supported height"),
        (["--segment", "5"], "not a positive multiple of the 2 s GOP"),
    ],
)
def test_transcode_bad_options(run, tmp_path, args, expected):
    result = run("transcode", "x.mp4", "-o", str(tmp_path / "o"), *args)
    assert result.exit_code == 2
    assert expected in result.output


def test_data_option_after_the_command(tmp_path, problem_data, monkeypatch):
    monkeypatch.delenv("SABAQ_DATABASE_URL", raising=False)
    problem = write_problem(tmp_path, problem_data)
    data = tmp_path / "elsewhere"
    result = CliRunner().invoke(main, ["catalog", "import", "--data", str(data), str(problem)])
    assert result.exit_code == 0, result.output
    assert (data / "sabaq.sqlite3").exists()


def test_demo_timezone_must_exist(run):
    result = run("demo", "--no-serve", "--timezone", "Mars/Base")
    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Base'" in result.output


@pytest.mark.slow
def test_demo_builds_everything_and_a_rerun_reuses_packages(run, tmp_path):
    result = run("demo", "--no-serve", "--lessons", "2", "--duration", "10")
    assert result.exit_code == 0, result.output
    data = tmp_path / "data"
    assert (data / "packages" / "kk-01-math-001" / "master.m3u8").exists()
    assert (data / "slates" / "al-farabi" / "master.m3u8").exists()
    assert "published" in result.output
    again = run("transcode", "--all", "--preset", "ultrafast")  # as the demo made them
    assert again.exit_code == 0
    assert "0 packaged, 2 already current, 0 failed" in again.output
    # Without a terminal, one line per finished step instead of bars.
    assert "kk-01-math-001: package current, kept" in again.output
    assert "%" not in again.output
    package = data / "packages" / "kk-01-math-001"
    before = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
    forced = run("transcode", "--all", "--force", "--ladder", "360,234", "--preset", "ultrafast")
    assert forced.exit_code == 0, forced.output
    assert "2 packaged, 0 already current, 0 failed" in forced.output
    assert re.search(r"packaged kk-01-math-001 in [0-9.]+ s, [0-9.]+x realtime", forced.output)
    after = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
    assert after != before  # other bytes: other segment URLs
    master = (package / "master.m3u8").read_text(encoding="utf-8")
    assert f"{after}/360p/index.m3u8" in master
    assert before not in master
    assert (package / before / "234p" / "seg_00000.ts").is_file()  # still readable
    assert run("transcode", "--force").exit_code == 2


def test_generate_solve_export_round(run, tmp_path):
    problem, schedule = tmp_path / "p.json", tmp_path / "s.json"
    assert (
        run("schedule", "generate", "--lessons", "30", "--seed", "2", "-o", str(problem)).exit_code
        == 0
    )
    assert (
        run(
            "schedule",
            "solve",
            str(problem),
            "-o",
            str(schedule),
            "--time-limit",
            "5",
            "--no-progress",
        ).exit_code
        == 0
    )
    ics = tmp_path / "calendars"
    result = run(
        "schedule",
        "export",
        str(schedule),
        "--problem",
        str(problem),
        "--format",
        "ics",
        "-o",
        str(ics),
    )
    assert result.exit_code == 0, result.output
    assert any(p.suffix == ".ics" for p in ics.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_export_of_a_schedule_naming_unknown_lessons(run, tmp_path, problem_data):
    problem = write_problem(tmp_path, problem_data)
    schedule = tmp_path / "s.json"
    schedule.write_text(
        json.dumps(
            {
                "airings": [
                    {
                        "lesson": "ghost",
                        "channel": "al-farabi",
                        "start": "2026-09-01T09:00:00+05:00",
                        "end": "2026-09-01T09:25:00+05:00",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "epg.xml"
    result = run(
        "schedule",
        "export",
        str(schedule),
        "--problem",
        str(problem),
        "--format",
        "xmltv",
        "-o",
        str(out),
    )
    assert result.exit_code == 2
    assert "lesson 'ghost' is not in the problem" in result.output
    assert not out.exists()


def test_token_create_prints_it_once_and_lists_only_names(run):
    made = run("token", "create", "studio-1")
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert secret.startswith("sabaq_")
    listed = run("token", "list")
    assert "studio-1" in listed.output
    assert secret not in listed.output
    again = run("token", "create", "studio-1")
    assert again.exit_code == 2
    assert "taken" in again.output
    assert run("token", "revoke", "studio-1").exit_code == 0
    assert run("token", "revoke", "ghost").exit_code == 2


def test_queued_with_nothing_queued(run, tmp_path, problem_data):
    assert run("catalog", "import", str(write_problem(tmp_path, problem_data))).exit_code == 0
    result = run("transcode", "--queued")
    assert result.exit_code == 0
    assert "no queued jobs" in result.output


@pytest.mark.slow
def test_queued_jobs_run_with_their_own_options(run, tmp_path):
    from catalog import open_catalog
    from catalog.jobs import queue_job
    from catalog.models import JobState, Lesson, TranscodeJob
    from transcoder.samples import make_lesson

    problem = {
        "timezone": "Asia/Almaty",
        "start_date": "2026-09-01",
        "channels": [{"id": "c", "name": "C", "window": ["09:00", "18:00"], "languages": ["kk"]}],
        "series": [{"id": "s", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [{"id": f"s-{i}", "series": "s", "episode": i, "duration_s": 4} for i in (1, 2)],
    }
    assert run("catalog", "import", str(write_problem(tmp_path, problem))).exit_code == 0
    data = tmp_path / "data"
    catalog = open_catalog(f"sqlite:///{data / 'sabaq.sqlite3'}")
    with catalog.session() as session:
        for lesson_id in ("s-1", "s-2"):
            make_lesson(data / "media" / f"{lesson_id}.mp4", "Сабақ", 4, size="320x180")
            session.get_one(Lesson, lesson_id).source = f"media/{lesson_id}.mp4"
        queue_job(session, "s-1", {"ladder": [234], "preset": "ultrafast", "segment_s": 2})
    result = run("transcode", "--queued")
    assert result.exit_code == 0, result.output
    assert "1 packaged" in result.output
    assert (data / "packages" / "s-1" / "234p" / "index.m3u8").exists()
    assert not (data / "packages" / "s-2").exists()
    with catalog.session() as session:
        job = session.query(TranscodeJob).one()
        assert (job.state, job.attempts) == (JobState.done, 1)
    catalog.dispose()


def test_publish_with_unknown_timezone(run, tmp_path, problem_data):
    assert run("catalog", "import", str(write_problem(tmp_path, problem_data))).exit_code == 0
    schedule = tmp_path / "schedule.json"
    schedule.write_text(json.dumps({"airings": []}), encoding="utf-8")
    result = run("schedule", "publish", str(schedule), "--timezone", "Mars/Base")
    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Base'" in result.output


def test_slate_render_needs_channels_and_a_known_ladder(run):
    result = run("slate", "render")
    assert result.exit_code == 1
    assert "no channels" in result.output
    bad = run("slate", "render", "--ladder", "999")
    assert bad.exit_code == 2
    assert "999 is not a supported height" in bad.output


def test_serve_waits_for_the_database_then_says_why(tmp_path, monkeypatch):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("SABAQ_DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:{port}/x")
    result = CliRunner().invoke(main, ["--data", str(tmp_path), "serve", "--db-wait", "1"])
    assert result.exit_code == 1
    assert "trying again in 0.5 s" in result.output
    assert result.output.strip().splitlines()[-1].startswith("error: database")
    assert "is unavailable" in result.output


def test_queue_all_queues_lessons_with_media_only(run, tmp_path, problem_data):
    assert run("transcode", "--queue").exit_code == 2
    data = dict(problem_data)
    data["lessons"] = [dict(x) for x in problem_data["lessons"]]
    data["lessons"][0]["source"] = "media/a.mp4"
    assert run("catalog", "import", str(write_problem(tmp_path, data))).exit_code == 0
    result = run("transcode", "--all", "--queue", "--ladder", "234")
    assert result.exit_code == 0, result.output
    assert "1 jobs queued" in result.output
    assert "without media left out" in result.output
    from catalog import open_catalog
    from catalog.models import JobState, TranscodeJob

    catalog = open_catalog(f"sqlite:///{tmp_path / 'data' / 'sabaq.sqlite3'}")
    with catalog.session() as session:
        job = session.query(TranscodeJob).one()
        assert job.state == JobState.queued
        assert job.options["ladder"] == [234]
    catalog.dispose()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--public-url", "ftp://tv.example.kz"], "public URL: 'ftp://tv.example.kz'"),
        (["--trusted-proxy", "10.0.0.999"], "trusted proxy: '10.0.0.999'"),
    ],
)
def test_serve_refuses_a_bad_origin_before_listening(run, args, expected):
    result = run("serve", *args)
    assert result.exit_code == 2
    assert expected in result.output
    assert len(result.output.strip().splitlines()) == 1


GOOD_SRT = "1\n00:00:01,000 --> 00:00:02,500\nСәлеметсіздер ме!\n"
BAD_SRT = "1\n00:00:01,000 --> 00:00:02,500\nok\n\n2\n00:00:03,000 -> 00:00:04,000\nx\n"


def test_catalog_import_reads_the_captions_column_and_names_a_bad_files_line(run, tmp_path):
    data = tmp_path / "data"
    (data / "subs").mkdir(parents=True)
    (data / "subs" / "a.kk.srt").write_text(GOOD_SRT, encoding="utf-8")
    (data / "subs" / "b.ru.srt").write_text(BAD_SRT, encoding="utf-8")
    header = (
        "lesson_id,series_id,grade,subject,language,series_title,episode,title,duration_s,"
        "captions\n"
    )
    csv = tmp_path / "lessons.csv"
    csv.write_text(
        header + "a,s,5,math,kk,S,1,Әліппе,1500,kk=subs/a.kk.srt\n"
        "b,s,5,math,kk,S,2,Екі,1500,ru=subs/b.ru.srt kk=subs/a.kk.srt\n",
        encoding="utf-8",
    )
    result = run("catalog", "import", str(csv))
    assert result.exit_code == 2
    assert "line 3: captions: ru: subs/b.ru.srt line 6: expected a cue timing" in result.output
    assert "Әліппе" not in run("catalog", "export", "--format", "csv").output
    csv.write_text(header + "a,s,5,math,kk,S,1,Әліппе,1500,kk=subs/a.kk.srt\n", encoding="utf-8")
    assert run("catalog", "import", str(csv)).exit_code == 0
    exported = run("catalog", "export", "--format", "csv").output
    assert exported.splitlines()[0].endswith(",captions")
    assert exported.splitlines()[1].endswith(",kk=subs/a.kk.srt")
    unknown = csv.with_name("fr.csv")
    unknown.write_text(header + "a,s,5,math,kk,S,1,Әліппе,1500,fr=subs/a.kk.srt\n")
    refused = run("catalog", "import", str(unknown))
    assert refused.exit_code == 2
    assert "line 2: captions: 'fr' is not one of kk, ru, en" in refused.output


@pytest.mark.slow
def test_captions_from_the_cli_reach_the_package(run, tmp_path):
    from transcoder.samples import make_lesson

    lesson = make_lesson(tmp_path / "l.mp4", "Сабақ", 4, size="320x180")
    good, bad = tmp_path / "kk.srt", tmp_path / "bad.srt"
    good.write_text(GOOD_SRT, encoding="utf-8")
    bad.write_text(BAD_SRT, encoding="utf-8")
    out = tmp_path / "pkg"
    options = ("--ladder", "234", "--preset", "ultrafast")
    refused = run("transcode", str(lesson), "-o", str(out), "--captions", f"kk={bad}", *options)
    assert refused.exit_code == 2
    assert f"{bad} line 6: expected a cue timing" in refused.output
    assert not out.exists()
    made = run("transcode", str(lesson), "-o", str(out), "--captions", f"kk={good}", *options)
    assert made.exit_code == 0, made.output
    assert 'TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="kk"' in (out / "master.m3u8").read_text()
    wrong = run("transcode", str(lesson), "-o", str(out), "--captions", "kk", *options)
    assert wrong.exit_code == 2
    assert "'kk' is not LANGUAGE=FILE" in wrong.output
    # A catalogue lesson: captions set after packaging reach its package at once.
    problem = {
        "timezone": "Asia/Almaty",
        "start_date": "2026-09-01",
        "channels": [{"id": "c", "name": "C", "window": ["09:00", "18:00"], "languages": ["kk"]}],
        "series": [{"id": "s", "grade": 5, "subject": "math", "language": "kk"}],
        "lessons": [
            {"id": "s-1", "series": "s", "episode": 1, "duration_s": 4, "source": str(lesson)}
        ],
    }
    assert run("catalog", "import", str(write_problem(tmp_path, problem))).exit_code == 0
    assert run("transcode", "--all", *options).exit_code == 0
    package = tmp_path / "data" / "packages" / "s-1"
    assert "SUBTITLES" not in (package / "master.m3u8").read_text()
    assert run("catalog", "captions", "s-1", "ru", str(bad)).exit_code == 2
    result = run("catalog", "captions", "s-1", "ru", str(good))
    assert result.exit_code == 0, result.output
    assert "1 ru captions for s-1 → package version" in result.output
    assert 'LANGUAGE="ru"' in (package / "master.m3u8").read_text()
    again = run("transcode", "--all", *options)  # current: neither encoded nor re-captioned
    assert "0 packaged, 1 already current" in again.output
    assert 'LANGUAGE="ru"' in (package / "master.m3u8").read_text()


def test_draft_captions_without_the_speech_extra_or_a_model_says_what_is_missing(run, tmp_path):
    result = run("catalog", "draft-captions", str(tmp_path / "l.mp4"), "--model", str(tmp_path))
    assert result.exit_code == 2
    assert "speech extra" in result.output or "not a Vosk model directory" in result.output


def test_solve_warns_of_a_stage_the_checker_turned_down(run, tmp_path, buggy_variant):
    _, out, printed = solved(run, tmp_path, buggy_variant, 8)
    schedule = json.loads(out.read_text(encoding="utf-8"))
    assert "warning: checker turned down buggy: channel-overlap: " in printed
    assert schedule["stats"]["violations"] == 0
    assert schedule["stats"]["rejected"]
