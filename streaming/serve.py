"""Running the server: one process, or several sharing the port (SO_REUSEPORT).

Every process loads its own snapshot and computes live playlists on its own;
playlists are a pure function of the schedule and the clock, so the kernel
may hand any request to any process.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.log import access_logger, server_logger

from errors import Unavailable
from service import Catalog
from service.processes import die_with_parent
from service.workspace import RetryFn, Workspace
from streaming.access_log import RedactingAccessLogger
from streaming.app import create_app
from streaming.catchup import DAYS
from streaming.origin import Network, Origin, networks, public_url
from streaming.sockets import PER_ADDRESS, Limiter

CATCHUP_DAYS = DAYS
"""Days back a channel can be replayed, unless `sabaq serve --catchup-days` says otherwise."""
__all__ = ["CATCHUP_DAYS", "PER_ADDRESS", "check_port", "run_server", "serve"]

Announce = Callable[[str], None]
# Connections waiting to be accepted: a crowd reconnecting at once (a channel starting,
# a replica restarting) would overflow aiohttp's default of 128 and wait a second for
# the SYN to be retried. The kernel caps it at net.core.somaxconn.
BACKLOG = 4096
KEEPALIVE_S = 15.0  # an idle kept-alive connection is closed after this (aiohttp: 75 s)
SHUTDOWN_S = 3.0  # how long a stopping server lets open requests finish (aiohttp: 60)
ACCEPT_BURST = 64


def _listener(host: str, port: int, reuse_port: bool) -> socket.socket:
    """A bound TCP socket for `host` (an address or a name) and `port`."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(address)
    except OSError:
        listener.close()
        raise
    return listener


async def _listen(
    app: web.Application,
    host: str,
    port: int,
    reuse_port: bool,
    say: Announce | None,
    access_log: bool,
    per_address: int,
    exempt: Sequence[Network],
) -> None:
    """Serve `app` until a signal: aiohttp's runner behind the connection `Limiter`."""
    runner = web.AppRunner(
        app,
        access_log=access_logger if access_log else None,
        access_log_class=RedactingAccessLogger,  # no token from a query string in the log
        keepalive_timeout=KEEPALIVE_S,
        handle_signals=True,
        shutdown_timeout=SHUTDOWN_S,
    )
    await runner.setup()
    assert runner.server is not None
    limiter = Limiter(runner.server, per_address=per_address, exempt=exempt, burst=ACCEPT_BURST)
    listener = _listener(host, port, reuse_port)
    # asyncio accepts up to `backlog` connections per wake-up before any is looked at:
    # a small burst, so that the Limiter closes what it refuses before descriptors run
    # out; then the kernel's queue is widened again for crowds reconnecting at once.
    server = await asyncio.get_running_loop().create_server(
        limiter, sock=listener, backlog=ACCEPT_BURST
    )
    listener.listen(BACKLOG)
    if say is not None:
        say(f"http://{host}:{port}")
    try:
        await asyncio.Event().wait()  # until a signal raises GracefulExit
    finally:
        server.close()
        await runner.cleanup()


class OneLineBadRequests(logging.Filter):
    """aiohttp logs a whole traceback for every malformed request it refuses (a bad
    header, a line too long): a flood of them must not flood the log. One line each."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            first = str(error.message).strip().splitlines()[0] if error.message else ""
            record.msg = f"{record.getMessage()}: {error.code} {type(error).__name__}: {first}"
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


class SeldomAcceptErrors(logging.Filter):
    """asyncio logs a traceback for every failed accept() when descriptors run out, up
    to a burst of them per wake-up: one line every ten seconds says as much."""

    def __init__(self, every_s: float = 10.0) -> None:
        super().__init__()
        self.every_s, self.last, self.dropped = every_s, -1e9, 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("socket.accept() out of system resource"):
            return True
        now = time.monotonic()
        if now - self.last < self.every_s:
            self.dropped += 1
            return False
        record.msg = f"out of file descriptors: connections refused ({self.dropped} more)"
        record.args, record.exc_info, record.exc_text = (), None, None
        self.last, self.dropped = now, 0
        return True


def run_server(
    open_catalog: Callable[[], Catalog],
    data_dir: Path,
    host: str,
    port: int,
    workers: int = 1,
    max_upload_bytes: int = 2 * 1024**3,
    announce: Announce | None = None,
    access_log: bool = True,
    origin: Origin | None = None,
    per_address: int = PER_ADDRESS,
    catchup_days: int = DAYS,
) -> None:
    """Serve until interrupted; with `workers` > 1, in that many processes on one port.
    A client address may hold `per_address` connections at once (0: no cap; trusted
    proxies are exempt), see streaming.sockets.

    `open_catalog` is called in each process (after the fork), so no database
    connection is shared between processes. The access log (stderr, aiohttp's
    format: no request headers, so never a token) can be turned off.
    """

    server_logger.addFilter(OneLineBadRequests())
    logging.getLogger("asyncio").addFilter(SeldomAcceptErrors())
    if access_log and not access_logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_logger.addHandler(handler)
        access_logger.setLevel(logging.INFO)

    def serve(reuse_port: bool, say: Announce | None) -> None:
        with contextlib.suppress(web.GracefulExit, KeyboardInterrupt):
            app = create_app(
                open_catalog(),
                data_dir,
                max_upload_bytes=max_upload_bytes,
                origin=origin,
                catchup_days=catchup_days,
            )
            exempt = origin.trusted if origin is not None else ()
            asyncio.run(_listen(app, host, port, reuse_port, say, access_log, per_address, exempt))

    def worker(parent: int) -> None:
        die_with_parent(signal.SIGTERM)  # even a killed server leaves no worker behind
        if os.getppid() != parent:  # it died before that call
            return
        serve(True, None)

    # A stop asked for while a process still starts up (before aiohttp takes the signal
    # over) stops it as cleanly as one asked for while it serves: with workers, the
    # server may answer from a worker before the first process is up.
    signal.signal(signal.SIGTERM, _stop)
    if workers <= 1:
        serve(False, announce)
        return
    fork = multiprocessing.get_context("fork")
    children = [
        fork.Process(target=worker, args=(os.getpid(),), name=f"sabaq-serve-{n}", daemon=True)
        for n in range(1, workers)
    ]
    for child in children:
        child.start()
    try:
        serve(True, announce)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # stopping already: see it through
        for child in children:
            child.terminate()
        for child in children:
            child.join(timeout=SHUTDOWN_S + 2)
            if child.is_alive():  # stuck: it must not outlive the server it belongs to
                child.kill()
                child.join(timeout=2)


def _stop(signum: int, frame: object) -> None:
    raise web.GracefulExit()


def serve(
    workspace: Workspace,
    host: str,
    port: int,
    *,
    workers: int = 1,
    max_upload_bytes: int = 2 * 1024**3,
    access_log: bool = True,
    db_wait_s: float = 0.0,
    on_retry: RetryFn | None = None,
    public: str | None = None,
    trusted_proxies: Sequence[str] = (),
    per_address: int = PER_ADDRESS,
    catchup_days: int = DAYS,
    announce: Announce | None = None,
) -> None:
    """`sabaq serve`: the workspace's catalogue opened and migrated once (a database
    that does not answer is tried for `db_wait_s`), then served until interrupted;
    links use `public` (a base URL) when given, else the request's host, believing
    X-Forwarded-* only from `trusted_proxies`. Unavailable when the port is taken."""
    origin = Origin(public_url(public) if public else None, networks(trusted_proxies))
    workspace.catalog(db_wait_s, on_retry)
    root = workspace.root
    try:
        run_server(
            lambda: Workspace(root).catalog(migrate=False),  # one per process, after the fork
            root,
            host,
            port,
            workers,
            max_upload_bytes,
            announce=announce,
            access_log=access_log,
            origin=origin,
            per_address=per_address,
            catchup_days=catchup_days,
        )
    except OSError as exc:
        raise Unavailable(f"cannot listen on {host}:{port} ({exc.strerror})") from None


def check_port(host: str, port: int) -> None:
    """Unavailable, before any work, when `host:port` cannot be listened on (another
    server has it), bound as the server binds it."""
    try:
        _listener(host, port, reuse_port=False).close()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise Unavailable(
                f"port {port} on {host} is in use by another program: stop it, or choose "
                "another port (--port, or `make demo PORT=8090`)"
            ) from None
        raise Unavailable(f"cannot listen on {host}:{port} ({exc.strerror})") from None
