"""Where speech starts and ends in the microphone stream: Silero VAD, run with onnxruntime.

The model is `silero_vad.onnx` from the `silero-vad` wheel (MIT, Silero team), found without
importing the package (its Python side needs torch; we only need the ONNX file). It scores
32 ms windows (512 samples at 16 kHz, with the previous 64 samples in front as context, and a
recurrent state) with a speech probability.

`SileroEndpointer` has the interface the listener uses from pocketsphinx's `Endpointer`:
`frame_bytes`, `frame_length`, `process(frame)` -> the frame while in speech (else None),
`in_speech`, `speech_start`. Speech starts after `START_FRAMES` windows above `ON`, and ends
after `window` seconds below `OFF` (hysteresis, as Silero's own iterator does). Measured
against the pocketsphinx Endpointer on real speech in real noise: scripts/bench_vad.py.
"""

from __future__ import annotations

import collections
import importlib.util
from pathlib import Path

import numpy as np

from voicecoach.core.errors import UserError

RATE = 16000
WINDOW = 512
CONTEXT = 64
ON = 0.5
OFF = 0.35
START_FRAMES = 2  # 64 ms above ON: a click or a cough's onset alone does not open speech


def silero_model_path() -> Path:
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("Silero VAD is not installed: .venv/bin/pip install --no-deps "
                        "silero-vad==6.2.3")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "silero_vad.onnx"
    if not path.is_file():
        raise UserError(f"Silero VAD model missing: {path}; reinstall silero-vad")
    return path


class SileroVad:
    """Speech probability per 32 ms window, streaming (keeps its state between calls)."""

    def __init__(self, path: Path | None = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path or silero_model_path()), options,
                                            providers=["CPUExecutionProvider"])
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros((2, 1, 128), np.float32)
        self._context = np.zeros(CONTEXT, np.float32)

    def __call__(self, window: np.ndarray) -> float:
        """`window`: 512 float32 samples in -1..1."""
        x = np.concatenate([self._context, window.astype(np.float32)])[None, :]
        out, self._state = self.session.run(
            None, {"input": x, "state": self._state, "sr": np.array(RATE, np.int64)})
        self._context = x[0, -CONTEXT:]
        return float(out[0, 0])


class SileroEndpointer:
    """Streaming speech start/end from Silero probabilities (see the module docstring)."""

    frame_length = WINDOW / RATE
    frame_bytes = WINDOW * 2

    def __init__(self, window: float = 0.2, vad: SileroVad | None = None, **_ignored):
        self.vad = vad or SileroVad()
        self.end_frames = max(1, int(round(window / self.frame_length)))
        self.in_speech = False
        self.speech_start = 0.0
        self.speech_end = 0.0
        self._index = 0
        self._above = 0
        self._below = 0
        self._pending: collections.deque[bytes] = collections.deque(maxlen=START_FRAMES)

    def process(self, frame: bytes) -> bytes | None:
        """One 512-sample frame of 16-bit PCM in; while in speech, frames out (the first
        call in speech also returns the frames that opened it, joined)."""
        samples = np.frombuffer(frame, "<i2").astype(np.float32) / 32768
        p = self.vad(samples)
        t = self._index * self.frame_length
        self._index += 1
        if not self.in_speech:
            self._pending.append(frame)
            self._above = self._above + 1 if p >= ON else 0
            if self._above >= START_FRAMES:
                self.in_speech = True
                self._below = 0
                self.speech_start = t - (START_FRAMES - 1) * self.frame_length
                out = b"".join(self._pending)
                self._pending.clear()
                return out
            return None
        self._below = self._below + 1 if p < OFF else 0
        if self._below >= self.end_frames:
            self.in_speech = False
            self._above = 0
            self.speech_end = t
            return frame
        return frame
