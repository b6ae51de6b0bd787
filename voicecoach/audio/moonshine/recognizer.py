"""The default recognizer: Moonshine base (English), two readings of one encoding.

    audio ─► encoder ─► free reading: greedy transcript ─► understand() (the text parser)
      └─► padded with 0.5 s of silence each side ─► encoder
               └─► expected reading: the context's short phrases scored (scoring.py)
    both ─► decide.py: intent, or nothing (rejection)

- Two encoder passes (~15-40 ms each for a second of speech): padding helps the phrase
  scores of one-second words (DESIGN.md §2c: digits 94% -> 98% top-1), but makes free
  decoding write nothing, or "You" when `</s>` is barred; the bare audio transcribes well.
- Expected phrases come from voicecoach.understanding.phrases.expected_phrases (the one
  phrase source). Only short ones are scored (MAX_SCORED_WORDS; phrases naming an exercise
  are left to the free reading, which transcribes longer speech near perfectly): short words
  are what free decoding gets wrong, and the tree stays small enough to score in one call
  per token depth.
- The phrases are scored only when the transcript did not already parse to an intent of
  the context: then the free reading is trusted (on these speakers it is rarely wrong when
  it parses at all), and a clear command costs one encoder pass and a few decoder steps.
- Long speech (over MAX_SCORED_SECONDS) is only transcribed: a command is short, and
  scoring a sentence against one-word phrases only invites false accepts.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

from voicecoach.audio.audio_io import TARGET_RATE, load_16k
from voicecoach.audio.moonshine.decide import Bars, Readings, decide
from voicecoach.audio.moonshine.scoring import PhraseTree, score_tree
from voicecoach.audio.moonshine.tokenizer import EOS
from voicecoach.core.errors import UserError
from voicecoach.core.intents import Intent, no_intent

PAD_S = 0.5
MAX_SCORED_WORDS = 2
MAX_SCORED_SECONDS = 3.0
MIN_SECONDS = 0.1
BEAM = 8
# The bars scripts/bench_recognizer.py fits on all speakers (clean and 20/10/6/0 dB together;
# objective: accuracy - 3 x false accepts). Its figures in BENCHMARKS.md are held out: each
# clip is decided with the bar fitted on the other four fifths of the speakers.
BARS: dict[str, Bars] = {
    "command": Bars(renorm=-1.5),
    "yes_no": Bars(renorm=-2.0),
    "number": Bars(renorm=-3.0),
}
DEFAULT_BARS = Bars(renorm=-1.5)  # safety, cause, level: as strict as the command context
STRICT_EXTRA = 1.5  # over the coach's voice, when what it said is not known


def understand(text: str, catalog, context: str) -> Intent:
    """The free transcript read exactly as typed text is, in the listening context.

    The parser treats the context as a preference (a clear command still means itself); by
    voice only the context's own intents are trusted from the free reading, because a
    misheard transcript of chatter can read as any command. Others go to phrase scoring."""
    from voicecoach.understanding.parser import parse

    intent = parse(text, catalog, context=context)
    return intent if intent.name in _context_intents(context) else no_intent(text)


def _context_intents(context: str) -> frozenset[str]:
    from voicecoach.understanding.templates import load_templates

    return frozenset(load_templates().context(context))


def scored_phrases(context: str, catalog=None) -> list[tuple[str, Intent]]:
    """The context's phrases worth scoring against audio: short, no exercise name, one entry
    per spoken text (the first meaning wins, as in the parser's own table)."""
    from voicecoach.understanding.phrases import expected_phrases

    seen: dict[str, Intent] = {}
    for text, intent in expected_phrases(context, catalog):
        if len(text.split()) <= MAX_SCORED_WORDS and "exercise" not in intent.slots:
            seen.setdefault(text, intent)
    return list(seen.items())


class MoonshineRecognizer:
    """Load once, decode many; `decode()` is thread-safe (one model, a lock)."""

    engine = "moonshine"
    online = False

    def __init__(self, grammars=None, *, catalog=None, int8: bool = True,
                 notice: Callable[[str], None] | None = None, beam: int | None = BEAM):
        from voicecoach.audio.moonshine.files import converted
        from voicecoach.audio.moonshine.model import Moonshine
        from voicecoach.understanding.phrases import listening_contexts

        t0 = time.perf_counter()
        files = converted(int8=int8, notice=notice)
        try:
            self.model = Moonshine(files)
        except Exception as err:  # a damaged cache that still matched its manifest
            if notice is not None:
                notice(f"speech model did not load ({str(err).splitlines()[0][:120]}); "
                       "rebuilding it")
            self.model = Moonshine(converted(int8=int8, force=True))
        self.convert_ms = (time.perf_counter() - t0) * 1000 - self.model.load_ms
        self.catalog = catalog
        self.beam = beam
        self.grammars: tuple[str, ...] = tuple(grammars) if grammars else listening_contexts()
        self._phrases: dict[str, list[tuple[str, Intent]]] = {}
        self._trees: dict[str, PhraseTree] = {}
        for name in self.grammars:
            self._tree(name)
        self._lock = threading.Lock()
        self.load_ms = (time.perf_counter() - t0) * 1000

    def _tree(self, context: str) -> PhraseTree:
        if context not in self._trees:
            phrases = scored_phrases(context, self.catalog)
            self._phrases[context] = phrases
            self._trees[context] = PhraseTree.build([p for p, _ in phrases],
                                                    self.model.tokenizer)
        return self._trees[context]

    # ------------------------------------------------------------------ readings

    def readings(self, samples: np.ndarray, contexts: tuple[str, ...]) -> dict[str, Readings]:
        """Both readings of one utterance (int16 or float samples at 16 kHz) for each of the
        listening contexts (the encodings and the transcript are shared)."""
        x = np.asarray(samples, np.float32)
        if samples.dtype.kind in "iu":
            x = x / 32768.0
        seconds = len(x) / TARGET_RATE
        text, _, _ = self.model.transcribe(self.model.encode(x), seconds)
        out: dict[str, Readings] = {}
        enc = None
        for context in contexts:
            free = understand(text, self.catalog, context) if text else no_intent("")
            if seconds > MAX_SCORED_SECONDS or not free.is_none:
                out[context] = Readings(text, free, None, None, -np.inf)
                continue
            if enc is None:
                pad = np.zeros(int(PAD_S * TARGET_RATE), np.float32)
                enc = self.model.encode(np.concatenate([pad, x, pad]))
                p_empty = float(np.exp(enc.first[EOS]))
                correction = -float(np.log1p(-min(p_empty, 1 - 1e-6)))
            scores, _ = score_tree(self.model, enc, self._tree(context), beam=self.beam)
            best = int(np.argmax(scores))
            phrase, intent = self._phrases[context][best]
            out[context] = Readings(text, free, phrase, intent, float(scores[best]) + correction)
        return out

    # ------------------------------------------------------------------ the interface

    def decode(self, pcm, rate: int = TARGET_RATE, grammar: str = "command",
               strict: bool = False):
        """One utterance -> Recognition. `strict` (the coach is speaking and what it said is
        not known) raises the bar by STRICT_EXTRA."""
        from voicecoach.audio.recognizer import Recognition, as_pcm16k

        if grammar not in self.grammars:
            raise UserError(f"unknown grammar {grammar!r}; known: {', '.join(self.grammars)}")
        samples = as_pcm16k(pcm, rate)
        t0 = time.perf_counter()
        if len(samples) < MIN_SECONDS * TARGET_RATE:
            return Recognition("", no_intent(""), 0.0, 0.0, grammar, self.engine)
        with self._lock:
            r = self.readings(samples, (grammar,))[grammar]
        bars = BARS.get(grammar, DEFAULT_BARS)
        if strict:
            bars = Bars(bars.renorm + STRICT_EXTRA, bars.safety_bonus)
        intent = decide(r, bars)
        ms = (time.perf_counter() - t0) * 1000
        text = intent.text if not intent.is_none else r.free_text
        return Recognition(text, intent, intent.confidence if not intent.is_none else 0.0, ms,
                           grammar, self.engine)

    def decode_file(self, path: str | Path, grammar: str = "command"):
        return self.decode(load_16k(path), TARGET_RATE, grammar)

