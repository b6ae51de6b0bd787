"""The first-run conversation (text in through the real parser, sentences out through the real
prompts) and the profile it leaves behind (real TOML files, the real CLI in a subprocess)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from voicecoach.store import profile as profile_mod
from voicecoach.core import timing
from voicecoach.core.errors import DataFileError
from voicecoach.core.events import (
    Began, CancelTimers, End, Heard, InputEnded, Interrupted, Listen, Say, SetTimer, SpeechDone,
    SpeechStarted, StopSpeech, Tick,
)
from voicecoach.core.onboarding import (
    CAUSE_ORDER, QUESTION, Onboarding, OnboardingContext, settings_after,
)
from voicecoach.understanding.parser import parse
from voicecoach.core.plan import Profile
from voicecoach.store.profile import Settings
from voicecoach.core.prompts import Prompts

REPO = Path(__file__).resolve().parents[1]
PROMPTS = Prompts.load()
TIMEOUT = object()


def V(key: str) -> set[str]:
    """Every variant of a prompt (variants are used in turn, so which one comes may vary)."""
    return {PROMPTS.render(key, turn=i) for i in range(PROMPTS.variants(key))}  # "nobody answered": fire the pending question timer


def P(key: str, turn: int = 0, **data) -> str:
    return PROMPTS.render(key, turn=turn, **data)


class Run:
    """Drives the conversation like the loop does: text -> parser -> Heard; TIMEOUT -> the
    pending timer's Tick at its time. Every line said is reported started and finished in
    turn, each taking the time it would take aloud (a person hears it before answering).
    Keeps every line said and every action."""

    def __init__(self, disclaimer_heard: bool = False, minutes: int = 15, goal: int = 20):
        self.ob = Onboarding(OnboardingContext(PROMPTS, disclaimer_heard, minutes, goal))
        self.state = self.ob.initial_state()
        self.now = 0.0
        self.timer: float | None = None
        self.lines: list[str] = []
        self.actions: list = []
        self.ids: list[int] = []
        self.send(Began())

    def _step(self, event) -> list[Say]:
        self.state, actions = self.ob.step(self.state, event, self.now)
        self.actions += actions
        for a in actions:
            if isinstance(a, SetTimer) and a.name == QUESTION:
                self.timer = a.at
            elif isinstance(a, CancelTimers) and (not a.names or QUESTION in a.names):
                self.timer = None
        return [a for a in actions if isinstance(a, Say)]

    def send(self, event, hear: bool = True) -> list[str]:
        """One event, then (when `hear`) every line it brings, heard to its end."""
        pending = self._step(event)
        said = []
        while pending:
            say = pending.pop(0)
            said.append(say.utterance.text)
            self.ids.append(say.utterance.id)
            if not hear:
                continue
            pending += self._step(SpeechStarted(say.utterance.id, self.now))
            self.now += timing.speech_seconds(say.utterance.text)
            pending += self._step(SpeechDone(say.utterance.id))
        self.lines += said
        return said

    def say(self, text) -> list[str]:
        if text is TIMEOUT:
            assert self.timer is not None, "no question is waiting"
            self.now = self.timer
            self.timer = None
            return self.send(Tick(QUESTION))
        self.now += 2.0
        return self.send(Heard(parse(text)))

    @property
    def ended(self) -> End | None:
        return next((a for a in self.actions if isinstance(a, End)), None)

    def listens(self) -> list[str]:
        return [a.grammar for a in self.actions if isinstance(a, Listen)]


# ------------------------------------------------------------------ the happy path


def test_first_run_disclaimer_cause_sentence_level_profile():
    r = Run()
    assert r.lines == [P("onboarding.welcome"), P("onboarding.disclaimer"),
                       P("onboarding.cause_question")]
    assert "never diagnose" in r.lines[1] and "no substitute" in r.lines[1]
    assert r.listens() == ["cause"]
    assert r.say("tight muscles") == [P("onboarding.cause_tight"), P("onboarding.level_question")]
    assert r.listens() == ["cause", "level"]
    [done] = r.say("I'm a beginner")
    assert done == P("onboarding.done", level="beginner", minutes=15, goal=20)
    assert r.ended == End(True, "done")
    assert r.ob.profile(r.state) == Profile("tight", "beginner", 15, 20)
    assert r.state.defaulted == () and r.state.disclaimer_heard
    assert r.ids == sorted(set(r.ids))  # every utterance its own id, in order
    assert r.say("hello") == [] and r.say("weak") == []  # over: nothing more happens


@pytest.mark.parametrize("number,cause", list(zip(["one", "two", "three", "four"], CAUSE_ORDER)))
def test_the_cause_can_be_answered_by_its_number(number, cause):
    r = Run()
    assert r.say(number)[0] == P(f"onboarding.cause_{cause}")
    r.say({"one": "three", "two": "two", "three": "one", "four": "advanced"}[number])
    assert r.ob.profile(r.state).cause == cause


@pytest.mark.parametrize("text,cause,level_text,level", [
    ("weak muscles", "weak", "intermediate", "intermediate"),
    ("poor posture", "posture", "three", "advanced"),
    ("not sure", "general", "two", "intermediate"),
    ("i sit all day", "tight", "advanced", "advanced"),
])
def test_natural_answers(text, cause, level_text, level):
    r = Run()
    r.say(text)
    r.say(level_text)
    assert r.ob.profile(r.state) == Profile(cause, level, 15, 20)


def test_each_cause_gets_its_own_sentence_about_the_plan():
    sentences = {c: P(f"onboarding.cause_{c}") for c in CAUSE_ORDER}
    assert len(set(sentences.values())) == 4
    assert all("plan" in s for s in sentences.values())
    assert "stretch" in sentences["tight"] and "strengthening" in sentences["weak"]


def test_the_disclaimer_is_said_only_once_in_a_lifetime():
    r = Run(disclaimer_heard=True)
    assert r.lines == [P("onboarding.welcome"), P("onboarding.cause_question")]


# ------------------------------------------------------------------ never a dead end


def test_no_answer_reprompts_then_takes_the_defaults():
    r = Run()
    q_time = r.timer
    spoken = sum(timing.speech_seconds(t) for t in r.lines)
    assert q_time == pytest.approx(spoken + timing.QUESTION_TIMEOUT)
    [again] = r.say(TIMEOUT)
    assert again in V("onboarding.cause_reprompt")
    assert r.say(TIMEOUT) == [P("onboarding.cause_default"), P("onboarding.cause_general"),
                              P("onboarding.level_question")]
    [again] = r.say(TIMEOUT)
    assert again in V("onboarding.level_reprompt")
    said = r.say(TIMEOUT)
    assert said[0] == P("onboarding.level_default")
    assert r.ended == End(True, "done")
    assert r.ob.profile(r.state) == Profile("general", "beginner", 15, 20)
    assert r.state.defaulted == ("cause", "level")


def test_not_understood_twice_takes_the_default_and_moves_on():
    r = Run()
    sorry, again = r.say("I need some water")
    assert sorry in V("not_understood") and again in V("onboarding.cause_reprompt")
    assert r.say("purple elephants")[:2] == [P("onboarding.cause_default"),
                                            P("onboarding.cause_general")]
    assert r.state.phase == "level"


def test_a_number_out_of_range_is_not_an_answer():
    r = Run()
    _, again = r.say("seven")
    assert again in V("onboarding.cause_reprompt")
    assert r.say("two")[0] == P("onboarding.cause_weak")
    _, again = r.say("five")
    assert again in V("onboarding.level_reprompt")


def test_a_late_answer_after_the_reprompt_still_counts():
    r = Run()
    r.say(TIMEOUT)
    r.say("weak")
    r.say(TIMEOUT)
    r.say("advanced")
    assert r.ob.profile(r.state) == Profile("weak", "advanced", 15, 20)
    assert r.state.defaulted == ()


def test_repeat_and_help_do_not_use_up_the_second_chance():
    r = Run()
    assert r.say("repeat that") == [P("onboarding.cause_question")]
    assert r.say("repeat that") == [P("onboarding.cause_question")]
    said = r.say("help")
    assert said[0] == P("onboarding.cause_help") and said[1] in V("onboarding.cause_reprompt")
    assert r.state.misses == 0
    _, again = r.say("what do you mean by that")
    assert again in V("onboarding.cause_reprompt")  # still the first miss: asked again
    assert r.state.phase == "cause"


def test_the_person_can_change_the_cause_during_the_level_question():
    r = Run()
    r.say("tight")
    assert r.say("actually poor posture") == [P("onboarding.cause_posture"),
                                              P("onboarding.level_question")]
    r.say("beginner")
    assert r.ob.profile(r.state).cause == "posture"


def test_pause_waits_without_a_timeout_and_an_answer_resumes():
    r = Run()
    assert r.say("pause") == [P("onboarding.paused")]
    assert r.timer is None  # no question timing out while paused
    assert r.say("resume") == [P("onboarding.cause_question")]
    r.say("pause")
    assert r.say("weak")[0] == P("onboarding.cause_weak")


def test_end_of_typed_input_finishes_with_defaults():
    r = Run()
    r.say("weak")
    said = r.send(InputEnded())
    assert said[0] == P("onboarding.input_ended")
    assert r.ended == End(True, "done")
    assert r.ob.profile(r.state) == Profile("weak", "beginner", 15, 20)


# ------------------------------------------------------------------ safety and stopping


def test_stop_ends_without_a_profile_but_remembers_the_disclaimer():
    r = Run()
    said = r.say("stop")
    assert said == [P("onboarding.stopped")]
    assert any(isinstance(a, StopSpeech) for a in r.actions)
    assert r.ended == End(False, "stopped")
    assert r.ob.profile(r.state) is None
    s = settings_after(r.state, None, date(2025, 3, 3))
    assert s.disclaimer_heard and s.cause == "general" and s.created == date(2025, 3, 3)


@pytest.mark.parametrize("text,key", [
    ("my leg is going numb", "onboarding.red_flag"),
    ("pins and needles in my foot", "onboarding.red_flag"),
    ("I lost control of my bladder", "onboarding.red_flag_urgent"),
])
def test_a_red_flag_ends_it_with_the_right_advice(text, key):
    r = Run()
    r.say("weak")
    assert r.say(text) == [P(key)]
    assert r.ended == End(False, "red_flag")
    says = [a for a in r.actions if isinstance(a, Say)]
    assert says[-1].utterance.kind == "safety" and says[-1].utterance.interrupt
    assert "doctor" in P(key)


def test_pain_now_is_acknowledged_and_the_question_comes_again():
    r = Run()
    assert r.say("it hurts") == [P("onboarding.pain"), P("onboarding.cause_question")]
    assert r.state.phase == "cause"


def test_ctrl_c_ends_at_once():
    r = Run()
    assert r.send(Interrupted()) == []
    assert r.ended == End(False, "interrupted")


def test_every_onboarding_sentence_is_free_of_placeholders_and_diagnosis():
    keys = [k for k in PROMPTS.keys() if k.startswith("onboarding.")]
    assert len(keys) >= 20
    for k in keys:
        for turn in range(PROMPTS.variants(k)):
            text = P(k, turn, level="beginner", minutes=15, goal=20)
            assert "{" not in text and "diagnos" not in text.replace("never diagnose", ""), k


# ------------------------------------------------------------------ the saved profile


def test_settings_after_onboarding_round_trip_through_toml(tmp_path):
    r = Run(minutes=12, goal=18)
    r.say("four")
    r.say("intermediate")
    s = settings_after(r.state, Settings(minutes=12, goal_minutes=18, rate=160), date(2025, 3, 3))
    path = profile_mod.save(s, tmp_path / "cfg" / "profile.toml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["profile.toml"]  # no temp files left
    back = profile_mod.load(path)
    assert back == s
    assert back.profile == Profile("general", "intermediate", 12, 18)
    assert (back.rate, back.disclaimer_heard, back.created) == (160, True, date(2025, 3, 3))


def test_no_profile_file_means_first_run(tmp_path):
    assert profile_mod.load(tmp_path / "nothing.toml") is None


def test_broken_toml_names_the_file_and_line(tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text('cause = "tight"\nlevel = "beginner"\nminutes = = 15\n')
    with pytest.raises(DataFileError) as err:
        profile_mod.load(path)
    assert str(err.value).startswith(f"{path}:3: not valid TOML")


@pytest.mark.parametrize("text,where", [
    ('cause = "sore back"\n', ":1: cause: expected"),
    ('level = "beginner"\nminutes = 45\n', ":2: minutes: expected whole minutes 5-30"),
    ('[voice]\nvolume = 3\n', ":2: volume: expected a number 0.0-1.0"),
    ('[voice]\ncounts = "beeps"\n', ":2: counts: expected voice | tick"),
    ('disclaimer_heard = "yes"\n', ":1: disclaimer_heard: expected true or false"),
])
def test_a_wrong_value_names_the_field_and_line(tmp_path, text, where):
    path = tmp_path / "profile.toml"
    path.write_text(text)
    with pytest.raises(DataFileError) as err:
        profile_mod.load(path)
    assert str(err.value).startswith(f"{path}{where}")


def run_cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "VOICECOACH_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "voicecoach", "profile", *args],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=60)


def test_voicecoach_profile_shows_changes_and_resets(tmp_path):
    home = tmp_path / "home"
    path = home / "config" / "profile.toml"
    first = run_cli(home, "--json")
    assert first.returncode == 0 and json.loads(first.stdout)["saved"] is False
    assert not path.exists()

    out = run_cli(home, "--cause", "tight", "--level", "intermediate", "--minutes", "10",
                  "--rate", "150", "--volume", "0.8", "--counts", "tick", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["path"] == str(path) and doc["saved"] is True
    p = doc["profile"]
    assert (p["cause"], p["level"], p["minutes"], p["goal_minutes"]) == ("tight", "intermediate", 10, 20)
    assert (p["rate"], p["volume"], p["counts"], p["voice"]) == (150, 0.8, "tick", None)
    assert p["created"] == date.today().isoformat()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    shown = run_cli(home)
    assert shown.returncode == 0 and "tight muscles after sitting" in shown.stdout
    assert "intermediate" in shown.stdout and "150 words/min" in shown.stdout

    raised = run_cli(home, "--minutes", "25", "--json")  # the goal follows a longer length
    assert json.loads(raised.stdout)["profile"]["goal_minutes"] == 25
    too_short = run_cli(home, "--goal-minutes", "10")
    assert too_short.returncode == 2 and "shorter than" in too_short.stderr

    gone = run_cli(home, "--reset")
    assert gone.returncode == 0 and "first-run" in gone.stdout and not path.exists()


def test_voicecoach_profile_with_a_broken_file_is_one_line_exit_2(tmp_path):
    home = tmp_path / "home"
    path = home / "config" / "profile.toml"
    path.parent.mkdir(parents=True)
    path.write_text("cause = tight\n")
    out = run_cli(home)
    assert out.returncode == 2 and out.stdout == ""
    [line] = out.stderr.strip().splitlines()
    assert f"{path}:1" in line and "Traceback" not in out.stderr
