"""The dialogue as a pure state machine: every state x every command, and whole sessions on a
fake clock, through the real loop with a speaker whose lines take their time."""

from __future__ import annotations

import time

import pytest

from dialogue_driver import CATALOG, PROMPTS, Driver, intent, make_dialogue, reach
from voicecoach.core.dialogue import COUNTING_PHASES, PHASES
from voicecoach.core.events import (
    AdjustVoice, End, Heard, InputEnded, Record, Say, StopSpeech, Tick,
)
from voicecoach.core.intents import COMMANDS, Intent
from voicecoach.core.plan import Profile
from voicecoach.core.planner import plan_session

ALL_PHASES = list(PHASES)


def said(actions) -> list[str]:
    return [a.utterance.text for a in actions if isinstance(a, Say)]


@pytest.mark.parametrize("phase", ALL_PHASES)
def test_every_phase_is_reachable(phase):
    drv = reach(phase)
    assert drv.state.phase == phase


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("phase", ALL_PHASES)
def test_every_command_in_every_phase_gets_a_response(phase, command):
    drv = reach(phase)
    if phase == "finished":
        drv.settle()
        drv.step()
        assert drv.ended is not None
    before = drv.state
    n = len(drv.actions)
    actions = drv.send(Heard(intent(command)))
    if before.ended:
        assert actions == []  # a finished session ignores everything quietly
        return
    drv.settle()
    later = drv.actions[n:]
    # Something the person notices: speech, a voice change, or the session ending.
    noticed = said(later) or any(isinstance(a, (AdjustVoice, End)) for a in later)
    assert noticed, f"{command} in {phase}: no response"
    # The session never gets stuck: it has a timer to move on, or has ended, or waits for the
    # person (paused, the welcome).
    s = drv.state
    assert drv.ended or drv.timers or s.phase in ("paused", "welcome"), \
        f"{command} in {phase}: stuck"


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
    assert ("urgent medical care" if urgent else "physiotherapist") in texts
    assert any(isinstance(a, Record) and a.kind == "red_flag" and a.data["urgent"] == urgent
               for a in actions)
    drv.settle()
    drv.step()
    assert drv.ended is not None and not drv.ended.finished
    advice = next(l for l in drv.transcript if l["kind"] == "safety" and "Please stop" in l["text"])
    assert advice["played"] is not None and not advice["cut"], "the advice is heard in full"


@pytest.mark.parametrize("phase", sorted(COUNTING_PHASES | {"intro", "rest", "set_rest"}))
def test_stop_asks_to_confirm_and_yes_ends(phase):
    drv = reach(phase)
    actions = drv.send(Heard(intent("stop")))
    assert isinstance(actions[0], StopSpeech)
    assert drv.state.phase == "confirm_stop"
    drv.step()
    questions = [u for u in drv.says if u.kind == "question"]
    assert questions[-1].expects == "yes_no"
    drv.answer(Heard(intent("yes")))
    drv.settle()
    drv.step()
    assert drv.ended is not None and not drv.ended.finished


def test_stop_then_no_goes_back_to_the_hold_where_it_was():
    drv = reach("holding")
    for _ in range(6):
        drv.step()
    done = drv.state.done
    drv.send(Heard(intent("stop")))
    drv.answer(Heard(intent("no")))
    drv.run_until("holding")
    assert drv.state.done == done, "a resumed hold goes on from the count it had reached"


def test_pause_freezes_counts_and_resume_counts_in_again():
    drv = reach("holding")
    drv.step()
    drv.send(Heard(intent("pause")))
    assert drv.state.phase == "paused"
    assert "step" not in drv.timers, "no counting while paused"
    n = len(drv.says)
    drv.send(Heard(intent("resume")))
    drv.run_until("holding")
    assert any("Resuming" in t for t in drv.texts(n))


def test_pain_asks_how_bad_then_offers_easier_and_yes_runs_it():
    drv = reach("holding")
    drv.send(Heard(intent("pain")))
    assert drv.state.phase == "pain_rating"
    drv.settle()
    assert "How bad is it" in drv.texts()[-1]
    drv.answer(Heard(Intent("number", {"value": 3})))
    assert drv.state.phase == "pain_offer"
    drv.answer(Heard(intent("yes")))
    item = drv.state.items[drv.state.index]
    assert item.variant == "easier"
    drv.settle()
    easier = CATALOG.get(item.exercise_id).easier
    texts = drv.texts()
    assert any(easier.name in t for t in texts[-12:])
    assert easier.cues[0] in texts[-12:], "the easier version is taught with its own cues"


def test_pain_with_no_answers_skips_the_exercise():
    drv = reach("holding")
    first = drv.state.items[drv.state.index].exercise_id
    drv.send(Heard(intent("pain")))
    drv.run_while(lambda: first not in drv.state.skipped)
    assert first in drv.state.skipped
    assert drv.state.items[drv.state.index].exercise_id != first


def test_goto_any_exercise_also_out_of_plan():
    drv = reach("holding")
    drv.send(Heard(Intent("goto", {"exercise": "superman"})))
    assert drv.state.phase == "intro"
    assert drv.state.items[drv.state.index].exercise_id == "superman"
    drv.settle()
    assert any("superman" in t.lower() for t in drv.texts()[-12:])


def test_explain_then_back_where_we_were():
    drv = reach("holding")
    drv.step()
    done = drv.state.done
    drv.send(Heard(Intent("explain", {"exercise": "bird-dog"})))
    assert drv.state.phase == "explaining"
    drv.run_until("holding")
    assert any("bird dog" in t.lower() for t in drv.texts()[-14:])
    assert drv.state.items[drv.state.index].exercise_id == "knee-to-chest"
    assert drv.state.done == done


def test_unknown_input_reprompts_then_gives_examples():
    drv = reach("holding")
    first = drv.reply_to(Heard(Intent("none", {}, "I need some water")))
    second = drv.reply_to(Heard(Intent("none", {}, "blah")))
    sorry = {PROMPTS.render("not_understood", turn=i) for i in range(PROMPTS.variants("not_understood"))}
    assert sorry & set(first)
    hint = next(t for t in second if "catch" in t)
    assert "pause" in hint and "next" in hint


def test_time_left_answers_for_exercise_and_session():
    drv = reach("holding")
    texts = drv.reply_to(Heard(intent("time_left")))
    answer = next(t for t in texts if "left" in t and "session" in t)
    assert "left on this exercise" in answer


def test_counts_land_on_a_grid_even_when_ticks_come_late():
    drv = reach("reps")  # the bridge: "lift", "and lower, 1", ... every half rep
    dues = []
    for _ in range(4):
        drv.run_while(lambda: "step" not in drv.timers)
        at = drv.timers.pop("step")
        drv.loop.clock.advance_to(at + 0.07)  # the loop was busy: the timer fires late
        dues += [a.utterance.due for a in drv.send(Tick("step")) if isinstance(a, Say)]
    gaps = {round(b - a, 6) for a, b in zip(dues, dues[1:])}
    assert len(gaps) == 1, gaps  # due times stay on the grid: no drift


def test_rising_pain_score_counts_as_pain():
    drv = reach("holding")
    assert drv.state.pain_before == 4
    n = len(drv.says)
    drv.send(Heard(Intent("number", {"value": 7})))  # 3 up, and severe: left out, no offer
    assert drv.state.phase == "intro" and "knee-to-chest" in drv.state.skipped
    drv.settle()
    assert any("That is a lot of pain" in t for t in drv.texts(n))


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
    drv = Driver(make_dialogue(plan))
    t0 = time.perf_counter()
    drv.send(Heard(intent("start")))
    drv.answer(Heard(intent("number")))  # each question answered once it has been heard
    drv.run_until("pain_after")
    drv.answer(Heard(intent("number")))
    drv.run_while(lambda: drv.ended is None)
    elapsed = time.perf_counter() - t0
    assert elapsed < 1.0, f"a whole session took {elapsed:.2f}s"
    assert drv.ended.finished
    assert 13.5 <= drv.ended.minutes <= 16.5, drv.ended.minutes
    out = drv
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
    assert all(l["played"] is not None and not l["cut"] for l in out.transcript)


def test_doubtful_spoken_next_is_confirmed_first():
    drv = reach("holding")
    first = drv.state.items[drv.state.index].exercise_id
    drv.send(Heard(Intent("next", {}, "next", confidence=0.6), "voice"))
    assert drv.state.phase == "confirm_command"
    drv.settle()
    assert any("Did you say next" in t for t in drv.texts()[-3:])
    drv.answer(Heard(intent("yes")))
    assert drv.state.items[drv.state.index].exercise_id != first
    assert first in drv.state.skipped


def test_doubtful_spoken_goto_denied_goes_back_to_the_hold():
    drv = reach("holding")
    drv.step()
    done = drv.state.done
    drv.send(Heard(Intent("goto", {"exercise": "plank"}, "do the plank", confidence=0.6), "voice"))
    drv.answer(Heard(intent("no")))
    drv.run_until("holding")
    assert drv.state.items[drv.state.index].exercise_id == "knee-to-chest"
    assert drv.state.done == done


def test_unanswered_doubtful_command_is_asked_again_by_its_words_then_dropped():
    drv = reach("confirm_command")
    drv.run_while(lambda: not drv.state.reprompted)
    drv.settle()
    assert "did you say next" in drv.texts()[-1].lower()
    drv.run_until("holding")
    assert drv.state.items[drv.state.index].exercise_id == "knee-to-chest"


def test_confident_or_typed_next_acts_at_once():
    drv = reach("holding")
    drv.send(Heard(Intent("next", {}, "next", confidence=0.9), "voice"))
    assert drv.state.phase == "intro"
    drv = reach("holding")
    drv.send(Heard(Intent("next", {}, "next", confidence=0.6), "text"))
    assert drv.state.phase == "intro"


def test_a_finished_session_ends_after_its_goodbye_has_been_heard():
    drv = reach("finished")
    assert drv.ended is None  # the goodbye is still being said
    drv.settle()
    drv.step()
    assert drv.ended is not None and drv.ended.finished
    assert all(l["played"] is not None and not l["cut"] for l in drv.transcript
               if l["kind"] != "count")
