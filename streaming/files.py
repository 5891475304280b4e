"""Serving package files safely: no path outside a package can ever be read."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".aac": "audio/aac",
    ".jpg": "image/jpeg",
    ".json": "application/json",
    ".vtt": "text/vtt; charset=utf-8",
}
# A versioned path (/vod/L/VERSION/…) names bytes that never change; any other path
# follows the current version, which a re-transcode replaces.
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=30"


def safe_path(root: Path, tail: str) -> Path | None:
    """The file `tail` names inside `root`, or None if it is outside, hidden or missing."""
    if not tail or "\\" in tail or "\x00" in tail or tail.startswith("/"):
        return None
    parts = tail.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    try:
        base = root.resolve(strict=True)
        target = (base / tail).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


def file_response(
    path: Path, immutable: bool = False, save_as: str | None = None
) -> web.FileResponse:
    """A file with its content type and cache policy (ranges and ETag come from aiohttp);
    `save_as` names the file a browser saves it as (Content-Disposition: attachment)."""
    suffix = path.suffix.lower()
    headers = {
        "Content-Type": CONTENT_TYPES.get(suffix, "application/octet-stream"),
        "Cache-Control": IMMUTABLE if immutable else SHORT_CACHE,
        "Access-Control-Allow-Origin": "*",
    }
    if save_as is not None:
        plain = re.sub(r"[^A-Za-z0-9._-]", "_", save_as)
        headers["Content-Disposition"] = (
            f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(save_as, safe='')}"
        )
    return web.FileResponse(path, headers=headers)
