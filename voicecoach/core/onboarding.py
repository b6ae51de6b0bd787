"""The first-run conversation: a pure state machine in the dialogue's style.

    ob = Onboarding(OnboardingContext(prompts))
    state = ob.initial_state()
    state, actions = ob.step(state, Began(), now)     # ... Heard / Tick / Interrupted ...
    ob.profile(state)                                 # -> Profile once state.phase == "done"

Flow: welcome; the disclaimer, once (guides exercise, never diagnoses, no substitute for a
professional); "what is behind your back pain?" (tight muscles after sitting / weak muscles /
poor posture / not sure, or "one".."four"); one sentence on what that means for the plan; "how
active are you?" (beginner / intermediate / advanced, or "one".."three"); a summary; End.

A question not understood or not answered is asked once more with the choices spelled out;
then the default is taken (general / beginner) and the conversation goes on: never a dead end.
Free answers ("I sit at a desk all day", "I exercise now and then") are read from clues
(core/answer_clues.py) when the parser finds no answer in them.

Speech-paced like the workout (core/agenda.py): lines go to the speaker one at a time, a
question's answering time starts when it has finished playing, and an answer counts only once
its question has begun to play.
"stop" ends it (nothing saved but the disclaimer having been heard); a red flag ends it with
the advice to see a professional, like in a workout. No I/O, no time: `now` comes in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from voicecoach.core import agenda, answer_clues, timing
from voicecoach.core.agenda import Line
from voicecoach.core.events import (
    Action, Began, CancelTimers, End, Event, Heard, InputEnded, Interrupted, Listen, SetTimer,
    SpeechDone, SpeechStarted, StopSpeech, Tick,
)
from voicecoach.core.intents import Intent
from voicecoach.core.plan import CAUSES, LEVELS, Profile, Settings
from voicecoach.core.prompts import Prompts

Phase = Literal["welcome", "cause", "level", "paused", "done", "ended"]
QUESTION = "onboarding"  # the one timer: the current question's timeout
CAUSE_ORDER = ("tight", "weak", "posture", "general")  # "one" .. "four", as the question says
LEVEL_ORDER = ("beginner", "intermediate", "advanced")
DEFAULTS = {"cause": "general", "level": "beginner"}


@dataclass(frozen=True)
class OnboardingContext:
    prompts: Prompts
    disclaimer_heard: bool = False  # said once in a lifetime: skipped on a profile reset
    minutes: int = 15
    goal_minutes: int = 20


@dataclass(frozen=True)
class OnboardingState:
    phase: Phase = "welcome"
    cause: str | None = None
    level: str | None = None
    misses: int = 0  # on the current question: 1 -> choices spelled out, 2 -> default
    defaulted: tuple[str, ...] = ()  # which answers were defaults, not the person's
    paused_from: Phase | None = None
    disclaimer_heard: bool = False
    next_id: int = 1
    turn: int = 0
    reason: str = ""  # why it ended: "done", "stopped", "red_flag", "interrupted"
    # What is being said (core/agenda.py), and whether the question has begun to play.
    agenda: tuple[Line, ...] = ()
    in_air: int | None = None
    in_air_tag: str = ""
    question_open: bool = False
    ending: tuple[bool, str] | None = None  # End once the last line has been heard


class _Turn:
    def __init__(self, ctx: OnboardingContext, state: OnboardingState, now: float):
        self.ctx, self.s, self.now = ctx, state, now
        self.actions: list[Action] = []

    def set(self, **changes: Any) -> None:
        self.s = replace(self.s, **changes)

    def say(self, key: str, kind: str = "info", interrupt: bool = False, tag: str = "",
            reply: bool = False, **data: Any) -> None:
        text = self.ctx.prompts.render(key, turn=self.s.turn, **data)
        self.set(turn=self.s.turn + 1,
                 agenda=agenda.add(self.s.agenda, Line(text, kind, None, None, interrupt, reply, tag)))

    def ask(self, key: str, grammar: str, **data: Any) -> None:
        """The question goes on the agenda; its grammar is listened for once it is asked."""
        self.actions.append(CancelTimers((QUESTION,)))
        self.set(question_open=False)
        self.say(key, "question", tag="question", **data)

    def cut(self) -> None:
        self.actions.append(StopSpeech())
        self.actions.append(CancelTimers((QUESTION,)))
        agenda.clear(self)

    def end(self, finished: bool, reason: str, now: bool = False) -> None:
        """Finish after the last line has been heard (or `now`)."""
        self.actions.append(CancelTimers((QUESTION,)))
        self.set(ending=(finished, reason), reason=reason)
        if now or not agenda.busy(self.s):
            self.emit_end()

    def emit_end(self) -> None:
        assert self.s.ending is not None
        finished, reason = self.s.ending
        self.set(phase="done" if finished else "ended")
        self.actions.append(End(finished, reason))

    def finish(self) -> tuple[OnboardingState, list[Action]]:
        agenda.pump(self)
        return self.s, self.actions


class Onboarding:
    def __init__(self, ctx: OnboardingContext):
        self.ctx = ctx

    def initial_state(self) -> OnboardingState:
        return OnboardingState(disclaimer_heard=self.ctx.disclaimer_heard)

    def profile(self, state: OnboardingState) -> Profile | None:
        """The answers as a Profile once finished (defaults where none was given), else None."""
        if state.phase != "done":
            return None
        return Profile(state.cause or DEFAULTS["cause"], state.level or DEFAULTS["level"],  # type: ignore[arg-type]
                       self.ctx.minutes, self.ctx.goal_minutes)

    # ------------------------------------------------------------------ entry point

    def step(self, state: OnboardingState, event: Event, now: float
             ) -> tuple[OnboardingState, list[Action]]:
        if state.phase in ("done", "ended"):
            return state, []
        t = _Turn(self.ctx, state, now)
        if isinstance(event, Interrupted):
            t.end(False, "interrupted", now=True)
        elif t.s.ending is not None:
            if isinstance(event, SpeechDone) and agenda.finished(t, event.utterance_id) \
                    and not t.s.agenda:
                t.emit_end()
            elif isinstance(event, Heard) and event.intent.name == "stop":
                t.cut()
                t.emit_end()
        elif isinstance(event, Began):
            self._begin(t)
        elif isinstance(event, Heard):
            self._heard(t, event.intent)
        elif isinstance(event, SpeechStarted):
            if event.utterance_id == t.s.in_air and t.s.in_air_tag == "question":
                t.set(question_open=True)
                if t.s.phase in ("cause", "level"):
                    t.actions.append(Listen(t.s.phase))
        elif isinstance(event, SpeechDone):
            was_question = t.s.in_air_tag == "question"
            if agenda.finished(t, event.utterance_id):
                if was_question:
                    t.set(question_open=True)
                if not t.s.agenda and t.s.phase in ("cause", "level") and t.s.question_open:
                    # The answering time starts now, in full after any reply.
                    t.actions.append(SetTimer(QUESTION, now + timing.QUESTION_TIMEOUT))
        elif isinstance(event, Tick) and event.name == QUESTION:
            self._miss(t, timed_out=True)
        elif isinstance(event, InputEnded):
            # Typed input is over: nobody can answer any more. Take the defaults and finish,
            # so the workout that follows still has a profile.
            if t.s.cause is None or t.s.level is None:
                # A question still waiting to be asked will not be answered now: leave it out.
                t.set(agenda=tuple(line for line in t.s.agenda if line.tag != "question"))
                t.actions.append(CancelTimers((QUESTION,)))
                t.say("onboarding.input_ended")
            self._finish(t)
        return t.finish()

    # ------------------------------------------------------------------ flow

    def _begin(self, t: _Turn) -> None:
        t.say("onboarding.welcome")
        if not t.s.disclaimer_heard:
            t.say("onboarding.disclaimer", "safety")
            t.set(disclaimer_heard=True)
        self._ask_cause(t)

    def _ask_cause(self, t: _Turn, again: bool = False) -> None:
        t.set(phase="cause")
        t.ask("onboarding.cause_reprompt" if again else "onboarding.cause_question", "cause")

    def _ask_level(self, t: _Turn, again: bool = False) -> None:
        t.set(phase="level")
        t.ask("onboarding.level_reprompt" if again else "onboarding.level_question", "level")

    def _set_cause(self, t: _Turn, cause: str, default: bool = False) -> None:
        t.actions.append(CancelTimers((QUESTION,)))
        t.set(cause=cause, misses=0,
              defaulted=t.s.defaulted + ("cause",) if default else t.s.defaulted)
        if default:
            t.say("onboarding.cause_default")
        t.say(f"onboarding.cause_{cause}")
        self._ask_level(t)

    def _set_level(self, t: _Turn, level: str, default: bool = False) -> None:
        t.actions.append(CancelTimers((QUESTION,)))
        t.set(level=level, misses=0,
              defaulted=t.s.defaulted + ("level",) if default else t.s.defaulted)
        if default:
            t.say("onboarding.level_default")
        self._finish(t)

    def _finish(self, t: _Turn) -> None:
        defaulted = t.s.defaulted
        if t.s.cause is None:
            defaulted += ("cause",)
        if t.s.level is None:
            defaulted += ("level",)
        t.set(cause=t.s.cause or DEFAULTS["cause"], level=t.s.level or DEFAULTS["level"],
              defaulted=defaulted)
        t.say("onboarding.done", level=t.s.level, minutes=self.ctx.minutes,
              goal=self.ctx.goal_minutes)
        t.end(True, "done")

    def _miss(self, t: _Turn, timed_out: bool = False) -> None:
        """Not understood, or no answer in time: ask once more with the choices, then default."""
        phase = t.s.phase
        if phase not in ("cause", "level"):
            return
        misses = t.s.misses + 1
        t.set(misses=misses)
        if misses == 1:
            if not timed_out:
                t.say("not_understood", reply=True)
            (self._ask_cause if phase == "cause" else self._ask_level)(t, again=True)
        elif phase == "cause":
            self._set_cause(t, DEFAULTS["cause"], default=True)
        else:
            self._set_level(t, DEFAULTS["level"], default=True)

    # ------------------------------------------------------------------ what was heard

    def _heard(self, t: _Turn, intent: Intent) -> None:
        name, slots = intent.name, intent.slots
        phase = t.s.phase
        if name == "red_flag":  # safety first, in every phase
            t.cut()
            urgent = bool(slots.get("urgent"))
            t.say("onboarding.red_flag_urgent" if urgent else "onboarding.red_flag", "safety",
                  interrupt=True)
            t.end(False, "red_flag")
            return
        if name == "stop":
            t.cut()
            t.say("onboarding.stopped", interrupt=True)
            t.end(False, "stopped")
            return
        if phase == "paused":
            if name in ("resume", "start", "yes", "repeat", "cause", "level", "number"):
                t.set(phase=t.s.paused_from or "cause", paused_from=None)
                if name in ("cause", "level", "number"):
                    t.set(question_open=True)  # it was asked before the pause
                    self._heard(t, intent)  # an answer also resumes
                else:
                    self._reask(t)
            return
        if name == "pause":
            t.actions.append(CancelTimers((QUESTION,)))
            t.set(phase="paused", paused_from=phase)
            t.say("onboarding.paused", reply=True)
            return
        if name == "pain":
            t.say("onboarding.pain", "safety", reply=True)
            self._reask(t)
            return
        if name == "repeat":
            self._reask(t)
            return
        if name == "help":
            t.say(f"onboarding.{phase}_help", reply=True)
            self._reask(t, again=True)
            return
        if phase in ("cause", "level") and not t.s.question_open:
            t.say("answer_wait", reply=True)  # the question has not been heard yet
            return
        # The answers. A cause may also come during the level question (a change of mind).
        cause = slots.get("cause") if name == "cause" else None
        if phase == "cause" and name == "number":
            cause = _pick(CAUSE_ORDER, slots.get("value"))
        if phase == "cause" and cause is None and name == "none":
            cause = answer_clues.match("cause", intent.text)
        if cause in CAUSES:
            self._set_cause(t, cause)  # type: ignore[arg-type]
            return
        level = slots.get("level") if name == "level" else None
        if phase == "level" and name == "number":
            level = _pick(LEVEL_ORDER, slots.get("value"))
        if phase == "level" and level is None and name == "none":
            level = answer_clues.match("level", intent.text)
        if phase == "level" and level in LEVELS:
            self._set_level(t, level)  # type: ignore[arg-type]
            return
        self._miss(t)

    def _reask(self, t: _Turn, again: bool = False) -> None:
        if t.s.phase == "cause":
            self._ask_cause(t, again)
        elif t.s.phase == "level":
            self._ask_level(t, again)


def _pick(order: tuple[str, ...], value: Any) -> str | None:
    """"one" -> the first choice; numbers out of range are no answer."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= len(order):
        return order[value - 1]
    return None


def settings_after(state: OnboardingState, previous: Settings | None, today: date) -> Settings:
    """What to save after the conversation: the answers (when it finished), the disclaimer
    heard (even when stopped: it is said once in a lifetime), the rest kept from `previous`."""
    base = previous or Settings(created=today)
    changes: dict[str, Any] = {"disclaimer_heard": base.disclaimer_heard or state.disclaimer_heard}
    if state.phase == "done":
        changes.update(cause=state.cause or DEFAULTS["cause"], level=state.level or DEFAULTS["level"])
    if base.created is None:
        changes["created"] = today
    return replace(base, **changes)
