"""The workout's flow: the welcome, each exercise's introduction, what comes after the work
(other side, next round, rest, next exercise), and the end."""

from __future__ import annotations

from voicecoach.core import timing
from voicecoach.core.catalog import Exercise
from voicecoach.core.events import End
from voicecoach.core.plan import PlanItem
from voicecoach.core.dialogue import counting, interjections, questions
from voicecoach.core.dialogue.state import QUESTION, STEP
from voicecoach.core.dialogue.turn import Turn


def welcome(t: Turn) -> None:
    ctx = t.ctx
    plan = ctx.plan
    kinds = [ctx.catalog.get(i.exercise_id).kind for i in plan.items]
    n_stretch, n_strength = kinds.count("stretch"), kinds.count("strengthen")
    stretches = t.counted(n_stretch, "one_stretch", "n_stretches")
    strengthens = t.counted(n_strength, "one_strengthening", "n_strengthening")
    if ctx.only:
        t.say("welcome_only", count=t.counted(len(plan.items), "one_exercise", "n_exercises"))
    elif n_stretch and n_strength:
        t.say("welcome", minutes=plan.minutes, stretches=stretches, strengthens=strengthens)
    else:
        t.say("welcome_stretch_only" if n_stretch else "welcome_strengthen_only",
              minutes=plan.minutes, stretches=stretches, strengthens=strengthens)
    if ctx.online:
        t.say("online_warning", "safety")
    if ctx.first_session:
        t.say("disclaimer", "safety")
    uid = t.say("safety_short" if ctx.brief_safety else "safety_full", "safety")
    t.set(safety_id=uid)
    for notice in ctx.notices:
        t.say_text(notice, "info")
    t.say("say_start", "info")
    t.listen("command")
    t.timer(QUESTION, t.now + 45.0)


def begin(t: Turn) -> None:
    """"start": the pain question, then the first exercise."""
    # The safety statement is never cut short: until it has been heard, the question waits
    # in the queue behind it; after that, "start" cuts the rest of the welcome.
    if t.s.safety_id is None:
        t.cut()
    else:
        t.cancel()
    t.set(started_at=t.now, no_match=0)
    questions.ask(t, "pain_before", "pain_before_question")


def start_exercise(t: Turn, index: int, *, inserted: bool = False) -> None:
    items = t.s.items
    if index >= len(items):
        questions.ask(t, "pain_after", "pain_after_question")
        return
    t.set(phase="intro", index=index, side=0, set_no=1, done=0, saved=None,
          reprompted=False, overlay=None)
    t.listen("command")
    item = items[index]
    ex = t.ctx.catalog.get(item.exercise_id)
    lines: list[str] = []
    total = len(items)
    if inserted:
        lines.append(t.text("intro_inserted", name=ex.name))
    elif index == total - 1 and total > 1:
        lines.append(t.text("intro_last", n=index + 1, total=total, name=ex.name))
    else:
        if total >= 6 and index == total // 2:
            lines.append(t.text("intro_halfway"))
        lines.append(t.text("intro_position", n=index + 1, total=total, name=ex.name))
    lines.extend(how_lines(t, ex, item))
    lines.append(t.text("get_ready"))
    uid = 0
    for i, line in enumerate(lines):
        uid = t.say_text(line, "info" if i == 0 else "cue")
    t.wait_for(uid, " ".join(lines))


def how_lines(t: Turn, ex: Exercise, item: PlanItem) -> list[str]:
    """How to do it, and how much: setup, cues, breathing, the dose."""
    lines = [ex.setup, *ex.cues, ex.breathing]
    if item.variant != "standard":
        variant = ex.easier if item.variant == "easier" else ex.harder
        lines.insert(1, t.text(f"intro_variant_{item.variant}", variant=variant.name, how=variant.how))
    if item.hold_seconds:
        key = "intro_hold_sides" if item.sides else "intro_hold"
        lines.append(t.text(key, seconds=item.hold_seconds))
    else:
        key = "intro_reps_sides" if item.sides else "intro_reps"
        lines.append(t.text(key, reps=item.reps))
    if item.sets > 1:
        lines.append(t.text("intro_sets", sets=item.sets))
    return lines


def after_work(t: Turn) -> None:
    """One side of one set is done: other side, next set, or the exercise is done."""
    item = t.item()
    assert item is not None
    if item.sides and t.s.side + 1 < len(item.sides):
        t.set(phase="switch_sides", side=t.s.side + 1, done=0)
        t.say("switch_sides", "cue")
        t.timer(STEP, t.now + timing.SWITCH_SIDES_SECONDS)
        return
    if t.s.set_no < item.sets:
        rest = timing.SET_REST_SECONDS
        t.set(phase="set_rest", side=0, done=0, set_no=t.s.set_no + 1)
        t.say("set_rest", "cue", seconds=rest, next=t.s.set_no, sets=item.sets)
        t.timer(STEP, t.now + rest)
        return
    t.record("exercise_done", exercise=item.exercise_id, variant=item.variant)
    t.set(completed=t.s.completed + (item.exercise_id,))
    next_exercise(t, rest=True)


def next_exercise(t: Turn, rest: bool) -> None:
    nxt = t.s.index + 1
    if nxt >= len(t.s.items):
        questions.ask(t, "pain_after", "pain_after_question")
        return
    if not rest:
        start_exercise(t, nxt)
        return
    item = t.item()
    assert item is not None
    seconds = item.rest_seconds
    name = t.ctx.catalog.get(t.s.items[nxt].exercise_id).name
    t.set(phase="rest", done=0)
    t.say("rest_next", "info", seconds=seconds, name=name)
    t.timer(STEP, t.now + seconds)


def step_due(t: Turn) -> None:
    """The STEP timer: the next count, the end of a rest, or speech that was never reported."""
    phase = t.s.phase
    if t.s.awaiting is not None:  # the speech we waited for was never reported done
        speech_finished(t)
    elif phase == "get_ready":
        counting.countdown_tick(t)
    elif phase == "holding":
        counting.hold_tick(t)
    elif phase == "reps":
        counting.rep_tick(t)
    elif phase == "switch_sides":
        counting.switched_sides(t)
    elif phase == "set_rest":
        counting.get_ready(t)
    elif phase == "rest":
        start_exercise(t, t.s.index + 1)


def speech_finished(t: Turn) -> None:
    """What we were saying is over: move on from where we are."""
    t.set(awaiting=None)
    phase = t.s.phase
    if phase == "intro":
        counting.get_ready(t)
    elif phase == "explaining":
        interjections.resume(t)


def finish(t: Turn) -> None:
    """The last question answered: how it went, and goodbye."""
    t.cancel()
    minutes = (t.now - (t.s.started_at or 0.0)) / 60.0
    t.set(phase="finished")
    t.say("finished", done=t.counted(len(t.s.completed), "one_exercise", "n_exercises"),
          minutes=t.duration(minutes * 60))
    before, after = t.s.pain_before, t.s.pain_after
    if before is not None and after is not None:
        key = ("finished_pain_better" if after < before else
               "finished_pain_same" if after == before else "finished_pain_worse")
        t.say(key, "safety" if after > before else "info", before=before, after=after)
    t.say("see_you")
    end(t, finished=True, reason="finished", speak=False)


def end(t: Turn, *, finished: bool, reason: str, speak: bool = True) -> None:
    if speak:
        t.cut()
        if t.s.started_at is None:
            t.say("goodbye_early")
        else:
            if t.s.completed:
                t.say("ended_early", done=t.counted(len(t.s.completed), "one_exercise", "n_exercises"))
            else:
                t.say("ended_early_none")
    t.cancel()
    t.set(phase="finished", ended=True)
    t.actions.append(End(finished, reason))
