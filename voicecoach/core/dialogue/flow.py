"""The workout's flow: the welcome, each exercise's introduction, what comes after the work
(other side, next round, rest, next exercise), what to do when the coach has finished
speaking, and the end."""

from __future__ import annotations

from voicecoach.core import timing
from voicecoach.core.catalog import Exercise
from voicecoach.core.events import End
from voicecoach.core.plan import PlanItem
from voicecoach.core.dialogue import counting, interjections, questions
from voicecoach.core.dialogue.state import (
    PAUSE_REMINDER, QUESTION, QUESTION_PHASES, STEP, WELCOME_REMINDER,
)
from voicecoach.core.dialogue.turn import Turn

SWITCH_SETTLE = 0.5  # seconds after "now the right side, get into position" before the count-in


# ---------------------------------------------------------------------- the welcome


def welcome(t: Turn) -> None:
    ctx = t.ctx
    greeting = None
    if not ctx.greeted:  # the first-run questions have said hello already: greet once
        greeting = t.text("greet_back" if ctx.sessions_before else "greet_first")
    for check in ctx.checks:  # a red flag last time: said before anything else
        t.say_text(check, "safety")
    plan = plan_line(t)
    t.say_text(f"{greeting} {plan}" if greeting else plan, "info")
    if ctx.online:
        t.say("online_warning", "safety")
    if ctx.first_session:
        t.say("disclaimer", "safety")
    t.say("safety_short" if ctx.brief_safety else "safety_full", "safety")
    for notice in ctx.notices:
        t.say_text(notice, "info")
    t.say("say_start", "info", tag="say_start")
    t.listen("command")


def plan_line(t: Turn) -> str:
    plan = t.ctx.plan
    kinds = [t.ctx.catalog.get(i.exercise_id).kind for i in plan.items]
    n_stretch, n_strength = kinds.count("stretch"), kinds.count("strengthen")
    stretches = t.counted(n_stretch, "one_stretch", "n_stretches")
    strengthens = t.counted(n_strength, "one_strengthening", "n_strengthening")
    if t.ctx.only:
        return t.text("plan_only", count=t.counted(len(plan.items), "one_exercise", "n_exercises"))
    key = ("plan_both" if n_stretch and n_strength else
           "plan_stretch_only" if n_stretch else "plan_strengthen_only")
    return t.text(key, minutes=plan.minutes, stretches=stretches, strengthens=strengthens)


def begin(t: Turn) -> None:
    """"start": the pain question, then the first exercise. What is being said is heard to its
    end, and so is the rest of the safety statement; only "say start" is left out."""
    t.cancel(QUESTION)
    t.set(agenda=tuple(line for line in t.s.agenda if line.tag != "say_start"))
    t.set(started_at=t.now, no_match=0)
    key = "pain_before_question" if not t.ctx.sessions_before else "pain_before_question_short"
    questions.ask(t, "pain_before", key)


# ---------------------------------------------------------------------- an exercise


def start_exercise(t: Turn, index: int, *, inserted: bool = False, again: bool = False) -> None:
    """Introduce the exercise at `index` (how to do it, how much) and count in when it has
    been said. `again`: "repeat" — the same round and side once more."""
    items = t.s.items
    if index >= len(items):
        questions.ask(t, "pain_after", "pain_after_question")
        return
    side, set_no = (t.s.side, t.s.set_no) if again else (0, 1)
    t.set(phase="intro", index=index, side=side, set_no=set_no, done=0, half=False, saved=None,
          reprompted=False, armed=False)
    t.listen("command")
    item = items[index]
    ex = t.ctx.catalog.get(item.exercise_id)
    lines: list[str] = []
    total = len(items)
    if again:
        lines.append(t.text("intro_again", name=ex.name))
    elif inserted:
        lines.append(t.text("intro_inserted", name=ex.name))
    elif index == total - 1 and total > 1:
        lines.append(t.text("intro_last", n=index + 1, total=total, name=ex.name))
    else:
        if total >= 6 and index == total // 2:
            lines.append(t.text("intro_halfway"))
        lines.append(t.text("intro_position", n=index + 1, total=total, name=ex.name))
    known = not again and (ex.id in t.ctx.recent or ex.id in t.s.completed)
    lines.extend(how_lines(t, ex, item, short=known))
    if again and (item.sets > 1 or item.sides):
        header = counting.count_in_header(t)
        lines.append(f"{header} {t.text('get_ready')}" if header else t.text("get_ready"))
    else:  # the dose said which side comes first
        lines.append(t.text("get_ready"))
    for i, line in enumerate(lines):
        t.say_text(line, "info" if i == 0 else "cue")


def how_lines(t: Turn, ex: Exercise, item: PlanItem, short: bool = False) -> list[str]:
    """How to do it, and how much: setup, cues, breathing, the dose. An easier or harder
    version brings its own setup and cues (the standard ones could contradict it). `short`
    (done lately): the setup, one cue and the dose."""
    variant = ex.easier if item.variant == "easier" else ex.harder if item.variant == "harder" else None
    setup = (variant.setup if variant is not None else None) or ex.setup
    cues = (variant.cues if variant is not None else ()) or ex.cues
    lines = [setup]
    if variant is not None:
        lines.append(t.text(f"intro_variant_{item.variant}", variant=variant.name, how=variant.how))
    lines.extend(cues[:1] if short else cues)
    if not short:
        lines.append(ex.breathing)
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
        t.set(phase="switch_sides", side=t.s.side + 1, done=0, armed=False)
        t.say("switch_sides", "cue", side=counting.side_name(t, item, t.s.side))
        return
    if t.s.set_no < item.sets:
        t.set(phase="set_rest", side=0, done=0, set_no=t.s.set_no + 1, armed=False)
        # Which round and side come next is said now: the count-in follows the rest at once.
        key = "set_rest_side" if item.sides else "set_rest"
        t.say(key, "cue", seconds=timing.SET_REST_SECONDS, n=t.s.set_no, sets=item.sets,
              side=counting.side_name(t, item, 0) if item.sides else "", tag="rest")
        return
    dose = {"hold_seconds": item.hold_seconds} if item.hold_seconds else {"reps": item.reps}
    t.record("exercise_done", exercise=item.exercise_id, variant=item.variant, sets=item.sets,
             sides=len(item.sides) or 1, **dose)
    t.set(completed=t.s.completed + (item.exercise_id,))
    next_exercise(t)


def next_exercise(t: Turn) -> None:
    nxt = t.s.index + 1
    if nxt >= len(t.s.items):
        questions.ask(t, "pain_after", "pain_after_question")
        return
    item = t.item()
    assert item is not None
    t.set(phase="rest", done=0, armed=False)
    t.say("rest_next", "info", seconds=item.rest_seconds, name=t.name_of(t.s.items[nxt].exercise_id),
          tag="rest")


# ---------------------------------------------------------------------- time moves on


def step_due(t: Turn) -> None:
    """The STEP timer: the next count, or the end of a rest."""
    phase = t.s.phase
    if phase == "get_ready":
        counting.countdown_tick(t)
    elif phase == "holding":
        counting.hold_tick(t)
    elif phase == "reps":
        counting.rep_tick(t)
    elif phase == "switch_sides":
        counting.get_ready(t)
    elif phase == "set_rest":
        counting.get_ready(t)
    elif phase == "rest":
        start_exercise(t, t.s.index + 1)


def quiet(t: Turn) -> None:
    """The coach has said everything it meant to: every wait starts now."""
    s = t.s
    if s.ending is not None:
        _emit_end(t)
        return
    phase = s.phase
    if s.yielded:  # a count waited for the speech: the grid goes on from here
        if phase in ("get_ready", "holding", "reps"):
            counting.schedule(t)
        else:
            t.set(yielded=False)
            t.timer(STEP, t.now)
    elif phase == "intro":
        counting.get_ready(t)
    elif phase == "explaining":
        interjections.resume(t)
    elif phase in QUESTION_PHASES:
        if s.question_open:  # its answering time, again in full after any reply
            t.timer(QUESTION, t.now + timing.QUESTION_TIMEOUT)
    elif not s.armed:
        arm_wait(t)


def arm_wait(t: Turn) -> None:
    """Start this phase's wait once: the welcome's and a pause's reminder, the settling after
    "get into position", a rest (from when "rest for …" begins to play)."""
    item = t.item()
    wait = {"welcome": (QUESTION, WELCOME_REMINDER), "paused": (QUESTION, PAUSE_REMINDER),
            "switch_sides": (STEP, SWITCH_SETTLE),
            "set_rest": (STEP, timing.SET_REST_SECONDS),
            "rest": (STEP, float(item.rest_seconds) if item is not None else 0.0),
            }.get(t.s.phase)
    if wait is not None and not t.s.armed:
        t.set(armed=True)
        t.timer(wait[0], t.now + wait[1])


# ---------------------------------------------------------------------- the end


def finish(t: Turn) -> None:
    """The last question answered: how it went, a tip for the day, and goodbye."""
    t.cancel()
    t.set(phase="finished")
    t.say("finished", done=t.counted(len(t.s.completed), "one_exercise", "n_exercises"),
          minutes=t.duration(t.workout_minutes() * 60))
    before, after = t.s.pain_before, t.s.pain_after
    if before is not None and after is not None:
        key = ("finished_pain_better" if after < before else
               "finished_pain_same" if after == before else "finished_pain_worse")
        t.say(key, "safety" if after > before else "info", before=before, after=after)
    tip(t)
    t.say("see_you")
    end(t, finished=True, reason="finished", speak=False)


def tip(t: Turn) -> None:
    """One piece of everyday advice, a different one each session in turn."""
    t.say_text(t.ctx.prompts.render("tip", turn=t.ctx.sessions_before), "info")


def end(t: Turn, *, finished: bool, reason: str, speak: bool = True, now: bool = False) -> None:
    """End the session: after the last line has been heard, or `now` (Ctrl-C)."""
    if speak:
        t.cut()
        if t.s.started_at is None:
            t.say("goodbye_early")
        else:
            if t.s.completed:
                t.say("ended_early", done=t.counted(len(t.s.completed), "one_exercise", "n_exercises"))
                tip(t)
            else:
                t.say("ended_early_none")
    t.cancel()
    t.set(phase="finished", ending=(finished, reason))
    if now or not t.busy():
        _emit_end(t)


def _emit_end(t: Turn) -> None:
    assert t.s.ending is not None
    finished, reason = t.s.ending
    t.set(ended=True)
    t.actions.append(End(finished, reason, minutes=round(t.workout_minutes(), 3)))
