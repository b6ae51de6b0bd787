"""Interjections: things said in the middle of the workout that do not change the plan — help,
"how do I do …", time left, slower/faster/louder/quieter, a pain score given unasked, "that
was easy", "how am I doing" — and the two ways of saying them: a short line over the counts
(`overlay`), or a longer one that freezes the count and comes back with a get-ready
(`interject`, then `resume`)."""

from __future__ import annotations

from typing import Any

from voicecoach.core.events import AdjustVoice
from voicecoach.core.intents import Intent
from voicecoach.core.dialogue import counting, flow, questions, safety
from voicecoach.core.dialogue.dose import time_left as _time_left
from voicecoach.core.dialogue.state import (
    COUNTING_PHASES, EXERCISE_PHASES, QUESTION, QUESTION_PHASES, TEMPO_MAX, TEMPO_MIN,
    TEMPO_STEP, State,
)
from voicecoach.core.dialogue.turn import Turn


# ---------------------------------------------------------------------- the mechanics


def overlay(t: Turn, key: str, **data: Any) -> None:
    """A short line said over the counts (the counts keep time and skip plain numbers)."""
    uid = t.say(key, remember=False, **data)
    if t.s.phase in COUNTING_PHASES:
        t.set(overlay=uid)


def not_understood(t: Turn) -> None:
    misses = t.s.no_match + 1
    t.set(no_match=misses)
    expects = QUESTION_PHASES.get(t.s.phase)
    if misses == 1:
        uid = t.say("not_understood", remember=False)
    else:
        key = {"number": "not_understood_hint_number",
               "yes_no": "not_understood_hint_yes_no"}.get(expects or "", "not_understood_hint")
        uid = t.say(key, remember=False)
    if t.s.phase in COUNTING_PHASES:
        t.set(overlay=uid)


def freeze(t: Turn) -> State:
    """The count stops (silence, no timers); returns where to come back to."""
    t.cut()
    return t.base()


def interject(t: Turn, lines: list[str]) -> None:
    """Say something longer: counts freeze, and we come back with a get-ready."""
    if t.s.phase in ("welcome", "finished", "rest"):
        # Nothing is counting (in a rest, its timer keeps going): just talk.
        for line in lines:
            t.say_text(line, "info", remember=False)
        return
    saved = freeze(t)
    t.set(phase="explaining", saved=saved)
    uid = 0
    for line in lines:
        uid = t.say_text(line, "info", remember=False)
    t.wait_for(uid, " ".join(lines))


def resume(t: Turn) -> None:
    """Back to the saved state: counts resume with a get-ready, questions are asked again."""
    saved = t.s.saved
    if saved is None:
        t.set(phase="welcome")
        t.say("say_start")
        return
    phase = saved.phase
    t.set(phase=phase, index=saved.index, side=saved.side, set_no=saved.set_no,
          done=saved.done, saved=None, reprompted=False, awaiting=None, overlay=None)
    t.listen("command")
    if phase in ("holding", "reps", "get_ready", "switch_sides"):
        if phase == "switch_sides" or phase == "get_ready":
            t.set(done=0)
        t.say("resuming", "cue")
        counting.get_ready(t)
        return
    if phase in ("intro", "set_rest"):
        flow.start_exercise(t, saved.index) if phase == "intro" else counting.get_ready(t)
        return
    if phase == "rest":
        flow.start_exercise(t, saved.index + 1)
        return
    if phase in QUESTION_PHASES:
        if phase == "confirm_command":  # the doubtful command is dropped on the way back
            t.set(saved=saved.saved, pending=None)
            resume(t)
            return
        key = {"pain_before": "pain_before_question", "pain_after": "pain_after_question",
               "confirm_stop": "confirm_stop", "pain_offer": "pain_offer_again"}[phase]
        questions.ask(t, phase, key, saved=saved.saved)
        return
    if phase == "welcome":
        t.say("say_start")
        t.timer(QUESTION, t.now + 45.0)


# ---------------------------------------------------------------------- the commands


def cmd_pause(t: Turn, intent: Intent) -> None:
    if t.s.phase == "paused":
        t.say("paused")
        return
    saved = freeze(t)
    t.set(phase="paused", saved=saved)
    t.say("paused")
    t.listen("command")
    t.timer(QUESTION, t.now + 120.0)


def cmd_help(t: Turn, intent: Intent) -> None:
    phase = t.s.phase
    if phase in QUESTION_PHASES:
        expects = QUESTION_PHASES[phase]
        t.say("help_question_number" if expects == "number" else "help_question_yes_no",
              remember=False)
        return
    if phase == "welcome":
        t.say("help_welcome", remember=False)
        return
    interject(t, [t.text("help_general")])


def cmd_explain(t: Turn, intent: Intent) -> None:
    ex_id = intent.slots.get("exercise") or t.exercise_id()
    if t.s.phase == "welcome" and not intent.slots.get("exercise"):
        t.say("explain_which")
        return
    if ex_id is None or ex_id not in t.ctx.catalog.ids():
        t.say("explain_which")
        return
    ex = t.ctx.catalog.get(ex_id)
    lines = [t.text("explain_intro", name=ex.name), ex.setup, *ex.cues, ex.breathing,
             t.text("explain_mistakes", mistakes=" ".join(ex.mistakes))]
    if t.s.phase not in ("welcome", "finished", "rest"):
        base = t.base()
        cur = base.items[base.index] if base.index < len(base.items) else None
        if cur is not None and base.phase in EXERCISE_PHASES:
            lines.append(t.text("back_to", name=t.ctx.catalog.get(cur.exercise_id).name))
    interject(t, lines)


def cmd_time_left(t: Turn, intent: Intent) -> None:
    base = t.base("confirm_stop")
    ex_left, session_left = _time_left(base, t.now)
    session_text = t.duration(session_left)
    if base.phase in EXERCISE_PHASES:
        overlay(t, "time_left_exercise", exercise_left=t.duration(ex_left),
                session_left=session_text)
    else:
        overlay(t, "time_left_session", session_left=session_text)


def cmd_slower(t: Turn, intent: Intent) -> None:
    tempo = min(TEMPO_MAX, t.s.tempo * TEMPO_STEP)
    if tempo == t.s.tempo:
        overlay(t, "slowest")
        return
    t.set(tempo=tempo)
    t.actions.append(AdjustVoice(rate=1 / TEMPO_STEP))
    overlay(t, "slower")


def cmd_faster(t: Turn, intent: Intent) -> None:
    tempo = max(TEMPO_MIN, t.s.tempo / TEMPO_STEP)
    if tempo == t.s.tempo:
        overlay(t, "fastest")
        return
    t.set(tempo=tempo)
    t.actions.append(AdjustVoice(rate=TEMPO_STEP))
    overlay(t, "faster")


def cmd_louder(t: Turn, intent: Intent) -> None:
    t.actions.append(AdjustVoice(volume=1.25))
    overlay(t, "louder")


def cmd_quieter(t: Turn, intent: Intent) -> None:
    t.actions.append(AdjustVoice(volume=0.8))
    overlay(t, "quieter")


def cmd_number(t: Turn, intent: Intent) -> None:
    # A pain score given unasked: note it; 3+ points above the start counts as pain.
    value = int(intent.slots.get("value", 0))
    if t.s.phase == "welcome":
        overlay(t, "no_question")
        return
    t.record("pain_rating", value=value, exercise=t.exercise_id())
    before = t.s.pain_before
    if before is not None and value - before >= 3:
        t.say("pain_rose", "safety", delta=value - before)
        safety.pain(t, rated=value)
        return
    overlay(t, "pain_rating_midway", value=value)


def cmd_easy(t: Turn, intent: Intent) -> None:
    base = t.base()
    ex_id = None
    if base.phase in EXERCISE_PHASES and base.index < len(base.items):
        ex_id = base.items[base.index].exercise_id
    elif base.completed:
        ex_id = base.completed[-1]
    if ex_id is None:
        overlay(t, "easy_nothing")
        return
    t.record("easy", exercise=ex_id)
    overlay(t, "easy_noted", name=t.ctx.catalog.get(ex_id).name)


def cmd_progress(t: Turn, intent: Intent) -> None:
    lines = list(t.ctx.progress) or [t.text("progress_none")]
    if t.s.phase in COUNTING_PHASES:
        interject(t, lines)
    else:
        for line in lines:
            t.say_text(line, "info", remember=False)
