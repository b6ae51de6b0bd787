"""The first session ever: the onboarding conversation, then the workout planned from its
answers, run as one dialogue through the same loop (so one keyboard / microphone serves both).

Saying "start" during the questions takes the usual choices for what is left and starts the
workout at once: an impatient person is never held up by setup.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

from voicecoach.core.dialogue import Dialogue
from voicecoach.core.events import Began, CancelTimers, End, Event, Heard, InputEnded
from voicecoach.core.intents import Intent
from voicecoach.core.onboarding import QUESTION as ONBOARDING_TIMER
from voicecoach.core.onboarding import Onboarding, OnboardingState


@dataclass(frozen=True)
class ChainState:
    onboarding: OnboardingState
    workout: Any = None  # the workout dialogue's State once it has begun
    start_now: bool = False
    input_ended: bool = False

    # The loop and tests look at these.
    @property
    def phase(self) -> str:
        return self.workout.phase if self.workout is not None else f"onboarding:{self.onboarding.phase}"

    @property
    def ended(self) -> bool:
        return bool(self.workout is not None and self.workout.ended)


class FirstRun:
    """Onboarding, then `make_workout(onboarding_state)` -> Dialogue for the rest."""

    def __init__(self, onboarding: Onboarding, make_workout: Callable[[OnboardingState], Dialogue],
                 on_stopped: Callable[[OnboardingState], None] = lambda s: None):
        self.onboarding = onboarding
        self.make_workout = make_workout
        self.on_stopped = on_stopped
        self.workout: Dialogue | None = None

    def initial_state(self) -> ChainState:
        return ChainState(self.onboarding.initial_state())

    def step(self, state: ChainState, event: Event, now: float):
        if state.workout is not None:
            assert self.workout is not None
            inner, actions = self.workout.step(state.workout, event, now)
            return replace(state, workout=inner), actions
        if isinstance(event, Heard) and event.intent.name == "start":
            state = replace(state, start_now=True)
            event = InputEnded()  # "take the usual choices for what is left"
        elif isinstance(event, InputEnded):
            state = replace(state, input_ended=True)
        ob_state, actions = self.onboarding.step(state.onboarding, event, now)
        state = replace(state, onboarding=ob_state)
        end = next((a for a in actions if isinstance(a, End)), None)
        if end is None:
            return state, actions
        actions = [a for a in actions if not isinstance(a, End)]
        if ob_state.phase != "done":  # stopped, red flag, Ctrl-C: the session ends here
            self.on_stopped(ob_state)
            return state, actions + [end]
        # Answers in: plan the workout and hand over, ids carrying on from the onboarding's.
        self.workout = self.make_workout(ob_state)
        inner = replace(self.workout.initial_state(), next_id=ob_state.next_id)
        actions.append(CancelTimers((ONBOARDING_TIMER,)))
        inner, more = self.workout.step(inner, Began(), now)
        actions += more
        if state.start_now:
            inner, more = self.workout.step(inner, Heard(Intent("start", {}, "start")), now)
            actions += more
        if state.input_ended:
            inner, more = self.workout.step(inner, InputEnded(), now)
            actions += more
        return replace(state, workout=inner), actions
