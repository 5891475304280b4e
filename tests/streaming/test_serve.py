"""`sabaq serve --workers 2`: several processes on one port answer alike and stop together."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request

import pytest

from .conftest import free_port, running_server, start_server

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    result = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(x) for x in result.stdout.split()]


def _alive(pid: int, command: bytes) -> bool:
    """Whether `pid` still runs `command` (its /proc cmdline), not as a zombie: a pid
    the kernel has since given to another program does not count."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return state != "Z" and cmdline.read() == command
    except (FileNotFoundError, ProcessLookupError):
        return False


def _command(pid: int) -> bytes:
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return cmdline.read()


def test_worker_processes_share_the_port_and_stop_with_the_parent(site):
    with running_server(site.data_dir, "--workers", "2") as (base, process):
        children = {pid: _command(pid) for pid in _children(process.pid)}
        assert len(children) >= 1
        for _ in range(40):
            with urllib.request.urlopen(f"{base}/live/al-farabi/360p.m3u8", timeout=5) as r:
                assert r.status == 200
                assert r.read().startswith(b"#EXTM3U")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        left = [pid for pid, command in children.items() if _alive(pid, command)]
        assert not left, [(pid, children[pid]) for pid in left]


def _gone(children: dict[int, bytes], within_s: float) -> list[int]:
    """The `children` still alive after waiting up to `within_s` for them to stop."""
    deadline = time.monotonic() + within_s
    while True:
        left = [pid for pid, command in children.items() if _alive(pid, command)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def test_a_server_stopped_while_it_starts_leaves_no_worker(site):
    """A worker may answer before the first process is up: a stop then (SIGTERM while
    the first process still loads) once orphaned the worker."""
    process = start_server(site.data_dir, free_port(), "--workers", "2")
    try:
        children: dict[int, bytes] = {}
        for _ in range(200):  # as soon as the worker is forked
            children = {pid: _command(pid) for pid in _children(process.pid)}
            if children:
                break
            time.sleep(0.01)
        assert children, "no worker was started"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert not _gone(children, 0.5)
    finally:
        process.kill()
        process.wait()


def test_a_killed_server_leaves_no_worker(site):
    """SIGKILL runs no clean-up in the server: Linux stops its workers (PDEATHSIG)."""
    with running_server(site.data_dir, "--workers", "2") as (_base, process):
        children = {pid: _command(pid) for pid in _children(process.pid)}
        assert children
        process.kill()
        process.wait(timeout=10)
        assert not _gone(children, 10), "a worker outlived its killed server"


def test_a_viewer_sees_no_step_back_across_a_server_restart(site, tmp_path):
    import shutil
    from datetime import UTC, datetime, timedelta

    import m3u8

    from catalog import open_catalog
    from catalog.schedules import publish, save_schedule

    data = tmp_path / "data"
    shutil.copytree(site.data_dir, data, symlinks=True)
    catalog = open_catalog(f"sqlite:///{data / 'sabaq.sqlite3'}")
    now = datetime.now(UTC).replace(microsecond=0)
    airings = [  # the two lessons, one after the other, around now
        {
            "lesson": lesson,
            "channel": "al-farabi",
            "start": (now + timedelta(seconds=offset)).isoformat(),
            "end": (now + timedelta(seconds=offset + 8)).isoformat(),
        }
        for lesson, offset in (("kk-05-math-001", -4), ("kk-05-math-002", 6))
    ]
    with catalog.session() as session:
        publish(session, save_schedule(session, {"airings": airings}, "Asia/Almaty"), now)
    catalog.dispose()
    seen: dict[int, str] = {}
    last = -1

    def follow(base: str, polls: int) -> None:
        nonlocal last
        for _ in range(polls):
            with urllib.request.urlopen(f"{base}/live/al-farabi/360p.m3u8", timeout=5) as r:
                playlist = m3u8.loads(r.read().decode())
            assert playlist.media_sequence >= last
            last = playlist.media_sequence
            for offset, segment in enumerate(playlist.segments):
                number = playlist.media_sequence + offset
                assert seen.setdefault(number, segment.uri) == segment.uri
            time.sleep(1)

    with running_server(data) as (base, _process):
        follow(base, 4)
    with running_server(data) as (base, _process):  # a new process, maybe another port
        follow(base, 4)
    assert len(seen) >= 4


def test_a_busy_port_is_said_before_any_work():
    import socket

    from errors import Unavailable
    from streaming.serve import check_port

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(Unavailable, match=f"port {port} on 127.0.0.1 is in use"):
            check_port("127.0.0.1", port)
    check_port("127.0.0.1", port)  # free again
