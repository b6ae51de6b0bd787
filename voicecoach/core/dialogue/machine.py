"""The Dialogue: `step(state, event, now) -> (state, actions)`, one event at a time, handed
to the part that knows what to do with it."""

from __future__ import annotations

from voicecoach.core import agenda
from voicecoach.core.events import (
    Action, Began, DeviceChanged, Event, Heard, InputEnded, Interrupted, SpeechDone,
    SpeechStarted, Tick,
)
from voicecoach.core.dialogue import commands, counting, flow, questions
from voicecoach.core.dialogue.state import QUESTION, QUESTION_PHASES, STEP, Context, State
from voicecoach.core.dialogue.turn import Turn


class Dialogue:
    """The coach's conversation for one session plan. `step` is pure."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def initial_state(self) -> State:
        return State(items=self.ctx.plan.items)

    def prerender(self) -> list[str]:
        """Lines worth synthesising before they are needed, soonest first: the counting
        vocabulary (a count must never wait for synthesis), then each exercise's own lines."""
        p = self.ctx.prompts
        items = self.ctx.plan.items
        longest = max([i.hold_seconds or i.reps or 0 for i in items] + [10])
        lines = counting.counting_lines(p, longest)
        for item in items:
            if item.reps:
                words = self.ctx.catalog.get(item.exercise_id).rep_words
                up, down = words or (p.render("rep_up_default"), p.render("rep_down_default"))
                lines += counting.rep_lines(p, up, down, item.reps)
        for item in items:
            ex = self.ctx.catalog.get(item.exercise_id)
            lines += [ex.setup, *ex.cues, ex.breathing]
        return list(dict.fromkeys(lines))

    def step(self, state: State, event: Event, now: float) -> tuple[State, list[Action]]:
        t = Turn(self.ctx, state, now)
        if state.ended:
            return state, []
        if isinstance(event, Began):
            flow.welcome(t)
        elif isinstance(event, Heard):
            commands.heard(t, event.intent, event.source)
        elif isinstance(event, Tick):
            _tick(t, event.name)
        elif isinstance(event, SpeechStarted):
            if event.utterance_id == t.s.in_air:
                if t.s.in_air_tag == "question":
                    t.set(question_open=True)  # answers count from now
                    t.listen(QUESTION_PHASES.get(t.s.phase, "command"))
                elif t.s.in_air_tag == "rest":
                    flow.arm_wait(t)  # "rest for ten seconds": the ten start as it is heard
        elif isinstance(event, SpeechDone):
            _speech_done(t, event)
        elif isinstance(event, InputEnded):
            _input_ended(t)
        elif isinstance(event, Interrupted):
            flow.end(t, finished=False, reason="interrupted", speak=False, now=True)
        elif isinstance(event, DeviceChanged):
            # The workout goes on either way; a lost microphone is said aloud (typing works).
            if event.device == "microphone":
                t.reply("mic_lost" if not event.ok else "mic_back")
        return t.finish()


def _tick(t: Turn, name: str) -> None:
    phase = t.s.phase
    if name == QUESTION:
        if phase in QUESTION_PHASES:
            questions.timed_out(t)
        elif phase == "welcome":
            t.say("say_start_again", tag="say_start")
        elif phase == "paused":
            t.say("still_paused")
    elif name == STEP:
        flow.step_due(t)


def _speech_done(t: Turn, event: SpeechDone) -> None:
    was_question = t.s.in_air_tag == "question"
    if not agenda.finished(t, event.utterance_id):
        return
    if was_question:
        t.set(question_open=True)  # heard (or cut): in any case it has begun
    if not t.s.agenda:
        flow.quiet(t)


def _input_ended(t: Turn) -> None:
    t.set(input_ended=True)
    if t.s.phase == "welcome":
        flow.end(t, finished=False, reason="input ended", speak=False, now=True)
    elif t.s.phase != "finished":
        t.reply("input_ended")
