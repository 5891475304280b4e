"""Producers' bearer tokens, checked without letting strangers reach the database.

Every active token's digest is held in memory (`Tokens`), read whole from the
catalogue by one query at most every `refresh_s` seconds, so a presented token
is answered from memory whether it is good or junk, and a revoked token stops
working within `refresh_s`. While a reload is under way (or fails, the catalogue
being away) the table last read answers for up to `stale_s`; after that,
producers hear 503 and strangers still 401. Each address may fail to
authenticate `Failures.limit` times a minute; past that its requests are
answered 429 at once, before any work.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from errors import Unavailable
from service.tokens import digest
from streaming.recent import Recent

REFRESH_S = 2.0  # a revoked token works at most this long (plus one reload) after
STALE_S = 30.0  # the table last read still answers while the catalogue is away
FAILURES_PER_MINUTE = 30
ADDRESSES_KEPT = 10_000


class Tokens:
    """Digest -> token name of every active token, from memory."""

    def __init__(
        self,
        refresh_s: float = REFRESH_S,
        stale_s: float = STALE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refresh_s, self.stale_s, self._clock = refresh_s, stale_s, clock
        self._table: dict[str, str] | None = None
        self._loaded = 0.0
        self._loading: asyncio.Task[None] | None = None

    async def owner(
        self, presented: str, load: Callable[[], Awaitable[dict[str, str]]]
    ) -> str | None:
        """The name of the active token `presented` is, else None. `load` reads the
        table (digest -> name) from the catalogue; Unavailable when no table young
        enough can be had."""
        table = await self._current(load)
        wanted = digest(presented)
        owner = None
        for stored, name in table.items():  # constant time per token
            if hmac.compare_digest(stored, wanted):
                owner = name
        return owner

    def forget(self) -> None:
        """Read the table again on the next check (after a token was made or revoked here)."""
        self._loaded = float("-inf")

    async def _current(self, load: Callable[[], Awaitable[dict[str, str]]]) -> dict[str, str]:
        age = self._clock() - self._loaded
        if self._table is not None and age < self.refresh_s:
            return self._table
        if self._loading is None or self._loading.done():
            self._loading = asyncio.get_running_loop().create_task(self._load(load))
        if self._table is not None and age < self.stale_s:
            return self._table  # one reload runs; nobody waits for it
        await asyncio.shield(self._loading)
        if self._table is None or self._clock() - self._loaded >= self.stale_s:
            raise Unavailable("the catalogue is not answering; try again shortly")
        return self._table

    async def _load(self, load: Callable[[], Awaitable[dict[str, str]]]) -> None:
        try:
            table = await load()
        except Exception:  # kept stale; the caller that needs a fresh one hears 503
            return
        self._table, self._loaded = table, self._clock()


class Failures:
    """Failed authentications per address in the last minute (a bounded memory)."""

    def __init__(
        self,
        limit: int = FAILURES_PER_MINUTE,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window_s, self._clock = limit, window_s, clock
        self._seen: Recent[str, list[float]] = Recent(ADDRESSES_KEPT)

    def blocked(self, address: str) -> float:
        """Seconds until `address` may try again (0: it may now)."""
        times = self._recent(address)
        if len(times) < self.limit:
            return 0.0
        return max(1.0, times[0] + self.window_s - self._clock())

    def failed(self, address: str) -> None:
        """Count a failure of `address`."""
        times = self._recent(address)
        times.append(self._clock())
        del times[: max(0, len(times) - self.limit)]
        self._seen[address] = times

    def _recent(self, address: str) -> list[float]:
        times = self._seen.get(address) or []
        horizon = self._clock() - self.window_s
        return [t for t in times if t > horizon]


def unauthorised(message: str) -> web.HTTPUnauthorized:
    """401 with a JSON body and the Bearer challenge."""
    return web.HTTPUnauthorized(
        text=json.dumps({"error": message}),
        content_type="application/json",
        headers={"WWW-Authenticate": 'Bearer realm="sabaq"'},
    )


def too_many(wait_s: float) -> web.HTTPTooManyRequests:
    """429 with a JSON body and Retry-After."""
    return web.HTTPTooManyRequests(
        text=json.dumps({"error": "too many failed authentications from this address"}),
        content_type="application/json",
        headers={"Retry-After": str(int(wait_s) + 1)},
    )
