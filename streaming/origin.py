"""Where the server is reached from: the base of every absolute link it hands out.

The M3U list, the XMLTV guide and the calendars carry absolute links, which a
player or a calendar app follows from elsewhere. Behind a TLS proxy the
request itself says `http://` and the proxy's upstream address, so:

- `--public-url https://tv.example.kz` (SABAQ_PUBLIC_URL) fixes the base for all;
- else `X-Forwarded-Proto` / `X-Forwarded-Host` are believed only from the
  proxies named by `--trusted-proxy` (addresses or networks);
- else the request's own scheme and Host, and a Host that is not a host name
  or address (quotes, spaces, slashes) is refused, never echoed into a link.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from errors import BadInput

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
    r"[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$"
)


def public_url(value: str) -> str:
    """An http(s) base URL such as https://tv.example.kz or https://example.kz/tv,
    without a trailing slash; BadInput naming what is wrong."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https"):
        raise BadInput(f"public URL: {value!r} does not start with http:// or https://")
    if not parts.netloc or not HOST.match(parts.netloc):
        raise BadInput(f"public URL: {value!r} has no valid host")
    if parts.query or parts.fragment:
        raise BadInput(f"public URL: {value!r} must not have a query or fragment")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Proxy addresses or networks (10.0.0.5, 10.0.0.0/8, ::1)."""
    found = []
    for value in values:
        try:
            found.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise BadInput(f"trusted proxy: {value!r} is not an address or network") from None
    return tuple(found)


def _first(value: str | None) -> str | None:
    """The first (client-side) value of a comma-separated forwarding header."""
    if value is None:
        return None
    first = value.split(",")[0].strip()
    return first or None


@dataclass(frozen=True)
class Origin:
    """How the server names itself in absolute links."""

    public_url: str | None = None
    trusted: tuple[Network, ...] = ()

    def trusts(self, peer: str | None) -> bool:
        if peer is None or not self.trusted:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)

    def base_url(
        self, scheme: str, host: str | None, peer: str | None, headers: Mapping[str, str]
    ) -> str:
        """The base of absolute links for one request (pure: the caller reads the request).
        BadInput when the host to use is not a host name or address."""
        if self.public_url is not None:
            return self.public_url
        if self.trusts(peer):
            forwarded = _first(headers.get("X-Forwarded-Proto"))
            if forwarded in ("http", "https"):
                scheme = forwarded
            host = _first(headers.get("X-Forwarded-Host")) or host
        if not host or not HOST.match(host):
            raise BadInput(f"Host: {host!r} is not a host name or address")
        return f"{scheme}://{host}"
