"""Safety, which wins in every phase over everything the coach is saying.

- Pain stops the exercise at once; the coach asks how bad it is (0-10), then offers the easier
  version (or leaves the exercise out when it is bad, or there is none).
- "This is too hard" switches to the easier version now, and is recorded so the next session
  starts there.
- A red flag ends the session with advice (urgent care for bladder/bowel/saddle signs).
"""

from __future__ import annotations

from dataclasses import replace

from voicecoach.core.intents import Intent
from voicecoach.core.dialogue import flow, questions
from voicecoach.core.dialogue.state import EXERCISE_PHASES, State
from voicecoach.core.dialogue.turn import Turn

SEVERE = 7  # a pain rating from here on: leave the exercise out, no easier version offered
# Where "it hurts" is about the exercise still (its questions hold the exercise's state).
ABOUT_THE_EXERCISE = ("confirm_stop", "confirm_command", "pain_rating", "pain_offer")


def _where(t: Turn) -> State:
    return t.base(*ABOUT_THE_EXERCISE)


def pain(t: Turn, rated: int | None = None, rose: int | None = None) -> None:
    base = _where(t)
    in_exercise = base.phase in EXERCISE_PHASES
    t.cut()
    ex_id = base.items[base.index].exercise_id if base.index < len(base.items) else None
    t.record("pain", exercise=ex_id, variant=base.items[base.index].variant if ex_id else None,
             **({"rating": rated} if rated is not None else {}))
    t.say("pain_stop", "safety", interrupt=True)
    if rose is not None:
        t.say("pain_rose", "safety", delta=rose)
    if not in_exercise or ex_id is None:
        t.set(phase="paused", saved=base, paused_at=t.now, armed=False)
        t.say("pain_outside", "safety")
        t.listen("command")
        return
    t.set(index=base.index, items=base.items)
    if rated is not None:
        after_rating(t, rated, base)
        return
    questions.ask(t, "pain_rating", "pain_how_bad", saved=base)


def after_rating(t: Turn, rating: int | None, base: State | None = None) -> None:
    """How bad it is, known (or not given): leave it out, or offer the easier version."""
    base = base or t.s.saved or t.s
    item = base.items[base.index]
    name = t.name_of(item.exercise_id)
    if rating is not None:
        t.record("pain_rating", value=rating, exercise=item.exercise_id, asked=True)
    t.set(index=base.index)
    if rating is not None and rating >= SEVERE:
        t.say("pain_severe", "safety", name=name)
        skip_to_next(t, base.index)
        return
    if item.variant == "easier":
        t.say("pain_no_easier", "safety", name=name)
        skip_to_next(t, base.index)
        return
    ex = t.ctx.catalog.get(item.exercise_id)
    questions.ask(t, "pain_offer", "pain_offer_easier", saved=base, variant=ex.easier.name)


def easier_item(t: Turn, index: int, items: tuple) -> tuple:
    item = items[index]
    ex = t.ctx.catalog.get(item.exercise_id)
    easier = replace(
        item, variant="easier",
        hold_seconds=(ex.easier.hold_seconds or item.hold_seconds) if item.hold_seconds else None,
        reps=(ex.easier.reps or item.reps) if item.reps else None,
    )
    return items[:index] + (easier,) + items[index + 1:]


def use_easier(t: Turn) -> None:
    index = t.s.index
    t.set(items=easier_item(t, index, t.s.items))
    flow.start_exercise(t, index)


def cmd_easier(t: Turn, intent: Intent) -> None:
    """"This is too hard": the easier version now, and next time."""
    base = _where(t)
    if base.phase in EXERCISE_PHASES and base.index < len(base.items):
        item = base.items[base.index]
        name = t.name_of(item.exercise_id)
        if item.variant == "easier":
            t.reply("easier_already", name=name)
            return
        t.record("easier", exercise=item.exercise_id, variant=item.variant)
        t.cut()
        t.set(index=base.index, items=easier_item(t, base.index, base.items))
        ex = t.ctx.catalog.get(item.exercise_id)
        t.say("easier_now", variant=ex.easier.name)
        flow.start_exercise(t, base.index)
        return
    if base.phase in ("rest", "pain_after") and base.index < len(base.items):
        item = base.items[base.index]  # the one just finished: easier next time
        t.record("easier", exercise=item.exercise_id, variant=item.variant)
        t.reply("easier_noted", name=t.name_of(item.exercise_id))
        return
    t.reply("easier_nothing")


def skip_hurting(t: Turn) -> None:
    item = t.s.items[t.s.index]
    t.say("pain_skip", name=t.name_of(item.exercise_id))
    skip_to_next(t, t.s.index)


def skip_to_next(t: Turn, index: int) -> None:
    item = t.s.items[index]
    t.record("exercise_skipped", exercise=item.exercise_id, reason="pain")
    t.set(skipped=t.s.skipped + (item.exercise_id,))
    flow.start_exercise(t, index + 1)


def red_flag(t: Turn, intent: Intent) -> None:
    urgent = bool(intent.slots.get("urgent"))
    t.cut()
    base = t.s.saved if t.s.saved else t.s
    ex_id = base.items[base.index].exercise_id if base.index < len(base.items) and base.phase in EXERCISE_PHASES else None
    t.record("red_flag", urgent=urgent, text=intent.text, exercise=ex_id)
    t.say("red_flag_urgent" if urgent else "red_flag", "safety", interrupt=True)
    flow.end(t, finished=False, reason="red_flag_urgent" if urgent else "red_flag", speak=False)
