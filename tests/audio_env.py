"""Audio for tests: a private PulseAudio daemon with a null sink as the speaker and a virtual
microphone. The daemon itself lives in voicecoach/audio/pulse_env.py (scripts/bench_speaker.py
and the headless demo use it too); this module is what tests import.

    coach_out    default output (null sink); `pulse.record_output(2.0)` or
                 `rec = pulse.start_recording(); ...; rec.stop()` -> samples + clock mapping
    mic_in       `pulse.play_into_mic("hello.wav")` plays a recording into it
    virtual_mic  default input: mic_in's monitor, with a -60 dBFS noise bed under it
"""

from voicecoach.audio.analysis import THRESHOLD, envelope, onsets, silent_from
from voicecoach.audio.pulse_env import (
    MIC_RATE, MIC_SINK, MIC_SOURCE, OUT_SINK, RECORD_RATE, PulseEnv, PulseUnavailable, Recorder,
    Recording, private_pulse, pulse_binaries_missing, start_pulse,
)

__all__ = [
    "THRESHOLD", "envelope", "onsets", "silent_from", "MIC_RATE", "MIC_SINK", "MIC_SOURCE",
    "OUT_SINK", "RECORD_RATE", "PulseEnv", "PulseUnavailable", "Recorder", "Recording",
    "private_pulse", "pulse_binaries_missing", "start_pulse",
]
