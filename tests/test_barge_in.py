"""Barge-in: while the coach counts, the person's "stop" gets through at the normal threshold,
and the coach's own words picked up by the microphone are not taken for a command."""

from __future__ import annotations

import queue

import numpy as np
import pytest

from voicecoach.audio.audio_io import load_16k
from voicecoach.audio.listener import Listener, is_echo
from voicecoach.cli.demo import VOICE_DIR
from voicecoach.core.events import Heard


@pytest.mark.parametrize("heard, coach, echo", [
    ("it hurts", ["Never push through pain. If it hurts, say it hurts."], True),
    ("pain", ["say it hurts if pain gets worse"], True),
    ("stop", ["3", "4"], False),
    ("it hurts", ["halfway"], False),
    ("stop", [], False),
])
def test_echo_is_what_the_coach_itself_was_saying(heard, coach, echo):
    assert is_echo(heard, coach) is echo


class CountingSpeaker:
    """The coach, counting while the person talks (what the real speaker reports)."""

    def __init__(self, lines):
        self.lines = lines

    def is_speaking(self) -> bool:
        return True

    def said_between(self, t_from, t_to):
        return self.lines


@pytest.fixture(scope="module")
def recognizer(moonshine):
    return moonshine


def decode_over(recognizer, clip: str, coach_lines) -> list:
    events: queue.Queue = queue.Queue()
    listener = Listener(events, recognizer, speaker=CountingSpeaker(coach_lines))
    samples = load_16k(VOICE_DIR / clip)
    noise = np.random.default_rng(1).normal(0, 10, samples.size).astype(np.int16)
    listener._decode((samples + noise).tobytes(), spoke_over=True, began=0.0, ended=1.0)
    return [events.get_nowait() for _ in range(events.qsize())]


def test_stop_said_over_the_counts_is_heard(recognizer):
    heard = decode_over(recognizer, "stop.wav", ["3", "4"])
    assert [e.intent.name for e in heard if isinstance(e, Heard)] == ["stop"]


def test_chatter_over_the_counts_is_not_a_command(recognizer):
    assert decode_over(recognizer, "chatter-bird.wav", ["3", "4"]) == []


def rendered_over(recognizer, text: str, coach_lines) -> list[str]:
    """`text` spoken by the coach's own renderer (espeak-ng: no recording of a person saying
    it exists here) and decoded as speech over the coach's `coach_lines`; the intents heard."""
    from voicecoach.audio.audio_io import resample
    from voicecoach.audio.render import Renderer

    renderer = Renderer()
    try:
        clip = renderer.render(text)
    finally:
        renderer.close()
    events: queue.Queue = queue.Queue()
    listener = Listener(events, recognizer, speaker=CountingSpeaker(coach_lines))
    pcm = resample(clip.samples, clip.rate, 16000).astype("<i2").tobytes()
    listener._decode(pcm, spoke_over=True, began=0.0, ended=1.0)
    return [events.get_nowait().intent.name for _ in range(events.qsize())]


def test_it_hurts_said_over_the_counts_is_heard(recognizer):
    assert rendered_over(recognizer, "It hurts.", ["5", "6"]) == ["pain"]


def test_the_coach_saying_it_hurts_is_not_taken_for_the_person(recognizer):
    """The coach's own safety line leaks into the microphone: every word heard is one it was
    saying, so it is an echo, not the person."""
    line = "Never push through pain. If it hurts, say it hurts."
    assert rendered_over(recognizer, "If it hurts, say it hurts.", [line]) == []
