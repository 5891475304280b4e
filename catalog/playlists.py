"""HLS playlists, written with the `m3u8` library (pure): a package's or a live
channel's multivariant playlist, media playlists (VOD, live windows, replays) and
I-frame playlists for scrubbing. A media playlist's segment lines are written here,
as the library writes them, since a replay lists thousands."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import m3u8

from catalog import captions
from catalog.hls import FRAME_RATE, IFrame, Manifest, Rendition

SUBTITLES_GROUP = "subs"


def master_playlist(
    rungs: Sequence[Rendition],
    frame_rate: float = FRAME_RATE,
    uri: Callable[[Rendition], str] | None = None,
    prefix: str = "",
    subtitles: Mapping[str, str] | None = None,
) -> str:
    """The multivariant playlist: the variant to start on (`start_first`), the other
    video rungs (highest first), audio-only last,
    then the I-frame playlists of the rungs that have one. `uri` names each rung's
    media playlist (default: the package's NAME/index.m3u8, after `prefix`); when it
    is given, no I-frame playlist is listed (a live channel has none). `subtitles`
    maps languages to their captions playlists, listed as one SUBTITLES group
    (for deaf and hard-of-hearing viewers) that every variant names."""
    master = m3u8.M3U8()
    master.version = 3
    master.is_independent_segments = True
    for language, link in (subtitles or {}).items():
        master.add_media(
            m3u8.Media(
                uri=link,
                type="SUBTITLES",
                group_id=SUBTITLES_GROUP,
                language=language,
                name=captions.LANGUAGE_NAMES.get(language, language),
                default="NO",
                autoselect="YES",
                forced="NO",
                characteristics=captions.CHARACTERISTICS,
            )
        )
    for rung in start_first(sorted(rungs, key=lambda r: (r.resolution is None, -r.bandwidth))):
        info: dict[str, Any] = {
            "bandwidth": rung.bandwidth,
            "average_bandwidth": rung.average_bandwidth,
            "codecs": rung.codecs,
        }
        if rung.resolution is not None:
            info["resolution"] = f"{rung.resolution[0]}x{rung.resolution[1]}"
            info["frame_rate"] = frame_rate
        if subtitles:
            info["subtitles"] = SUBTITLES_GROUP
        link = uri(rung) if uri is not None else prefix + rung.uri
        master.add_playlist(m3u8.Playlist(link, info, media=master.media, base_uri=None))
    for rung in sorted(rungs, key=lambda r: -r.bandwidth) if uri is None else []:
        if rung.iframe_uri is None or rung.resolution is None:
            continue
        codecs = ",".join(c for c in rung.codecs.split(",") if not c.startswith("mp4a"))
        stream = {
            "bandwidth": rung.iframe_bandwidth,
            "average_bandwidth": rung.iframe_average_bandwidth,
            "codecs": codecs,
            "resolution": f"{rung.resolution[0]}x{rung.resolution[1]}",
        }
        master.add_iframe_playlist(m3u8.IFramePlaylist(None, prefix + rung.iframe_uri, stream))
    return str(master.dumps())


START_PEAK = 500_000
"""A player with no estimate of its link starts on the best variant of at most this peak."""


def start_first(rungs: Sequence[Rendition]) -> list[Rendition]:
    """`rungs` with the variant a phone should start on moved first: Safari, ffmpeg and
    most IPTV apps start on the first variant listed, before they know the link."""
    video = [r for r in rungs if r.resolution is not None]
    fitting = [r for r in video if r.bandwidth <= START_PEAK]
    start = max(fitting, key=lambda r: r.bandwidth, default=None) or min(
        video, key=lambda r: r.bandwidth, default=None
    )
    return list(rungs) if start is None else [start, *(r for r in rungs if r is not start)]


def package_master(manifest: Manifest, prefix: str = "") -> str:
    """A package's own master playlist: its rungs, I-frame playlists and captions."""
    subtitles = {c.language: prefix + c.uri for c in manifest.captions}
    return master_playlist(manifest.rungs, prefix=prefix, subtitles=subtitles)


def iframe_playlist(iframes: Sequence[IFrame]) -> str:
    """A rung's I-frame playlist (EXT-X-I-FRAMES-ONLY, RFC 8216 4.3.3.6): every keyframe
    as a byte range of its segment file, lasting until the next keyframe."""
    playlist = m3u8.M3U8()
    playlist.version = 4  # EXT-X-BYTERANGE and EXT-X-I-FRAMES-ONLY
    playlist.is_i_frames_only = True
    playlist.playlist_type = "vod"
    playlist.media_sequence = 0
    playlist.is_independent_segments = True
    playlist.is_endlist = True
    playlist.target_duration = max(math.ceil(round(f.duration, 3)) for f in iframes)
    for frame in iframes:
        playlist.segments.append(
            m3u8.Segment(
                uri=frame.uri,
                duration=round(frame.duration, 6),
                byterange=f"{frame.length}@{frame.offset}",
            )
        )
    return str(playlist.dumps())


def iframe_rates(iframes: Sequence[IFrame]) -> tuple[int, int]:
    """(peak, average) bits per second of an I-frame playlist, as its
    EXT-X-I-FRAME-STREAM-INF declares them."""
    peak = max(f.length * 8 / max(f.duration, 0.04) for f in iframes)
    seconds = sum(f.duration for f in iframes) or 1.0
    return math.ceil(peak), math.ceil(sum(f.length for f in iframes) * 8 / seconds)


@dataclass(frozen=True)
class Entry:
    """A segment as a media playlist lists it."""

    uri: str
    duration: float
    discontinuity: bool = False  # a new timeline starts here
    program_date_time: datetime | None = None  # wall-clock instant of its first frame


def media_playlist(
    entries: Sequence[Entry],
    media_sequence: int = 0,
    discontinuity_sequence: int = 0,
    ended: bool = False,
    minimum_target_s: int = 0,
    playlist_type: str | None = None,
    start_offset_s: float | None = None,
) -> str:
    """A media playlist (a live window when not `ended`); the first entry never carries
    a discontinuity tag: count it in `discontinuity_sequence` instead. `playlist_type`
    is "event" or "vod" when the playlist says so; `start_offset_s` is where a player
    should start (EXT-X-START, from the first segment)."""
    playlist = m3u8.M3U8()
    playlist.version = 3
    playlist.playlist_type = playlist_type
    if start_offset_s is not None:
        playlist.start = m3u8.Start(round(start_offset_s, 3), "YES")
    playlist.target_duration = max(
        [minimum_target_s] + [math.ceil(round(e.duration, 3)) for e in entries]
    )
    playlist.media_sequence = media_sequence
    playlist.discontinuity_sequence = discontinuity_sequence
    playlist.is_independent_segments = True
    # The header from the library; the segments written here, exactly as the library
    # writes them, since a catch-up playlist lists thousands (the library makes an
    # object of each, at many times the cost of its line).
    text = str(playlist.dumps())  # ends with a line break, before the (empty) segments
    listed = "\n".join(_entry_text(entry, index > 0) for index, entry in enumerate(entries))
    if ended:
        listed += "\n#EXT-X-ENDLIST"
    return text + listed + ("\n" if listed else "")


def _entry_text(entry: Entry, later: bool) -> str:
    """A segment's lines (without the last line break), as `m3u8.Segment.dumps` writes
    them: a discontinuity never on the first."""
    parts = []
    if entry.discontinuity and later:
        parts.append("#EXT-X-DISCONTINUITY\n")
    if entry.program_date_time is not None:
        instant = entry.program_date_time.isoformat(timespec="milliseconds")
        parts.append(f"#EXT-X-PROGRAM-DATE-TIME:{instant}\n")
    parts.append(f"#EXTINF:{_number(round(entry.duration, 6))},\n{entry.uri}")
    return "".join(parts)


@functools.lru_cache(maxsize=1024)
def _number(value: float) -> str:
    """A duration as the library writes it (durations repeat: 6 s, a slate's 1.92 s)."""
    return str(m3u8.model.number_to_string(value))
