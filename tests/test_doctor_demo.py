"""`voicecoach doctor` and `voicecoach demo`, run as a person would, on real audio parts:
a private PulseAudio daemon, real speech out, real recordings of people in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave

import numpy as np
import pytest


def run(args, env, timeout):
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


@pytest.fixture
def home_env(tmp_path):
    return dict(os.environ, VOICECOACH_HOME=str(tmp_path / "home"))


def test_doctor_with_sound_devices_finds_no_problem(pulse, home_env):
    proc = run(["doctor", "--seconds", "1"], dict(home_env, PULSE_SERVER=pulse.server), 120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for part in ("speaker", "microphone", "microphone level", "speech (pyttsx3)",
                 "recognizer (moonshine)", "recognizer (pocketsphinx)",
                 "speech detection (Silero VAD)", "history storage"):
        assert f"[ok] {part}:" in proc.stdout
    assert proc.stdout.count("came back as 'stop'") == 2  # the default engine and the fallback
    assert "ALSA lib" not in proc.stdout + proc.stderr


def test_doctor_without_sound_names_each_problem_and_its_fix(tmp_path, home_env):
    env = dict(home_env, PULSE_SERVER=f"unix:{tmp_path}/no-such-socket")
    proc = run(["doctor", "--seconds", "1"], env, 120)
    assert proc.returncode == 1
    assert "[PROBLEM] speaker" in proc.stdout and "[PROBLEM] microphone" in proc.stdout
    assert proc.stdout.count("fix:") >= 2
    assert "Traceback" not in proc.stderr


def test_demo_runs_the_whole_loop_headless(tmp_path, home_env):
    """No sound card needed: the demo brings its own virtual microphone and speaker."""
    out = tmp_path / "coach.wav"
    transcript = tmp_path / "demo.jsonl"
    env = dict(home_env)
    env.pop("PULSE_SERVER", None)
    proc = run(["demo", "--out", str(out), "--transcript", str(transcript)], env, 400)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    lines = [json.loads(l) for l in transcript.read_text().splitlines()]
    heard = [l for l in lines if "heard" in l]
    said = [l for l in lines if "text" in l]
    # The person's recorded answers were heard and acted on ...
    assert any(h["intent"] == "start" for h in heard)
    assert any(h["intent"] == "number" and h["slots"] == {"value": 3} for h in heard)
    assert any("3 out of ten" in l["text"] for l in said)
    # ... the chatter ("bird") was not taken for a command ...
    assert all(h["intent"] in ("start", "number", "stop", "no", "resume") for h in heard), heard
    assert [h["intent"] for h in heard] == ["start", "number", "stop", "no", "number"], heard
    # ... and the coach's voice really sounded: the WAV holds speech, not silence.
    with wave.open(str(out)) as w:
        rate, frames = w.getframerate(), w.readframes(w.getnframes())
    samples = np.frombuffer(frames, np.int16)
    assert len(samples) / rate > 60
    loud = np.abs(samples.astype(np.int32)) > 1000
    assert loud.mean() > 0.1, "the recording should be speech for a good part of the time"
    assert "demo: finished" in proc.stdout
