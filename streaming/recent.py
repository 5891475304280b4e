"""A bounded mapping that keeps what was used last: the server's in-memory caches."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
ENTRY_OVERHEAD = 512  # a key, an entry and the objects around a value, roughly


def cache_bytes(default_mb: float = 32.0) -> int:
    """The byte budget of each of the server's caches: SABAQ_CACHE_MB, else `default_mb`."""
    raw = os.environ.get("SABAQ_CACHE_MB", "")
    try:
        megabytes = float(raw) if raw else default_mb
    except ValueError:
        megabytes = default_mb
    return int(max(1.0, megabytes) * 1024 * 1024)


class Recent(Generic[K, V]):
    """At most `capacity` items and (when `max_bytes` is given) at most that many bytes
    as `size` counts them; reading or writing one makes it the most recent, and the
    least recently used go when there is no room. One item larger than the whole
    budget is not kept at all."""

    def __init__(
        self,
        capacity: int,
        max_bytes: int | None = None,
        size: Callable[[V], int] | None = None,
    ) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        self._size = size or (lambda _value: 0)
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.bytes = 0  # what the items held now count, by `size` (plus overhead)

    def get(self, key: K) -> V | None:
        """The item under `key` (now the most recent), or None."""
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def __setitem__(self, key: K, value: V) -> None:
        cost = self._size(value) + ENTRY_OVERHEAD
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        if self.max_bytes is not None and cost > self.max_bytes:
            return
        self._items[key] = (value, cost)
        self.bytes += cost
        while len(self._items) > self.capacity or (
            self.max_bytes is not None and self.bytes > self.max_bytes
        ):
            _, (_, freed) = self._items.popitem(last=False)
            self.bytes -= freed

    def __len__(self) -> int:
        return len(self._items)
