"""`sabaq serve --workers 2`: several processes on one port answer alike and stop together."""

from __future__ import annotations

import signal
import subprocess
import urllib.request

import pytest

from .conftest import running_server

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    result = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(x) for x in result.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_worker_processes_share_the_port_and_stop_with_the_parent(site):
    with running_server(site.data_dir, "--workers", "2") as (base, process):
        children = _children(process.pid)
        assert len(children) >= 1
        for _ in range(40):
            with urllib.request.urlopen(f"{base}/live/al-farabi/360p.m3u8", timeout=5) as r:
                assert r.status == 200
                assert r.read().startswith(b"#EXTM3U")
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        assert not any(_alive(pid) for pid in children)
