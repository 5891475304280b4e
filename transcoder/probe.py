"""What ffprobe says about a source file, reduced to what packaging needs.

Sources are read only as one of the containers a recording comes in
(`CONTAINERS`), and only from local files: ffprobe and ffmpeg otherwise guess
the format, and their HLS, concat and image-sequence readers open other files
the source names, so a "video" that is a playlist could publish any file the
server can read. Pictures larger than 4096x2304, more than 60 frames a second,
and (with `check_limits`) a duration far beyond the lesson's are refused too.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from errors import MediaError, Unavailable

CONTAINERS = {  # ffmpeg demuxer -> what producers know it as
    "mov": "MP4/MOV",
    "matroska": "MKV/WebM",
    "mpegts": "MPEG-TS",
    "mxf": "MXF",
    "avi": "AVI",
}
READ_ONLY_AS = {
    "format_whitelist": ",".join(CONTAINERS),  # no hls, concat, image2, lavfi, ...
    "protocol_whitelist": "file",  # and nothing but the local file itself
}
READ_ONLY_ARGS = [arg for name, value in READ_ONLY_AS.items() for arg in (f"-{name}", value)]
MAX_SIZE = (4096, 2304)
MAX_FPS = 60.0
DURATION_SLACK = (1.5, 120.0)  # a recording may run to 1.5x the lesson's length + 2 min


@dataclass(frozen=True)
class MediaInfo:
    """The facts of a source that shape the filter graph."""

    path: Path
    duration_s: float
    width: int
    height: int
    fps: float
    interlaced: bool
    rotation: int
    has_audio: bool
    sample_aspect: Fraction = Fraction(1)
    format_name: str = ""  # ffprobe's container names, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    longest_s: float = 0.0  # the longest of every stream's and the container's durations

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as shown: square pixels, rotation applied."""
        width = round(self.width * self.sample_aspect)
        if self.rotation % 180:
            return self.height, width
        return width, self.height


def probe(path: Path) -> MediaInfo:
    """Probe a media file; MediaError names the file and why it cannot be used."""
    if not path.exists():
        raise MediaError(f"{path}: no such file")
    if path.is_dir():
        raise MediaError(f"{path}: is a directory, not a media file")
    if path.stat().st_size == 0:
        raise MediaError(f"{path}: empty file (0 bytes)")
    try:
        result = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                *READ_ONLY_ARGS,
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except FileNotFoundError:
        raise Unavailable("ffprobe is not installed (Debian package ffmpeg)") from None
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["unreadable"])[-1]
        accepted = ", ".join(CONTAINERS.values())
        raise MediaError(
            f"{path}: not a readable video in an accepted container ({accepted}): "
            f"{_short(reason, path)}"
        )
    info = json.loads(result.stdout or "{}")
    streams = info.get("streams", [])
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
        ),
        None,
    )
    if video is None:
        raise MediaError(f"{path}: has no video stream")
    duration = _float(video.get("duration")) or _float(info.get("format", {}).get("duration"))
    if not duration or duration <= 0:
        raise MediaError(f"{path}: has no measurable duration (truncated or corrupt)")
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise MediaError(f"{path}: video stream has no picture size (corrupt)")
    if max(width, height) > MAX_SIZE[0] or min(width, height) > MAX_SIZE[1]:
        raise MediaError(
            f"{path}: picture {width}x{height} is larger than {MAX_SIZE[0]}x{MAX_SIZE[1]}"
        )
    fps = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")) or 25.0
    if fps > MAX_FPS:
        raise MediaError(f"{path}: {fps:.0f} frames a second is more than {MAX_FPS:.0f}")
    return MediaInfo(
        path=path,
        duration_s=duration,
        width=width,
        height=height,
        fps=fps,
        interlaced=video.get("field_order", "progressive") not in ("progressive", "unknown"),
        rotation=_rotation(video),
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
        sample_aspect=_aspect(video.get("sample_aspect_ratio")),
        format_name=str(info.get("format", {}).get("format_name", "")),
        longest_s=max(duration, _longest(info)),
    )


def _longest(info: dict[str, object]) -> float:
    """The longest duration ffprobe gives: the container's or any stream's (a short
    picture can carry hours of sound, which the loudness pass would read whole)."""
    found = []
    container = info.get("format")
    if isinstance(container, dict):
        found.append(_float(container.get("duration")))
    for stream in info.get("streams", []) or []:  # type: ignore[attr-defined]
        if isinstance(stream, dict):
            found.append(_float(stream.get("duration")))
            tags = stream.get("tags")
            if isinstance(tags, dict):  # Matroska keeps it as a tag: HH:MM:SS.fraction
                found.append(_clock_s(tags.get("DURATION") or tags.get("duration")))
    return max((x for x in found if x is not None and x == x), default=0.0)


def _clock_s(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    hours, _, rest = value.partition(":")
    minutes, _, seconds = rest.partition(":")
    try:
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        return None


def check_length(info: MediaInfo, declared_s: float | None) -> None:
    """MediaError when a recording, or any stream in it (a short picture with hours of
    sound), lasts far longer than the lesson it is for (`declared_s`, the catalogue's
    length; None: nothing to compare with)."""
    if declared_s is None or declared_s <= 0:
        return
    factor, extra = DURATION_SLACK
    longest = max(info.duration_s, info.longest_s)
    if longest > declared_s * factor + extra:
        what = "a stream of it lasts" if longest > info.duration_s else "lasts"
        raise MediaError(
            f"{info.path.name}: {what} {longest:.0f} s, far more than the lesson's "
            f"{declared_s:.0f} s (at most {declared_s * factor + extra:.0f} s is taken)"
        )


def _short(reason: str, path: Path) -> str:
    return reason.replace(str(path), "").strip(": ") or "unreadable"


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _rate(value: object) -> float | None:
    try:
        rate = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
    return float(rate) if rate > 0 else None


def _aspect(value: object) -> Fraction:
    try:
        num, den = (int(x) for x in str(value).split(":"))
        return Fraction(num, den) if num > 0 and den > 0 else Fraction(1)
    except ValueError:
        return Fraction(1)


def _rotation(video: dict[str, object]) -> int:
    tags = video.get("tags")
    if isinstance(tags, dict) and "rotate" in tags:
        return int(str(tags["rotate"])) % 360
    for side in video.get("side_data_list", []) or []:  # type: ignore[attr-defined]
        if isinstance(side, dict) and "rotation" in side:
            return int(side["rotation"]) % 360
    return 0
