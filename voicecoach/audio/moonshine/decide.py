"""From the two readings of one utterance to an intent, or to nothing (pure: numbers in,
decision out; the benchmark tunes these thresholds through the same function).

The readings (voicecoach.audio.moonshine.recognizer):
- free: the model's own best non-empty transcript, read by the text parser like typed text;
- expected: the best of the listening context's short phrases, scored against the audio.

Rejection (tuned on some speakers, checked on the others: BENCHMARKS.md):
- both readings agree (the transcript parses to the best phrase's intent): accepted;
- otherwise the best phrase must clear the context's bar on `renorm`, its log-probability
  corrected for the model's wish to write nothing at all (- log(1 - p(</s> right after
  <s>))), so quiet or clipped words are not punished for it (DESIGN.md §2c);
- otherwise a transcript of several words that parses to an intent of the context is taken
  (longer requests: "how do I do a bird dog", which the phrase reading does not cover);
  a short one is not: on one-second words free decoding is often wrong ("Three." for "tree").
A margin against the free reading's own score and a logistic regression over six such
features were tried too (scripts/bench_recognizer.py history in BENCHMARKS.md): no better.

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
    """Threshold of one listening context (natural-log units)."""

    renorm: float
    safety_bonus: float = 1.0  # subtracted from the bar for safety intents


@dataclass(frozen=True)
class Readings:
    free_text: str
    free_intent: Intent  # Intent("none") when the parser found nothing fitting the context
    phrase: str | None  # the best expected phrase
    phrase_intent: Intent | None
    renorm: float


FREE_MIN_WORDS = 3


def decide(r: Readings, bars: Bars) -> Intent:
    """The intent heard (with its confidence), or Intent("none")."""
    free = r.free_intent
    if r.phrase_intent is not None and not free.is_none and _same(free, r.phrase_intent):
        return _with(r.phrase_intent, r.free_text or r.phrase, CONF_AGREE)
    if r.phrase_intent is not None:
        bonus = bars.safety_bonus if r.phrase_intent.name in SAFETY_INTENTS else 0.0
        if r.renorm > bars.renorm - bonus:
            return _with(r.phrase_intent, r.phrase or "", CONF_PHRASE)
    if not free.is_none and r.phrase_intent is None:  # phrases not scored: the parse is trusted
        return _with(free, r.free_text, min(free.confidence, CONF_AGREE))
    if not free.is_none and len(r.free_text.split()) >= FREE_MIN_WORDS:
        return _with(free, r.free_text, min(free.confidence, CONF_PHRASE))
    return no_intent(r.free_text)


def _same(a: Intent, b: Intent) -> bool:
    return a.name == b.name and dict(a.slots) == dict(b.slots)


def _with(intent: Intent, text: str, confidence: float) -> Intent:
    if intent.name in CONFIRM_INTENTS:
        confidence = min(confidence, CONF_CONFIRM)
    return Intent(intent.name, dict(intent.slots), text, confidence)
