"""What a process serving many phones needs from its sockets: enough file descriptors,
and no single address holding them all.

- `raise_open_files` lifts the soft limit on open files to the hard limit (capped at
  `OPEN_FILES`): distributions start services at 1,024 or less, and every viewer's
  connection and every segment being sent is one descriptor.
- `Limiter` wraps aiohttp's protocol factory: a client address may hold at most
  `per_address` connections at once, and the process at most `total` (what the
  descriptor limit leaves after a reserve for files); a connection beyond either is
  answered 503 at once and closed, instead of the process running out of descriptors
  and failing every request (and logging each failure). Addresses of trusted proxies
  (nginx, a CDN: every viewer arrives from them) are exempt from the per-address cap.
"""

from __future__ import annotations

import asyncio
import ipaddress
import resource
from collections.abc import Callable, Sequence
from typing import Any

OPEN_FILES = 65_536
RESERVE = 64  # descriptors kept for files, the database and logs
PER_ADDRESS = 256  # generous: a school behind one NAT address is many students
REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\n"
    b"Connection: close\r\n\r\n"
)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def raise_open_files(wanted: int = OPEN_FILES) -> int:
    """Raise the soft limit on open files towards `wanted` (never above the hard
    limit); return the soft limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < ceiling:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))
            soft = ceiling
        except (ValueError, OSError):
            pass
    return int(soft)


class Limiter:
    """A protocol factory that admits connections within the caps (see the module)."""

    def __init__(
        self,
        factory: Callable[[], asyncio.Protocol],
        per_address: int = PER_ADDRESS,
        total: int | None = None,
        exempt: Sequence[Network] = (),
        burst: int = 0,
    ) -> None:
        """`total` defaults to what the descriptor limit leaves after the reserve and
        the `burst` of connections the event loop may accept before any is looked at."""
        self.factory, self.per_address, self.exempt = factory, per_address, tuple(exempt)
        if total is None:
            total = max(8, raise_open_files() - RESERVE - burst)
        self.total = total
        self.open: dict[str, int] = {}
        self.count = 0
        self.refused = 0

    def __call__(self) -> asyncio.Protocol:
        return _Guarded(self)

    def admit(self, address: str) -> bool:
        """Count a new connection from `address` in, if the caps allow it."""
        held = self.open.get(address, 0)
        if self.count >= self.total or (
            self.per_address and held >= self.per_address and not self._exempt(address)
        ):
            self.refused += 1
            return False
        self.open[address] = held + 1
        self.count += 1
        return True

    def release(self, address: str) -> None:
        """A counted connection from `address` closed."""
        self.count -= 1
        left = self.open.get(address, 1) - 1
        if left > 0:
            self.open[address] = left
        else:
            self.open.pop(address, None)

    def _exempt(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.exempt)


class _Guarded(asyncio.Protocol):
    """One connection: refused at once, or handed to aiohttp's protocol whole."""

    def __init__(self, limiter: Limiter) -> None:
        self.limiter = limiter
        self.inner: asyncio.Protocol | None = None
        self.address = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer: Any = transport.get_extra_info("peername")
        self.address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if not self.limiter.admit(self.address):
            if isinstance(transport, asyncio.WriteTransport):
                transport.write(REFUSAL)
            transport.close()
            return
        self.inner = self.limiter.factory()
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.inner is not None:
            self.limiter.release(self.address)
            self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.inner is not None:
            self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.inner is not None else None

    def pause_writing(self) -> None:
        if self.inner is not None:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.inner is not None:
            self.inner.resume_writing()
