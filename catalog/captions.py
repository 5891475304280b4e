"""Captions for deaf and hard-of-hearing students: SRT or WebVTT in, HLS WebVTT out (pure).

A producer's file is read strictly (a bad one is refused with its line number)
into cues in lesson time (0 = the recording's first frame); the package gets
one WebVTT file per media segment, each with the cues that overlap it (a cue
across a boundary is repeated, as RFC 8216 3.5 asks), and an
`X-TIMESTAMP-MAP` tying lesson time 0 to the first video frame's MPEG-TS
presentation time (ffmpeg starts TS timestamps at 1.4 s; without the map, or
with ffmpeg's own segmenter's, cues would show 1.4 s early).

Cue text is kept to what every player renders: the <i>, <b> and <u> tags;
other markup (SRT's <font>, ASS {\\an8}) is dropped and `&<>` are escaped.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from errors import BadInput

LANGUAGES = ("kk", "ru", "en")
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}  # each in itself
MAX_BYTES = 5 * 1024**2  # a lesson's captions are tens of kilobytes
CHARACTERISTICS = (
    "public.accessibility.transcribes-spoken-dialog,public.accessibility.describes-music-and-sound"
)
PLAYLIST = "index.m3u8"
DIRECTORY = "captions"  # a package's captions/LANG/index.m3u8 and its seg_NNNNN.vtt


def segment_name(index: int) -> str:
    """The file of a captions track's `index`-th segment, in captions/LANG/."""
    return f"seg_{index:05d}.vtt"


class CaptionError(BadInput):
    """A subtitle file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Cue:
    """One caption: when it shows (seconds of lesson time) and what it says (WebVTT
    cue text, already safe); `line` is where it began in the producer's file."""

    start: float
    end: float
    text: str
    settings: str = ""
    line: int = 0


# ASCII digits only, hours bounded (999 h is past any lesson): a timing's numbers
# are never Unicode digits nor hundreds of digits long.
_TIME = r"(?:([0-9]{1,3}):)?([0-9]{1,2}):([0-9]{2})[.,]([0-9]{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(.*)$")
_TAG = re.compile(r"<(/?)([a-zA-Z]+)[^>]*>")
_ASS = re.compile(r"\{\\[^}]*\}")
_KEPT_TAGS = {"i", "b", "u"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MAX_CUES = 20_000  # about one a second for five and a half hours
_PERCENT = r"(?:100(?:\.0{1,3})?|[0-9]{1,2}(?:\.[0-9]{1,3})?)%"  # 0% to 100%
# The WebVTT cue settings (W3C WebVTT 4.2 "cue settings"), each kept only when its
# value is one the specification allows; regions are not used by sabaq.
_SETTINGS = {
    "vertical": re.compile(r"rl|lr"),
    "line": re.compile(rf"(?:-?[0-9]{{1,3}}|{_PERCENT})(?:,(?:start|center|end))?"),
    "position": re.compile(rf"{_PERCENT}(?:,(?:line-left|center|line-right))?"),
    "size": re.compile(_PERCENT),
    "align": re.compile(r"start|center|end|left|right"),
}


def cue_settings(text: str) -> str:
    """The valid WebVTT cue settings in `text`, each once, in order; anything else
    (markup, control characters, unknown names, bad values) is dropped."""
    kept: dict[str, str] = {}
    for part in text.split():
        name, sep, value = part.partition(":")
        pattern = _SETTINGS.get(name)
        if sep and pattern is not None and name not in kept and pattern.fullmatch(value):
            kept[name] = value
    return " ".join(f"{k}:{v}" for k, v in kept.items())


def _seconds(hours: str | None, minutes: str, seconds: str, fraction: str) -> float | None:
    if int(minutes) > 59 or int(seconds) > 59:
        return None
    return (
        int(hours or 0) * 3600
        + int(minutes) * 60
        + int(seconds)
        + int(fraction.ljust(3, "0")) / 1000
    )


def _clean(text: str) -> str:
    """Cue text with only the tags every player renders; everything else escaped."""
    text = _ASS.sub("", text)
    out, at = [], 0
    for match in _TAG.finditer(text):
        out.append(html.escape(html.unescape(text[at : match.start()]), quote=False))
        closing, name = match.group(1), match.group(2).lower()
        if name in _KEPT_TAGS:
            out.append(f"<{closing}{name}>")
        at = match.end()
    out.append(html.escape(html.unescape(text[at:]), quote=False))
    return "".join(out).strip()


def parse_captions(data: bytes, source: str) -> tuple[Cue, ...]:
    """The cues of an SRT or WebVTT file (WebVTT when it starts with WEBVTT), in time
    order. CaptionError names the file and line of the first problem."""
    if len(data) > MAX_BYTES:
        raise CaptionError(f"{source}: {len(data)} bytes; captions files are at most 5 MB")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise CaptionError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    webvtt = lines[0].startswith("WEBVTT")
    if webvtt and lines[0][6:7] not in ("", " ", "\t"):
        raise CaptionError(f"{source} line 1: a WebVTT file starts with 'WEBVTT'")
    cues: list[Cue] = []
    blocks = _blocks(lines)
    if webvtt:
        blocks = blocks[1:]  # the header block
    for number, block in blocks:
        if webvtt and block[0].split(" ", 1)[0] in ("NOTE", "STYLE", "REGION"):
            continue
        cue = _cue(block, number, source, webvtt)
        if cue is not None:
            cues.append(cue)
            if len(cues) > MAX_CUES:
                raise CaptionError(f"{source} line {number}: over {MAX_CUES} cues")
    if not cues:
        raise CaptionError(f"{source}: no cues found (is it an SRT or WebVTT file?)")
    return tuple(sorted(cues, key=lambda c: (c.start, c.end)))


def _blocks(lines: Sequence[str]) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines with the line number (from 1) of each run's first."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                blocks.append((number, current))
            current.append(line)
        else:
            current = []
    return blocks


def _cue(block: list[str], number: int, source: str, webvtt: bool) -> Cue | None:
    timing_at = 0 if "-->" in block[0] else 1
    if timing_at >= len(block) or "-->" not in block[timing_at]:
        want = "HH:MM:SS.mmm --> HH:MM:SS.mmm" if webvtt else "HH:MM:SS,mmm --> HH:MM:SS,mmm"
        raise CaptionError(f"{source} line {number + timing_at}: expected a cue timing '{want}'")
    if not webvtt and timing_at == 1 and not re.fullmatch(r"[0-9]{1,9}", block[0].strip()):
        raise CaptionError(f"{source} line {number}: expected a cue number, got {block[0][:40]!r}")
    at = number + timing_at
    match = _TIMING.match(block[timing_at])
    if match is None:
        raise CaptionError(f"{source} line {at}: malformed timing {block[timing_at][:60]!r}")
    start = _seconds(*match.group(1, 2, 3, 4))
    end = _seconds(*match.group(5, 6, 7, 8))
    if start is None or end is None:
        raise CaptionError(f"{source} line {at}: minutes and seconds go up to 59")
    if end <= start:
        raise CaptionError(
            f"{source} line {at}: the cue ends ({_clock(end)}) before it starts ({_clock(start)})"
        )
    body = block[timing_at + 1 :]
    for offset, line in enumerate(body, start=at + 1):
        bad = _CONTROL.search(line)
        if bad is not None:
            raise CaptionError(
                f"{source} line {offset}: control character U+{ord(bad.group()):04X} in the text"
            )
    text = "\n".join(cleaned for line in body if (cleaned := _clean(line)))
    if not text:
        return None  # nothing to show
    settings = cue_settings(match.group(9)) if webvtt else ""
    return Cue(start, end, text, settings, at)


def check_fits(cues: Sequence[Cue], duration_s: float, source: str) -> None:
    """CaptionError when a cue starts after the lesson has ended (captions of another
    recording, or in the wrong time unit)."""
    late = next((c for c in cues if c.start > duration_s + 1.0), None)
    if late is not None:
        raise CaptionError(
            f"{source} line {late.line}: the cue starts at {_clock(late.start)}, after the "
            f"lesson's end ({_clock(duration_s)})"
        )


def _clock(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _block(index: int, cue: Cue) -> str:
    settings = f" {cue.settings}" if cue.settings else ""
    return f"{index}\n{_clock(cue.start)} --> {_clock(cue.end)}{settings}\n{cue.text}\n"


def webvtt(cues: Sequence[Cue]) -> str:
    """The cues as one WebVTT file (how sabaq stores a producer's captions)."""
    return "WEBVTT\n\n" + "\n".join(_block(i, c) for i, c in enumerate(cues, start=1))


def digest(cues: Sequence[Cue]) -> str:
    """A short name of what the cues say and when: equal means nothing to redo."""
    return hashlib.sha256(webvtt(cues).encode()).hexdigest()[:12]


def segment_files(cues: Sequence[Cue], durations: Sequence[float], mpegts: int) -> list[str]:
    """One WebVTT file per media segment (of those `durations`): the cues overlapping
    it, numbered as in the lesson (so a player knows a repeated cue for the same),
    and the map from lesson time 0 to the TS presentation time `mpegts` (90 kHz)."""
    header = f"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n"
    files, begin = [], 0.0
    numbered = list(enumerate(cues, start=1))
    for duration in durations:
        end = begin + duration
        inside = [_block(i, c) for i, c in numbered if c.start < end and c.end > begin]
        files.append(header + "".join("\n" + b for b in inside))
        begin = end
    return files


EMPTY = "WEBVTT\n"
"""A captions segment where nothing is said (the slate, a lesson without captions)."""


def prefix_ids(text: str, prefix: str) -> str:
    """A segment file of `segment_files` with every cue id made `prefix`-ID: a live
    channel plays many lessons, whose cue numbers must not repeat across them."""
    return re.sub(r"(?m)^(\d+)\n(?=\d\d:\d\d:\d\d\.\d{3} --> )", rf"{prefix}-\1\n", text)


def parse_assignments(text: str, where: str) -> dict[str, str]:
    """'kk=subs/a.kk.srt ru=subs/a.ru.vtt' (spaces or ';' between) as {language: path};
    BadInput names a part that is not LANG=PATH with a known language."""
    found: dict[str, str] = {}
    for part in re.split(r"[;\s]+", text.strip()):
        if not part:
            continue
        language, sep, path = part.partition("=")
        if not sep or not path:
            raise BadInput(f"{where}: {part!r} is not LANGUAGE=FILE")
        if language not in LANGUAGES:
            raise BadInput(f"{where}: {language!r} is not one of {', '.join(LANGUAGES)}")
        if language in found:
            raise BadInput(f"{where}: {language} is given twice")
        found[language] = path
    return found
