"""From the two readings of one utterance to an intent, or to nothing (pure: numbers in,
decision out; the benchmark tunes these thresholds through the same function).

The readings (voicecoach.audio.moonshine.recognizer):
- free: the model's own best non-empty transcript, read by the text parser like typed text;
- expected: the best of the listening context's short phrases, scored against the audio.

Rejection (tuned on some speakers, checked on the others: BENCHMARKS.md) asks two things of
the best expected phrase:
- `renorm`: its log-probability corrected for the model's wish to write nothing at all
  (- log(1 - p(</s> right after <s>))): quiet or short words are not punished for it;
- `margin`: its log-probability minus that of the free transcript. When the model would
  rather write something else ("Bed." over "Begin."), the phrase was not said.
When the free transcript itself parses to the same intent as the best phrase, both readings
agree and it is accepted outright. A free transcript that parses to an intent of the context
while the phrases' reading is weak is taken too (long requests: "how do I do a bird dog").

Costs differ by intent (DESIGN.md §2): safety phrases get lower bars (a missed "stop" or "it
hurts" costs more than a false one); next/previous/goto come out with a confidence under the
dialogue's 0.75, so it asks before acting on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.core.intents import Intent, no_intent

SAFETY_INTENTS = frozenset({"stop", "pause", "pain", "red_flag"})
CONFIRM_INTENTS = frozenset({"next", "previous", "goto"})
CONF_AGREE = 0.95  # both readings say the same
CONF_PHRASE = 0.85  # the phrase reading alone, above the bars
CONF_CONFIRM = 0.6  # costly-to-undo intents that only one reading supports


@dataclass(frozen=True)
class Bars:
    """Thresholds of one listening context (natural-log units)."""

    renorm: float
    margin: float
    safety_bonus: float = 1.0  # subtracted from both bars for safety intents


@dataclass(frozen=True)
class Readings:
    free_text: str
    free_intent: Intent  # Intent("none") when the parser found nothing fitting the context
    phrase: str | None  # the best expected phrase
    phrase_intent: Intent | None
    renorm: float
    margin: float


def decide(r: Readings, bars: Bars) -> Intent:
    """The intent heard (with its confidence), or Intent("none")."""
    free = r.free_intent
    if r.phrase_intent is not None and not free.is_none and _same(free, r.phrase_intent):
        return _with(r.phrase_intent, r.free_text or r.phrase, CONF_AGREE)
    if r.phrase_intent is not None:
        bonus = bars.safety_bonus if r.phrase_intent.name in SAFETY_INTENTS else 0.0
        if r.renorm > bars.renorm - bonus and r.margin > bars.margin - bonus:
            return _with(r.phrase_intent, r.phrase or "", CONF_PHRASE)
    if not free.is_none:
        return _with(free, r.free_text, min(free.confidence, CONF_PHRASE))
    return no_intent(r.free_text)


def _same(a: Intent, b: Intent) -> bool:
    return a.name == b.name and dict(a.slots) == dict(b.slots)


def _with(intent: Intent, text: str, confidence: float) -> Intent:
    if intent.name in CONFIRM_INTENTS:
        confidence = min(confidence, CONF_CONFIRM)
    return Intent(intent.name, dict(intent.slots), text, confidence)
