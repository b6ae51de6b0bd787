"""Drives the pure dialogue through the real session loop on a fake clock, with the muted
speaker: every line takes the time it would take aloud (counts up to 0.6 s), and every wait
starts when the speaker reports the line finished. Text only: no audio, no real time."""

from __future__ import annotations

from dataclasses import replace

from voicecoach.core.catalog import load_catalog
from voicecoach.core.dialogue import Context, Dialogue, default_item
from voicecoach.core.events import Began, End, Heard, Say, Utterance
from voicecoach.core.intents import Intent
from voicecoach.core.plan import Plan
from voicecoach.core.prompts import load_default
from voicecoach.session.clock import FakeClock
from voicecoach.session.loop import MutedSpeaker, SessionLoop

CATALOG = load_catalog()
PROMPTS = load_default()


def intent(name: str) -> Intent:
    """A representative intent for a command name, with its slots filled."""
    slots = {
        "goto": {"exercise": "superman"},
        "explain": {"exercise": "bird-dog"},
        "number": {"value": 4},
        "red_flag": {"urgent": False},
    }.get(name, {})
    return Intent(name, slots, text=name)


def heard(name: str, **slots) -> Heard:
    return Heard(Intent(name, slots or intent(name).slots, text=name))


def small_plan() -> Plan:
    """A plan that passes through every phase: a two-sided hold done in two sets, reps, a hold."""
    stretch = replace(default_item(CATALOG.get("knee-to-chest")), hold_seconds=6, sets=2,
                      sides=("left", "right"), rest_seconds=5)
    reps = replace(default_item(CATALOG.get("bridge")), reps=3, sets=1, rest_seconds=5)
    hold = replace(default_item(CATALOG.get("plank")), hold_seconds=6, sets=1, rest_seconds=5)
    return Plan(items=(stretch, reps, hold), minutes=5)


def muted(scheduler, clock, rate: float = 1.0) -> MutedSpeaker:
    speaker = MutedSpeaker(scheduler, clock)
    speaker.rate = rate
    return speaker


def make_dialogue(plan: Plan | None = None, **kw) -> Dialogue:
    return Dialogue(Context(plan=plan or small_plan(), catalog=CATALOG, prompts=PROMPTS, **kw))


class Driver:
    """The dialogue in the loop; `send` an event, `settle` until the coach is quiet, `run_until`
    a phase. `says` keeps every utterance handed to the speaker, `actions` every action."""

    def __init__(self, dialogue: Dialogue, rate: float = 1.0):
        """`rate` < 1: the speaker takes longer than the dialogue could estimate."""
        self.d = dialogue
        self.actions: list = []
        outer = self

        class Recorder:
            def initial_state(self):
                return dialogue.initial_state()

            def step(self, state, event, now):
                state, actions = dialogue.step(state, event, now)
                outer.actions.extend(actions)
                return state, actions

        clock = FakeClock()
        self.loop = SessionLoop(Recorder(), clock,
                                speaker_factory=lambda scheduler: muted(scheduler, clock, rate))
        self.loop.handle(Began())

    # -- what is there
    @property
    def state(self):
        return self.loop.state

    @property
    def now(self) -> float:
        return self.loop.clock.now()

    @property
    def timers(self) -> dict:
        return self.loop.timers

    @property
    def ended(self) -> End | None:
        return self.loop.ended

    @property
    def says(self) -> list[Utterance]:
        return [a.utterance for a in self.actions if isinstance(a, Say)]

    @property
    def transcript(self) -> list[dict]:
        return self.loop.transcript.lines

    def texts(self, since: int = 0) -> list[str]:
        return [u.text for u in self.says[since:]]

    # -- making things happen
    def send(self, event) -> list:
        """Handle one event now; the actions of that step."""
        n = len(self.actions)
        self.loop.handle(event)
        return self.actions[n:]

    def step(self) -> bool:
        """The next event from the loop (speech reports, timers), the clock moving on to it."""
        if self.ended is not None:
            return False
        event = self.loop.next_event()
        if event is None:
            return False
        self.loop.handle(event)
        return True

    def quiet(self) -> bool:
        s = self.state
        return s.in_air is None and not s.agenda

    def settle(self, limit: int = 2000) -> None:
        """Until everything the coach meant to say has been said (counts may go on)."""
        for _ in range(limit):
            if self.quiet() or not self.step():
                return

    def run_until(self, phase: str, limit: int = 20000) -> None:
        for _ in range(limit):
            if self.state.phase == phase:
                return
            if not self.step():
                break
        assert self.state.phase == phase, f"never reached {phase}, stuck in {self.state.phase}"

    def run_while(self, predicate, limit: int = 20000) -> None:
        for _ in range(limit):
            if not predicate() or not self.step():
                return

    def reply_to(self, event) -> list[str]:
        """Send `event` and let the coach say what it has to: the lines said meanwhile."""
        n = len(self.says)
        self.send(event)
        self.settle()
        return self.texts(n)

    def answer(self, event) -> list:
        """Answer the open question once it has been heard in full, as a person would."""
        self.settle()
        return self.send(event)


def reach(phase: str, plan: Plan | None = None, **ctx) -> Driver:
    """A driver whose dialogue is in `phase` (the person having heard what came before)."""
    drv = Driver(make_dialogue(plan, **ctx))
    if phase == "welcome":
        return drv
    drv.send(heard("start"))
    drv.settle()
    if phase == "pain_before":
        return drv
    drv.send(heard("number"))
    if phase == "intro":
        return drv
    if phase in ("paused", "explaining", "confirm_stop", "pain_rating", "pain_offer",
                 "confirm_command"):
        drv.run_until("holding")
        drv.step()
        event = {"paused": heard("pause"), "explaining": heard("explain"),
                 "confirm_stop": heard("stop"), "pain_rating": heard("pain"),
                 "pain_offer": heard("pain"),
                 "confirm_command": Heard(Intent("next", {}, "next", confidence=0.6), "voice"),
                 }[phase]
        drv.send(event)
        if phase == "pain_offer":
            drv.answer(heard("number", value=3))
        return drv
    if phase == "finished":
        drv.run_until("pain_after")
        drv.answer(heard("number"))
        return drv
    drv.run_until(phase)
    return drv
