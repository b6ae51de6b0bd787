"""Questions: asking, asking once more when nobody answers, and taking the answers (pain
ratings, "end the workout?", "did you say next?", "an easier version?")."""

from __future__ import annotations

from typing import Any

from voicecoach.core import timing
from voicecoach.core.intents import Intent
from voicecoach.core.dialogue import commands, flow, interjections, safety
from voicecoach.core.dialogue.state import QUESTION, QUESTION_PHASES, State
from voicecoach.core.dialogue.turn import Turn

REPROMPTS = {"pain_before": "pain_question_again", "pain_after": "pain_question_again",
             "confirm_stop": "confirm_stop_again", "pain_offer": "pain_offer_again",
             "confirm_command": "confirm_command_again"}


def ask(t: Turn, phase: str, key: str, saved: State | None = None, **data: Any) -> None:
    t.set(phase=phase, reprompted=False, saved=saved, awaiting=None)
    expects = QUESTION_PHASES[phase]
    text = t.text(key, **data)
    t.say_text(text, "question", expects=expects)
    t.listen(expects)
    t.timer(QUESTION, t.now + timing.speech_seconds(text) + timing.QUESTION_TIMEOUT)


def timed_out(t: Turn) -> None:
    """Nobody answered: ask once more, then go on sensibly."""
    phase = t.s.phase
    if not t.s.reprompted:
        text = t.text(REPROMPTS[phase])
        t.say_text(text, "question", expects=QUESTION_PHASES[phase])
        t.set(reprompted=True)
        t.timer(QUESTION, t.now + timing.speech_seconds(text) + timing.QUESTION_TIMEOUT)
        return
    if phase == "pain_before":
        t.say("pain_not_given")
        flow.start_exercise(t, t.s.index)
    elif phase == "pain_after":
        t.say("pain_not_given")
        flow.finish(t)
    elif phase == "confirm_stop":
        flow.end(t, finished=False, reason="stopped")
    elif phase == "confirm_command":
        t.set(pending=None)
        t.say("carry_on")
        interjections.resume(t)
    elif phase == "pain_offer":
        safety.skip_hurting(t)


def answer(t: Turn, intent: Intent) -> bool:
    """Handle an answer to the open question; False when the intent is no answer to it."""
    phase = t.s.phase
    if phase in ("pain_before", "pain_after"):
        return _pain_rating(t, intent)
    if phase == "confirm_stop":
        if intent.name in ("yes", "stop"):
            flow.end(t, finished=False, reason="stopped")
            return True
        if intent.name in ("no", "resume", "start"):
            _carry_on(t)
            return True
        return False
    if phase == "confirm_command":
        pending = t.s.pending
        if intent.name == "yes" and pending is not None:
            t.cancel(QUESTION)
            # Act on it from where we were: the handlers read the saved state.
            t.set(phase="paused", pending=None)
            commands.handler_for(pending.name)(t, pending)  # type: ignore[misc]
            return True
        if intent.name in ("no", "resume"):
            t.set(pending=None)
            _carry_on(t)
            return True
        return False
    if phase == "pain_offer":
        if intent.name == "yes":
            t.cancel(QUESTION)
            safety.use_easier(t)
            return True
        if intent.name in ("no", "next"):
            t.cancel(QUESTION)
            safety.skip_hurting(t)
            return True
        return False
    return False


def _pain_rating(t: Turn, intent: Intent) -> bool:
    before = t.s.phase == "pain_before"
    if intent.name == "number":
        value = int(intent.slots.get("value", 0))
        t.cancel(QUESTION)
        t.say("pain_noted", value=value)
        if before:
            t.set(pain_before=value)
            t.record("pain_before", value=value)
            if value >= 7:
                t.say("pain_high", "safety")
            flow.start_exercise(t, t.s.index)
        else:
            t.set(pain_after=value)
            t.record("pain_after", value=value)
            flow.finish(t)
        return True
    if intent.name in ("next", "no"):  # "skip" / "no" -> no rating
        t.cancel(QUESTION)
        t.say("pain_not_given")
        if before:
            flow.start_exercise(t, t.s.index)
        else:
            flow.finish(t)
        return True
    return False


def _carry_on(t: Turn) -> None:
    t.cancel(QUESTION)
    t.say("carry_on")
    interjections.resume(t)
