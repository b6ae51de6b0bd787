"""The dialogue as a pure state machine: every state x every command, and whole sessions on a
fake clock. Text only: no audio, no real time."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from voicecoach.core.catalog import load_catalog
from voicecoach.session.clock import FakeClock
from voicecoach.core.dialogue import COUNTING_PHASES, PHASES, Context, Dialogue, default_item
from voicecoach.core.events import (
    AdjustVoice, Began, CancelTimers, End, Heard, InputEnded, Record, Say, SetTimer,
    SpeechDone, StopSpeech, Tick,
)
from voicecoach.core.intents import COMMANDS, Intent
from voicecoach.core.plan import Plan, Profile
from voicecoach.core.planner import plan_session
from voicecoach.core.prompts import load_default
from voicecoach.session.loop import SessionLoop

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


def small_plan() -> Plan:
    """A plan that passes through every phase: a two-sided hold done in two sets, reps, a hold."""
    stretch = replace(default_item(CATALOG.get("knee-to-chest")), hold_seconds=6, sets=2,
                      sides=("left", "right"), rest_seconds=5)
    reps = replace(default_item(CATALOG.get("bridge")), reps=3, sets=1, rest_seconds=5)
    hold = replace(default_item(CATALOG.get("plank")), hold_seconds=6, sets=1, rest_seconds=5)
    return Plan(items=(stretch, reps, hold), minutes=5)


def make_dialogue(plan: Plan | None = None, **kw) -> Dialogue:
    return Dialogue(Context(plan=plan or small_plan(), catalog=CATALOG, prompts=PROMPTS, **kw))


def said(actions) -> list[str]:
    return [a.utterance.text for a in actions if isinstance(a, Say)]


class Driver:
    """Feeds events to the pure dialogue, carrying out timers and speech on a fake clock."""

    def __init__(self, dialogue: Dialogue):
        self.d = dialogue
        self.state = dialogue.initial_state()
        self.now = 0.0
        self.timers: dict[str, float] = {}
        self.pending_speech: list[int] = []
        self.log: list[tuple[float, str, object]] = []
        self.ended: End | None = None

    def send(self, event) -> list:
        self.state, actions = self.d.step(self.state, event, self.now)
        for a in actions:
            if isinstance(a, SetTimer):
                self.timers[a.name] = a.at
            elif isinstance(a, CancelTimers):
                if a.names:
                    for n in a.names:
                        self.timers.pop(n, None)
                else:
                    self.timers.clear()
            elif isinstance(a, Say):
                self.pending_speech.append(a.utterance.id)
                self.log.append((self.now, a.utterance.kind, a.utterance.text))
            elif isinstance(a, StopSpeech):
                self.pending_speech.clear()
            elif isinstance(a, End):
                self.ended = a
        return actions

    def settle_speech(self) -> None:
        """Report every queued line as spoken."""
        while self.pending_speech:
            uid = self.pending_speech.pop(0)
            self.send(SpeechDone(uid))

    def advance(self) -> bool:
        """Fire the earliest timer (after speech has finished)."""
        self.settle_speech()
        if not self.timers:
            return False
        name = min(self.timers, key=self.timers.get)
        self.now = max(self.now, self.timers.pop(name))
        self.send(Tick(name))
        return True

    def run_until(self, phase: str, limit: int = 5000) -> None:
        for _ in range(limit):
            if self.state.phase == phase:
                return
            if not self.advance():
                break
        assert self.state.phase == phase, f"never reached {phase}, stuck in {self.state.phase}"


def reach(phase: str) -> Driver:
    """A driver whose dialogue is in `phase`."""
    drv = Driver(make_dialogue())
    drv.send(Began())
    if phase == "welcome":
        return drv
    drv.send(Heard(intent("start")))
    if phase == "pain_before":
        return drv
    drv.send(Heard(intent("number")))
    if phase in ("intro",):
        return drv
    if phase == "paused":
        drv.run_until("holding")
        drv.send(Heard(intent("pause")))
        return drv
    if phase == "explaining":
        drv.run_until("holding")
        drv.send(Heard(intent("explain")))
        return drv
    if phase == "confirm_stop":
        drv.run_until("holding")
        drv.send(Heard(intent("stop")))
        return drv
    if phase == "pain_offer":
        drv.run_until("holding")
        drv.send(Heard(intent("pain")))
        return drv
    if phase == "confirm_command":
        drv.run_until("holding")
        drv.send(Heard(Intent("next", {}, "next", confidence=0.6), "voice"))
        return drv
    if phase == "finished":
        drv.run_until("pain_after")
        drv.send(Heard(intent("number")))
        return drv
    drv.run_until(phase)
    return drv


ALL_PHASES = [p for p in PHASES]


@pytest.mark.parametrize("phase", ALL_PHASES)
def test_every_phase_is_reachable(phase):
    drv = reach(phase)
    assert drv.state.phase == phase


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("phase", ALL_PHASES)
def test_every_command_in_every_phase_gets_a_response(phase, command):
    drv = reach(phase)
    if phase == "finished":
        assert drv.ended is not None
    before = drv.state
    actions = drv.send(Heard(intent(command)))
    if before.ended:
        assert actions == []  # a finished session ignores everything quietly
        return
    # Something the person notices: speech, a voice change, or the session ending.
    noticed = said(actions) or any(isinstance(a, (AdjustVoice, End)) for a in actions)
    assert noticed, f"{command} in {phase}: no response"
    # The session never gets stuck: it has a timer to move on, waits on speech, or has ended.
    s = drv.state
    assert drv.ended or drv.timers or s.awaiting or s.phase in ("paused", "welcome") or \
        any(isinstance(a, Say) for a in actions), f"{command} in {phase}: stuck"


@pytest.mark.parametrize("phase", [p for p in ALL_PHASES if p not in ("finished",)])
def test_pain_stops_at_once_in_every_phase(phase):
    drv = reach(phase)
    actions = drv.send(Heard(intent("pain")))
    assert isinstance(actions[0], StopSpeech), "pain must cut the coach's speech first"
    assert any(isinstance(a, Record) and a.kind == "pain" for a in actions)
    assert any(a.utterance.kind == "safety" for a in actions if isinstance(a, Say))
    assert drv.state.phase not in COUNTING_PHASES


@pytest.mark.parametrize("urgent", [False, True])
@pytest.mark.parametrize("phase", [p for p in ALL_PHASES if p not in ("finished",)])
def test_red_flag_ends_the_session_with_advice(phase, urgent):
    drv = reach(phase)
    actions = drv.send(Heard(Intent("red_flag", {"urgent": urgent}, "my leg is numb")))
    assert isinstance(actions[0], StopSpeech)
    texts = " ".join(said(actions))
    if urgent:
        assert "urgent medical care" in texts
    else:
        assert "physiotherapist" in texts
    assert drv.ended is not None and not drv.ended.finished
    assert any(isinstance(a, Record) and a.kind == "red_flag" and a.data["urgent"] == urgent
               for a in actions)


@pytest.mark.parametrize("phase", sorted(COUNTING_PHASES | {"intro", "rest", "set_rest"}))
def test_stop_asks_to_confirm_and_yes_ends(phase):
    drv = reach(phase)
    actions = drv.send(Heard(intent("stop")))
    assert isinstance(actions[0], StopSpeech)
    assert drv.state.phase == "confirm_stop"
    questions = [a.utterance for a in actions if isinstance(a, Say) and a.utterance.kind == "question"]
    assert questions and questions[0].expects == "yes_no"
    drv.send(Heard(intent("yes")))
    assert drv.ended is not None and not drv.ended.finished


def test_stop_then_no_goes_back_to_the_hold_where_it_was():
    drv = reach("holding")
    for _ in range(3):
        drv.advance()
    done = drv.state.done
    drv.send(Heard(intent("stop")))
    drv.send(Heard(intent("no")))
    drv.run_until("holding")
    assert drv.state.done == done, "a resumed hold goes on from the count it had reached"


def test_unanswered_stop_question_reprompts_then_ends():
    drv = reach("confirm_stop")
    n_questions = sum(1 for _, k, _ in drv.log if k == "question")
    drv.advance()  # timeout -> reprompt
    assert sum(1 for _, k, _ in drv.log if k == "question") == n_questions + 1
    assert drv.ended is None
    drv.advance()  # second timeout -> ends
    assert drv.ended is not None


def test_pause_freezes_counts_and_resume_counts_down_again():
    drv = reach("holding")
    drv.advance()
    drv.send(Heard(intent("pause")))
    assert drv.state.phase == "paused"
    assert "step" not in drv.timers, "no counting while paused"
    drv.send(Heard(intent("resume")))
    texts = [t for _, _, t in drv.log[-6:]]
    assert any("Resuming" in t for t in texts)
    drv.run_until("holding")


def test_pain_offers_easier_variant_and_yes_runs_it():
    drv = reach("holding")
    drv.send(Heard(intent("pain")))
    assert drv.state.phase == "pain_offer"
    drv.send(Heard(intent("yes")))
    item = drv.state.items[drv.state.index]
    assert item.variant == "easier"
    easier_name = CATALOG.get(item.exercise_id).easier.name
    assert any(easier_name in t for _, _, t in drv.log[-12:])


def test_pain_with_no_answer_skips_the_exercise():
    drv = reach("holding")
    first = drv.state.items[drv.state.index].exercise_id
    drv.send(Heard(intent("pain")))
    drv.advance()  # reprompt
    drv.advance()  # give up -> skip
    assert first in drv.state.skipped
    assert drv.state.items[drv.state.index].exercise_id != first


def test_goto_any_exercise_also_out_of_plan():
    drv = reach("holding")
    drv.send(Heard(Intent("goto", {"exercise": "superman"})))
    assert drv.state.phase == "intro"
    assert drv.state.items[drv.state.index].exercise_id == "superman"
    assert any("superman" in t.lower() for _, _, t in drv.log[-10:])


def test_explain_then_back_where_we_were():
    drv = reach("holding")
    drv.advance()
    done = drv.state.done
    drv.send(Heard(Intent("explain", {"exercise": "bird-dog"})))
    assert drv.state.phase == "explaining"
    assert any("bird-dog" in t.lower() or "bird dog" in t.lower() for _, _, t in drv.log[-12:])
    drv.run_until("holding")
    assert drv.state.items[drv.state.index].exercise_id == "knee-to-chest"
    assert drv.state.done == done


def test_unknown_input_reprompts_then_gives_examples():
    drv = reach("holding")
    first = said(drv.send(Heard(Intent("none", {}, "I need some water"))))
    second = said(drv.send(Heard(Intent("none", {}, "blah"))))
    assert first and "didn't catch" in first[0]
    assert second and "pause" in second[0] and "next" in second[0]


def test_time_left_answers_for_exercise_and_session():
    drv = reach("holding")
    texts = said(drv.send(Heard(intent("time_left"))))
    assert texts and "left on this exercise" in texts[0] and "session" in texts[0]


def test_counts_land_on_a_one_second_grid_even_when_ticks_come_late():
    drv = reach("holding")
    dues = []
    for _ in range(4):  # within the first 6-second hold
        drv.settle_speech()
        drv.now = drv.timers.pop("step") + 0.07  # the loop was busy: the timer fires late
        actions = drv.send(Tick("step"))
        dues += [a.utterance.due for a in actions if isinstance(a, Say) and a.utterance.text.isdigit()]
    gaps = {round(b - a, 6) for a, b in zip(dues, dues[1:])}
    assert gaps == {1.0}, gaps  # due times stay on the grid: no drift


def test_rising_pain_score_counts_as_pain():
    drv = reach("holding")
    assert drv.state.pain_before == 4
    drv.send(Heard(Intent("number", {"value": 8})))
    assert drv.state.phase == "pain_offer"


def test_input_ended_before_start_ends_quietly_and_after_start_carries_on():
    drv = reach("welcome")
    drv.send(InputEnded())
    assert drv.ended is not None
    drv = reach("holding")
    drv.send(InputEnded())
    assert drv.ended is None
    drv.run_until("pain_after")


def test_whole_15_minute_session_on_a_fake_clock_is_fast_and_complete():
    plan = plan_session(CATALOG, Profile(minutes=15))
    loop = SessionLoop(make_dialogue(plan), FakeClock())
    t0 = time.perf_counter()
    out = loop.run([(1.0, Heard(intent("start"))), (12.0, Heard(intent("number")))])
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, f"a whole session took {elapsed:.2f}s"
    assert out.finished
    assert 13.5 <= out.minutes <= 16.5, out.minutes
    kinds = [CATALOG.get(i.exercise_id).kind for i in plan.items]
    assert kinds == sorted(kinds, key=lambda k: k != "stretch"), "stretches come first"
    intros = [l["exercise"] for l in out.transcript if l["text"].startswith(("Exercise", "Last exercise"))]
    assert intros == [i.exercise_id for i in plan.items]
    assert sum(1 for l in out.transcript if l["kind"] == "count") > 100
    positions = [l["text"] for l in out.transcript if l["text"].startswith("Exercise 3 of")]
    assert positions, "says where we are: exercise 3 of N"
    questions = [l for l in out.transcript if l["kind"] == "question"]
    assert questions[0]["expects"] == "number" and "zero" in questions[0]["text"]
    assert any("How is your back now" in q["text"] for q in questions)


def test_doubtful_spoken_next_is_confirmed_first():
    drv = reach("holding")
    first = drv.state.items[drv.state.index].exercise_id
    drv.send(Heard(Intent("next", {}, "next", confidence=0.6), "voice"))
    assert drv.state.phase == "confirm_command"
    assert any("Did you say next" in t for _, _, t in drv.log[-3:])
    drv.send(Heard(intent("yes")))
    assert drv.state.items[drv.state.index].exercise_id != first
    assert first in drv.state.skipped


def test_doubtful_spoken_next_denied_goes_back_to_the_hold():
    drv = reach("holding")
    drv.advance()
    done = drv.state.done
    drv.send(Heard(Intent("goto", {"exercise": "plank"}, "do the plank", confidence=0.6), "voice"))
    drv.send(Heard(intent("no")))
    drv.run_until("holding")
    assert drv.state.items[drv.state.index].exercise_id == "knee-to-chest"
    assert drv.state.done == done


def test_confident_or_typed_next_acts_at_once():
    drv = reach("holding")
    drv.send(Heard(Intent("next", {}, "next", confidence=0.9), "voice"))
    assert drv.state.phase == "intro"
    drv = reach("holding")
    drv.send(Heard(Intent("next", {}, "next", confidence=0.6), "text"))
    assert drv.state.phase == "intro"
