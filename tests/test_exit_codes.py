"""Exit codes as the README promises them, over every command: bad input 2, other
failures 1; one line naming what is wrong; no progress bar before an input error."""

from __future__ import annotations

import json
import socket

import click
import pytest
from click.testing import CliRunner

from cli import main

MALFORMED = "malformed.json"  # a file every command that reads JSON is handed
NOT_MEDIA = "README.md"  # a file that is no video


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


BAD_INPUT: dict[tuple[str, ...], list[str]] = {
    ("catalog", "import"): ["missing.csv"],
    ("catalog", "captions"): ["kk-05-math-001", "kk", "missing.srt"],
    ("catalog", "draft-captions"): ["missing.mp4", "--model", "no-model"],
    ("catalog", "export"): ["--format", "yaml"],
    ("catalog", "list"): ["--data", "{file}"],  # a data directory that is a file
    ("schedule", "solve"): [MALFORMED, "-o", "out.json"],
    ("schedule", "generate"): ["--lessons", "0", "-o", "out.json"],
    ("schedule", "export"): [MALFORMED, "--format", "xmltv", "-o", "out.xml"],
    ("schedule", "check"): [MALFORMED, MALFORMED],
    ("schedule", "explain"): [MALFORMED],
    ("schedule", "publish"): [MALFORMED],
    ("transcode",): [NOT_MEDIA, "-o", "out", "--progress"],
    ("slate", "render"): ["--ladder", "999"],
    ("jobs",): ["--every", "0"],
    ("worker",): [],  # no broker configured
    ("token", "create"): ["not a name!"],
    ("token", "list"): ["--data", "{file}"],
    ("token", "revoke"): ["nobody"],
    ("serve",): ["--public-url", "ftp://tv.example.kz"],
    ("demo",): ["--timezone", "Mars/Olympus_Mons"],
}
"""For every command, a call with one thing wrong in what the user gave it."""


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("SABAQ_DATABASE_URL", "SABAQ_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / MALFORMED).write_text('{"channels": [', encoding="utf-8")
    (tmp_path / NOT_MEDIA).write_text("# not a video\n", encoding="utf-8")
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    return tmp_path


def test_every_command_has_a_bad_input_case():
    assert set(_commands(main)) == set(BAD_INPUT)


@pytest.mark.parametrize("command", sorted(BAD_INPUT), ids=" ".join)
def test_bad_input_exits_2_with_one_line_and_no_bar(workdir, command):
    args = [a.replace("{file}", str(workdir / "a-file")) for a in BAD_INPUT[command]]
    result = CliRunner().invoke(main, ["--data", str(workdir / "data"), *command, *args])
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    assert "Traceback" not in result.output
    assert "%" not in result.output  # no progress bar before the error
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines, "the error is named"
    assert any(line.startswith(("error:", "Error:")) for line in lines)


def test_other_failures_exit_1(workdir, problem_data):
    runner = CliRunner()
    data = ["--data", str(workdir / "data")]
    with socket.socket() as taken:  # a port another server holds
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        busy = runner.invoke(main, [*data, "serve", "--port", port, "--db-wait", "0"])
        demo = runner.invoke(main, [*data, "demo", "--port", port])
    assert busy.exit_code == 1, busy.output
    assert "cannot listen on 127.0.0.1" in busy.output
    assert demo.exit_code == 1, demo.output
    assert "in use by another program" in demo.output
    assert not (workdir / "data" / "media").exists()  # said before any work
    # Infeasible: every lesson is longer than the channel's window.
    problem_data["channels"][0]["window"] = ["09:00", "09:05"]
    (workdir / "tight.json").write_text(json.dumps(problem_data), encoding="utf-8")
    tight = runner.invoke(main, ["schedule", "solve", "tight.json", "-o", "s.json"])
    assert tight.exit_code == 1, tight.output
    assert "infeasible:" in tight.output
    assert not (workdir / "s.json").exists()
