"""Sound in and out: speech rendering and playback (render, player, speaker), the microphone
side (listener, recognizer), and a private PulseAudio for tests and benchmarks (pulse_env)."""
