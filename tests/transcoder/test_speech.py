"""The speech-to-text draft: real sound read by ffmpeg, a fake recogniser (no model)."""

from __future__ import annotations

import pytest

from catalog.captions import parse_captions, webvtt
from errors import BadInput, MediaError
from transcoder.speech import LINE_CHARS, MAX_CUE_S, RATE, Word, cues_from, draft

pytestmark = pytest.mark.slow


class CountingRecogniser:
    """Says a word every 0.4 s of the sound it is fed (a pause after every 12th), so
    its words' times come from the samples it really got."""

    def __init__(self) -> None:
        self.samples = 0
        self.said = 0

    def feed(self, pcm: bytes) -> list[Word]:
        assert len(pcm) % 2 == 0  # 16-bit samples
        self.samples += len(pcm) // 2
        words = []
        while (self.said + 1) * 0.4 <= self.samples / RATE:
            start = self.said * 0.4 + (1.0 if self.said % 12 == 11 else 0.0)
            words.append(Word(start, start + 0.3, f"сөз{self.said}"))
            self.said += 1
        return words

    def finish(self) -> list[Word]:
        return []


def test_a_draft_follows_the_sound_and_sets_cues_as_subtitlers_do(media):
    recogniser = CountingRecogniser()
    cues = draft(media["lesson"], recogniser)
    assert recogniser.samples / RATE == pytest.approx(8.0, abs=0.1)  # the whole 8 s of sound
    assert cues
    assert all(c.end - c.start <= MAX_CUE_S for c in cues)
    assert all(len(line) <= LINE_CHARS for c in cues for line in c.text.split("\n"))
    assert all(c.text.count("\n") <= 1 for c in cues)
    assert [c.start for c in cues] == sorted(c.start for c in cues)
    said = " ".join(c.text.replace("\n", " ") for c in cues).split()
    assert said == [f"сөз{n}" for n in range(len(said))]  # nothing lost or reordered
    again = parse_captions(webvtt(cues).encode(), "draft.vtt")  # what a producer corrects
    assert [c.text for c in again] == [c.text for c in cues]


def test_a_pause_starts_a_new_cue():
    words = [Word(0.0, 0.3, "бір"), Word(0.4, 0.7, "екі"), Word(2.0, 2.3, "үш")]
    assert [c.text for c in cues_from(words)] == ["бір екі", "үш"]


def test_no_sound_or_no_model_is_one_line(media, tmp_path):
    with pytest.raises(MediaError, match="has no sound to recognise"):
        draft(media["silent"], CountingRecogniser())
    from transcoder.speech import VoskRecogniser

    with pytest.raises(BadInput, match=r"speech extra|not a Vosk model"):
        VoskRecogniser(tmp_path)
