"""Questions: asking, asking once more when nobody answers, and taking the answers (pain
ratings, "end the workout?", "did you say next?", "how bad is it?", "an easier version?").

A question's answering time starts when it has finished playing (and starts again in full
after any reply said while it is open); an answer counts only once the question has begun to
play. A costly question gets a clear answer or nothing: a "yes" misheard is no consent, so an
unanswered "end the workout?" pauses instead of ending.
"""

from __future__ import annotations

from typing import Any

from voicecoach.core.intents import Intent
from voicecoach.core.dialogue import commands, flow, interjections, safety
from voicecoach.core.dialogue.state import (
    CONFIRM_BELOW, QUESTION, QUESTION_PHASES, State,
)
from voicecoach.core.dialogue.turn import Turn

REPROMPTS = {"pain_before": "pain_question_again", "pain_after": "pain_question_again",
             "confirm_stop": "confirm_stop_again", "pain_offer": "pain_offer_again",
             "confirm_command": "confirm_command_again", "pain_rating": "pain_question_again"}


def ask(t: Turn, phase: str, key: str, saved: State | None = None, **data: Any) -> None:
    t.cancel(QUESTION)
    t.set(phase=phase, reprompted=False, saved=saved, asked=None, question_open=False,
          no_match=0)
    # The recognizer switches to the answers' grammar when the question begins to play (see
    # machine.py): until then the person may still say "start", "louder", ...
    t.say(key, "question", expects=QUESTION_PHASES[phase], tag="question", **data)


def timed_out(t: Turn) -> None:
    """Nobody answered in time: ask once more, then go on sensibly."""
    phase = t.s.phase
    if not t.s.reprompted:
        pending = t.s.pending
        heard = (pending.text or pending.name) if pending is not None else ""
        t.say(REPROMPTS[phase], "question", expects=QUESTION_PHASES[phase], tag="question",
              heard=heard)
        t.set(reprompted=True)
        return
    if phase == "pain_before":
        t.say("pain_not_given")
        flow.start_exercise(t, t.s.index)
    elif phase == "pain_after":
        t.say("pain_not_given")
        flow.finish(t)
    elif phase == "confirm_stop":
        # Misheard is not consent: no clear "yes", so no ending. Pause and wait instead.
        interjections.pause_here(t, t.s.saved, "confirm_stop_paused")
    elif phase == "confirm_command":
        t.set(pending=None)
        t.say("carry_on")
        interjections.resume(t)
    elif phase == "pain_rating":
        safety.after_rating(t, None)
    elif phase == "pain_offer":
        safety.skip_hurting(t)


def clear(intent: Intent, source: str) -> bool:
    """Heard clearly enough to act on something costly (typed, or spoken with confidence)."""
    return source != "voice" or intent.confidence >= CONFIRM_BELOW


def answer(t: Turn, intent: Intent, source: str = "text") -> bool:
    """Handle an answer to the open question; False when the intent is no answer to it."""
    phase = t.s.phase
    name = intent.name
    if phase in ("pain_before", "pain_after"):
        return _pain_rating(t, intent)
    if phase == "pain_rating":
        if name == "number":
            t.cancel(QUESTION)
            value = int(intent.slots.get("value", 0))
            t.reply("pain_rating_noted", value=value)
            safety.after_rating(t, value)
            return True
        if name in ("next", "no"):
            t.cancel(QUESTION)
            safety.after_rating(t, None)
            return True
        return False
    if phase == "confirm_stop":
        if name in ("yes", "stop"):
            if not clear(intent, source):
                interjections.not_understood(t)  # a doubtful "yes" ends nothing
                return True
            flow.end(t, finished=False, reason="stopped")
            return True
        if name in ("no", "resume", "start"):
            _carry_on(t)
            return True
        return False
    if phase == "confirm_command":
        pending = t.s.pending
        if name == "yes" and pending is not None:
            t.cancel(QUESTION)
            # Act on it from where we were: the handlers read the saved state.
            t.set(phase="paused", pending=None)
            commands.handler_for(pending.name)(t, pending)  # type: ignore[misc]
            return True
        if name in ("no", "resume"):
            t.set(pending=None)
            _carry_on(t)
            return True
        return False
    if phase == "pain_offer":
        if name == "yes":
            t.cancel(QUESTION)
            safety.use_easier(t)
            return True
        if name in ("no", "next"):
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
