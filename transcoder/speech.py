"""A first draft of a lesson's captions from its sound, for a producer to correct.

The sound is read by ffmpeg as 16 kHz mono PCM and fed to a recogniser, whose
timed words are grouped into cues the way subtitlers set them: at most two lines
of 42 characters, at most 6 s on screen, a new cue after a pause. The one real
recogniser is Vosk (offline; Kazakh and Russian models exist), behind the
`speech` extra and a model directory the producer downloads once: nothing is
fetched at run time. A draft is never published by itself: `sabaq catalog
captions` does that, after a person has read it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from catalog.captions import Cue
from errors import BadInput, MediaError
from transcoder.probe import READ_ONLY_ARGS, probe
from transcoder.processes import die_with_parent, last_line

RATE = 16_000
CHUNK_S = 0.5
LINE_CHARS = 42
MAX_CUE_S = 6.0
PAUSE_S = 0.8


@dataclass(frozen=True)
class Word:
    """A recognised word and when it was said (seconds of lesson time)."""

    start: float
    end: float
    text: str


class Recogniser(Protocol):
    """Turns 16-bit mono PCM at RATE into timed words, chunk by chunk."""

    def feed(self, pcm: bytes) -> Iterable[Word]:
        """The words settled after this chunk."""

    def finish(self) -> Iterable[Word]:
        """The words still pending at the end."""


def sound(path: Path) -> Iterator[bytes]:
    """The recording's first audio track as 16 kHz mono signed 16-bit PCM, in chunks.
    MediaError when it has no sound or ffmpeg cannot read it."""
    info = probe(path)
    if not info.has_audio:
        raise MediaError(f"{path}: has no sound to recognise")
    process = subprocess.Popen(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            *READ_ONLY_ARGS,
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-ac",
            "1",
            "-ar",
            str(RATE),
            "-f",
            "s16le",
            "pipe:1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=die_with_parent,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    size = int(RATE * CHUNK_S) * 2
    try:
        while chunk := process.stdout.read(size):
            yield chunk
    except GeneratorExit:  # the reader stopped early: so does ffmpeg
        process.kill()
        process.wait()
        raise
    errors = process.stderr.read().decode(errors="replace")
    if process.wait() != 0:
        raise MediaError(f"{path}: its sound cannot be read ({last_line(errors)})")


def _lines(words: list[Word]) -> str:
    """The words in at most two lines of LINE_CHARS (the second takes the rest)."""
    text = " ".join(w.text for w in words)
    if len(text) <= LINE_CHARS:
        return text
    first: list[str] = []
    rest = list(words)
    while rest and len(" ".join([*first, rest[0].text])) <= LINE_CHARS:
        first.append(rest.pop(0).text)
    return " ".join(first) + "\n" + " ".join(w.text for w in rest)


def cues_from(words: Iterable[Word]) -> tuple[Cue, ...]:
    """Timed words grouped into cues: a new cue after a pause of PAUSE_S, or when the
    next word would make it longer than MAX_CUE_S or two lines of LINE_CHARS."""
    cues: list[Cue] = []
    group: list[Word] = []

    def close() -> None:
        if group:
            cues.append(
                Cue(group[0].start, max(group[-1].end, group[0].start + 0.5), _lines(group))
            )
            group.clear()

    for word in words:
        if not word.text.strip():
            continue
        if group and (
            word.start - group[-1].end > PAUSE_S
            or word.end - group[0].start > MAX_CUE_S
            or len(" ".join([*(w.text for w in group), word.text])) > 2 * LINE_CHARS
        ):
            close()
        group.append(word)
    close()
    return tuple(cues)


def draft(path: Path, recogniser: Recogniser) -> tuple[Cue, ...]:
    """The draft cues of a recording: its sound through `recogniser`, grouped."""

    def words() -> Iterator[Word]:
        for chunk in sound(path):
            yield from recogniser.feed(chunk)
        yield from recogniser.finish()

    return cues_from(words())


class VoskRecogniser:
    """Vosk's offline recogniser over a model directory (for example Kazakh
    vosk-model-kz-0.15 or Russian vosk-model-small-ru-0.22, downloaded once)."""

    def __init__(self, model: Path) -> None:
        try:
            import vosk  # type: ignore[import-not-found]
        except ImportError:
            raise BadInput(
                "speech-to-text needs the speech extra (pip install '.[speech]') and a Vosk "
                "model directory"
            ) from None
        if not (model / "conf").is_dir() and not (model / "am").is_dir():
            raise BadInput(f"{model}: not a Vosk model directory (it has no am/ or conf/)")
        vosk.SetLogLevel(-1)
        self._recogniser: Any = vosk.KaldiRecognizer(vosk.Model(str(model)), RATE)
        self._recogniser.SetWords(True)

    @staticmethod
    def _words(result: str) -> list[Word]:
        data = json.loads(result)
        return [
            Word(float(w["start"]), float(w["end"]), str(w["word"])) for w in data.get("result", [])
        ]

    def feed(self, pcm: bytes) -> list[Word]:
        """Vosk settles words at pauses: those are returned."""
        if self._recogniser.AcceptWaveform(pcm):
            return self._words(self._recogniser.Result())
        return []

    def finish(self) -> list[Word]:
        """The words of the last phrase."""
        return self._words(self._recogniser.FinalResult())
