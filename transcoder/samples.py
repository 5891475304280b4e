"""Sample media made with ffmpeg's lavfi sources: lessons and a signer (slates: slate.py).

No downloads: pictures come from testsrc2/colour sources with the title drawn
on them, sound from sine tones.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from errors import MediaError

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
# Sample sources are intermediate files: encode them fast and near-losslessly enough.
FAST_H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


def _escape(text: str) -> str:
    """Escape text for drawtext's text= option inside a filter graph."""
    out = text.replace("\\", "\\\\\\\\").replace("'", "\u2019").replace(":", "\\:")
    return out.replace("%", "\\%").replace(",", "\\,").replace(";", "\\;")


def render(args: list[str], target: Path, what: str = "sample") -> Path:
    """Run ffmpeg with `args` (inputs, filters, codecs) into `target`, written beside
    it and renamed into place; MediaError naming `what` when ffmpeg fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial{target.suffix}")
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args, str(partial)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise MediaError(f"{target}: {what} could not be made ({result.stderr.strip()[-300:]})")
    partial.rename(target)
    return target


def make_lesson(
    target: Path,
    title: str,
    duration_s: float,
    size: str = "854x480",
    tone_hz: int = 440,
    audio: bool = True,
) -> Path:
    """A test clip: moving test picture (with its own clock), the title drawn large, a tone."""
    height = int(size.split("x")[1])
    text = _escape(title)
    draw = (
        f"drawtext=fontfile={FONT}:text='{text}':fontsize={height // 12}:fontcolor=white"
        f":box=1:boxcolor=black@0.6:boxborderw={height // 60}:x=(w-tw)/2:y=h/8"
    )
    args = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={duration_s}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency={tone_hz}:duration={duration_s}"]
    args += ["-vf", draw, *FAST_H264]
    args += ["-c:a", "aac", "-b:a", "96k"] if audio else []
    args += ["-t", str(duration_s)]
    return render(args, target)


def make_signer(target: Path, duration_s: float, size: str = "480x360") -> Path:
    """A stand-in interpreter: a figure on green, moving, with no sound."""
    height = int(size.split("x")[1])
    body = (
        f"drawbox=x=(iw/2-iw/8)+iw/16*sin(t*3):y=ih/4:w=iw/4:h=ih*3/4:color=0x8a5a44:t=fill,"
        f"drawbox=x=iw/2-iw/12:y=ih/10:w=iw/6:h=ih/5:color=0xe0b090:t=fill,"
        f"drawtext=fontfile={FONT}:text='{_escape('Ымдау тілі')}':fontsize={height // 10}"
        f":fontcolor=white:x=(w-tw)/2:y=h-th-10"
    )
    source = f"color=c=0x00b140:size={size}:rate=25:duration={duration_s}"
    args = ["-f", "lavfi", "-i", source, "-vf", body, *FAST_H264, "-t", str(duration_s)]
    return render(args, target)


CAPTION_LINES = {
    "kk": ("Сәлеметсіздер ме, балалар!", "Бүгінгі сабақтың тақырыбы:", "[музыка]"),
    "ru": ("Здравствуйте, ребята!", "Тема сегодняшнего урока:", "[музыка]"),
    "en": ("Hello, everyone!", "Today's lesson is:", "[music]"),
}


def sample_captions(title: str, language: str, duration_s: int) -> str:
    """SRT captions for a sample lesson: a greeting, its title and a music cue, in
    turn every four seconds (a cue shows for three and a half)."""
    greeting, topic, music = CAPTION_LINES.get(language, CAPTION_LINES["en"])
    texts = [greeting, f"{topic}\n{title}", music]
    blocks = []
    for number, start in enumerate(range(0, max(duration_s - 4, 1), 4), start=1):
        end = start + 3.5
        blocks.append(
            f"{number}\n{_srt_time(start)} --> {_srt_time(end)}\n{texts[(number - 1) % 3]}\n"
        )
    return "\n".join(blocks)


def _srt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    return (
        f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:"
        f"{millis // 1000 % 60:02d},{millis % 1000:03d}"
    )
