"""Where things live: the data directory's layout and the server's URLs (pure).

The transcoder writes packages and slates where this says, the catalogue
records them by the paths this gives, and the server finds and links them the
same way; nobody else spells `packages/` or `/vod/`.

    DATA/sabaq.sqlite3                      the embedded catalogue (SQLite)
    DATA/media/                             lesson and signer recordings
    DATA/media/uploads/                     recordings uploaded through the API
    DATA/media/captions/{lesson}.{lang}.vtt captions set through the API or CLI
    DATA/packages/{lesson}/                 a lesson's HLS package
    DATA/slates/{channel}/                  a channel's own off-air slate
    DATA/slates-next/{channel}/{key}/       the slate before one airing (see slate_key)
    DATA/logos/{channel}.png                a channel's logo for IPTV apps
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

DATABASE_FILE = "sabaq.sqlite3"
MEDIA = "media"
UPLOADS = "media/uploads"
CAPTIONS = "media/captions"
PACKAGES = "packages"
SLATES = "slates"
NEXT_SLATES = "slates-next"
LOGOS = "logos"
KEY_TIME = "%Y%m%dT%H%M%SZ"
STAMP = len("20260901T040000Z")  # how long a KEY_TIME instant is written


@dataclass(frozen=True)
class Layout:
    """The data directory, and the path of everything in it."""

    root: Path

    @property
    def database(self) -> Path:
        """The SQLite catalogue (when no SABAQ_DATABASE_URL names another)."""
        return self.root / DATABASE_FILE

    @property
    def media(self) -> Path:
        """Recordings made or copied for lessons (the demo's, a producer's)."""
        return self.root / MEDIA

    @property
    def uploads(self) -> Path:
        """Recordings uploaded through the producer API."""
        return self.root / UPLOADS

    def captions(self, lesson_id: str, language: str) -> Path:
        """A lesson's captions in one language, as sabaq keeps them (WebVTT)."""
        return self.root / CAPTIONS / f"{lesson_id}.{language}.vtt"

    def package(self, lesson_id: str) -> Path:
        """A lesson's package directory."""
        return self.root / package_record(lesson_id)

    def slate(self, channel_id: str) -> Path:
        """A channel's own off-air slate package."""
        return self.root / SLATES / channel_id

    def logo(self, channel_id: str) -> Path:
        """A channel's logo (PNG: its name on its colour)."""
        return self.root / LOGOS / f"{channel_id}.png"

    def next_slates(self, channel_id: str) -> Path:
        """The folder of the slates made for a channel's coming airings."""
        return self.root / NEXT_SLATES / channel_id

    def next_slate(self, channel_id: str, key: str) -> Path:
        """The slate before one airing (key: `slate_key`)."""
        return self.next_slates(channel_id) / key

    def all_next_slates(self) -> Iterator[Path]:
        """Every per-airing slate directory, of every channel."""
        return iter(sorted((self.root / NEXT_SLATES).glob("*/*")))

    def resolve(self, stored: str) -> Path:
        """A path as the catalogue stores it: relative to the data directory, or absolute."""
        path = Path(stored)
        return path if path.is_absolute() else self.root / path

    def stored(self, path: Path) -> str:
        """How the catalogue records `path`: relative when inside the data directory."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def package_record(lesson_id: str) -> str:
    """A lesson's package directory as the catalogue records it."""
    return f"{PACKAGES}/{lesson_id}"


def slate_key(lesson_id: str, start: datetime) -> str:
    """The directory name of the slate before an airing: its UTC start, then its lesson."""
    return f"{start.astimezone(UTC).strftime(KEY_TIME)}-{lesson_id}"


def slate_key_lesson(key: str) -> str | None:
    """The lesson a slate key names, or None when it is not a slate key."""
    if slate_key_start(key) is None or key[STAMP : STAMP + 1] != "-":
        return None
    return key[STAMP + 1 :]


def slate_key_start(key: str) -> datetime | None:
    """The airing start a slate key names, or None when it is not a slate key."""
    try:
        return datetime.strptime(key[:STAMP], KEY_TIME).replace(tzinfo=UTC)
    except ValueError:
        return None


# ----------------------------------------------------------------- URLs
# Paths on the server; absolute links put the public base URL before them.


def _part(text: str) -> str:
    return quote(text, safe="")


def vod_url(lesson_id: str, name: str = "") -> str:
    """A file of a lesson's package (`master.m3u8`, `poster.jpg`), or its base with ''."""
    base = f"/vod/{_part(lesson_id)}"
    return f"{base}/{name}" if name else base


def slate_url(channel_id: str) -> str:
    """The base URL of a channel's own slate package."""
    return f"/slate/{_part(channel_id)}"


def next_slate_url(channel_id: str, key: str) -> str:
    """The base URL of the slate before one airing."""
    return f"/slate/{_part(channel_id)}/next/{_part(key)}"


def live_url(channel_id: str, name: str = "master.m3u8") -> str:
    """A channel's live multivariant playlist (or one of its media playlists)."""
    return f"/live/{_part(channel_id)}/{name}"


def logo_url(channel_id: str) -> str:
    """A channel's logo (PNG), for M3U's tvg-logo and XMLTV's <icon>."""
    return f"/logos/{_part(channel_id)}.png"


def lesson_page_url(lesson_id: str) -> str:
    """A lesson's web page."""
    return f"/lessons/{_part(lesson_id)}"


def channel_page_url(channel_id: str) -> str:
    """A channel's web page (live player and today's grid)."""
    return f"/channels/{_part(channel_id)}"


GUIDE_URL = "/iptv/epg.xml"
TV_GUIDE_URL = "/guide"  # the guide as a web page
PLAYLIST_URL = "/iptv/playlist.m3u"
LOGO_URL = "/static/logo.svg"
