"""Running the server: one process, or several sharing the port (SO_REUSEPORT).

Every process loads its own snapshot and computes live playlists on its own;
playlists are a pure function of the schedule and the clock, so the kernel
may hand any request to any process.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from pathlib import Path

from aiohttp import web
from aiohttp.log import access_logger

from catalog import Catalog
from streaming.app import create_app
from streaming.origin import Origin

Announce = Callable[[str], None]
# Connections waiting to be accepted: a crowd reconnecting at once (a channel starting,
# a replica restarting) would overflow aiohttp's default of 128 and wait a second for
# the SYN to be retried. The kernel caps it at net.core.somaxconn.
BACKLOG = 4096


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
) -> None:
    """Serve until interrupted; with `workers` > 1, in that many processes on one port.

    `open_catalog` is called in each process (after the fork), so no database
    connection is shared between processes. The access log (stderr, aiohttp's
    format: no request headers, so never a token) can be turned off.
    """

    if access_log and not access_logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_logger.addHandler(handler)
        access_logger.setLevel(logging.INFO)

    def serve(reuse_port: bool, say: Announce | None) -> None:
        app = create_app(open_catalog(), data_dir, max_upload_bytes=max_upload_bytes, origin=origin)
        web.run_app(
            app,
            host=host,
            port=port,
            reuse_port=reuse_port or None,
            backlog=BACKLOG,
            print=say,
            access_log=access_logger if access_log else None,
        )

    if workers <= 1:
        serve(False, announce)
        return
    fork = multiprocessing.get_context("fork")
    children = [
        fork.Process(target=serve, args=(True, None), name=f"sabaq-serve-{n}", daemon=True)
        for n in range(1, workers)
    ]
    for child in children:
        child.start()
    try:
        serve(True, announce)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.join(timeout=5)
