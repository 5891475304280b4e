"""A killed transcode leaves nothing running and nothing behind for long."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from catalog.files import remove_stale, staging_path
from transcoder.samples import make_lesson

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(x) for x in found.stdout.split()]


def _is_encoder(pid: int) -> bool:
    """The ladder's encode (not the loudness measure, which ends by itself quickly)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"ffmpeg" in command[0] and b"-progress" in command


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    return "State:\tZ" in status  # a zombie no longer runs


def test_a_killed_transcode_takes_its_ffmpeg_with_it_and_its_work_is_cleared(tmp_path):
    lesson = make_lesson(tmp_path / "long.mp4", "Ұзақ сабақ", 120, size="854x480")
    out = tmp_path / "packages" / "l-1"
    script = (
        "import sys; from pathlib import Path; from transcoder import transcode, TranscodeOptions;"
        f"transcode(Path({str(lesson)!r}), Path({str(out)!r}), TranscodeOptions(preset='slow'))"
    )
    run = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    deadline = time.monotonic() + 30
    encoders: list[int] = []
    while time.monotonic() < deadline and not encoders:
        encoders = [
            p for p in _children(run.pid) if "ffmpeg" in Path(f"/proc/{p}/comm").read_text()
        ]
        time.sleep(0.1)
    assert encoders, "ffmpeg never started"
    work = list(out.parent.glob(".l-1.partial-*"))
    assert work, "no work in progress beside the package"
    os.kill(run.pid, signal.SIGKILL)  # as the OOM killer or `kill -9` would
    run.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not all(_gone(p) for p in encoders):
        time.sleep(0.1)
    assert all(_gone(p) for p in encoders), "ffmpeg outlived the transcode that ran it"
    assert not out.exists()  # nothing half-published
    assert remove_stale(out) == work  # the dead run's work goes; the next run does this itself
    assert not any(p.exists() for p in work)


def test_work_of_a_live_process_is_never_removed(tmp_path):
    target = tmp_path / "l-2"
    mine = staging_path(target)
    mine.mkdir()
    assert remove_stale(target) == []
    assert mine.is_dir()
    other_machine = target.with_name(f".l-2.partial-elsewhere-{os.getpid() + 1}")
    other_machine.mkdir()
    assert remove_stale(target) == []  # another machine's work is not ours to judge


def test_a_child_that_never_writes_dies_with_its_parent_too():
    """ffmpeg writing progress to a closed pipe dies of SIGPIPE anyway; one that is quiet
    (between progress lines, or reading a slow input) needs the parent-death signal."""
    script = (
        "import subprocess, sys, time; from transcoder.processes import die_with_parent;"
        "child = subprocess.Popen(['sleep', '60'], preexec_fn=die_with_parent);"
        "print(child.pid, flush=True); time.sleep(60)"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert not _gone(child)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not _gone(child):
        time.sleep(0.05)
    assert _gone(child)
