"""The bitrate ladder: rung names, sizes, bitrates and codec strings (pure).

Every lesson and every slate uses the same rung names and segment length,
so live channels can stitch packages without re-encoding.
"""

from __future__ import annotations

from dataclasses import dataclass

from errors import BadInput

FPS = 25
GOP_S = 2
SAMPLE_RATE = 48000
AAC_FRAME = 1024  # samples in one AAC-LC frame
MIN_TAIL_S = 0.96
"""The shortest last segment a package ends with: a shorter one (a keyframe and a
few frames) would set the rung's peak bitrate, so the recording is held longer."""
TILE_S = 0.32
"""The shortest stretch that holds whole video frames (8 at 25 fps) and whole AAC frames
(15 at 48 kHz). Every package lasts a whole number of tiles, with exactly as much
audio as picture, so packages played one after another on a live channel's clock
join without a gap or an overlap in either stream."""
DEFAULT_LADDER = (720, 480, 360, 234)
AUDIO_RUNG = "audio"
AUDIO_ONLY_KBPS = 64


@dataclass(frozen=True)
class Rung:
    """One video rendition."""

    name: str
    width: int
    height: int
    video_kbps: int
    audio_kbps: int
    level: str  # H.264 level as ffmpeg's -level takes it
    codecs: str  # RFC 6381 string for the master playlist


# Lecture content (static background, a presenter, text) at 25 fps; the
# lowest rung is Apple's smallest variant size (416x234) at a rate that keeps its
# peak, with its sound and the transport stream's overhead (about 40 kb/s at 25
# frames a second), under 192 kb/s (HLS authoring spec 9.21: a cellular master has
# such a variant), for weak links, with preset ultrafast as with veryfast.
_KNOWN = {
    1080: Rung("1080p", 1920, 1080, 4500, 128, "4.0", "avc1.640028,mp4a.40.2"),
    720: Rung("720p", 1280, 720, 2400, 128, "3.1", "avc1.64001f,mp4a.40.2"),
    480: Rung("480p", 854, 480, 1100, 96, "3.0", "avc1.64001e,mp4a.40.2"),
    360: Rung("360p", 640, 360, 600, 96, "3.0", "avc1.64001e,mp4a.40.2"),
    240: Rung("234p", 416, 234, 72, 48, "2.1", "avc1.640015,mp4a.40.2"),
    234: Rung("234p", 416, 234, 72, 48, "2.1", "avc1.640015,mp4a.40.2"),
}
SUPPORTED_HEIGHTS = (1080, 720, 480, 360, 240, 234)


def parse_ladder(text: str) -> tuple[int, ...]:
    """'1080,720,360' -> (1080, 720, 360); BadInput names a height sabaq does not know."""
    heights = []
    for part in text.split(","):
        try:
            height = int(part.strip())
        except ValueError:
            raise BadInput(f"ladder: {part.strip()!r} is not a height") from None
        if height not in _KNOWN:
            known = ", ".join(str(h) for h in SUPPORTED_HEIGHTS)
            raise BadInput(f"ladder: {height} is not a supported height ({known})")
        heights.append(height)
    if not heights:
        raise BadInput("ladder: no height given")
    return tuple(sorted(set(heights), reverse=True))


def rungs_for(source_height: int, heights: tuple[int, ...] = DEFAULT_LADDER) -> list[Rung]:
    """Rungs of the ladder that do not upscale the source; the lowest one always stays."""
    chosen = [_KNOWN[h] for h in heights if _KNOWN[h].height <= max(source_height, 1)]
    if not chosen:
        chosen = [_KNOWN[min(heights)]]
    unique: dict[str, Rung] = {r.name: r for r in chosen}
    return sorted(unique.values(), key=lambda r: r.height, reverse=True)
