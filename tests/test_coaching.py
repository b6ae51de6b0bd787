"""Sounds like a coach and keeps the plan: how holds and reps are counted, sides named, the
welcome said once and short, navigation that never redoes finished work, pain handled in
steps, a tip at the end, and the fixes found by trying it as a new user."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dialogue_driver import CATALOG, PROMPTS, Driver, heard, make_dialogue
from voicecoach.core.dialogue import default_item
from voicecoach.core.dialogue.counting import hold_script
from voicecoach.core.events import AdjustVoice, Heard, Record
from voicecoach.core.intents import Intent
from voicecoach.core.plan import Plan, Profile
from voicecoach.core.planner import plan_session


def P(key: str, turn: int = 0, **data) -> str:
    return PROMPTS.render(key, turn=turn, **data)


def item(ex_id: str, **changes):
    return replace(default_item(CATALOG.get(ex_id)), **changes)


def started(plan: Plan, **ctx) -> Driver:
    drv = Driver(make_dialogue(plan, **ctx))
    drv.send(heard("start"))
    drv.answer(heard("number", value=3))
    return drv


def counts(drv: Driver, since: int = 0) -> list[str]:
    return [u.text for u in drv.says[since:] if u.kind == "count"]


# ---------------------------------------------------------------------- counting


def test_a_35_second_hold_says_what_is_left_and_never_counts_up():
    drv = started(Plan((item("plank", hold_seconds=35),), 5))
    drv.run_until("holding")
    n = len(drv.says) - 1
    drv.run_until("pain_after")
    said = counts(drv, n)
    assert said[0] == P("go")
    assert not any(t.isdigit() for t in said), "no second-by-second count"
    assert said[-4:] == [P("left_3"), P("countdown_2"), P("countdown_1")] + [said[-1]]
    assert said[-1] in {P("relax", turn=i) for i in range(2)}
    assert P("halfway") in said and P("ten_left") in said
    assert len(said) <= 9, said  # a few lines over 35 s, not 35 numbers
    due = {u.text: u.due for u in drv.says[n:] if u.kind == "count"}
    assert due[P("left_3")] - due[P("go")] == pytest.approx(32)


@pytest.mark.parametrize("seconds", [6, 10, 15, 20, 30, 35, 45, 60])
def test_hold_lines_are_spaced_and_never_crowd_the_start_or_the_end(seconds):
    script = hold_script(seconds)
    lefts = sorted(script)
    assert all(b - a >= 5 for a, b in zip(lefts, lefts[1:]))
    assert all(7 <= left <= seconds - 4 for left in lefts)
    if seconds >= 20:
        assert 10 in script


def test_reps_are_counted_in_their_own_words_number_last():
    drv = started(Plan((item("bridge", reps=3, sets=1),), 5))
    drv.run_until("reps")
    n = len(drv.says) - 4  # from the count-in ("three, two, one", then the first "lift")
    drv.run_until("pain_after")
    assert counts(drv, n) == [P("countdown_3"), P("countdown_2"), P("countdown_1"),
                              "lift", "and lower, 1", "lift", "and lower, 2",
                              "last one, lift", "and lower", counts(drv, n)[-1]]
    assert counts(drv, n)[-1] in {P("reps_done", turn=i) for i in range(2)}


def test_both_sides_are_named_every_round_with_a_count_in_after_switching():
    drv = started(Plan((item("knee-to-chest", hold_seconds=6, sets=2, sides=("left", "right")),), 5))
    drv.run_until("pain_after")
    texts = drv.texts()
    assert P("intro_hold_sides", seconds=6) in texts  # "... starting with the left."
    switch = [i for i, t in enumerate(texts) if t == P("switch_sides", side="right")]
    assert len(switch) == 2, "the right side is named in each round"
    for i in switch:
        assert texts[i + 1:i + 5] == [P("countdown_3"), P("countdown_2"), P("countdown_1"), P("go")]
    assert P("set_rest_side", seconds=10, n=2, sets=2, side="left") in texts


# ---------------------------------------------------------------------- less talk, once


def words_before_first_exercise(drv: Driver) -> int:
    texts = drv.texts()
    first = next(i for i, u in enumerate(drv.says) if u.kind == "count")
    return sum(len(t.split()) for t in texts[:first])


def test_later_sessions_greet_back_say_the_short_safety_and_short_known_instructions():
    plan = plan_session(CATALOG, Profile(minutes=15))
    first = started(plan)
    first.run_while(lambda: not any(u.kind == "count" for u in first.says))
    later = started(plan, first_session=False, brief_safety=True, sessions_before=5,
                    recent=frozenset(i.exercise_id for i in plan.items))
    later.run_while(lambda: not any(u.kind == "count" for u in later.says))
    texts = later.texts()
    assert texts[0].startswith(tuple(P("greet_back", turn=i) for i in range(2)))
    assert P("safety_short") in texts and P("safety_full") not in texts
    assert P("pain_before_question_short") in texts
    ex = CATALOG.get(plan.items[0].exercise_id)
    assert ex.cues[0] in texts and ex.cues[1] not in texts, "known: the setup and one cue"
    assert words_before_first_exercise(later) < 0.6 * words_before_first_exercise(first)


def test_greet_once_after_the_first_run_questions():
    drv = started(plan_session(CATALOG, Profile(minutes=10)), greeted=True)
    assert drv.texts()[0].startswith("Today is about")


def test_a_red_flag_last_time_is_checked_before_anything_else():
    check = P("adaptation.red_flag_said", said="your leg is going numb")
    drv = Driver(make_dialogue(checks=(check,), sessions_before=1))
    drv.settle()
    assert drv.texts()[0] == check
    assert "your leg is going numb" in check and "physiotherapist" in check


# ---------------------------------------------------------------------- the end


def test_each_session_ends_with_the_next_tip_in_turn():
    tips = []
    for n in range(5):
        drv = started(Plan((item("plank", hold_seconds=6, sets=1),), 5), sessions_before=n)
        drv.run_until("pain_after")
        drv.answer(heard("number", value=2))
        drv.run_while(lambda: drv.ended is None)
        texts = drv.texts()
        tip = next(t for t in texts if t.startswith("A tip for today"))
        assert texts.index(tip) == len(texts) - 2, "the tip, then goodbye"
        tips.append(tip)
    assert len(set(tips)) == 5
    topics = " ".join(tips).lower()
    for word in ("sit", "every half hour", "walking", "swimming", "cycling", "mattress",
                 "physiotherapist"):
        assert word in topics, word


# ---------------------------------------------------------------------- navigation


def three() -> Plan:
    return Plan((item("cat-cow", reps=2, sets=1), item("plank", hold_seconds=6, sets=2),
                 item("bridge", reps=2, sets=1)), 5)


def done_records(drv: Driver) -> list[str]:
    return [a.data["exercise"] for a in drv.actions
            if isinstance(a, Record) and a.kind == "exercise_done"]


def test_repeat_in_round_two_repeats_this_rounds_instructions_and_goes_on():
    drv = started(three())
    drv.run_while(lambda: not (drv.state.index == 1 and drv.state.set_no == 2
                               and drv.state.phase == "holding"))
    n = len(drv.says)
    drv.send(heard("repeat"))
    drv.run_until("holding")
    assert drv.state.set_no == 2, "round 2 again, not round 1"
    assert P("intro_again", name="plank") in drv.texts(n)
    drv.run_until("pain_after")
    assert done_records(drv) == ["cat-cow", "plank", "bridge"]


def test_do_the_x_inserts_it_then_goes_on_without_redoing_finished_work():
    drv = started(three())
    drv.run_while(lambda: not (drv.state.index == 1 and drv.state.phase == "holding"))
    drv.send(heard("goto", exercise="bridge"))
    drv.run_until("pain_after")
    # bridge now, then the interrupted plank, and the bridge is not done a second time
    assert done_records(drv) == ["cat-cow", "bridge", "plank"]
    intros = [t for t in drv.texts() if t.startswith(("Exercise", "Last exercise", "Here is"))]
    assert not any("cat cow" in t for t in intros[1:]), "cat cow is never started again"


def test_next_in_a_rest_starts_the_next_exercise_and_skips_nothing():
    drv = started(three())
    drv.run_until("rest")
    n = len(drv.says)
    drv.send(heard("next"))
    drv.settle()
    assert drv.texts(n)[0] == P("skip_rest", name="plank")
    assert drv.state.skipped == ()


# ---------------------------------------------------------------------- pain and too hard


def test_it_hurts_asks_how_bad_and_a_bad_rating_leaves_the_exercise_out():
    drv = started(three())
    drv.run_until("reps")
    drv.send(heard("pain"))
    drv.settle()
    assert drv.texts()[-1] == P("pain_how_bad")
    drv.send(heard("number", value=8))
    drv.settle()
    assert P("pain_severe", name="cat cow") in drv.texts()
    assert "cat-cow" in drv.state.skipped
    rated = [a.data for a in drv.actions if isinstance(a, Record) and a.kind == "pain_rating"]
    assert rated[-1]["value"] == 8 and rated[-1]["exercise"] == "cat-cow"


def test_too_hard_switches_to_the_easier_version_now_with_its_own_cues():
    drv = started(Plan((item("bridge", reps=3, sets=1),), 5))
    drv.run_until("reps")
    n = len(drv.says)
    drv.send(Heard(Intent("easier", {}, "this is too hard")))
    drv.settle()
    bridge = CATALOG.get("bridge")
    texts = drv.texts(n)
    assert P("easier_now", variant=bridge.easier.name) in texts
    assert bridge.easier.cues[0] in texts
    assert "Make a straight line from your shoulders to your knees." not in texts, \
        "the easier bridge does not contradict itself"
    assert drv.state.items[0].variant == "easier"
    assert any(isinstance(a, Record) and a.kind == "easier" and a.data["exercise"] == "bridge"
               for a in drv.actions)


# ---------------------------------------------------------------------- fixes


def test_how_am_i_doing_without_a_history_kept_says_so():
    drv = started(three(), history_kept=False)
    assert P("progress_not_kept") in drv.reply_to(heard("progress"))
    assert P("progress_none") not in drv.texts()


def test_faster_during_a_hold_says_it_changes_reps_only():
    drv = started(three())
    drv.run_until("holding")
    n = len(drv.actions)
    reply = drv.reply_to(heard("faster"))
    assert P("faster_hold") in reply
    assert any(isinstance(a, AdjustVoice) for a in drv.actions[n:])


def test_that_was_easy_before_an_exercise_has_begun_is_not_recorded():
    drv = Driver(make_dialogue(three()))
    drv.send(heard("start"))
    drv.answer(heard("number", value=3))
    assert P("easy_not_yet") in drv.reply_to(heard("easy"))  # the first intro is on
    assert not any(isinstance(a, Record) and a.kind == "easy" for a in drv.actions)
    drv.run_until("reps")
    drv.reply_to(heard("easy"))
    assert [a.data["exercise"] for a in drv.actions
            if isinstance(a, Record) and a.kind == "easy"] == ["cat-cow"]


def test_end_the_workout_unanswered_pauses_instead_of_ending():
    drv = started(three())
    drv.run_until("holding")
    drv.send(heard("stop"))
    drv.run_while(lambda: drv.state.phase == "confirm_stop")
    assert drv.ended is None and drv.state.phase == "paused"
    drv.settle()
    assert drv.texts()[-1] == P("confirm_stop_paused")


def test_a_doubtful_spoken_yes_does_not_end_but_a_clear_one_or_stop_again_does():
    for final in (Heard(Intent("yes", {}, "yes", 0.9), "voice"), Heard(Intent("stop"))):
        drv = started(three())
        drv.run_until("holding")
        drv.send(heard("stop"))
        drv.answer(Heard(Intent("yes", {}, "yes", confidence=0.5), "voice"))
        drv.settle()
        assert drv.ended is None and drv.state.phase == "confirm_stop"
        drv.send(final)
        drv.run_while(lambda: drv.ended is None)
        assert drv.ended is not None and drv.ended.reason == "stopped"


def test_onboarding_takes_natural_answers():
    from voicecoach.core.onboarding import Onboarding, OnboardingContext
    from voicecoach.understanding.parser import parse

    ob = Onboarding(OnboardingContext(PROMPTS))
    drv = Driver(ob)  # the onboarding runs in the same loop
    drv.settle()
    drv.send(Heard(parse("I sit at a desk all day and my back gets stiff", CATALOG)))
    drv.settle()
    drv.send(Heard(parse("I exercise now and then", CATALOG)))
    drv.run_while(lambda: drv.ended is None)
    assert (drv.state.cause, drv.state.level) == ("tight", "intermediate")
    assert drv.state.defaulted == ()
