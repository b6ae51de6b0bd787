"""The dialogue manager: a pure state machine, `step(state, event, now) -> (state, actions)`.

No audio, no clock, no I/O in here. Time comes in as `now` (session seconds); speech goes out as
`Say` actions; waiting is a `SetTimer` action whose `Tick` comes back later. So every state and
every command can be tested with text alone, and a whole session runs in milliseconds on a fake
clock.

Counting keeps to a grid: each count's due time is the previous due time plus the interval, never
"now plus the interval", so late events never make the counts drift.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from voicecoach.core import timing
from voicecoach.core.catalog import Catalog, Exercise
from voicecoach.core.events import (
    Action, AdjustVoice, Began, CancelTimers, DeviceChanged, End, Event, Heard, InputEnded,
    Interrupted, Listen, Record, Say, SetTimer, SpeechDone, SpeechStarted, StopSpeech, Tick,
    Utterance,
)
from voicecoach.core.intents import Intent
from voicecoach.core.plan import Plan, PlanItem
from voicecoach.core.prompts import Prompts

Phase = Literal[
    "welcome", "pain_before", "intro", "get_ready", "holding", "reps", "switch_sides",
    "set_rest", "rest", "paused", "explaining", "confirm_stop", "confirm_command", "pain_offer",
    "pain_after", "finished",
]
PHASES: tuple[str, ...] = Phase.__args__  # type: ignore[attr-defined]
QUESTION_PHASES = {"pain_before": "number", "pain_after": "number", "confirm_stop": "yes_no",
                   "confirm_command": "yes_no", "pain_offer": "yes_no"}
# A spoken command that is costly to get wrong and was heard with little confidence is
# confirmed first ("Did you say next?"). Safety intents never are: a missed "it hurts" costs more.
CONFIRM_INTENTS = ("next", "previous", "goto")
CONFIRM_BELOW = 0.75
# Phases in which the person is doing an exercise: pain here stops that exercise.
EXERCISE_PHASES = {"intro", "get_ready", "holding", "reps", "switch_sides", "set_rest"}
# Phases in which counts run on the clock: interjections here freeze the count and resume later.
COUNTING_PHASES = {"get_ready", "holding", "reps", "switch_sides"}

STEP = "step"  # the one timer that moves the workout on
QUESTION = "question"  # a question's timeout
TEMPO_MIN, TEMPO_MAX, TEMPO_STEP = 0.6, 1.8, 1.25


@dataclass(frozen=True)
class Context:
    """What the dialogue knows that does not change during a session."""

    plan: Plan
    catalog: Catalog
    prompts: Prompts
    first_session: bool = True  # says the disclaimer and the full safety statement
    brief_safety: bool = False  # after the first week: the short form
    notices: tuple[str, ...] = ()  # rendered adaptation notices, said after the welcome
    progress: tuple[str, ...] = ()  # rendered "how am I doing" answer
    only: bool = False  # the person picked the exercises (--only)
    online: bool = False  # an online recognizer was chosen: say that audio leaves the machine


@dataclass(frozen=True)
class State:
    phase: Phase = "welcome"
    items: tuple[PlanItem, ...] = ()
    index: int = 0
    side: int = 0  # index into items[index].sides
    set_no: int = 1
    done: int = 0  # counts/reps done in this side and set
    next_due: float = 0.0  # when the next count or countdown step is due
    countdown: int = 0  # get-ready steps left (3, 2, 1)
    saved: "State | None" = None  # where to go back to after pause / explain / a question
    reprompted: bool = False
    no_match: int = 0
    tempo: float = 1.0  # rep tempo factor (slower > 1)
    awaiting: int | None = None  # the utterance whose end moves us on
    overlay: int | None = None  # a short line spoken over a count: plain counts wait for it
    last_lines: tuple[tuple[str, str, str | None], ...] = ()  # (text, kind, expects) for repeat
    next_id: int = 1
    pain_before: int | None = None
    pain_after: int | None = None
    completed: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    started_at: float | None = None
    input_ended: bool = False
    turn: int = 0  # picks prompt variants in turn
    safety_id: int | None = None  # the safety statement, until it has been heard in full
    pending: Intent | None = None  # a command waiting for "yes" (confirm_command)
    ended: bool = False


class _Turn:
    """Collects the actions of one step while the state is replaced field by field."""

    def __init__(self, ctx: Context, state: State, now: float):
        self.ctx = ctx
        self.s = state
        self.now = now
        self.actions: list[Action] = []
        self._lines: list[tuple[str, str, str | None]] = []

    # -- state
    def set(self, **changes: Any) -> None:
        self.s = replace(self.s, **changes)

    # -- speech
    def text(self, key: str, **data: Any) -> str:
        text = self.ctx.prompts.render(key, turn=self.s.turn, **data)
        self.s = replace(self.s, turn=self.s.turn + 1)
        return text

    def say_text(self, text: str, kind: str = "info", *, expects: str | None = None,
                 due: float | None = None, interrupt: bool = False, remember: bool = True) -> int:
        uid = self.s.next_id
        self.s = replace(self.s, next_id=uid + 1)
        ex = self.exercise_id() if self.s.phase not in ("welcome", "pain_before", "pain_after", "finished") else None
        self.actions.append(Say(Utterance(uid, text, kind, ex, expects, due, interrupt)))  # type: ignore[arg-type]
        if remember and kind != "count":
            self._lines.append((text, kind, expects))
        return uid

    def say(self, key: str, kind: str = "info", **kw: Any) -> int:
        opts = {k: kw.pop(k) for k in ("expects", "due", "interrupt", "remember") if k in kw}
        return self.say_text(self.text(key, **kw), kind, **opts)

    def count(self, key: str, due: float, **data: Any) -> None:
        self.say_text(self.text(key, **data), "count", due=due, interrupt=True)

    def cut(self) -> None:
        """Silence now and forget every timer: the start of any change of course."""
        self.actions.append(StopSpeech())
        self.actions.append(CancelTimers())
        self.set(awaiting=None, overlay=None)

    def timer(self, name: str, at: float) -> None:
        self.actions.append(SetTimer(name, at))

    def cancel(self, *names: str) -> None:
        self.actions.append(CancelTimers(tuple(names)))

    def listen(self, grammar: str) -> None:
        self.actions.append(Listen(grammar))

    def record(self, kind: str, **data: Any) -> None:
        self.actions.append(Record(kind, {"t": round(self.now, 2), **data}))

    def wait_for(self, uid: int, spoken: str = "") -> None:
        """Move on when utterance `uid` ends (or, should that never be reported, a bit later)."""
        self.set(awaiting=uid)
        self.timer(STEP, self.now + timing.speech_seconds(spoken) + 30.0)

    # -- plan helpers
    def item(self) -> PlanItem | None:
        return self.s.items[self.s.index] if 0 <= self.s.index < len(self.s.items) else None

    def exercise(self) -> Exercise | None:
        item = self.item()
        return self.ctx.catalog.get(item.exercise_id) if item else None

    def exercise_id(self) -> str | None:
        item = self.item()
        return item.exercise_id if item else None

    def finish(self) -> tuple[State, list[Action]]:
        if self._lines:
            self.s = replace(self.s, last_lines=tuple(self._lines))
        return self.s, self.actions


class Dialogue:
    """The coach's conversation for one session plan. `step` is pure."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def initial_state(self) -> State:
        return State(items=self.ctx.plan.items)

    def prerender(self) -> list[str]:
        """Lines worth synthesising before they are needed, soonest first: the counting
        vocabulary (a count must never wait for synthesis), then each exercise's own lines."""
        items = self.ctx.plan.items
        longest = max([i.hold_seconds or i.reps or 0 for i in items] + [10])
        lines = counting_lines(self.ctx.prompts, longest)
        for item in items:
            ex = self.ctx.catalog.get(item.exercise_id)
            lines += [ex.setup, *ex.cues, ex.breathing]
        return list(dict.fromkeys(lines))

    # ------------------------------------------------------------------ entry point

    def step(self, state: State, event: Event, now: float) -> tuple[State, list[Action]]:
        t = _Turn(self.ctx, state, now)
        if state.ended:
            return state, []
        if isinstance(event, Began):
            self._welcome(t)
        elif isinstance(event, Heard):
            self._heard(t, event.intent, event.source)
        elif isinstance(event, Tick):
            self._tick(t, event.name)
        elif isinstance(event, SpeechDone):
            self._speech_done(t, event)
        elif isinstance(event, SpeechStarted):
            pass
        elif isinstance(event, InputEnded):
            self._input_ended(t)
        elif isinstance(event, Interrupted):
            self._end(t, finished=False, reason="interrupted", speak=False)
        elif isinstance(event, DeviceChanged):
            # The workout goes on either way; a lost microphone is said aloud (typing works).
            if event.device == "microphone":
                t.say("mic_lost" if not event.ok else "mic_back", remember=False)
        return t.finish()

    # ------------------------------------------------------------------ welcome

    def _welcome(self, t: _Turn) -> None:
        plan = self.ctx.plan
        kinds = [self.ctx.catalog.get(i.exercise_id).kind for i in plan.items]
        n_stretch, n_strength = kinds.count("stretch"), kinds.count("strengthen")
        stretches = _counted(t, n_stretch, "one_stretch", "n_stretches")
        strengthens = _counted(t, n_strength, "one_strengthening", "n_strengthening")
        if self.ctx.only:
            t.say("welcome_only", count=_counted(t, len(plan.items), "one_exercise", "n_exercises"))
        elif n_stretch and n_strength:
            t.say("welcome", minutes=plan.minutes, stretches=stretches, strengthens=strengthens)
        else:
            t.say("welcome_stretch_only" if n_stretch else "welcome_strengthen_only",
                  minutes=plan.minutes, stretches=stretches, strengthens=strengthens)
        if self.ctx.online:
            t.say("online_warning", "safety")
        if self.ctx.first_session:
            t.say("disclaimer", "safety")
        uid = t.say("safety_short" if self.ctx.brief_safety else "safety_full", "safety")
        t.set(safety_id=uid)
        for notice in self.ctx.notices:
            t.say_text(notice, "info")
        t.say("say_start", "info")
        t.listen("command")
        t.timer(QUESTION, t.now + 45.0)

    def _begin(self, t: _Turn) -> None:
        # The safety statement is never cut short: until it has been heard, the question waits
        # in the queue behind it; after that, "start" cuts the rest of the welcome.
        if t.s.safety_id is None:
            t.cut()
        else:
            t.cancel()
        t.set(started_at=t.now, no_match=0)
        self._ask(t, "pain_before", "pain_before_question")

    # ------------------------------------------------------------------ questions

    def _ask(self, t: _Turn, phase: str, key: str, saved: State | None = None, **data: Any) -> None:
        t.set(phase=phase, reprompted=False, saved=saved, awaiting=None)
        expects = QUESTION_PHASES[phase]
        text = t.text(key, **data)
        t.say_text(text, "question", expects=expects)
        t.listen(expects)
        t.timer(QUESTION, t.now + timing.speech_seconds(text) + timing.QUESTION_TIMEOUT)

    def _question_timeout(self, t: _Turn) -> None:
        phase = t.s.phase
        if not t.s.reprompted:
            key = {"pain_before": "pain_question_again", "pain_after": "pain_question_again",
                   "confirm_stop": "confirm_stop_again", "pain_offer": "pain_offer_again",
                   "confirm_command": "confirm_command_again"}[phase]
            text = t.text(key)
            t.say_text(text, "question", expects=QUESTION_PHASES[phase])
            t.set(reprompted=True)
            t.timer(QUESTION, t.now + timing.speech_seconds(text) + timing.QUESTION_TIMEOUT)
            return
        # Nobody answered twice: go on sensibly.
        if phase == "pain_before":
            t.say("pain_not_given")
            self._start_exercise(t, t.s.index)
        elif phase == "pain_after":
            t.say("pain_not_given")
            self._finish(t)
        elif phase == "confirm_stop":
            self._end(t, finished=False, reason="stopped")
        elif phase == "confirm_command":
            t.set(pending=None)
            t.say("carry_on")
            self._resume(t)
        elif phase == "pain_offer":
            self._skip_hurting(t)

    def _answer(self, t: _Turn, intent: Intent) -> bool:
        """Handle an answer to the open question; False when the intent is no answer to it."""
        phase = t.s.phase
        if phase in ("pain_before", "pain_after"):
            if intent.name == "number":
                value = int(intent.slots.get("value", 0))
                t.cancel(QUESTION)
                t.say("pain_noted", value=value)
                if phase == "pain_before":
                    t.set(pain_before=value)
                    t.record("pain_before", value=value)
                    if value >= 7:
                        t.say("pain_high", "safety")
                    self._start_exercise(t, t.s.index)
                else:
                    t.set(pain_after=value)
                    t.record("pain_after", value=value)
                    self._finish(t)
                return True
            if intent.name in ("next", "no"):  # "skip" / "no" -> no rating
                t.cancel(QUESTION)
                t.say("pain_not_given")
                if phase == "pain_before":
                    self._start_exercise(t, t.s.index)
                else:
                    self._finish(t)
                return True
            return False
        if phase == "confirm_stop":
            if intent.name in ("yes", "stop"):
                self._end(t, finished=False, reason="stopped")
                return True
            if intent.name in ("no", "resume", "start"):
                t.cancel(QUESTION)
                t.say("carry_on")
                self._resume(t)
                return True
            return False
        if phase == "confirm_command":
            pending = t.s.pending
            if intent.name == "yes" and pending is not None:
                t.cancel(QUESTION)
                # Act on it from where we were: the handlers read the saved state.
                t.set(phase="paused", pending=None)
                getattr(self, f"_cmd_{pending.name}")(t, pending)
                return True
            if intent.name in ("no", "resume"):
                t.cancel(QUESTION)
                t.set(pending=None)
                t.say("carry_on")
                self._resume(t)
                return True
            return False
        if phase == "pain_offer":
            if intent.name == "yes":
                t.cancel(QUESTION)
                self._use_easier(t)
                return True
            if intent.name in ("no", "next"):
                t.cancel(QUESTION)
                self._skip_hurting(t)
                return True
            return False
        return False

    # ------------------------------------------------------------------ exercises

    def _start_exercise(self, t: _Turn, index: int, *, inserted: bool = False) -> None:
        items = t.s.items
        if index >= len(items):
            self._ask(t, "pain_after", "pain_after_question")
            return
        t.set(phase="intro", index=index, side=0, set_no=1, done=0, saved=None,
              reprompted=False, overlay=None)
        t.listen("command")
        item = items[index]
        ex = self.ctx.catalog.get(item.exercise_id)
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
        lines.extend(self._how_lines(t, ex, item))
        lines.append(t.text("get_ready"))
        uid = 0
        for i, line in enumerate(lines):
            uid = t.say_text(line, "info" if i == 0 else "cue")
        t.wait_for(uid, " ".join(lines))

    def _how_lines(self, t: _Turn, ex: Exercise, item: PlanItem) -> list[str]:
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

    def _get_ready(self, t: _Turn) -> None:
        """Three, two, one, go: then the work starts on the count grid."""
        t.set(phase="get_ready", countdown=3, next_due=t.now + 0.5, awaiting=None)
        t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)

    def _countdown_tick(self, t: _Turn) -> None:
        n = t.s.countdown
        due = t.s.next_due
        if n > 0:
            t.count(f"countdown_{n}", due)
            t.set(countdown=n - 1, next_due=due + 1.0)
            t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)
            return
        t.say_text(t.text("go"), "count", due=due, interrupt=True)
        item = t.item()
        assert item is not None
        phase = "holding" if item.hold_seconds else "reps"
        interval = 1.0 if item.hold_seconds else self._rep_interval(t, item)
        # A resumed hold goes on from the count it had reached.
        t.set(phase=phase, next_due=due + (interval if item.hold_seconds else 0.6))
        t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)

    def _rep_interval(self, t: _Turn, item: PlanItem) -> float:
        return max(1.5, item.tempo_seconds * t.s.tempo)

    def _hold_tick(self, t: _Turn) -> None:
        item = t.item()
        assert item is not None and item.hold_seconds
        total = item.hold_seconds
        n = t.s.done + 1
        due = t.s.next_due
        left = total - n
        if left <= 0:
            t.count("relax", due)
            t.set(done=n)
            self._after_work(t)
            return
        if left <= 3:
            t.count(f"countdown_{left}", due)
        elif total >= 10 and n == total // 2:
            t.count("halfway", due)
        elif total >= 25 and left == 10:
            t.count("ten_left", due)
        elif t.s.overlay is None:
            t.count("count", due, n=n)
        t.set(done=n, next_due=due + 1.0)
        t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)

    def _rep_tick(self, t: _Turn) -> None:
        item = t.item()
        assert item is not None and item.reps
        n = t.s.done + 1
        due = t.s.next_due
        if n > item.reps:
            t.count("reps_done", due)
            self._after_work(t)
            return
        if n == item.reps and item.reps > 1:
            t.count("rep_last", due)
        elif t.s.overlay is None:
            t.count("count", due, n=n)
        t.set(done=n, next_due=due + self._rep_interval(t, item))
        t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)

    def _after_work(self, t: _Turn) -> None:
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
        self._next_exercise(t, rest=True)

    def _next_exercise(self, t: _Turn, rest: bool) -> None:
        nxt = t.s.index + 1
        if nxt >= len(t.s.items):
            self._ask(t, "pain_after", "pain_after_question")
            return
        if not rest:
            self._start_exercise(t, nxt)
            return
        item = t.item()
        assert item is not None
        seconds = item.rest_seconds
        name = self.ctx.catalog.get(t.s.items[nxt].exercise_id).name
        t.set(phase="rest", done=0)
        t.say("rest_next", "info", seconds=seconds, name=name)
        t.timer(STEP, t.now + seconds)

    # ------------------------------------------------------------------ events

    def _tick(self, t: _Turn, name: str) -> None:
        phase = t.s.phase
        if name == QUESTION:
            if phase in QUESTION_PHASES:
                self._question_timeout(t)
            elif phase == "welcome":
                t.say("say_start_again")
            elif phase == "paused":
                t.say("still_paused")
            return
        if name != STEP:
            return
        if t.s.awaiting is not None:  # the speech we waited for was never reported done
            self._speech_finished(t)
        elif phase == "get_ready":
            self._countdown_tick(t)
        elif phase == "holding":
            self._hold_tick(t)
        elif phase == "reps":
            self._rep_tick(t)
        elif phase == "switch_sides":
            t.say("go", "count", interrupt=True)
            item = t.item()
            assert item is not None
            interval = 1.0 if item.hold_seconds else self._rep_interval(t, item)
            t.set(phase="holding" if item.hold_seconds else "reps", done=0,
                  next_due=t.now + (interval if item.hold_seconds else 0.6))
            t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)
        elif phase == "set_rest":
            self._get_ready(t)
        elif phase == "rest":
            self._start_exercise(t, t.s.index + 1)

    def _speech_done(self, t: _Turn, event: SpeechDone) -> None:
        if event.utterance_id == t.s.safety_id and not event.cut:
            t.set(safety_id=None)
        if event.utterance_id == t.s.overlay:
            t.set(overlay=None)
        if event.utterance_id == t.s.awaiting:
            t.cancel(STEP)
            self._speech_finished(t)

    def _speech_finished(self, t: _Turn) -> None:
        """What we were saying is over: move on from where we are."""
        t.set(awaiting=None)
        phase = t.s.phase
        if phase == "intro":
            self._get_ready(t)
        elif phase == "explaining":
            self._resume(t)

    def _input_ended(self, t: _Turn) -> None:
        t.set(input_ended=True)
        if t.s.phase == "welcome":
            self._end(t, finished=False, reason="input ended", speak=False)
        elif t.s.phase != "finished":
            t.say("input_ended")

    # ------------------------------------------------------------------ commands

    def _heard(self, t: _Turn, intent: Intent, source: str = "text") -> None:
        name = intent.name
        if name == "none":
            self._not_understood(t)
            return
        t.set(no_match=0)
        # Safety first, in every state, over everything the coach is saying.
        if name == "red_flag":
            self._red_flag(t, intent)
            return
        if name == "pain":
            self._pain(t)
            return
        if t.s.phase == "finished":
            if name == "stop":
                self._end(t, finished=True, reason="finished", speak=False)
            else:
                t.say("already_finished")
            return
        if t.s.phase in QUESTION_PHASES and self._answer(t, intent):
            return
        if (source == "voice" and name in CONFIRM_INTENTS and intent.confidence < CONFIRM_BELOW
                and t.s.phase not in QUESTION_PHASES):
            saved = self._freeze(t)
            t.set(pending=intent)
            self._ask(t, "confirm_command", "confirm_command", saved=saved,
                      heard=intent.text or name)
            return
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None:
            self._not_understood(t)
            return
        handler(t, intent)

    def _not_understood(self, t: _Turn) -> None:
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

    def _overlay(self, t: _Turn, key: str, **data: Any) -> None:
        """A short line said over the counts (the counts keep time and skip plain numbers)."""
        uid = t.say(key, remember=False, **data)
        if t.s.phase in COUNTING_PHASES:
            t.set(overlay=uid)

    # Freezing: the count stops, something is said, then we resume with a get-ready.
    def _freeze(self, t: _Turn) -> State:
        t.cut()
        saved = t.s.saved if t.s.phase in ("paused", "explaining") and t.s.saved else t.s
        return saved

    def _resume(self, t: _Turn) -> None:
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
            self._get_ready(t)
            return
        if phase in ("intro", "set_rest"):
            self._start_exercise(t, saved.index) if phase == "intro" else self._get_ready(t)
            return
        if phase == "rest":
            self._start_exercise(t, saved.index + 1)
            return
        if phase in QUESTION_PHASES:
            if phase == "confirm_command":  # the doubtful command is dropped on the way back
                t.set(saved=saved.saved, pending=None)
                self._resume(t)
                return
            key = {"pain_before": "pain_before_question", "pain_after": "pain_after_question",
                   "confirm_stop": "confirm_stop", "pain_offer": "pain_offer_again"}[phase]
            self._ask(t, phase, key, saved=saved.saved)
            return
        if phase == "welcome":
            t.say("say_start")
            t.timer(QUESTION, t.now + 45.0)

    def _cmd_start(self, t: _Turn, intent: Intent) -> None:
        if t.s.phase == "welcome":
            self._begin(t)
        elif t.s.phase in ("paused", "explaining"):
            self._resume(t)
        else:
            self._overlay(t, "already_going")

    def _cmd_resume(self, t: _Turn, intent: Intent) -> None:
        if t.s.phase in ("paused", "explaining"):
            self._resume(t)
        elif t.s.phase == "welcome":
            self._begin(t)
        else:
            self._overlay(t, "not_paused")

    def _cmd_yes(self, t: _Turn, intent: Intent) -> None:
        if t.s.phase == "welcome":
            self._begin(t)
        elif t.s.phase == "paused":
            self._resume(t)
        else:
            self._overlay(t, "no_question")

    def _cmd_no(self, t: _Turn, intent: Intent) -> None:
        if t.s.phase == "welcome":
            t.say("say_start_again")
        else:
            self._overlay(t, "no_question")

    def _cmd_stop(self, t: _Turn, intent: Intent) -> None:
        if t.s.phase == "welcome":
            self._end(t, finished=False, reason="stopped")
            return
        saved = self._freeze(t)
        self._ask(t, "confirm_stop", "confirm_stop", saved=saved)

    def _cmd_pause(self, t: _Turn, intent: Intent) -> None:
        if t.s.phase == "paused":
            t.say("paused")
            return
        saved = self._freeze(t)
        t.set(phase="paused", saved=saved)
        t.say("paused")
        t.listen("command")
        t.timer(QUESTION, t.now + 120.0)

    def _cmd_next(self, t: _Turn, intent: Intent) -> None:
        if t.s.phase == "welcome":
            self._begin(t)
            return
        base = t.s.saved if t.s.phase in ("paused", "explaining") and t.s.saved else t.s
        t.cut()
        t.set(index=base.index)
        if base.phase in ("pain_before",):
            t.say("pain_not_given")
            self._start_exercise(t, base.index)
            return
        item = t.item()
        if item is not None:
            t.say("skipping", name=self.ctx.catalog.get(item.exercise_id).name)
            if base.phase != "rest":
                t.record("exercise_skipped", exercise=item.exercise_id)
                t.set(skipped=t.s.skipped + (item.exercise_id,))
        self._start_exercise(t, base.index + 1)

    def _cmd_previous(self, t: _Turn, intent: Intent) -> None:
        if t.s.phase == "welcome":
            self._begin(t)
            return
        base = t.s.saved if t.s.phase in ("paused", "explaining") and t.s.saved else t.s
        t.cut()
        # In the rest after an exercise, "previous" means the one just done.
        target = base.index if base.phase == "rest" else base.index - 1
        if target < 0:
            t.say("at_first")
            target = 0
        else:
            t.say("going_back", name=self.ctx.catalog.get(t.s.items[target].exercise_id).name)
        self._start_exercise(t, target)

    def _cmd_repeat(self, t: _Turn, intent: Intent) -> None:
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
            base = t.s.saved if phase in ("paused", "explaining") else t.s
            t.cut()
            self._start_exercise(t, base.index)
            return
        if phase == "welcome":
            t.cut()
            self._welcome(t)
            return
        for text, kind, expects in t.s.last_lines:
            t.say_text(text, kind, expects=expects)

    def _cmd_help(self, t: _Turn, intent: Intent) -> None:
        phase = t.s.phase
        if phase in QUESTION_PHASES:
            expects = QUESTION_PHASES[phase]
            t.say("help_question_number" if expects == "number" else "help_question_yes_no",
                  remember=False)
            return
        if phase == "welcome":
            t.say("help_welcome", remember=False)
            return
        self._interject(t, [t.text("help_general")])

    def _interject(self, t: _Turn, lines: list[str]) -> None:
        """Say something longer: counts freeze, and we come back with a get-ready."""
        if t.s.phase in ("welcome", "finished"):
            for line in lines:
                t.say_text(line, "info", remember=False)
            return
        if t.s.phase == "rest":
            # The rest timer keeps going; just talk over the rest.
            for line in lines:
                t.say_text(line, "info", remember=False)
            return
        saved = self._freeze(t)
        t.set(phase="explaining", saved=saved)
        uid = 0
        for line in lines:
            uid = t.say_text(line, "info", remember=False)
        t.wait_for(uid, " ".join(lines))

    def _cmd_explain(self, t: _Turn, intent: Intent) -> None:
        ex_id = intent.slots.get("exercise") or t.exercise_id()
        if t.s.phase == "welcome" and not intent.slots.get("exercise"):
            t.say("explain_which")
            return
        if ex_id is None or ex_id not in self.ctx.catalog.ids():
            t.say("explain_which")
            return
        ex = self.ctx.catalog.get(ex_id)
        lines = [t.text("explain_intro", name=ex.name), ex.setup, *ex.cues, ex.breathing,
                 t.text("explain_mistakes", mistakes=" ".join(ex.mistakes))]
        if t.s.phase not in ("welcome", "finished", "rest"):
            base = t.s.saved if t.s.phase in ("paused", "explaining") and t.s.saved else t.s
            cur = base.items[base.index] if base.index < len(base.items) else None
            if cur is not None and base.phase in EXERCISE_PHASES:
                lines.append(t.text("back_to", name=self.ctx.catalog.get(cur.exercise_id).name))
        self._interject(t, lines)

    def _cmd_goto(self, t: _Turn, intent: Intent) -> None:
        ex_id = intent.slots.get("exercise")
        if not ex_id or ex_id not in self.ctx.catalog.ids():
            self._overlay(t, "unknown_exercise")
            return
        if t.s.phase == "welcome":
            t.cut()
            items, index = _with_item(t.s.items, 0, self.ctx.catalog.get(ex_id))
            t.set(items=items, index=index)
            t.set(started_at=t.now)
            self._ask(t, "pain_before", "pain_before_question")
            return
        base = t.s.saved if t.s.phase in ("paused", "explaining") and t.s.saved else t.s
        t.cut()
        # Jump to it: where it is in the plan, or add it right after the current exercise.
        at = base.index + (1 if base.phase in ("rest",) else 0)
        existing = next((i for i, it in enumerate(base.items) if it.exercise_id == ex_id), None)
        if existing is not None:
            self._start_exercise(t, existing)
            return
        items, index = _with_item(base.items, min(at, len(base.items)), self.ctx.catalog.get(ex_id))
        t.set(items=items)
        self._start_exercise(t, index, inserted=True)

    def _cmd_time_left(self, t: _Turn, intent: Intent) -> None:
        base = t.s.saved if t.s.phase in ("paused", "explaining", "confirm_stop") and t.s.saved else t.s
        ex_left, session_left = _time_left(base, t.now)
        session_text = _duration(t, session_left)
        if base.phase in EXERCISE_PHASES:
            self._overlay(t, "time_left_exercise", exercise_left=_duration(t, ex_left),
                          session_left=session_text)
        else:
            self._overlay(t, "time_left_session", session_left=session_text)

    def _cmd_slower(self, t: _Turn, intent: Intent) -> None:
        tempo = min(TEMPO_MAX, t.s.tempo * TEMPO_STEP)
        if tempo == t.s.tempo:
            self._overlay(t, "slowest")
            return
        t.set(tempo=tempo)
        t.actions.append(AdjustVoice(rate=1 / TEMPO_STEP))
        self._overlay(t, "slower")

    def _cmd_faster(self, t: _Turn, intent: Intent) -> None:
        tempo = max(TEMPO_MIN, t.s.tempo / TEMPO_STEP)
        if tempo == t.s.tempo:
            self._overlay(t, "fastest")
            return
        t.set(tempo=tempo)
        t.actions.append(AdjustVoice(rate=TEMPO_STEP))
        self._overlay(t, "faster")

    def _cmd_louder(self, t: _Turn, intent: Intent) -> None:
        t.actions.append(AdjustVoice(volume=1.25))
        self._overlay(t, "louder")

    def _cmd_quieter(self, t: _Turn, intent: Intent) -> None:
        t.actions.append(AdjustVoice(volume=0.8))
        self._overlay(t, "quieter")

    def _cmd_number(self, t: _Turn, intent: Intent) -> None:
        # A pain score given unasked: note it; 3+ points above the start counts as pain.
        value = int(intent.slots.get("value", 0))
        if t.s.phase == "welcome":
            self._overlay(t, "no_question")
            return
        t.record("pain_rating", value=value, exercise=t.exercise_id())
        before = t.s.pain_before
        if before is not None and value - before >= 3:
            t.say("pain_rose", "safety", delta=value - before)
            self._pain(t, rated=value)
            return
        self._overlay(t, "pain_rating_midway", value=value)

    def _cmd_easy(self, t: _Turn, intent: Intent) -> None:
        base = t.s.saved if t.s.phase in ("paused", "explaining") and t.s.saved else t.s
        ex_id = None
        if base.phase in EXERCISE_PHASES and base.index < len(base.items):
            ex_id = base.items[base.index].exercise_id
        elif base.completed:
            ex_id = base.completed[-1]
        if ex_id is None:
            self._overlay(t, "easy_nothing")
            return
        t.record("easy", exercise=ex_id)
        self._overlay(t, "easy_noted", name=self.ctx.catalog.get(ex_id).name)

    def _cmd_progress(self, t: _Turn, intent: Intent) -> None:
        lines = list(self.ctx.progress) or [t.text("progress_none")]
        if t.s.phase in COUNTING_PHASES:
            self._interject(t, lines)
        else:
            for line in lines:
                t.say_text(line, "info", remember=False)

    # ------------------------------------------------------------------ safety

    def _pain(self, t: _Turn, rated: int | None = None) -> None:
        base = t.s.saved if t.s.phase in ("paused", "explaining", "confirm_stop") and t.s.saved else t.s
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
            t.say("pain_no_easier", "safety", name=self.ctx.catalog.get(ex_id).name)
            self._skip_to_next(t, base.index)
            return
        ex = self.ctx.catalog.get(ex_id)
        self._ask(t, "pain_offer", "pain_offer_easier", saved=base, variant=ex.easier.name)

    def _use_easier(self, t: _Turn) -> None:
        index = t.s.index
        item = t.s.items[index]
        ex = self.ctx.catalog.get(item.exercise_id)
        easier = replace(
            item, variant="easier",
            hold_seconds=(ex.easier.hold_seconds or item.hold_seconds) if item.hold_seconds else None,
            reps=(ex.easier.reps or item.reps) if item.reps else None,
        )
        items = t.s.items[:index] + (easier,) + t.s.items[index + 1:]
        t.set(items=items)
        self._start_exercise(t, index)

    def _skip_hurting(self, t: _Turn) -> None:
        item = t.s.items[t.s.index]
        t.say("pain_skip", name=self.ctx.catalog.get(item.exercise_id).name)
        self._skip_to_next(t, t.s.index)

    def _skip_to_next(self, t: _Turn, index: int) -> None:
        item = t.s.items[index]
        t.record("exercise_skipped", exercise=item.exercise_id, reason="pain")
        t.set(skipped=t.s.skipped + (item.exercise_id,))
        self._start_exercise(t, index + 1)

    def _red_flag(self, t: _Turn, intent: Intent) -> None:
        urgent = bool(intent.slots.get("urgent"))
        t.cut()
        base = t.s.saved if t.s.saved else t.s
        ex_id = base.items[base.index].exercise_id if base.index < len(base.items) and base.phase in EXERCISE_PHASES else None
        t.record("red_flag", urgent=urgent, text=intent.text, exercise=ex_id)
        t.say("red_flag_urgent" if urgent else "red_flag", "safety", interrupt=True)
        self._end(t, finished=False, reason="red_flag_urgent" if urgent else "red_flag", speak=False)

    # ------------------------------------------------------------------ the end

    def _finish(self, t: _Turn) -> None:
        t.cancel()
        minutes = (t.now - (t.s.started_at or 0.0)) / 60.0
        t.set(phase="finished")
        t.say("finished", done=_counted(t, len(t.s.completed), "one_exercise", "n_exercises"),
              minutes=_duration(t, minutes * 60))
        before, after = t.s.pain_before, t.s.pain_after
        if before is not None and after is not None:
            key = ("finished_pain_better" if after < before else
                   "finished_pain_same" if after == before else "finished_pain_worse")
            t.say(key, "safety" if after > before else "info", before=before, after=after)
        t.say("see_you")
        self._end(t, finished=True, reason="finished", speak=False)

    def _end(self, t: _Turn, *, finished: bool, reason: str, speak: bool = True) -> None:
        if speak:
            t.cut()
            if t.s.started_at is None:
                t.say("goodbye_early")
            else:
                if t.s.completed:
                    t.say("ended_early", done=_counted(t, len(t.s.completed), "one_exercise", "n_exercises"))
                else:
                    t.say("ended_early_none")
        t.cancel()
        t.set(phase="finished", ended=True)
        t.actions.append(End(finished, reason))


# ---------------------------------------------------------------------- pure helpers


def counting_lines(p: Prompts, longest: int = 60) -> list[str]:
    """Every line the coach says while counting, up to a count of `longest`."""
    lines = [p.render(k) for k in ("countdown_3", "countdown_2", "countdown_1", "go",
                                   "halfway", "ten_left", "rep_last", "switch_sides",
                                   "get_ready", "resuming")]
    for key in ("relax", "reps_done", "not_understood"):
        lines += [p.render(key, turn=i) for i in range(p.variants(key))]
    return lines + [p.render("count", n=n) for n in range(1, longest + 1)]


def _with_item(items: tuple[PlanItem, ...], at: int, ex: Exercise) -> tuple[tuple[PlanItem, ...], int]:
    """Insert a plan item for `ex` at position `at` (default dose from the catalog)."""
    item = default_item(ex)
    return items[:at] + (item,) + items[at:], at


def default_item(ex: Exercise) -> PlanItem:
    """A plan item with the catalog's own dose, for an exercise asked for by name."""
    sides = ("left", "right") if ex.two_sided else ()
    item = PlanItem(
        exercise_id=ex.id, variant="standard", hold_seconds=ex.hold_seconds, reps=ex.reps,
        tempo_seconds=ex.tempo_seconds, sets=1, sides=sides, rest_seconds=ex.rest_seconds,
        est_seconds=0.0,
    )
    return replace(item, est_seconds=work_seconds(item) + ex.rest_seconds + 30.0)


def work_seconds(item: PlanItem, tempo: float = 1.0) -> float:
    """Time under work (holds/reps) of a plan item, all sides and sets, with switches and rests."""
    per_side = item.hold_seconds if item.hold_seconds else (item.reps or 0) * max(1.5, item.tempo_seconds * tempo)
    sides = max(1, len(item.sides))
    per_set = per_side * sides + timing.SWITCH_SIDES_SECONDS * (sides - 1) + timing.GET_READY_SECONDS
    return per_set * item.sets + timing.SET_REST_SECONDS * (item.sets - 1)


def _time_left(s: State, now: float) -> tuple[float, float]:
    """(seconds left in this exercise, seconds left in the session), estimated."""
    if s.index >= len(s.items):
        return 0.0, 0.0
    item = s.items[s.index]
    total = work_seconds(item, s.tempo)
    interval = 1.0 if item.hold_seconds else max(1.5, item.tempo_seconds * s.tempo)
    per_side = (item.hold_seconds or (item.reps or 0) * interval)
    sides = max(1, len(item.sides))
    done_sets = (s.set_no - 1) * (per_side * sides + timing.SWITCH_SIDES_SECONDS * (sides - 1) + timing.GET_READY_SECONDS + timing.SET_REST_SECONDS)
    done_sides = s.side * (per_side + timing.SWITCH_SIDES_SECONDS)
    done_now = s.done * interval if s.phase in ("holding", "reps") else 0.0
    if s.phase == "rest":
        ex_left = 0.0
    else:
        ex_left = max(0.0, total - done_sets - done_sides - done_now)
    rest_after = item.rest_seconds
    later = sum(i.est_seconds for i in s.items[s.index + 1:])
    return ex_left, ex_left + rest_after + later


def _counted(t: _Turn, n: int, one_key: str, many_key: str) -> str:
    """'one stretch' / '3 stretches': plural forms live in the prompts too."""
    return t.ctx.prompts.render(one_key if n == 1 else many_key, n=n)


def _duration(t: _Turn, seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 55:
        n = max(5, int(round(seconds / 5.0)) * 5) if seconds >= 5 else max(1, int(round(seconds)))
        return t.ctx.prompts.render("seconds", n=n)
    minutes = int(round(seconds / 60.0))
    if minutes <= 1:
        return t.ctx.prompts.render("one_minute")
    return t.ctx.prompts.render("minutes", n=minutes)
