"""Slow clients and a low descriptor limit: the server refuses what it cannot hold, at
once and quietly, instead of spinning and logging every failure."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.streaming.conftest import answers, free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _slow_client(source: str, port: int) -> socket.socket:
    """A client that opens a request and never finishes its headers."""
    sock = socket.socket()
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    return sock


def _refused(sock: socket.socket) -> bool:
    sock.settimeout(0.5)
    try:
        return sock.recv(32).startswith(b"HTTP/1.1 503")
    except OSError:
        return False


@pytest.fixture
def limited_server(site, tmp_path):
    port = free_port()
    log = (tmp_path / "server.log").open("wb")

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    env = {k: v for k, v in os.environ.items() if k != "SABAQ_DATABASE_URL"}
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "cli", "--data", str(site.data_dir), "serve"),
            *("--port", str(port), "--max-connections-per-address", "50"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=low_limit,
    )
    if not answers(f"http://127.0.0.1:{port}/healthz"):
        process.kill()
        pytest.fail((tmp_path / "server.log").read_text())
    yield port, process, tmp_path / "server.log"
    process.terminate()
    process.wait(timeout=10)
    log.close()


def test_one_address_cannot_hold_every_connection(limited_server):
    port, process, _log = limited_server
    before = _cpu_s(process.pid)
    held = [_slow_client("127.0.0.1", port) for _ in range(80)]
    time.sleep(0.5)
    refused = sum(_refused(sock) for sock in held[50:])
    assert refused == 30  # beyond 50, each is told 503 and closed
    other = _slow_client("127.0.0.2", port)  # another school is still served
    other.sendall(b"\r\n")
    other.settimeout(2)
    assert other.recv(32).startswith(b"HTTP/1.1 200")
    for sock in [*held, other]:
        sock.close()
    assert _cpu_s(process.pid) - before < 1.0


def test_out_of_descriptors_the_server_refuses_instead_of_spinning(limited_server):
    """256 descriptors, 300 slow clients from six addresses: those beyond what the
    limit holds get 503 at once; the process neither spins nor floods its log, and
    serves again as soon as they go."""
    port, process, log = limited_server
    before, logged = _cpu_s(process.pid), log.stat().st_size
    held = [_slow_client(f"127.0.0.{2 + n % 6}", port) for n in range(300)]
    time.sleep(3)
    refused = sum(_refused(sock) for sock in held)
    assert refused >= 300 - 256
    assert _cpu_s(process.pid) - before < 1.5  # three seconds under siege, mostly idle
    assert log.stat().st_size - logged < 20_000
    for sock in held:
        sock.close()
    time.sleep(0.5)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        assert response.status == 200


def test_malformed_requests_are_400_and_one_log_line_each(limited_server):
    port, _process, log = limited_server
    logged = log.stat().st_size
    for raw in (
        b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"a" * 20_000 + b"\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # TLS spoken to plain HTTP
    ):
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(raw)
            sock.settimeout(2)
            assert sock.recv(32).startswith(b"HTTP/1.0 400")
    time.sleep(0.3)
    text = log.read_text(encoding="utf-8")[logged:]
    assert "Traceback" not in text
    assert text.count("Error handling request") <= 3
