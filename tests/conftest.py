"""Shared fixtures. Keep each fixture small and say who needs it."""

from __future__ import annotations

import os
import shutil

import pytest

from audio_env import start_pulse


# ---------------------------------------------------------------- audio (voice out / voice in)


@pytest.fixture(scope="session")
def pulse(tmp_path_factory):
    """A private PulseAudio daemon for the whole test run (see tests/audio_env.py).

    PULSE_SERVER is set in os.environ while it runs, so PyAudio in this process (through ALSA's
    pulse plugin) and every child process play to `coach_out` and record from `virtual_mic`.
    Skips only when pulseaudio is not installed; anything else failing is an error.
    """
    if shutil.which("pulseaudio") is None:
        pytest.skip("pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils)")
    env = start_pulse(tmp_path_factory.mktemp("pulse"))
    yield env
    env.stop()


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory):
    """A speech cache shared by the audio tests, away from the user's own cache."""
    return tmp_path_factory.mktemp("speech-cache")


# ---------------------------------------------------------------- voice in (the neural recognizer)


@pytest.fixture(scope="session", autouse=True)
def model_dir(tmp_path_factory):
    """One converted Moonshine model for the whole run, shared with the subprocesses tests
    start (they inherit VOICECOACH_MODEL_DIR): converting takes seconds, so once per run.
    A VOICECOACH_MODEL_DIR set by the caller is kept (a developer's warm cache)."""
    if not os.environ.get("VOICECOACH_MODEL_DIR"):
        os.environ["VOICECOACH_MODEL_DIR"] = str(tmp_path_factory.mktemp("moonshine-model"))
    return os.environ["VOICECOACH_MODEL_DIR"]


@pytest.fixture(scope="session")
def moonshine(model_dir):
    """The default recognizer, loaded once for every test that needs it."""
    from voicecoach.audio.moonshine.recognizer import MoonshineRecognizer

    return MoonshineRecognizer()
