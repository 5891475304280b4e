"""Shared state of the running server: the catalogue snapshot, the clock, metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from aiohttp import web
from sqlalchemy.orm import Session

from catalog import Catalog
from streaming.metrics import Metrics
from streaming.snapshot import AiringView, PackageCache, Snapshot, load_snapshot

Clock = Callable[[], datetime]
T = TypeVar("T")


def system_clock() -> datetime:
    """Now, aware UTC: the one clock read of the server, injected everywhere else."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class CachedPlaylist:
    """A live media playlist, good from `since` until `until` for this snapshot."""

    snapshot: Snapshot
    since: datetime
    until: datetime
    body: bytes


@dataclass
class State:
    """What handlers read; the snapshot is reloaded at most every `refresh_s` seconds."""

    catalog: Catalog
    data_dir: Path
    clock: Clock = system_clock
    refresh_s: float = 5.0
    max_upload_bytes: int = 2 * 1024**3
    metrics: Metrics = field(default_factory=Metrics)
    _snapshot: Snapshot | None = None
    _loaded_at: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _packages: PackageCache = field(default_factory=dict)
    # Live playlists by (channel, rung): recomputed only at segment boundaries.
    live_cache: dict[tuple[str, str], CachedPlaylist] = field(default_factory=dict)

    async def snapshot(self) -> Snapshot:
        """The current snapshot, reloaded from the catalogue when stale."""
        if self._snapshot is not None and time.monotonic() - self._loaded_at < self.refresh_s:
            return self._snapshot
        async with self._lock:
            if self._snapshot is None or time.monotonic() - self._loaded_at >= self.refresh_s:
                loop = asyncio.get_running_loop()
                self._snapshot = await loop.run_in_executor(
                    None, load_snapshot, self.catalog, self.data_dir, self._packages
                )
                self._loaded_at = time.monotonic()
        return self._snapshot

    def invalidate(self) -> None:
        """Reload the snapshot on the next request (after a producer changed the catalogue)."""
        self._loaded_at = 0.0

    async def transaction(self, action: Callable[[Session], T], changes: bool = True) -> T:
        """Run `action` in one catalogue transaction, off the event loop; when it
        `changes` the catalogue, the next request sees a fresh snapshot."""

        def run() -> T:
            with self.catalog.session() as session:
                return action(session)

        result = await asyncio.get_running_loop().run_in_executor(None, run)
        if changes:
            self.invalidate()
        return result


STATE = web.AppKey("state", State)


def now_and_next(
    airings: list[AiringView], instant: datetime
) -> tuple[AiringView | None, AiringView | None]:
    """The airing on at `instant` and the one after it, from airings in time order."""
    current = next((a for a in airings if a.start <= instant < a.end), None)
    upcoming = next((a for a in airings if a.start > instant), None)
    return current, upcoming
