"""The OpenVoiceOS skill on a FakeBus: what a person hears and what the assistant is asked to do,
with no ovos-core and no audio. Session clocks run 10-60x faster than real time; timing figures
through the skill are measured in scripts/bench_ovos.py, not asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest

pytest.importorskip("ovos_workshop", reason="the ovos extra is not installed")

from ovos_assistant import Assistant, line  # noqa: E402

WORKOUT = {"cause": "tight", "minutes": "5"}  # no first-run questions
XDG = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


@pytest.fixture
def assistant(tmp_path, monkeypatch, speech_cache):
    """make(scale=..., settings=...) -> Assistant; the assistant's and voicecoach's files in
    tmp_path; every skill shut down afterwards."""
    for name in XDG:
        monkeypatch.setenv(name, str(tmp_path / name))
    monkeypatch.setenv("VOICECOACH_HOME", str(tmp_path / "voicecoach"))
    made: list[Assistant] = []

    def make(scale: float = 30.0, settings: dict | None = None) -> Assistant:
        a = Assistant(speech_cache, scale, dict(settings or {}))
        made.append(a)
        return a

    yield make
    for a in made:
        a.close()


def into_the_first_hold(a: Assistant, counts: int) -> None:
    a.start()
    assert a.wait_spoken(line("say_start"))
    assert a.say("start")
    assert a.wait_spoken(line("pain_before_question"))
    assert a.say("four")
    assert a.wait_counts(counts, timeout=20), a.spoken()


def said_at(a: Assistant, text: str) -> float:
    """Session time the skill sent `text` to the assistant's speech."""
    t = next(t for t, m in a.of_type("speak") if m.data["utterance"] == text)
    return (t - a.skill.run.clock.to_monotonic(0.0)) * a.scale


def done(a: Assistant) -> int:
    """Seconds held so far in this side and set (the dialogue's own count)."""
    return a.skill.run.loop.state.done


def last_session():
    from voicecoach.store.history import History

    with History.open() as history:
        return history.sessions()[-1]


# ---------------------------------------------------------------------------- tests


def test_start_welcomes_then_counts_keep_the_one_second_grid(assistant):
    a = assistant(scale=15, settings=WORKOUT)
    into_the_first_hold(a, counts=12)
    spoken = a.spoken()
    assert line("safety_full") in spoken and line("say_start") in spoken
    # Counts are sound files played on the skill's own timer, never queued speech.
    counts = a.counts()[:12]
    assert [text for text, _ in counts[:4]] == [line("countdown_3"), line("countdown_2"),
                                                line("countdown_1"), line("go")]
    assert not any(text.isdigit() for text in spoken)
    assert len(a.of_type("mycroft.audio.play_sound")) >= 12
    # A hold says what is left now and then ("halfway", "ten seconds left", "three left, two,
    # one"): every line still lands on the one-second grid from the count-in, without drift.
    end = next(i for i, (text, _) in enumerate(counts) if text.startswith("and relax"))
    onsets = [t for _, t in counts[:end + 1]]  # the first hold (the next one has its own grid)
    gaps = [b - t for t, b in zip(onsets, onsets[1:4])]
    assert all(abs(g - 1.0) < 0.2 for g in gaps), gaps  # session seconds
    offsets = [t - onsets[0] for t in onsets]
    assert all(abs(x - round(x)) < 0.2 for x in offsets), offsets


def test_pause_freezes_the_count_and_resume_goes_on_from_it(assistant):
    a = assistant(scale=30, settings=WORKOUT)
    into_the_first_hold(a, counts=7)
    assert a.say("pause")
    assert a.wait_spoken(line("paused"))
    paused_at = said_at(a, line("paused"))
    held = a.skill.run.loop.state.saved.done
    time.sleep(0.3)  # nine session seconds
    assert not [t for _, t in a.counts() if t > paused_at]
    assert a.say("resume")
    assert a.wait(lambda: a.phase() == "holding", timeout=10)
    assert done(a) == held  # the hold goes on from the second it had reached


def test_it_hurts_stops_the_exercise_at_once(assistant):
    a = assistant(scale=30, settings=WORKOUT)
    into_the_first_hold(a, counts=7)
    hurt_mono = time.monotonic()
    assert a.say("it hurts")
    assert a.wait_spoken(line("pain_stop"))
    stopped = said_at(a, line("pain_stop"))
    assert (a.skill.run.clock.to_monotonic(stopped) - hurt_mono) < 0.5  # real seconds
    assert any(t >= hurt_mono for t, _ in a.of_type("mycroft.audio.speech.stop"))
    assert a.phase() == "pain_rating"  # "how bad is it?" before anything is offered
    assert a.wait_spoken(line("pain_how_bad"))
    time.sleep(0.3)  # nine session seconds: no count after the pain
    assert not [t for _, t in a.counts() if t > stopped]


@pytest.mark.parametrize("said, advice", [
    ("my leg is going numb", "red_flag"),
    ("I can't control my bladder", "red_flag_urgent"),
])
def test_a_red_flag_ends_the_session_with_the_right_advice(assistant, said, advice):
    a = assistant(scale=30, settings=WORKOUT)
    into_the_first_hold(a, counts=5)
    assert a.say(said)
    assert a.wait_spoken(line(advice))
    assert a.wait(lambda: not a.skill.running)
    assert a.of_type("intent.service.skills.deactivate")
    other = "red_flag" if advice == "red_flag_urgent" else "red_flag_urgent"
    assert line(other) not in a.spoken()
    session = last_session()
    assert not session.finished and len(session.red_flags) == 1


def test_stop_asks_before_it_ends_the_workout(assistant):
    a = assistant(scale=30, settings=WORKOUT)
    into_the_first_hold(a, counts=6)
    assert a.stop()
    assert a.wait_spoken(line("confirm_stop"))
    assert a.skill.running
    assert a.say("no")
    assert a.wait_spoken(line("carry_on"))
    resumed = a.now()
    assert a.wait(lambda: any(t > resumed for _, t in a.counts()))
    assert a.stop()
    assert a.wait(lambda: a.spoken().count(line("confirm_stop")) == 2)
    assert a.say("yes")
    assert a.wait(lambda: not a.skill.running)
    assert a.of_type("intent.service.skills.deactivate")
    assert not a.stop()  # nothing of ours to stop any more
    session = last_session()
    assert session.ended and not session.finished


def test_a_workout_longer_than_the_converse_timeout_stays_active(assistant, monkeypatch):
    # The assistant forgets a skill 300 s after its last turn, on its wall clock. Here the
    # session clock runs 60x, so the assistant's timeout shrinks the same: 5 real seconds.
    from ovos_config import Configuration

    scale = 60
    converse = Configuration()["skills"]["converse"]  # the live settings ovos-core reads
    monkeypatch.setitem(converse, "timeout", 300 / scale)
    a = assistant(scale=scale, settings={"cause": "tight", "minutes": "10"})
    into_the_first_hold(a, counts=3)
    assert a.wait(lambda: a.now() > 330, timeout=15)
    t0 = a.skill.run.clock.to_monotonic(0.0)
    activations = [t - t0 for t, _ in a.of_type("intent.service.skills.activate")]
    gaps = [b - t for t, b in zip(activations, activations[1:])]
    assert activations[-1] * scale > 300 and max(gaps) < 300 / scale / 2, activations
    assert a.say("how long is left")  # still taking turns after five (session) minutes


def test_first_run_questions_and_safety_statement_by_voice(assistant):
    a = assistant(scale=30)  # no cause set: nothing known about the person yet
    a.start()
    assert a.wait_spoken(line("onboarding.cause_question"))
    assert line("onboarding.disclaimer") in a.spoken()
    assert a.say("tight muscles")
    assert a.wait_spoken(line("onboarding.level_question"))
    assert a.say("beginner")
    assert a.wait_spoken(line("say_start"))
    assert line("safety_full") in a.spoken()
    # Questions open the assistant's microphone once said (no wake word for the answer).
    listens = {m.data["utterance"]: m.data["expect_response"] for _, m in a.of_type("speak")}
    assert listens[line("onboarding.cause_question")] and not listens[line("onboarding.disclaimer")]
    from voicecoach.store import profile

    assert profile.load().cause == "tight"


def test_settings_tick_counts_and_minutes_said_in_the_request(assistant):
    a = assistant(scale=30, settings={"cause": "tight", "counts": "tick"})
    a.start(minutes="ten")
    assert a.wait(lambda: a.skill.run is not None and a.skill.run.loop is not None)
    assert a.skill.run.loop.dialogue.ctx.plan.minutes == 10
    assert a.say("start") and a.wait_spoken(line("pain_before_question"))
    assert a.say("four") and a.wait_counts(8, timeout=20)
    uris = {text: m.data["uri"] for (text, _), (_, m) in
            zip(a.counts(), a.of_type("mycroft.audio.play_sound"))}
    # A bare number would be a tick; a hold has none now, and words are still spoken.
    assert all(uri.endswith("tick.wav") == text.isdigit() for text, uri in uris.items())
    assert not uris[line("countdown_3")].endswith("tick.wav")


def test_skill_mode_imports_none_of_the_standalone_audio_path(tmp_path):
    script = textwrap.dedent(f"""
        import json, os, sys, time
        for name in {XDG!r}:
            os.environ[name] = os.path.join({str(tmp_path)!r}, name)
        os.environ["VOICECOACH_HOME"] = os.path.join({str(tmp_path)!r}, "voicecoach")
        sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
        from ovos_assistant import Assistant
        a = Assistant(os.path.join({str(tmp_path)!r}, "speech"), 30.0, {{"cause": "tight"}})
        a.start()
        assert a.wait(lambda: a.skill.run and a.skill.run.loop and a.say("start"), 10)
        a.say("four")
        a.wait_counts(5, timeout=20)
        played = len(a.counts())
        a.close()
        print(json.dumps({{"played": played, "modules": sorted(sys.modules)}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    report = json.loads(out.strip().splitlines()[-1])
    assert report["played"] >= 5
    loaded = set(report["modules"])
    # (speech_recognition may load: ovos-plugin-manager imports it whenever it is installed)
    for module in ("pyaudio", "pocketsphinx", "sounddevice",
                   "voicecoach.audio.listener", "voicecoach.audio.recognizer"):
        assert module not in loaded
