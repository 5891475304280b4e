"""Captions on live channels: a subtitles playlist beside every live media playlist (pure).

It lists one WebVTT file per live segment, with the same sequence numbers,
durations and discontinuities: a lesson's own captions segment where it has
captions in that language, an empty one elsewhere (the slate, lessons
without). A lesson's cue files are served through the channel
(`/live/{channel}/cues/{airing}/…`), their cue ids prefixed with the airing, so
no id repeats across the lessons (and discontinuities) of a channel's day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import quote

from catalog.layout import slate_key
from streaming.live import LiveSegment
from streaming.snapshot import Package

CUES = "cues"
EMPTY = "empty.vtt"


def caption_languages(packages: Iterable[Package]) -> tuple[str, ...]:
    """The languages any of these packages (in any version) has captions in."""
    found = {
        track.language
        for package in packages
        for version in (package, *package.earlier)
        for track in version.manifest.captions
    }
    return tuple(sorted(found))


def cue_url(channel_id: str, segment: LiveSegment, language: str) -> str:
    """Where the captions of a live segment are: its lesson's, or the empty file."""
    base = f"/live/{quote(channel_id, safe='')}/{CUES}"
    package, airing = segment.package, segment.airing
    if package is None or airing is None:
        return f"{base}/{EMPTY}"
    if not any(t.language == language for t in package.manifest.captions):
        return f"{base}/{EMPTY}"
    key = quote(slate_key(airing.lesson_id, airing.start), safe="")
    return f"{base}/{key}/{package.manifest.version}/{language}/{segment.index:05d}.vtt"


def caption_segments(
    segments: Iterable[LiveSegment], channel_id: str, language: str
) -> list[LiveSegment]:
    """The live window's segments with their captions' URLs in place of the media's."""
    return [replace(s, url=cue_url(channel_id, s, language)) for s in segments]
