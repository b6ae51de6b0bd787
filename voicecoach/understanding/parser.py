"""Typed or transcribed text -> Intent, in any wording.

The steps, first hit wins:
  1. safety (safety.py, data/safety.yaml): a warning sign anywhere is a red flag, urgent with
     an urgent region or function; then pain. In every context, before anything else;
  2. a sentence of the templates (data/commands.yaml), exactly or with fillers at its ends;
  3. the classifier (model.py) over words and characters, with the exercise name (names.py)
     and numbers (text2num) taken out as slots. Its best label must be sure enough and clear
     of the next one, or the answer is `none`: chatter must not become a command.
The listening context (the dialogue's `Listen(grammar)`: "command", "yes_no", "number",
"cause", "level", "safety") makes step 3 prefer what answers the question, so "three I guess"
answers a pain question and "yeah I think so" a yes/no question; a clear command still means
itself ("stop", "do the plank").
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from voicecoach.core.catalog import load_catalog
from voicecoach.core.intents import Intent, no_intent
from voicecoach.understanding import safety
from voicecoach.understanding.answers import mixed_answer
from voicecoach.understanding.features import Prepared, prepare
from voicecoach.understanding.model import LinearModel, load_model
from voicecoach.understanding.names import name_index

CONF_TEMPLATE = 1.0
CONF_TEMPLATE_FILLERS = 0.95  # a template sentence once fillers at its ends are dropped
CONF_GUESSED = 0.8  # ... with a misspelt word or name read as the nearest known one
CONF_CLAUSE = 0.7  # one clause of a run-on is a template sentence
# The classifier's label stands when its probability is at least THRESHOLD and beats the
# runner-up by MARGIN. Commands that are costly when wrong (they end or move the session) need
# more; the dialogue also confirms next/previous/goto below 0.75 (CONFIRM_BELOW).
THRESHOLD = 0.5
MARGIN = 0.15
STRICT = {"stop": 0.6, "next": 0.6, "previous": 0.6, "goto": 0.6}
# In a question's context the expected answers compete among themselves (and `none`): the
# best needs this share of their probability, and a little of the whole.
CONTEXT_THRESHOLD = 0.6
CONTEXT_MIN = 0.03
# The classifier also knows warning signs, as a net under the safety lists: it may raise one
# the lists missed, when the text names a body part (missing a red flag costs the most; "I
# forgot my glasses" must not end the session).
SAFETY_NET = 0.6
ALWAYS = ("stop", "pause", "help", "repeat", "pain", "red_flag")


@functools.lru_cache(maxsize=1)
def classifier() -> LinearModel:
    """The shipped model; trained in memory (slow) when it does not match the data."""
    model = load_model()
    if model is None:
        from voicecoach.understanding.training import train

        model = train()
    return model


@functools.lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    return classifier().vocabulary()


@functools.lru_cache(maxsize=1)
def _command_words() -> frozenset[str]:
    return frozenset(w for k in classifier().exact for w in k.split())


@dataclass(frozen=True)
class _Label:
    intent: str
    slots: dict

    @staticmethod
    def of(label: str, prepared: Prepared) -> "_Label | None":
        intent, _, value = label.partition(":")
        if intent == "red_flag":
            return _Label(intent, {"urgent": value == "urgent"})
        if intent in ("cause", "level"):
            return _Label(intent, {intent: value})
        if intent == "number":
            n = int(value) if value else prepared.pain_score
            return _Label(intent, {"value": n}) if n is not None else None
        if intent == "goto":
            return _Label(intent, {"exercise": prepared.exercise}) if prepared.exercise else None
        if intent == "explain":
            return _Label(intent, {"exercise": prepared.exercise} if prepared.exercise else {})
        return _Label(intent, {})


def _allowed(context: str | None) -> frozenset[str] | None:
    """The intents that fit a listening context (None: any; an unknown context too)."""
    intents = classifier().contexts.get(context) if context is not None else None
    return frozenset(intents) | frozenset(ALWAYS) if intents is not None else None


def _classify(text: str, prepared: Prepared, context: str | None) -> Intent:
    ranked = classifier().ranked(prepared.tokens)
    if safety.denied(text, known=_known_words()):  # "that's not painful": not pain
        ranked = [(label, p) for label, p in ranked
                  if label.partition(":")[0] not in ("pain", "red_flag")]
    allowed = _allowed(context)
    if not safety.names_the_body(text):  # the classifier's red flags need a body part
        ranked = [(label, p) for label, p in ranked if not label.startswith("red_flag")]
    net = [(label, p) for label, p in ranked if label.startswith("red_flag")]
    if net and net[0][1] >= SAFETY_NET:
        found = _Label.of(net[0][0], prepared)
        return Intent(found.intent, found.slots, text, net[0][1])
    if context == "number" and prepared.pain_score is not None:
        top, p = ranked[0]  # a number answers, unless another command is plainly meant
        if top.partition(":")[0] in ("number", "none") or p < THRESHOLD:
            return Intent("number", {"value": prepared.pain_score}, text, max(p, 0.6))
    if allowed is not None and context != "command":
        # Within the question's answers (and none), which does the classifier prefer?
        fit = [(label, p) for label, p in ranked
               if label.partition(":")[0] in allowed or label == "none"]
        total = sum(p for _, p in fit)
        if fit and fit[0][0] != "none" and total > 0 and fit[0][1] >= CONTEXT_MIN and (
                fit[0][1] / total >= CONTEXT_THRESHOLD):
            found = _Label.of(fit[0][0], prepared)
            if found is not None:
                return Intent(found.intent, found.slots, text, fit[0][1] / total)
    # Not an answer to the question: any command may still be meant ("do the plank").
    (label, p), runner = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    intent = label.partition(":")[0]
    if label == "none" or p < STRICT.get(intent, THRESHOLD) or p - runner < MARGIN:
        return no_intent(text)
    found = _Label.of(label, prepared)
    if found is None:
        return no_intent(text)
    return Intent(found.intent, found.slots, text, p)


def parse(text: str, catalog=None, context: str | None = None) -> Intent:
    """What a person meant by `text`, e.g. "um, how do I do a bird dog?" ->
    Intent("explain", {"exercise": "bird-dog"}). `context` is what the dialogue listens for
    (None: anything). Never raises on odd input: Intent("none")."""
    if not text or not text.strip():
        return no_intent(text)
    sign = safety.check(text, known=_known_words())
    catalog = catalog if catalog is not None else load_catalog()
    prepared = prepare(text, name_index(catalog), _known_words(), _command_words())
    if sign is not None and sign.intent == "red_flag":
        return sign.to_intent(text)
    answer = mixed_answer(text) if sign is None else None
    if answer is not None:  # "yeah nah": the last word decides
        return Intent(answer, {}, text, CONF_TEMPLATE)
    label, fillers = classifier().template_label(prepared.tokens)
    if sign is not None:  # pain; unless it is a pain score ("my pain is about a five")
        score = prepared.pain_score
        said = label or classifier().ranked(prepared.tokens)[0][0]
        if score is None or (context != "number" and said != "number"):
            return sign.to_intent(text)
        return Intent("number", {"value": score}, text, 0.9)
    if label is not None:  # a command sentence means itself in any context
        found = _Label.of(label, prepared)
        if found is not None:
            conf = CONF_TEMPLATE_FILLERS if fillers else CONF_TEMPLATE
            return Intent(found.intent, found.slots, text,
                          conf * CONF_GUESSED if prepared.guessed else conf)
    found = _classify(text, prepared, context)
    if found.is_none:
        return _command_in_a_clause(text, catalog) or found
    return found


# Answers are left out: "no, I'll call you back" is chatter, not the answer no.
_CLAUSE_LABELS_SKIPPED = ("yes", "no", "number")


def _command_in_a_clause(text: str, catalog) -> Intent | None:
    """A run-on whose one clause is a command sentence of the templates ("louder, I'm across
    the room", "oops, too far, go back"): that command, a little less sure."""
    parts = [p for p in re.split(r"[,.;!?]+|\s-\s", text) if p.strip()]
    if len(parts) < 2:
        return None
    hits = []
    for part in parts:
        prepared = prepare(part, name_index(catalog), _known_words(), _command_words())
        label, _ = classifier().template_label(prepared.tokens)
        if label is None or label.partition(":")[0] in _CLAUSE_LABELS_SKIPPED:
            continue
        found = _Label.of(label, prepared)
        if found is not None:
            hits.append(found)
    if len({(h.intent, tuple(sorted(h.slots.items()))) for h in hits}) != 1:
        return None  # none, or two different commands: too unsure
    return Intent(hits[0].intent, hits[0].slots, text, CONF_CLAUSE)


def describe(intent: Intent) -> str:
    """One readable line: `goto exercise=childs-pose`."""
    slots = " ".join(f"{k}={json.dumps(v) if isinstance(v, bool) else v}"
                     for k, v in intent.slots.items())
    return f"{intent.name} {slots}".rstrip()
