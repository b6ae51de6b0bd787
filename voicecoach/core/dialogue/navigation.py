"""Moving through the plan without losing it: next, previous, "do the …" and repeat.

- "repeat" says the current exercise's instructions again and does the same round and side.
- "do the X" puts X in now; an exercise that was under way comes straight after it (from its
  start), and the plan goes on from there. X is taken out of its later place in the plan, so
  nothing is done twice and nothing finished is done again unless asked for by name.
- "next" leaves the current exercise out (or, in a rest, ends the rest); "previous" does the
  one before again.
"""

from __future__ import annotations

from voicecoach.core.intents import Intent
from voicecoach.core.dialogue import flow, interjections
from voicecoach.core.dialogue.dose import default_item
from voicecoach.core.dialogue.state import EXERCISE_PHASES, QUESTION_PHASES, State
from voicecoach.core.dialogue.turn import Turn

FINISHED_CURRENT = ("rest", "pain_after")  # phases in which the current exercise is done


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
    t.set(index=base.index, items=base.items)
    if base.phase in ("pain_before",):
        t.say("pain_not_given")
        flow.start_exercise(t, base.index)
        return
    item = t.item()
    if item is not None and base.phase == "rest":
        nxt = base.index + 1
        if nxt < len(base.items):
            t.say("skip_rest", name=t.name_of(base.items[nxt].exercise_id))
    elif item is not None:
        t.say("skipping", name=t.name_of(item.exercise_id))
        t.record("exercise_skipped", exercise=item.exercise_id)
        t.set(skipped=t.s.skipped + (item.exercise_id,))
    flow.start_exercise(t, base.index + 1)


def cmd_previous(t: Turn, intent: Intent) -> None:
    base = _leave(t)
    if base is None:
        return
    t.set(items=base.items)
    # In the rest after an exercise, "previous" means the one just done.
    target = base.index if base.phase in FINISHED_CURRENT else base.index - 1
    if target < 0:
        t.say("at_first")
        target = 0
    else:
        t.say("going_back", name=t.name_of(base.items[target].exercise_id))
    flow.start_exercise(t, target)


def cmd_goto(t: Turn, intent: Intent) -> None:
    ex_id = intent.slots.get("exercise")
    if not ex_id or ex_id not in t.ctx.catalog.ids():
        t.reply("unknown_exercise")
        return
    if t.s.phase == "welcome":
        items, _ = insert_now(t.s.items, 0, ex_id, t.ctx.catalog)
        t.set(items=items, index=0)
        flow.begin(t)
        return
    base = t.base("confirm_stop", "confirm_command", "pain_rating", "pain_offer")
    cur = base.items[base.index] if base.index < len(base.items) else None
    if cur is not None and cur.exercise_id == ex_id and base.phase in EXERCISE_PHASES:
        t.reply("already_doing", name=t.name_of(ex_id))  # nothing to move
        return
    t.cut()
    # After a finished exercise (its rest) X comes next; during one, X comes first and the
    # interrupted one straight after it.
    at = base.index + 1 if base.phase in FINISHED_CURRENT else base.index
    items, index = insert_now(base.items, min(at, len(base.items)), ex_id, t.ctx.catalog)
    t.set(items=items)
    flow.start_exercise(t, index, inserted=True)


def insert_now(items: tuple, at: int, ex_id: str, catalog) -> tuple[tuple, int]:
    """`items` with X at position `at`: its planned item moved there from later in the plan,
    or the catalog's own dose when it is not (or no more) in the plan."""
    later = next((i for i in range(at, len(items)) if items[i].exercise_id == ex_id), None)
    if later is not None:
        item = items[later]
        rest = items[:later] + items[later + 1:]
    else:
        item = default_item(catalog.get(ex_id))
        rest = items
    return rest[:at] + (item,) + rest[at:], at


def cmd_repeat(t: Turn, intent: Intent) -> None:
    phase = t.s.phase
    if phase in QUESTION_PHASES:
        text, kind, expects = next(((x, k, e) for x, k, e in reversed(t.s.last_lines)
                                    if k == "question"), (None, None, None))
        if text is None:
            text = t.text("pain_question_again") if QUESTION_PHASES[phase] == "number" else None
        if text is not None:
            t.say_text(text, "question", expects=expects or QUESTION_PHASES[phase],
                       tag="question", reply=True)
        return
    base = t.base()
    if base.phase in EXERCISE_PHASES and phase in EXERCISE_PHASES | {"paused", "explaining"}:
        t.cut()
        # The same exercise, round and side: its instructions once more.
        t.set(items=base.items, side=base.side, set_no=base.set_no)
        flow.start_exercise(t, base.index, again=True)
        return
    if phase == "welcome":
        t.cut()
        flow.welcome(t)
        return
    for text, kind, expects in t.s.last_lines:
        t.say_text(text, kind, expects=expects, reply=True)
    if not t.s.last_lines:
        interjections.not_understood(t)
