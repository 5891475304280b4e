"""Static assets (stylesheet, player script, logo, favicon, hls.js), held in memory
with their compressed forms and a content hash.

Pages link them by hashed URLs (/static/{hash}/{name}) that are cached for a year
and never change meaning: a new release of an asset gets a new URL. The plain
/static/{name} stays for links that must not change (the logo an IPTV list
names) and is cached for an hour.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from streaming.delivery import compressed

CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/svg+xml",  # the favicon is the logo: every current browser reads SVG
}
HLS_JS = "hls.min.js"
NO_HLS_JS = b"/* hls.js not installed: the page uses the browser's native HLS */\n"


@dataclass(frozen=True)
class Asset:
    """One file as served: its bytes, their compressed forms, and a short content hash."""

    name: str
    body: bytes
    forms: Mapping[str, bytes]  # coding -> the body in it (gzip, br)
    content_type: str
    digest: str  # 12 hex digits of the body's SHA-256: its URL and ETag

    @property
    def url(self) -> str:
        return f"/static/{self.digest}/{self.name}"


_FORMS: dict[str, Mapping[str, bytes]] = {}
"""Compressed forms by the body's full SHA-256: Brotli at its best takes about a second
for hls.js, so it is done once per process, not once per application."""


def make_asset(name: str, body: bytes) -> Asset:
    """An asset of `body` (compressed and hashed once, here, not per request)."""
    content_type = CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")
    full = hashlib.sha256(body).hexdigest()
    if full not in _FORMS:
        _FORMS[full] = compressed(body, 9)
    return Asset(name, body, _FORMS[full], content_type, full[:12])


def load_assets(static: Path, hls_js: Iterable[Path]) -> dict[str, Asset]:
    """The package's static files, hls.js from the first of `hls_js` that exists
    (a short stub when none does), and favicon.ico (the logo)."""
    assets = {
        path.name: make_asset(path.name, path.read_bytes())
        for path in sorted(static.iterdir())
        if path.is_file() and not path.name.startswith(".")
    }
    found = next((p for p in hls_js if p.is_file()), None)
    assets[HLS_JS] = make_asset(HLS_JS, found.read_bytes() if found else NO_HLS_JS)
    if "logo.svg" in assets:
        assets["favicon.ico"] = make_asset("favicon.ico", assets["logo.svg"].body)
    return assets


def asset_urls(assets: Mapping[str, Asset]) -> dict[str, str]:
    """Name -> hashed URL, for the pages."""
    return {name: asset.url for name, asset in assets.items()}
