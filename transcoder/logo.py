"""Channel logos as PNG: the channel's name on its colour, for IPTV apps.

M3U players (`tvg-logo`) and XMLTV guides (`<icon>`) show a picture per channel,
and many of them do not render SVG. A logo is drawn once by ffmpeg's drawtext
(text handed over in a file, so any name needs no escaping) when the channel's
slate is made, and served as a file.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from transcoder.samples import render

SIZE = 256  # a square: what IPTV apps crop logos to
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
PALETTE = ("1d3557", "2a6f97", "6a4c93", "8d0801", "386641", "9c6644", "3d405b", "005f73")
"""Dark colours white text reads well on (contrast at least 4.5:1, WCAG AA)."""


def channel_colour(channel_id: str) -> str:
    """The channel's colour (hex RGB), the same on every machine for the same id."""
    digest = hashlib.sha256(channel_id.encode("utf-8")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def lines_of(name: str, width: int = 10) -> list[str]:
    """The name broken into at most three lines of about `width` characters."""
    words, lines = name.split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return lines[:3] if lines != [""] else ["TV"]


def render_logo(target: Path, name: str, colour: str) -> Path:
    """Draw `name` in white on `colour` into the PNG `target` (renamed into place)."""
    lines = lines_of(name)
    longest = max(len(line) for line in lines)
    # A bold letter is about 0.72 of the font size wide: the longest line fills 82 %.
    fitting = int(SIZE * 0.82 / (max(1, longest) * 0.72))
    size = max(16, min(64, fitting, int(SIZE * 0.7 / len(lines))))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".logo-", dir=target.parent) as work:
        text = Path(work) / "name.txt"
        text.write_text("\n".join(lines), encoding="utf-8")
        drawn = (
            f"drawtext=fontfile={FONT}:textfile={text}:expansion=none:fontsize={size}"
            f":fontcolor=white:line_spacing={size // 5}:x=(w-tw)/2:y=(h-th)/2"
        )
        args = [
            *("-f", "lavfi", "-i", f"color=c=0x{colour}:size={SIZE}x{SIZE}:duration=1"),
            *("-vf", drawn, "-frames:v", "1", "-update", "1"),
        ]
        return render(args, target, "channel logo")
