"""The sounds a count needs, as WAV files the assistant plays at once (`play_audio(instant=True)`).

The assistant's own `speak()` is a queue with no due times: a count spoken through it lands
wherever the queue happens to be. So every counting line ("three", "halfway", "17", "and
relax") is rendered ahead of time with the coach's own renderer (pyttsx3 + espeak-ng in a worker
process, cached on disk: the same files the standalone coach uses) and played as a file on our
own timer. With counts="tick", plain numbers are a short tick instead; words are still spoken.

A line not rendered yet when its count is due falls back to the tick: the rhythm matters more
than the word. No sound card, PyAudio or microphone is touched here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from voicecoach.audio.player import DEFAULT_RATE, make_tick
from voicecoach.audio.render import Renderer, RenderError, read_audio, write_wav
from voicecoach.audio.speaker import _is_number as is_plain_number


@dataclass(frozen=True)
class Clip:
    path: str
    seconds: float  # real seconds of sound


class CountSounds:
    """WAV files for counting lines, rendered in the background; `clip(text)` never blocks."""

    def __init__(self, folder: Path, *, counts: str = "voice", voice: str | None = None,
                 rate: int | None = None, renderer: Renderer | None = None):
        if counts not in ("voice", "tick"):
            raise ValueError("counts must be 'voice' or 'tick'")
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.counts = counts
        self._voice, self._rate = voice, rate
        self._renderer = renderer
        self._own_renderer = renderer is None
        self._clips: dict[str, Clip] = {}
        self._asked: set[str] = set()
        self._lock = threading.Lock()
        self.failed: str | None = None  # why rendering is unavailable, once known
        self.tick = self._write_tick()

    # -- preparing

    def prepare(self, lines: Iterable[str]) -> None:
        """Render `lines` in the background (soonest first); returns at once."""
        with self._lock:
            wanted = [t for t in dict.fromkeys(lines)
                      if t.strip() and not self._ticked(t) and t not in self._asked]
            self._asked.update(wanted)
        if not wanted:
            return
        try:
            renderer = self._get_renderer()
        except RenderError as err:
            self.failed = str(err)
            return
        for text in wanted:
            fut = renderer.submit(text, self._voice, self._rate, priority=10)
            fut.add_done_callback(lambda f, text=text: self._rendered(text, f))

    def wait(self, texts: Iterable[str], timeout: float) -> bool:
        """Block until every text has a clip (benchmarks and tests); False on timeout."""
        deadline = time.monotonic() + timeout
        for text in texts:
            while not self._ticked(text) and not self._has(text):
                if self.failed or time.monotonic() > deadline:
                    return False
                time.sleep(0.02)
        return True

    def close(self) -> None:
        if self._renderer is not None and self._own_renderer:
            self._renderer.close()

    # -- using

    def clip(self, text: str) -> Clip:
        """The sound for a counting line: its rendering, or the tick (counts="tick" for a plain
        number, or the line is not rendered yet)."""
        if self._ticked(text):
            return self.tick
        with self._lock:
            clip = self._clips.get(text)
        if clip is None:
            self.prepare([text])  # for next time
        return clip or self.tick

    # -- inside

    def _has(self, text: str) -> bool:
        with self._lock:
            return text in self._clips

    def _ticked(self, text: str) -> bool:
        return self.counts == "tick" and is_plain_number(text)

    def _get_renderer(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer(voice=self._voice, rate=self._rate, cache_dir=self.folder)
        return self._renderer

    def _rendered(self, text: str, fut) -> None:
        try:
            rendered = fut.result()
        except Exception as err:  # noqa: BLE001 — the tick stands in; say why once
            self.failed = self.failed or str(err)
            return
        renderer = self._get_renderer()
        path = renderer.cache_dir / f"{renderer.key(text, self._voice, self._rate)}.wav"
        if not path.exists():  # the renderer's cache could not be written: keep our own copy
            write_wav(path, rendered.samples, rendered.rate)
        with self._lock:
            self._clips[text] = Clip(str(path), rendered.seconds)

    def _write_tick(self) -> Clip:
        path = self.folder / "tick.wav"
        if not path.exists():
            write_wav(path, make_tick(DEFAULT_RATE), DEFAULT_RATE)
        samples, rate = read_audio(path)
        return Clip(str(path), len(samples) / rate)
