"""Opt-in engines behind the recognizer's interface: Vosk, Whisper, Google (SpeechRecognition).

They hear free text; the shared parser turns it into an intent (no grammar, no garbage).
`make_recognizer` (voicecoach.audio.recognizer) imports them when one is asked for.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np

from voicecoach.audio.audio_io import TARGET_RATE, load_16k
from voicecoach.audio.recognizer import Recognition, as_pcm16k
from voicecoach.core.errors import UserError
from voicecoach.core.intents import no_intent


class _TextEngine:
    engine = "text"
    online = False

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def _text(self, samples: np.ndarray) -> str:  # pragma: no cover - per engine
        raise NotImplementedError

    def decode(self, pcm: bytes | np.ndarray, rate: int = TARGET_RATE, grammar: str = "command",
               strict: bool = False) -> Recognition:
        from voicecoach.understanding.parser import parse

        samples = as_pcm16k(pcm, rate)
        t0 = time.perf_counter()
        with self._lock:
            try:
                text = (self._text(samples) or "").strip()
            except Exception as err:  # engines raise their own types (UnknownValueError, ...)
                if type(err).__name__ == "UnknownValueError":
                    text = ""
                else:
                    raise UserError(f"{self.engine}: {err}") from None
        intent = parse(text, context=grammar) if text else no_intent("")
        ms = (time.perf_counter() - t0) * 1000
        conf = intent.confidence if not intent.is_none else 0.0
        return Recognition(text, intent, conf, ms, grammar, self.engine)

    def decode_file(self, path: str | Path, grammar: str = "command") -> Recognition:
        return self.decode(load_16k(path), TARGET_RATE, grammar)


def _audio_data(samples: np.ndarray):
    import speech_recognition as sr

    return sr.AudioData(samples.astype("<i2").tobytes(), TARGET_RATE, 2)


class VoskRecognizer(_TextEngine):
    """Vosk with a model directory the user supplies (none can be downloaded here)."""

    engine = "vosk"

    def __init__(self, model: str | None):
        super().__init__()
        if not model:
            raise UserError("vosk needs a model: --engine-model PATH (an unpacked Vosk model)")
        if not Path(model).is_dir():
            raise UserError(f"vosk model not found: {model}")
        try:
            import vosk
        except ImportError:
            raise UserError("vosk is not installed (pip install vosk)") from None
        vosk.SetLogLevel(-1)
        self._model = vosk.Model(str(model))
        self._vosk = vosk

    def _text(self, samples: np.ndarray) -> str:
        rec = self._vosk.KaldiRecognizer(self._model, TARGET_RATE)
        rec.AcceptWaveform(samples.astype("<i2").tobytes())
        return json.loads(rec.FinalResult()).get("text", "")


class WhisperRecognizer(_TextEngine):
    """OpenAI whisper or faster-whisper through SpeechRecognition, with a local model (a name
    already in the local cache, or a path)."""

    def __init__(self, engine: str, model: str | None):
        super().__init__()
        self.engine = engine
        module = "faster_whisper" if engine == "faster-whisper" else "whisper"
        try:
            __import__(module)
        except ImportError:
            raise UserError(f"{engine} is not installed (pip install {engine.replace('_', '-')})"
                            ) from None
        self.model = model or "base"
        import speech_recognition as sr

        self._sr = sr.Recognizer()

    def _text(self, samples: np.ndarray) -> str:
        audio = _audio_data(samples)
        if self.engine == "faster-whisper":
            return self._sr.recognize_faster_whisper(audio, model=self.model, language="en")
        return self._sr.recognize_whisper(audio, model=self.model, language="english")


class GoogleRecognizer(_TextEngine):
    """Google's free web API through SpeechRecognition: audio leaves this machine. Only with
    an explicit online=True; `online` tells the loop to speak a warning first."""

    engine = "google"
    online = True

    def __init__(self) -> None:
        super().__init__()
        import speech_recognition as sr

        self._sr = sr.Recognizer()

    def _text(self, samples: np.ndarray) -> str:
        return self._sr.recognize_google(_audio_data(samples), language="en-US")
