"""Voice in: 16 kHz speech -> Recognition (text, intent, confidence), offline by default.

The default engine drives pocketsphinx 5 directly (DESIGN.md §2: SpeechRecognition's
`recognize_sphinx` reloads the model on every call and breaks on a second grammar). One decoder
is loaded once and kept; each listening context ("command", "yes_no", "number", "safety", ...)
is its own search, switched per call.

How a decode is judged (measured on ../shared/speech, see BENCHMARKS.md and
scripts/bench_recognizer.py):
- The grammar of each context comes from voicecoach.audio.jsgf.to_jsgf, the same phrases as the
  text parser, so typed and spoken commands never disagree. It is recompiled into a minimal
  graph (voicecoach/audio/fsg.py): the JSGF as pocketsphinx builds it was 2-3x slower.
- A phone loop runs in parallel with the phrases ("garbage"). Speech that is not a phrase
  costs less through the loop than through any phrase, and comes out as phones: rejected.
  The loop's cost per phone is the threshold; safety intents get a bonus on their own
  entry, costly-to-act-on ones ("next", "previous", ...) a malus, because a missed "stop" or
  "it hurts" costs more than a false one.
- `bestpath` is off: the lattice pass returns half phrases ("go to", "what can") that never
  reached the grammar's end state; without it the decoder only returns whole phrases.
- A result that is not a whole phrase of the grammar gives no intent (exact lookup with
  voicecoach.understanding.templates.jsgf_phrase_to_intent, the parser's own table).
- `strict=True` (the coach is speaking: barge-in) uses a cheaper phone loop, i.e. a higher
  bar, so the coach's own voice leaking into the microphone is not taken for a command.

The opt-in engines that hear free text (Vosk, Whisper, Google) are in text_engines.py;
`make_recognizer` gives any of them by name.
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from voicecoach.audio.audio_io import TARGET_RATE, load_16k, resample
from voicecoach.audio.fsg import Garbage, PHONES, build_fsg, is_garbage_word, phone_word, split_jsgf
from voicecoach.core.errors import UserError
from voicecoach.core.intents import Intent, no_intent

# ---------------------------------------------------------------------------------------------
# Tuned on the "tune" half of ../shared/speech speakers (scripts/bench_recognizer.py --split tune);
# the held-out half gives the figures in BENCHMARKS.md. Units: natural log of the decoder's
# path score after the language weight.
GARBAGE = Garbage(entry=0.0, phone=17.0)
STRICT_GARBAGE = Garbage(entry=0.0, phone=12.0)
# Per-intent bonus on entering the intent's phrases (> 0 easier to hear, < 0 harder): safety
# first ("stop" was heard as "start" in 6 of 23 tries without it), costly moves last.
INTENT_BONUS: dict[str, float] = {
    "stop": 20.0, "pain": 20.0, "red_flag": 20.0, "pause": 10.0,
    "next": -15.0, "previous": -15.0, "goto": -10.0,
}
# Confidence reported for an accepted phrase: it also won against the stricter garbage /
# it won only against the normal one. On the tune half (command state), 82% of right answers
# but only 58% of false accepts came out strong: the dialogue can confirm a weak one.
CONF_STRONG = 0.9
CONF_WEAK = 0.6
# Intents that run the stricter check (a second decode, ~+70 ms): the costly-to-act-on ones,
# and pain/red flags, which a person should be asked about rather than ignored when weak.
# "stop" and "pause" act at once (a wrong pause costs little) and are reported strong.
CHECKED_INTENTS = frozenset({"next", "previous", "goto", "start", "faster", "slower", "easy",
                             "pain", "red_flag"})

# Speech (by energy) that the decoded phrase does not cover, in 10 ms frames, beyond which the
# result is rejected: in a sentence, a short phrase wins and the silence model soaks up the
# rest (sentences 56% -> 11% false accepts at no cost to the commands, tune half).
UNEXPLAINED_FRAMES = 30
WORD_MARGIN_FRAMES = 8
SPEECH_OVER_FLOOR_DB = 12.0
SPEECH_UNDER_PEAK_DB = 30.0

DECODER_OPTIONS: dict[str, object] = {
    "bestpath": False,  # see the module docstring
    "beam": 1e-40, "pbeam": 1e-40, "wbeam": 1e-25,  # ~25% faster than the defaults, same result
    "loglevel": "FATAL",
}


@dataclass(frozen=True)
class Recognition:
    """What one utterance was heard as. `intent` is Intent("none") when rejected."""

    text: str
    intent: Intent
    confidence: float
    ms: float
    grammar: str = "command"
    engine: str = "sphinx"

    @property
    def accepted(self) -> bool:
        return not self.intent.is_none

    def to_json(self, file: str | None = None) -> dict:
        out = {"file": file} if file is not None else {}
        out.update({"text": self.text, "intent": self.intent.name,
                    "slots": dict(self.intent.slots), "confidence": round(self.confidence, 3),
                    "engine": self.engine})
        return out


def as_pcm16k(pcm: bytes | bytearray | memoryview | np.ndarray,
              rate: int = TARGET_RATE) -> np.ndarray:
    """int16 mono samples at 16 kHz from raw 16-bit little-endian bytes or an array (an int16
    array, or a float array in -1..1)."""
    if isinstance(pcm, (bytes, bytearray, memoryview)):
        x = np.frombuffer(bytes(pcm), "<i2")
    else:
        x = np.asarray(pcm)
        if x.ndim > 1:  # (frames, channels)
            x = x.mean(axis=1)
        if x.dtype.kind == "f":
            x = np.clip(np.round(x * 32767), -32768, 32767)
        x = x.astype(np.int16)
    if rate != TARGET_RATE:
        x = resample(x, rate, TARGET_RATE)
    return x


def speech_frames(samples: np.ndarray) -> np.ndarray:
    """Per 10 ms frame: is it speech by energy (12 dB over the floor, within 30 dB of the
    loudest frame)?"""
    n = len(samples) // 160
    if n == 0:
        return np.zeros(0, bool)
    frames = samples[: n * 160].astype(np.float64).reshape(n, 160)
    energy = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1.0)
    threshold = max(np.percentile(energy, 10) + SPEECH_OVER_FLOOR_DB,
                    energy.max() - SPEECH_UNDER_PEAK_DB)
    return energy > threshold


def unexplained_speech(samples: np.ndarray, segments) -> int:
    """How many speech frames lie outside the words of the decoded path (silence and filler
    segments don't count as explaining speech)."""
    speech = speech_frames(samples)
    covered = np.zeros(len(speech), bool)
    for seg in segments:
        word = seg.word
        if word.startswith(("<", "[", "+")):
            continue
        covered[max(0, seg.start_frame - WORD_MARGIN_FRAMES):
                seg.end_frame + 1 + WORD_MARGIN_FRAMES] = True
    return int(np.sum(speech & ~covered))


def _model_path() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path())


class SphinxRecognizer:
    """pocketsphinx with our grammars and garbage rejection; load once, decode many.

    `decode()` is thread-safe (one decoder, a lock)."""

    engine = "sphinx"
    online = False

    def __init__(self, grammars: Iterable[str] | None = None, *, catalog=None,
                 garbage: Garbage | None = GARBAGE, strict_garbage: Garbage | None = STRICT_GARBAGE,
                 bonus: dict[str, float] | None = None, **decoder_options):
        from pocketsphinx import Config, Decoder

        from voicecoach.audio import jsgf
        from voicecoach.understanding import templates as vg

        self._vg = vg
        self._jsgf = jsgf
        self.catalog = catalog
        self.garbage = garbage
        self.strict_garbage = strict_garbage
        self.bonus = dict(INTENT_BONUS if bonus is None else bonus)
        model = _model_path() / "en-us"
        options = dict(DECODER_OPTIONS)
        options.update(decoder_options)
        t0 = time.perf_counter()
        config = Config(hmm=str(model / "en-us"), dict=str(model / "cmudict-en-us.dict"),
                        lm=None, **options)
        # Read from our own Config: the one `Decoder.config` returns is freed under the
        # decoder when Python drops it (a crash later on).
        self._lw = float(config["lw"])
        self._config = config
        self.decoder = Decoder(config)
        self._add_words({**jsgf.extra_pronunciations(), **{phone_word(p): p for p in PHONES}})
        self._lock = threading.Lock()
        self._searches: dict[tuple[str, bool], str] = {}
        self._fsgs: list = []
        self._active: str | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="voicecoach-fsg-")
        names = tuple(grammars) if grammars is not None else vg.listening_contexts()
        for name in names:
            self._add_grammar(name)
        self.grammars: tuple[str, ...] = names
        self.load_ms = (time.perf_counter() - t0) * 1000

    # ------------------------------------------------------------------ setup

    def _add_words(self, words: dict[str, str]) -> None:
        items = [(w, p) for w, p in words.items() if self.decoder.lookup_word(w) is None]
        for i, (word, phones) in enumerate(items):
            self.decoder.add_word(word, phones, i == len(items) - 1)

    def _compiled_parts(self, name: str) -> list[tuple[str, float]]:
        jsgf = self._jsgf.to_jsgf(name, self.catalog)
        parts = []
        for rule, text in split_jsgf(jsgf).items():
            fsg = self.decoder.parse_jsgf(text)
            path = Path(self._tmp.name) / "in.fsg"
            fsg.writefile(str(path))
            parts.append((path.read_text(), self.bonus.get(rule, 0.0)))
        return parts

    def _add_grammar(self, name: str) -> None:
        try:
            parts = self._compiled_parts(name)
        except (KeyError, ValueError, RuntimeError) as err:
            raise UserError(f"recognizer: cannot build grammar {name!r}: {err}") from None
        for strict, garbage in ((False, self.garbage), (True, self.strict_garbage)):
            fsg = build_fsg(parts, self._lw, garbage)
            search = f"{name}.strict" if strict else name
            path = Path(self._tmp.name) / f"{search}.fsg"
            path.write_text(fsg.to_text(search))
            model = self.decoder.read_fsg(str(path))
            self.decoder.add_fsg(search, model)
            self._fsgs.append(model)  # the decoder does not own it: keep it alive
            self._searches[(name, strict)] = search

    # ------------------------------------------------------------------ decoding

    def _run(self, search: str, samples: np.ndarray) -> str:
        d = self.decoder
        if self._active != search:  # (current_search() crashes before the first activate)
            d.activate_search(search)
            self._active = search
        d.start_utt()
        d.process_raw(samples.tobytes(), False, True)
        d.end_utt()
        hyp = d.hyp()
        text = hyp.hypstr.strip() if hyp is not None else ""
        if text and unexplained_speech(samples, d.seg() or ()) > UNEXPLAINED_FRAMES:
            return ""  # the phrase covers only part of what was said: chatter, not a command
        return text

    def _intent(self, text: str) -> Intent:
        if not text or any(is_garbage_word(w) for w in text.split()):
            return no_intent("")
        return self._vg.jsgf_phrase_to_intent(text, self.catalog)

    def decode(self, pcm: bytes | np.ndarray, rate: int = TARGET_RATE, grammar: str = "command",
               strict: bool = False) -> Recognition:
        """Decode one utterance (a few seconds at most) with the named grammar."""
        if (grammar, strict) not in self._searches:
            raise UserError(f"unknown grammar {grammar!r}; known: {', '.join(self.grammars)}")
        samples = as_pcm16k(pcm, rate)
        t0 = time.perf_counter()
        with self._lock:
            if len(samples) < 1600:  # under 0.1 s: no word fits
                text, intent = "", no_intent("")
            else:
                text = self._run(self._searches[(grammar, strict)], samples)
                intent = self._intent(text)
            confidence = 0.0
            if not intent.is_none:
                confidence = CONF_STRONG
                if not strict and intent.name in CHECKED_INTENTS:
                    again = self._intent(self._run(self._searches[(grammar, True)], samples))
                    if again.is_none or again.name != intent.name:
                        confidence = CONF_WEAK
        ms = (time.perf_counter() - t0) * 1000
        if intent.is_none:
            shown = "" if any(is_garbage_word(w) for w in text.split()) else text
            return Recognition(shown, no_intent(shown), 0.0, ms, grammar)
        intent = Intent(intent.name, dict(intent.slots), text, confidence)
        return Recognition(text, intent, confidence, ms, grammar)

    def decode_file(self, path: str | Path, grammar: str = "command") -> Recognition:
        return self.decode(load_16k(path), TARGET_RATE, grammar)


ENGINES = ("moonshine", "sphinx", "vosk", "whisper", "faster-whisper", "google")
DEFAULT_ENGINE = "moonshine"  # Moonshine base (English), shipped in the moonshine-cpp wheel
GRAMMAR_ENGINES = ("moonshine", "sphinx", "pocketsphinx")  # take catalog= and grammars=


def make_recognizer(engine: str = DEFAULT_ENGINE, model: str | None = None, online: bool = False,
                    **options):
    """The recognizer for `engine`; UserError with one clear line when it cannot be had."""
    engine = (engine or DEFAULT_ENGINE).lower()
    if engine == "moonshine":
        from voicecoach.audio.moonshine.recognizer import MoonshineRecognizer

        return MoonshineRecognizer(**options)
    if engine in ("sphinx", "pocketsphinx"):
        return SphinxRecognizer(**options)
    from voicecoach.audio.text_engines import GoogleRecognizer, VoskRecognizer, WhisperRecognizer

    if engine == "vosk":
        return VoskRecognizer(model)
    if engine in ("whisper", "faster-whisper", "faster_whisper"):
        return WhisperRecognizer(engine.replace("_", "-"), model)
    if engine == "google":
        if not online:
            raise UserError("google is an online engine: audio leaves this machine; "
                            "add --online to allow it")
        return GoogleRecognizer()
    raise UserError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")


def __getattr__(name: str):
    # The opt-in engines moved to text_engines.py, which imports this module: loaded on use.
    if name in ("VoskRecognizer", "WhisperRecognizer", "GoogleRecognizer", "_TextEngine"):
        from voicecoach.audio import text_engines

        return getattr(text_engines, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
