"""Moving through the plan: next, previous, "do the …" and repeat."""

from __future__ import annotations

from voicecoach.core import timing
from voicecoach.core.intents import Intent
from voicecoach.core.dialogue import flow, interjections, questions
from voicecoach.core.dialogue.dose import with_item
from voicecoach.core.dialogue.state import EXERCISE_PHASES, QUESTION, QUESTION_PHASES, State
from voicecoach.core.dialogue.turn import Turn


def _leave(t: Turn) -> State | None:
    """Stop what we are doing to move elsewhere: where we were (None from the welcome,
    where moving on means beginning)."""
    if t.s.phase == "welcome":
        flow.begin(t)
        return None
    base = t.base()
    t.cut()
    return base


def cmd_next(t: Turn, intent: Intent) -> None:
    base = _leave(t)
    if base is None:
        return
    t.set(index=base.index)
    if base.phase in ("pain_before",):
        t.say("pain_not_given")
        flow.start_exercise(t, base.index)
        return
    item = t.item()
    if item is not None:
        t.say("skipping", name=t.ctx.catalog.get(item.exercise_id).name)
        if base.phase != "rest":
            t.record("exercise_skipped", exercise=item.exercise_id)
            t.set(skipped=t.s.skipped + (item.exercise_id,))
    flow.start_exercise(t, base.index + 1)


def cmd_previous(t: Turn, intent: Intent) -> None:
    base = _leave(t)
    if base is None:
        return
    # In the rest after an exercise, "previous" means the one just done.
    target = base.index if base.phase == "rest" else base.index - 1
    if target < 0:
        t.say("at_first")
        target = 0
    else:
        t.say("going_back", name=t.ctx.catalog.get(t.s.items[target].exercise_id).name)
    flow.start_exercise(t, target)


def cmd_goto(t: Turn, intent: Intent) -> None:
    ex_id = intent.slots.get("exercise")
    if not ex_id or ex_id not in t.ctx.catalog.ids():
        interjections.overlay(t, "unknown_exercise")
        return
    if t.s.phase == "welcome":
        t.cut()
        items, index = with_item(t.s.items, 0, t.ctx.catalog.get(ex_id))
        t.set(items=items, index=index)
        t.set(started_at=t.now)
        questions.ask(t, "pain_before", "pain_before_question")
        return
    base = t.base()
    t.cut()
    # Jump to it: where it is in the plan, or add it right after the current exercise.
    at = base.index + (1 if base.phase in ("rest",) else 0)
    existing = next((i for i, it in enumerate(base.items) if it.exercise_id == ex_id), None)
    if existing is not None:
        flow.start_exercise(t, existing)
        return
    items, index = with_item(base.items, min(at, len(base.items)), t.ctx.catalog.get(ex_id))
    t.set(items=items)
    flow.start_exercise(t, index, inserted=True)


def cmd_repeat(t: Turn, intent: Intent) -> None:
    phase = t.s.phase
    if phase in QUESTION_PHASES:
        text, kind, expects = next(((x, k, e) for x, k, e in reversed(t.s.last_lines)
                                    if k == "question"), (None, None, None))
        if text is None:
            return
        t.say_text(text, "question", expects=expects)
        t.timer(QUESTION, t.now + timing.speech_seconds(text) + timing.QUESTION_TIMEOUT)
        return
    if phase in EXERCISE_PHASES or (phase in ("paused", "explaining") and t.s.saved
                                    and t.s.saved.phase in EXERCISE_PHASES):
        base = t.base()
        t.cut()
        flow.start_exercise(t, base.index)
        return
    if phase == "welcome":
        t.cut()
        flow.welcome(t)
        return
    for text, kind, expects in t.s.last_lines:
        t.say_text(text, kind, expects=expects)
