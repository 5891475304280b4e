"""Shared state of the running server: the catalogue snapshot, the clock, metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from service import Catalog, Workspace
from streaming.assets import Asset, asset_urls
from streaming.auth import Failures, Tokens
from streaming.blocks import Timeline
from streaming.catchup import DAYS
from streaming.database import Database
from streaming.delivery import compressed
from streaming.loops import Loops
from streaming.metrics import Metrics
from streaming.origin import Origin
from streaming.recent import Recent, cache_bytes
from streaming.snapshot import AiringView, PackageCache, Snapshot, load_snapshot

Clock = Callable[[], datetime]
T = TypeVar("T")
SNAPSHOT_DEADLINE_S = 30.0  # reading a national catalogue and its packages takes seconds


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

    @cached_property
    def forms(self) -> dict[str, bytes]:
        """The body compressed, once per playlist rather than once per request."""
        return compressed(self.body)


PlaylistCache = Recent[tuple[object, ...], CachedPlaylist]
"""Live and catch-up playlists by key: catch-up requests can name any start, so the
cache keeps only the most recently used, within a byte budget (SABAQ_CACHE_MB)."""
PLAYLISTS_KEPT = 4096


def _playlist_bytes(playlist: CachedPlaylist) -> int:
    # The body, and its compressed forms once made (at most about the body again).
    return 2 * len(playlist.body)


def playlist_cache(max_bytes: int | None = None) -> PlaylistCache:
    """A playlist cache of at most `max_bytes` (the SABAQ_CACHE_MB budget by default)."""
    budget = cache_bytes() if max_bytes is None else max_bytes
    return PlaylistCache(PLAYLISTS_KEPT, budget, _playlist_bytes)


@dataclass
class State:
    """What handlers read; the snapshot is reloaded at most every `refresh_s` seconds."""

    catalog: Catalog
    data_dir: Path
    clock: Clock = system_clock
    refresh_s: float = 5.0
    max_upload_bytes: int = 2 * 1024**3
    metrics: Metrics = field(default_factory=Metrics)
    assets: dict[str, Asset] = field(default_factory=dict)  # static files, in memory
    origin: Origin = field(default_factory=Origin)  # the base of absolute links
    _snapshot: Snapshot | None = None
    _loaded_at: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _reloading: asyncio.Task[None] | None = None
    reload_error: str | None = None  # why the last background reload failed, if it did
    _packages: PackageCache = field(default_factory=dict)
    # Live playlists by (channel, rung or "captions/LANG", replay or None): recomputed
    # only at segment boundaries; a channel's master is kept under (channel, "",
    # replay) for as long as the snapshot.
    live_cache: PlaylistCache = field(default_factory=playlist_cache)
    catchup_days: int = DAYS  # how far back a channel can be replayed
    loops: Loops = field(default_factory=Loops)  # later passes of slate loops
    # Each channel's indexed timeline, with the snapshot it was built from.
    timelines: dict[str, tuple[Snapshot, Timeline]] = field(default_factory=dict)
    database: Database = field(default_factory=Database)  # the only way to the catalogue
    tokens: Tokens = field(default_factory=Tokens)  # producers' tokens, from memory
    failures: Failures = field(default_factory=Failures)  # failed authentications by address

    def timeline(self, snapshot: Snapshot, channel_id: str) -> Timeline | None:
        """The channel's timeline in `snapshot`, indexed once per snapshot and channel,
        and kept across reloads that change nothing of the channel (None: no such
        channel, or it has no slate)."""
        kept = self.timelines.get(channel_id)
        if kept is not None and kept[0] is snapshot:
            return kept[1]
        slate = snapshot.slates.get(channel_id)
        if slate is None:
            return None
        airings = snapshot.airings_of(channel_id)
        nexts = snapshot.next_slates.get(channel_id)
        if kept is not None and kept[1].serves(airings, snapshot.packages, slate, nexts):
            made = kept[1]  # a reload that changed nothing of this channel (every few s)
        else:
            made = Timeline(airings, snapshot.packages, slate, nexts)
        self.timelines[channel_id] = (snapshot, made)
        return made

    @cached_property
    def asset_urls(self) -> dict[str, str]:
        """Static file name -> its hashed URL, for the pages."""
        return asset_urls(self.assets)

    async def snapshot(self) -> Snapshot:
        """The current snapshot. A stale one is still served while a single background
        task reloads it, so requests never queue behind the catalogue."""
        if self._snapshot is None:
            async with self._lock:
                if self._snapshot is None:
                    await self._reload()
            assert self._snapshot is not None
            return self._snapshot
        stale = time.monotonic() - self._loaded_at >= self.refresh_s
        if stale and (self._reloading is None or self._reloading.done()):
            if self.refresh_s <= 0:  # tests: always fresh, read in line
                await self._reload()
            else:
                self._reloading = asyncio.get_running_loop().create_task(self._refresh())
        return self._snapshot

    async def _reload(self) -> None:
        started = time.monotonic()
        self._snapshot = await self.database.run(
            lambda: load_snapshot(self.catalog, self.data_dir, self._packages),
            deadline_s=SNAPSHOT_DEADLINE_S,
        )
        self._loaded_at = started
        self.reload_error = None

    async def _refresh(self) -> None:
        """A background reload: on failure the last snapshot stays in service, the
        error is kept for /healthz, and the next try waits `refresh_s`."""
        try:
            await self._reload()
        except Exception as exc:  # the catalogue is unreachable: keep serving what we have
            self.reload_error = f"{type(exc).__name__}: {str(exc)[:200]}"
            self._loaded_at = time.monotonic()

    @property
    def has_snapshot(self) -> bool:
        """Whether a snapshot was ever loaded (and is served while reloads fail)."""
        return self._snapshot is not None

    def invalidate(self) -> None:
        """Reload the snapshot on the next request (after a producer changed the catalogue)."""
        self._loaded_at = 0.0

    async def in_pool(self, work: Callable[..., T], *args: Any) -> T:
        """Run a service-layer call (a publish, queueing every lesson) in the database
        threads: they may take long on a national catalogue, so within a long deadline."""
        return await self.database.run(
            lambda: work(*args), deadline_s=self.database.long_deadline_s
        )

    async def read(self, work: Callable[..., T], *args: Any) -> T:
        """Run a service-layer read in the database threads, within their deadline."""
        return await self.database.run(lambda: work(*args))

    @property
    def workspace(self) -> Workspace:
        """The data directory and the open catalogue, as the service layer takes them."""
        return Workspace.over(self.data_dir, self.catalog)


STATE = web.AppKey("state", State)


def now_and_next(
    airings: list[AiringView], instant: datetime
) -> tuple[AiringView | None, AiringView | None]:
    """The airing on at `instant` and the one after it, from airings in time order."""
    current = next((a for a in airings if a.start <= instant < a.end), None)
    upcoming = next((a for a in airings if a.start > instant), None)
    return current, upcoming
