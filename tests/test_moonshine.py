"""The default recognizer's parts: the tokenizer on the shipped vocabulary, the converted-model
cache (built once, rebuilt when damaged), the decision rule, and Silero endpointing on a real
recording in real noise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voicecoach.audio.audio_io import load_16k
from voicecoach.audio.moonshine import files
from voicecoach.audio.moonshine.decide import Bars, Readings, decide
from voicecoach.audio.moonshine.tokenizer import EOS, Tokenizer
from voicecoach.core.intents import Intent, no_intent

SPEECH = Path("/work/shared/speech")
for candidate in (Path(__file__).resolve().parents[2] / "shared" / "speech", SPEECH):
    if (candidate / "MANIFEST.tsv").is_file():
        SPEECH = candidate
        break


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer.load(files.packaged_dir() / "tokenizer.bin")


def test_tokenizer_writes_what_the_model_writes(tokenizer):
    assert len(tokenizer) == 32000
    assert tokenizer.encode("Stop.") == (22303, 29889)  # ▁Stop .
    for text in ("Let's go.", "I'm ready.", "How long is left?", "Four", "naïve café"):
        assert tokenizer.decode(tokenizer.encode(text)) == text
    assert tokenizer.decode([1, 22303, 29889, EOS]) == "Stop."


def test_model_is_converted_once_and_rebuilt_when_damaged(model_dir, moonshine):
    before = files.converted()  # the session's model: already built, nothing to say
    notes: list[str] = []
    assert files.converted(notice=notes.append) == before and notes == []
    stamp = before.decoder.stat().st_mtime_ns
    with open(before.decoder, "r+b") as f:  # a crash half-way through a copy
        f.truncate(1000)
    again = files.converted(notice=notes.append)
    assert len(notes) == 1 and "damaged" in notes[0] and "rebuilding" in notes[0]
    assert again.decoder.stat().st_size > 1_000_000
    assert again.decoder.stat().st_mtime_ns != stamp


def test_unwritable_model_cache_is_one_clear_message(tmp_path, monkeypatch):
    from voicecoach.core.errors import UserError

    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    monkeypatch.setenv(files.MODEL_DIR_ENV, str(blocked / "models"))
    with pytest.raises(UserError, match="cannot write the speech model cache"):
        files.converted()


# ------------------------------------------------------------------ the decision (pure)

STOP = Intent("stop", {}, "stop")
NEXT = Intent("next", {}, "next")
BARS = Bars(renorm=-2.0, safety_bonus=1.0)


def readings(free_text="", free=None, phrase_intent=STOP, renorm=-5.0) -> Readings:
    return Readings(free_text, free or no_intent(free_text), phrase_intent and
                    phrase_intent.name, phrase_intent, renorm)


def test_both_readings_agreeing_is_accepted_even_when_the_score_is_low():
    got = decide(readings("Stop.", STOP, STOP, renorm=-9.0), BARS)
    assert got.name == "stop" and got.confidence >= 0.9


def test_a_weak_phrase_with_no_transcript_is_rejected():
    assert decide(readings(renorm=-3.5), BARS).is_none


def test_safety_gets_the_benefit_of_the_doubt_and_next_gets_confirmed():
    assert decide(readings(renorm=-2.5), BARS).name == "stop"  # under the bar, within bonus
    assert decide(readings(phrase_intent=NEXT, renorm=-2.5), BARS).is_none
    got = decide(readings(phrase_intent=NEXT, renorm=-1.0), BARS)
    assert got.name == "next" and got.confidence < 0.75  # the dialogue asks first


def test_a_short_transcript_does_not_overrule_a_weak_phrase_reading():
    three = Intent("number", {"value": 3}, "Three.")
    assert decide(readings("Three.", three, STOP, renorm=-6.0), BARS).is_none
    explain = Intent("explain", {"exercise": "bird-dog"}, "how do I do a bird dog")
    got = decide(readings("How do I do a bird dog?", explain, STOP, renorm=-6.0), BARS)
    assert got.name == "explain"


# ------------------------------------------------------------------ endpointing in noise


@pytest.mark.skipif(not (SPEECH / "MANIFEST.tsv").is_file(), reason="no ../shared/speech")
def test_silero_ends_a_command_said_in_kitchen_noise():
    """The pocketsphinx endpointer often never closes a segment in this noise (BENCHMARKS.md);
    Silero closes it within half a second of the word's end."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from bench_vad import LEAD_S, make_stream, segments_silero, speech_end

    from voicecoach.audio.vad import SileroVad

    clip = load_16k(SPEECH / "words" / "stop" / "105a0eea_nohash_0.wav")
    noise = load_16k(SPEECH / "noise" / "doing_the_dishes.wav")
    segments = segments_silero(make_stream(clip, noise, 6.0, seed=1), SileroVad())
    end = LEAD_S + speech_end(clip)
    closing = [e for s, e in segments if e is not None and s < end]
    assert closing and 0.0 < closing[-1] - end < 0.6, segments


def test_model_dir_is_shared_with_child_processes(model_dir):
    assert os.environ[files.MODEL_DIR_ENV] == model_dir
