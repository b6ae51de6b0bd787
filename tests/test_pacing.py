"""A conversation that never runs ahead of the person: every wait starts when the speaker
reports the line finished, answers count only once their question has begun to play, and
nothing the coach says is cut or dropped because the person was quick or the counts went on.

The loop runs on a fake clock with the muted speaker, whose lines take the time they would take
aloud; `slow` makes every line take twice as long as the dialogue could estimate, so nothing
can depend on estimates (an assistant's speaker reports its own times)."""

from __future__ import annotations

import pytest

from dialogue_driver import CATALOG, PROMPTS, Driver, heard, make_dialogue, muted
from voicecoach.core import timing
from voicecoach.core.dialogue import Context, Dialogue
from voicecoach.core.firstrun import FirstRun
from voicecoach.core.onboarding import Onboarding, OnboardingContext
from voicecoach.core.plan import Profile
from voicecoach.core.planner import plan_session
from voicecoach.session.clock import FakeClock
from voicecoach.session.loop import SessionLoop

SLOW = 0.5  # the muted speaker's rate: lines take twice their estimated time


def run(dialogue, script, slow: bool = False):
    """A whole run with scripted events at session times."""
    clock = FakeClock()
    loop = SessionLoop(dialogue, clock,
                       speaker_factory=lambda s: muted(s, clock, SLOW if slow else 1.0))
    return loop.run(script)


def ends(line: dict) -> float:
    """When a transcript line stopped sounding (its SpeechDone), from the muted speaker."""
    return line["end"]


def timed(lines: list[dict], slow: bool) -> list[dict]:
    """Each line with its end time, as the muted speaker played it."""
    out = []
    for line in lines:
        seconds = timing.speech_seconds(line["text"]) / (SLOW if slow else 1.0)
        if line["kind"] == "count":
            seconds = min(seconds, 0.6)
        out.append({**line, "end": line["played"] + seconds})
    return out


@pytest.mark.parametrize("slow", [False, True])
def test_start_during_the_welcome_every_question_gets_its_full_time_after_it_is_heard(slow):
    """Nobody answers: each question and its reprompt get their whole answering time after
    they have finished playing, however long the speech takes."""
    out = run(make_dialogue(), [(2.0, heard("start"))], slow=slow)
    lines = timed(out.transcript, slow)
    assert all(l["played"] is not None and not l["cut"] for l in lines), "nothing cut or dropped"
    questions = [i for i, l in enumerate(lines) if l["kind"] == "question"]
    first, again = questions[0], questions[1]
    assert lines[first]["played"] >= ends(lines[first - 1]) - 0.01, "it waits for the welcome"
    assert lines[again]["played"] - ends(lines[first]) >= timing.QUESTION_TIMEOUT - 0.01
    give_up = lines[again + 1]
    assert give_up["text"] == PROMPTS.render("pain_not_given")
    assert give_up["played"] - ends(lines[again]) >= timing.QUESTION_TIMEOUT - 0.01
    # The safety statement was heard in full although "start" came first.
    safety = next(l for l in lines if l["text"] == PROMPTS.render("safety_full"))
    assert safety["played"] is not None and not safety["cut"]


def test_an_answer_before_its_question_has_begun_is_no_answer():
    drv = Driver(make_dialogue())
    drv.send(heard("start"))
    drv.send(heard("number", value=2))  # typed at once: the pain question is not out yet
    assert drv.state.pain_before is None
    drv.settle()
    texts = drv.texts()
    assert PROMPTS.render("answer_wait") in texts
    assert texts.index(PROMPTS.render("answer_wait")) < next(
        i for i, t in enumerate(texts) if "how is your back" in t), "said before the question"
    drv.send(heard("number", value=2))  # now heard: it counts
    assert drv.state.pain_before == 2


def test_an_answer_during_the_question_counts_and_is_spoken():
    drv = Driver(make_dialogue())
    drv.send(heard("start"))
    drv.run_while(lambda: not drv.state.question_open)
    drv.send(heard("number", value=5))
    drv.settle()
    assert drv.state.pain_before == 5
    played = [l for l in drv.transcript if "5 out of ten" in l["text"]]
    assert played and played[0]["played"] is not None and not played[0]["cut"]


REPLIES = ["time_left", "louder", "quieter", "faster", "slower", "help", "progress", "number",
           "easy"]


@pytest.mark.parametrize("slow", [False, True])
@pytest.mark.parametrize("phase", ["intro", "get_ready", "holding", "reps", "switch_sides"])
def test_replies_during_instructions_and_counts_are_never_cut_or_dropped(phase, slow):
    drv = Driver(make_dialogue(progress=("You are on a streak of 3 days.",)),
                 rate=SLOW if slow else 1.0)
    drv.send(heard("start"))
    drv.answer(heard("number", value=3))
    drv.run_until(phase)
    for name in REPLIES:
        drv.send(heard(name, value=2) if name == "number" else heard(name))
        drv.step()
    drv.run_until("pain_after")
    lines = timed(drv.transcript, slow)
    assert all(l["played"] is not None and not l["cut"] for l in lines), \
        [l["text"] for l in lines if l["played"] is None or l["cut"]]
    # and no count started while another line was still sounding
    talk = [l for l in lines if l["kind"] != "count"]
    for count in (l for l in lines if l["kind"] == "count"):
        assert not any(t["played"] < count["played"] < ends(t) - 0.01 for t in talk), count


def test_help_mid_count_does_not_restart_the_count():
    drv = Driver(make_dialogue())
    drv.send(heard("start"))
    drv.answer(heard("number"))
    drv.run_until("holding")
    done = drv.state.done
    n = len(drv.says)
    drv.send(heard("help"))
    drv.run_until("switch_sides")
    texts = drv.texts(n)
    assert PROMPTS.render("help_general") in texts
    assert "three" not in texts and PROMPTS.render("resuming") not in texts, "no new count-in"
    assert drv.state.done == 0 and done < 6  # the hold ran on to its end


def test_a_quick_start_on_the_first_run_keeps_every_instruction():
    """"start" during the first-run questions: the rest is said in full, the first exercise's
    instructions too, every line played."""
    plan = plan_session(CATALOG, Profile(minutes=10))
    ob = Onboarding(OnboardingContext(PROMPTS))

    def after(state):
        return Dialogue(Context(plan=plan, catalog=CATALOG, prompts=PROMPTS, greeted=True,
                                first_session=False))

    out = run(FirstRun(ob, after), [(1.0, heard("start")), (60.0, heard("number", value=3))])
    lines = out.transcript
    assert all(l["played"] is not None and not l["cut"] for l in lines)
    first = CATALOG.get(plan.items[0].exercise_id)
    texts = [l["text"] for l in lines]
    for line in (first.setup, *first.cues, first.breathing):
        assert line in texts, line
    assert sum("Hello" in t or "Welcome" in t for t in texts) == 1, "greet once"


def test_the_session_waits_for_each_line_whatever_its_length():
    """Lines twice as long as estimated: the count-in still follows the last instruction, a
    rest still follows its own line, the whole session is heard."""
    out = run(make_dialogue(), [(1.0, heard("start")), (50.0, heard("number", value=3))],
              slow=True)
    lines = timed(out.transcript, True)
    assert out.finished
    for prev, line in zip(lines, lines[1:]):
        if line["kind"] == "count" and prev["kind"] != "count":
            assert line["played"] >= ends(prev) - 0.01, (prev["text"], line["text"])
    assert all(l["played"] is not None and not l["cut"] for l in lines)


def test_workout_minutes_leave_out_the_welcome_and_pauses():
    drv = Driver(make_dialogue())
    drv.run_while(lambda: drv.now < 40)  # the person waits at the welcome
    drv.send(heard("start"))
    started = drv.now
    drv.answer(heard("number", value=3))
    drv.run_until("holding")
    drv.send(heard("pause"))
    drv.run_while(lambda: drv.now < started + 200)
    paused_for = drv.now - drv.state.paused_at
    drv.send(heard("resume"))
    drv.run_until("pain_after")
    drv.answer(heard("number", value=2))
    drv.run_while(lambda: drv.ended is None)
    whole = drv.now - started
    assert drv.ended.minutes == pytest.approx((whole - paused_for) / 60, abs=0.02)


def test_the_loop_keeps_the_workout_minutes_for_the_history():
    class Store:
        def record(self, kind, data, t):
            pass

        def end(self, finished, minutes):
            self.minutes = minutes

    store = Store()
    loop = SessionLoop(make_dialogue(), FakeClock(), store=store)
    out = loop.run([(30.0, heard("start")), (70.0, heard("number", value=3))])
    assert store.minutes == out.minutes
    assert store.minutes < loop.clock.now() / 60 - 0.4  # not the 30 s wait, nor the welcome


def test_the_recognizer_switches_to_answers_when_the_question_is_asked():
    from voicecoach.core.events import Listen

    drv = Driver(make_dialogue())
    drv.send(heard("start"))  # the welcome still plays: "louder", "stop" must still be heard
    assert not any(isinstance(a, Listen) and a.grammar == "number" for a in drv.actions)
    drv.run_while(lambda: not drv.state.question_open)
    assert [a.grammar for a in drv.actions if isinstance(a, Listen)][-1] == "number"
