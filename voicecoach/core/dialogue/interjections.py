"""Interjections: things said in the middle of the workout that do not change the plan — help,
"how do I do …", time left, slower/faster/louder/quieter, a pain score given unasked, "that
was easy", "how am I doing" — and pause / resume.

Most are replies: said next, after the line being spoken, while the counts wait for them (see
counting.py); nothing is restarted. Only a long explanation freezes the exercise and comes
back to it with a count-in (`interject`, then `resume`).
"""

from __future__ import annotations

from voicecoach.core.events import AdjustVoice
from voicecoach.core.intents import Intent
from voicecoach.core.dialogue import counting, flow, questions, safety
from voicecoach.core.dialogue.dose import time_left as _time_left
from voicecoach.core.dialogue.state import (
    EXERCISE_PHASES, QUESTION_PHASES, TEMPO_MAX, TEMPO_MIN, TEMPO_STEP, WORKING_PHASES,
    State,
)
from voicecoach.core.dialogue.turn import Turn


# ---------------------------------------------------------------------- the mechanics


def not_understood(t: Turn) -> None:
    misses = t.s.no_match + 1
    t.set(no_match=misses)
    expects = QUESTION_PHASES.get(t.s.phase)
    if misses == 1:
        t.reply("not_understood")
    else:
        t.reply({"number": "not_understood_hint_number",
                 "yes_no": "not_understood_hint_yes_no"}.get(expects or "", "not_understood_hint"))


def freeze(t: Turn) -> State:
    """The count stops (silence, no timers); returns where to come back to."""
    t.cut()
    return t.base()


def interject(t: Turn, lines: list[str]) -> None:
    """Say something long: the exercise freezes, and we come back with a count-in."""
    if t.s.phase in ("welcome", "finished", "rest") or t.s.phase in QUESTION_PHASES:
        for line in lines:  # nothing is counting: just answer
            t.say_text(line, "info", remember=False, reply=True)
        return
    saved = freeze(t)
    t.set(phase="explaining", saved=saved)
    for line in lines:
        t.say_text(line, "info", remember=False)


def pause_here(t: Turn, saved: State | None, key: str = "paused") -> None:
    """Paused: nothing moves until "resume" (a reminder once, after a while)."""
    t.set(phase="paused", saved=saved, armed=False, paused_at=t.now)
    t.say(key)
    t.listen("command")


def resume(t: Turn) -> None:
    """Back to the saved state: counts resume with a count-in, questions are asked again."""
    saved = t.s.saved
    from_explaining = t.s.phase == "explaining"
    if t.s.paused_at is not None:
        t.set(idle=t.s.idle + (t.now - t.s.paused_at), paused_at=None)
    if saved is None:
        t.set(phase="welcome", armed=False)
        t.say("say_start", tag="say_start")
        return
    phase = saved.phase
    t.set(phase=phase, index=saved.index, side=saved.side, set_no=saved.set_no,
          done=saved.done, half=False, saved=None, reprompted=False, yielded=False, armed=False)
    t.listen("command")
    if phase in ("holding", "reps", "get_ready", "switch_sides"):
        if phase in ("switch_sides", "get_ready"):
            t.set(done=0)
        if not from_explaining:  # the explanation ended with "back to the …, get ready"
            t.say("resuming", "cue")
        counting.get_ready(t, header=True)
        return
    if phase == "intro":
        flow.start_exercise(t, saved.index)
        return
    if phase == "set_rest":
        counting.get_ready(t, header=True)
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
               "confirm_stop": "confirm_stop", "pain_rating": "pain_how_bad",
               "pain_offer": "pain_offer_again"}[phase]
        questions.ask(t, phase, key, saved=saved.saved)
        return
    if phase == "welcome":
        t.say("say_start", tag="say_start")


# ---------------------------------------------------------------------- the commands


def cmd_pause(t: Turn, intent: Intent) -> None:
    if t.s.phase == "paused":
        t.reply("paused")
        return
    pause_here(t, freeze(t))


def cmd_help(t: Turn, intent: Intent) -> None:
    phase = t.s.phase
    if phase in QUESTION_PHASES:
        expects = QUESTION_PHASES[phase]
        t.reply("help_question_number" if expects == "number" else "help_question_yes_no")
    elif phase == "welcome":
        t.reply("help_welcome")
    else:  # a reply: the count waits for it, and goes on where it was
        t.reply("help_general")


def cmd_explain(t: Turn, intent: Intent) -> None:
    ex_id = intent.slots.get("exercise") or t.exercise_id()
    if t.s.phase == "welcome" and not intent.slots.get("exercise"):
        t.reply("explain_which")
        return
    if ex_id is None or ex_id not in t.ctx.catalog.ids():
        t.reply("explain_which")
        return
    ex = t.ctx.catalog.get(ex_id)
    lines = [t.text("explain_intro", name=ex.name), ex.setup, *ex.cues, ex.breathing,
             t.text("explain_mistakes", mistakes=" ".join(ex.mistakes))]
    if t.s.phase not in ("welcome", "finished", "rest") and t.s.phase not in QUESTION_PHASES:
        base = t.base()
        cur = base.items[base.index] if base.index < len(base.items) else None
        if cur is not None and base.phase in EXERCISE_PHASES:
            lines.append(t.text("back_to", name=t.name_of(cur.exercise_id)))
    interject(t, lines)


def cmd_time_left(t: Turn, intent: Intent) -> None:
    base = t.base("confirm_stop")
    ex_left, session_left = _time_left(base, t.now)
    session_text = t.duration(session_left)
    if base.phase in EXERCISE_PHASES:
        t.reply("time_left_exercise", exercise_left=t.duration(ex_left), session_left=session_text)
    else:
        t.reply("time_left_session", session_left=session_text)


def _in_a_hold(t: Turn) -> bool:
    base = t.base()
    item = base.items[base.index] if base.index < len(base.items) else None
    return base.phase in EXERCISE_PHASES and item is not None and bool(item.hold_seconds)


def _tempo(t: Turn, factor: float, rate: float, limit_key: str, key: str, hold_key: str) -> None:
    tempo = min(TEMPO_MAX, max(TEMPO_MIN, t.s.tempo * factor))
    if tempo == t.s.tempo:
        t.reply(limit_key)
        return
    t.set(tempo=tempo)
    t.actions.append(AdjustVoice(rate=rate))
    # A hold keeps its time: say that the tempo is for repetitions.
    t.reply(hold_key if _in_a_hold(t) else key)


def cmd_slower(t: Turn, intent: Intent) -> None:
    _tempo(t, TEMPO_STEP, 1 / TEMPO_STEP, "slowest", "slower", "slower_hold")


def cmd_faster(t: Turn, intent: Intent) -> None:
    _tempo(t, 1 / TEMPO_STEP, TEMPO_STEP, "fastest", "faster", "faster_hold")


def cmd_louder(t: Turn, intent: Intent) -> None:
    t.actions.append(AdjustVoice(volume=1.25))
    t.reply("louder")


def cmd_quieter(t: Turn, intent: Intent) -> None:
    t.actions.append(AdjustVoice(volume=0.8))
    t.reply("quieter")


def cmd_number(t: Turn, intent: Intent) -> None:
    # A pain score given unasked: note it; 3+ points above the start counts as pain.
    value = int(intent.slots.get("value", 0))
    if t.s.phase == "welcome":
        t.reply("no_question")
        return
    t.record("pain_rating", value=value, exercise=t.exercise_id())
    before = t.s.pain_before
    if before is not None and value - before >= 3:
        safety.pain(t, rated=value, rose=value - before)
        return
    t.reply("pain_rating_midway", value=value)


def done_or_doing(t: Turn) -> str | None:
    """The exercise "that" refers to: the current one once its work has begun, else the one
    finished last; None before any exercise has begun."""
    base = t.base()
    if base.index < len(base.items):
        begun = base.phase in WORKING_PHASES or (
            base.phase in EXERCISE_PHASES and (base.set_no > 1 or base.side > 0))
        if begun:
            return base.items[base.index].exercise_id
    return base.completed[-1] if base.completed else None


def cmd_easy(t: Turn, intent: Intent) -> None:
    ex_id = done_or_doing(t)
    if ex_id is None:  # nothing tried yet: nothing to record
        t.reply("easy_not_yet")
        return
    t.record("easy", exercise=ex_id)
    t.reply("easy_noted", name=t.name_of(ex_id))


def cmd_progress(t: Turn, intent: Intent) -> None:
    if t.ctx.progress:
        lines = list(t.ctx.progress)
    else:
        lines = [t.text("progress_none" if t.ctx.history_kept else "progress_not_kept")]
    for line in lines:
        t.say_text(line, "info", remember=False, reply=True)
