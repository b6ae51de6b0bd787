"""Safety, which wins in every phase over everything the coach is saying: pain stops the
exercise (and offers an easier version or leaves it out); a red flag ends the session with
advice."""

from __future__ import annotations

from dataclasses import replace

from voicecoach.core.intents import Intent
from voicecoach.core.dialogue import flow, questions
from voicecoach.core.dialogue.state import EXERCISE_PHASES
from voicecoach.core.dialogue.turn import Turn


def pain(t: Turn, rated: int | None = None) -> None:
    base = t.base("confirm_stop")
    in_exercise = base.phase in EXERCISE_PHASES or base.phase == "pain_offer"
    t.cut()
    ex_id = base.items[base.index].exercise_id if base.index < len(base.items) else None
    t.record("pain", exercise=ex_id, variant=base.items[base.index].variant if ex_id else None,
             **({"rating": rated} if rated is not None else {}))
    t.say("pain_stop", "safety", interrupt=True)
    if not in_exercise or ex_id is None:
        t.set(phase="paused", saved=base)
        t.say("pain_outside", "safety")
        t.listen("command")
        return
    item = base.items[base.index]
    t.set(index=base.index)
    if item.variant == "easier":
        t.say("pain_no_easier", "safety", name=t.ctx.catalog.get(ex_id).name)
        skip_to_next(t, base.index)
        return
    ex = t.ctx.catalog.get(ex_id)
    questions.ask(t, "pain_offer", "pain_offer_easier", saved=base, variant=ex.easier.name)


def use_easier(t: Turn) -> None:
    index = t.s.index
    item = t.s.items[index]
    ex = t.ctx.catalog.get(item.exercise_id)
    easier = replace(
        item, variant="easier",
        hold_seconds=(ex.easier.hold_seconds or item.hold_seconds) if item.hold_seconds else None,
        reps=(ex.easier.reps or item.reps) if item.reps else None,
    )
    items = t.s.items[:index] + (easier,) + t.s.items[index + 1:]
    t.set(items=items)
    flow.start_exercise(t, index)


def skip_hurting(t: Turn) -> None:
    item = t.s.items[t.s.index]
    t.say("pain_skip", name=t.ctx.catalog.get(item.exercise_id).name)
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
