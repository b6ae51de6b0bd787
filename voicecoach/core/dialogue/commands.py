"""What was heard, dispatched: safety first, then the answer to an open question (once it has
begun to play), a doubtful spoken command confirmed, then the command's own handler (this
module's start / resume / yes / no / stop, the interjections, the navigation)."""

from __future__ import annotations

from functools import cache
from typing import Callable

from voicecoach.core.intents import Intent
from voicecoach.core.dialogue import flow, interjections, navigation, questions, safety
from voicecoach.core.dialogue.state import (
    ANSWER_INTENTS, CONFIRM_BELOW, CONFIRM_INTENTS, QUESTION_PHASES,
)
from voicecoach.core.dialogue.turn import Turn


def heard(t: Turn, intent: Intent, source: str = "text") -> None:
    name = intent.name
    if t.s.ending is not None:  # the goodbye is being said
        if name == "stop":
            flow.end(t, finished=t.s.ending[0], reason=t.s.ending[1], speak=False, now=True)
        elif name == "red_flag":
            safety.red_flag(t, intent)
        return
    if name == "none":
        interjections.not_understood(t)
        return
    t.set(no_match=0)
    # Safety first, in every state, over everything the coach is saying.
    if name == "red_flag":
        safety.red_flag(t, intent)
        return
    if name == "pain":
        safety.pain(t)
        return
    if t.s.phase in QUESTION_PHASES:
        if t.s.question_open:
            if questions.answer(t, intent, source):
                return
        elif name in ANSWER_INTENTS:  # the question has not been heard yet: no answer to it
            t.reply("answer_wait")
            return
    if (source == "voice" and name in CONFIRM_INTENTS and intent.confidence < CONFIRM_BELOW
            and t.s.phase not in QUESTION_PHASES):
        saved = interjections.freeze(t)
        t.set(pending=intent)
        questions.ask(t, "confirm_command", "confirm_command", saved=saved,
                      heard=intent.text or name)
        return
    handler = handler_for(name)
    if handler is None:
        interjections.not_understood(t)
        return
    handler(t, intent)


def _begin_or_resume(t: Turn, resume_in: tuple[str, ...], otherwise: str) -> None:
    """Begin from the welcome, resume from `resume_in`, else say `otherwise`."""
    if t.s.phase == "welcome":
        flow.begin(t)
    elif t.s.phase in resume_in:
        interjections.resume(t)
    else:
        t.reply(otherwise)


def cmd_start(t: Turn, intent: Intent) -> None:
    _begin_or_resume(t, ("paused", "explaining"), "already_going")


def cmd_resume(t: Turn, intent: Intent) -> None:
    _begin_or_resume(t, ("paused", "explaining"), "not_paused")


def cmd_yes(t: Turn, intent: Intent) -> None:
    _begin_or_resume(t, ("paused",), "no_question")


def cmd_no(t: Turn, intent: Intent) -> None:
    t.reply("say_start_again" if t.s.phase == "welcome" else "no_question")


def cmd_stop(t: Turn, intent: Intent) -> None:
    if t.s.phase == "welcome":
        flow.end(t, finished=False, reason="stopped")
        return
    saved = interjections.freeze(t)
    questions.ask(t, "confirm_stop", "confirm_stop", saved=saved)


def handler_for(name: str) -> Callable[[Turn, Intent], None] | None:
    """The handler of a command (looked up when called: the parts import each other)."""
    return _handlers().get(name)


@cache
def _handlers() -> dict[str, Callable[[Turn, Intent], None]]:
    return {
        "start": cmd_start, "resume": cmd_resume, "yes": cmd_yes, "no": cmd_no, "stop": cmd_stop,
        "pause": interjections.cmd_pause, "help": interjections.cmd_help,
        "explain": interjections.cmd_explain, "time_left": interjections.cmd_time_left,
        "slower": interjections.cmd_slower, "faster": interjections.cmd_faster,
        "louder": interjections.cmd_louder, "quieter": interjections.cmd_quieter,
        "number": interjections.cmd_number, "easy": interjections.cmd_easy,
        "progress": interjections.cmd_progress, "easier": safety.cmd_easier,
        "next": navigation.cmd_next, "previous": navigation.cmd_previous,
        "goto": navigation.cmd_goto, "repeat": navigation.cmd_repeat,
    }
